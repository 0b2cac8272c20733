"""Writes to staff records, each validated and audited.

Django admin, the demo seed and any later staff page all come here, so a change of role,
team, active flag, import permission or password leaves the same audit row whichever way it
was made. Audit rows name the fields that changed, never their values (and never a password).
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth import password_validation
from django.db import transaction

from .audit import audit_record
from .models import AuditEvent, Locality, PartnerAgency, Role, Team, User

# What a staff change may set. is_staff and is_superuser are not here: they follow the role
# (Django admin is for the admin role alone, see accounts.admin_site).
STAFF_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "pathway",
    "leads_pathway",
    "team",
    "locality",
    "agency",
    "fte",
    "mi_trained_on",
    "is_active",
    "can_import_cases",
)


def _check_fields(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"Not a staff field that can be changed: {', '.join(sorted(unknown))}")


def _set_access(user: User) -> list[str]:
    """Make is_staff and is_superuser follow the role; the names of those that changed."""
    admin = user.role == Role.ADMIN
    changed = [name for name in ("is_staff", "is_superuser") if getattr(user, name) != admin]
    user.is_staff = user.is_superuser = admin
    return changed


def _set_password(user: User, password: str | None) -> None:
    """None leaves the account with no password: it cannot sign in with one."""
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)


def _apply(user: User, changes: dict[str, Any]) -> list[str]:
    """Apply to `user` the changes that differ from the stored row; validate and save them.

    `user` may already carry the changes (a bound admin form fills its instance in), so the
    comparison is with the row as stored, read under a lock.
    """
    _check_fields(changes)
    stored = User.objects.select_for_update().get(pk=user.pk)
    changed = [name for name, value in changes.items() if getattr(stored, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    changed += _set_access(user)
    if changed:
        user.full_clean()
        user.save(update_fields=changed)
    return changed


@transaction.atomic
def staff_create(*, user: User, password: str | None, acting_user: User | None) -> User:
    """Save a new member of staff built by the caller (not yet saved)."""
    if user.pk is not None:
        raise ValueError("staff_create saves a new member of staff; use staff_update.")
    _set_access(user)
    _set_password(user, password)
    user.full_clean()
    user.save()
    audit_record(
        action=AuditEvent.Action.CREATE, actor=acting_user, obj=user, detail={"role": user.role}
    )
    return user


@transaction.atomic
def staff_update(*, user: User, changes: dict[str, Any], acting_user: User | None) -> list[str]:
    """Change a member of staff's details, role, placement or access; returns what changed."""
    changed = _apply(user, changes)
    if changed:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=acting_user,
            obj=user,
            detail={"fields": changed},
        )
    return changed


@transaction.atomic
def staff_set_password(*, user: User, password: str | None, acting_user: User | None) -> User:
    """Set a member of staff's password, or (None) turn password sign-in off for them."""
    _set_password(user, password)
    user.save(update_fields=["password"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=user,
        detail={"fields": ["password"]},
    )
    return user


@transaction.atomic
def staff_save(
    *,
    username: str,
    first_name: str,
    last_name: str,
    role: Role,
    password: str,
    pathway: str = "",
    team: Team | None = None,
    locality: Locality | None = None,
    agency: PartnerAgency | None = None,
    fte: Decimal = Decimal("1"),
    leads_pathway: bool = False,
    acting_user: User | None,
) -> User:
    """Create the member of staff called `username`, or bring an existing one up to date.

    For the demo seed: the same validation and one audit row, as staff_create or as
    staff_update with the password.
    """
    fields: dict[str, Any] = {
        "first_name": first_name,
        "last_name": last_name,
        "email": f"{username}@example.invalid",
        "role": role,
        "pathway": pathway,
        "leads_pathway": leads_pathway,
        "team": team,
        "locality": locality,
        "agency": agency,
        "fte": fte,
        "is_active": True,
    }
    user = User.objects.filter(username=username).first()
    if user is None:
        return staff_create(
            user=User(username=username, **fields), password=password, acting_user=acting_user
        )
    changed = _apply(user, fields)
    if not user.check_password(password):
        _set_password(user, password)
        user.save(update_fields=["password"])
        changed.append("password")
    if changed:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=acting_user,
            obj=user,
            detail={"fields": changed},
        )
    return user
