"""Writes to staff records, each validated and audited.

Django admin, the demo seed and any later staff page all come here, so a change of role,
team, active flag, import permission or password leaves the same audit row whichever way it
was made. Audit rows name the fields that changed, never their values (and never a password).
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .audit import audit_record
from .models import AuditEvent, Draft, Locality, PartnerAgency, Role, Team, User

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


# ---- Two-factor authentication (accounts.two_factor says who must use it) ----
# Codes are compared and thrown away: no audit row holds a code, only what happened.


def two_factor_enrol(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator app holding `key` with the code it shows now. It replaces any
    app the user had, and they get new recovery codes, returned to be shown once."""
    device = TOTPDevice(user=user, key=key, name="Authenticator app", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    code = two_factor.normalise_code(code)
    if not (two_factor.is_app_code(code) and totp.verify(int(code), device.tolerance)):
        audit_record(
            action=AuditEvent.Action.TWO_FACTOR_FAILED, actor=user, detail={"stage": "enrolment"}
        )
        raise ValidationError(
            {"code": "Enter the 6-digit code your authenticator app shows for DMT now"}
        )
    device.last_t = totp.t()  # this code cannot be used again to sign in
    device.drift = totp.drift
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device.save()
        codes = _recovery_codes_replace(user)
        audit_record(
            action=AuditEvent.Action.TWO_FACTOR_ENROLLED,
            actor=user,
            detail={"recovery_codes": len(codes)},
        )
    return device, codes


def two_factor_verify(*, user: User, code: str) -> Device:
    """Check a code at sign-in: six digits against the authenticator app, anything else
    against the recovery codes (a recovery code is used up once accepted). Audited either
    way. Raises ValidationError when the code is wrong, or when the device is still making the
    user wait after earlier wrong codes (django-otp's own back-off)."""
    code = two_factor.normalise_code(code)
    method = "app" if two_factor.is_app_code(code) else "recovery_code"
    model = TOTPDevice if method == "app" else StaticDevice
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        waiting = any(not device.verify_is_allowed()[0] for device in devices)
        accepted = None if waiting else next((d for d in devices if d.verify_token(code)), None)
        if accepted is None:
            audit_record(
                action=AuditEvent.Action.TWO_FACTOR_FAILED,
                actor=user,
                detail={"stage": "sign_in", "method": method, "waiting": waiting},
            )
        elif method == "app":
            audit_record(
                action=AuditEvent.Action.TWO_FACTOR_VERIFIED, actor=user, detail={"method": method}
            )
        else:
            audit_record(
                action=AuditEvent.Action.RECOVERY_CODE_USED,
                actor=user,
                detail={"recovery_codes_left": two_factor.recovery_codes_left(user)},
            )
    if accepted is None:
        raise ValidationError(
            {
                "code": "You have typed too many wrong codes. Wait a minute, then try again"
                if waiting
                else "Enter the code your authenticator app shows now, or a recovery code"
            }
        )
    return accepted


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for a user with an authenticator app; the old ones stop working."""
    if not two_factor.has_authenticator(user):
        raise ValidationError("Set up an authenticator app before making recovery codes")
    codes = _recovery_codes_replace(user)
    audit_record(
        action=AuditEvent.Action.RECOVERY_CODES_MADE,
        actor=user,
        detail={"recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
@transaction.atomic
def two_factor_turn_off(*, user: User, acting_user: User) -> None:
    """Remove a user's authenticator app and recovery codes. The user may do it when their
    role does not need two-factor; an administrator may for anyone who has lost both (they
    set up a new app at their next sign-in)."""
    if acting_user.pk == user.pk:
        if two_factor.two_factor_required(user):
            raise ValidationError("Your role needs two-factor authentication")
    elif acting_user.role != Role.ADMIN:
        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(action=AuditEvent.Action.TWO_FACTOR_RESET, actor=acting_user, obj=user)


def _recovery_codes_replace(user: User) -> list[str]:
    device = StaticDevice.objects.filter(user=user).first() or StaticDevice.objects.create(
        user=user, name="Recovery codes", confirmed=True
    )
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < two_factor.RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


# Drafts -----------------------------------------------------------------------------------

DRAFT_MAX_BYTES = 200_000


def draft_save(*, user: User, key: str, data: dict[str, Any]) -> Draft:
    """Keep what the user has typed so far. Not audited: it is not yet part of the record."""
    if len(repr(data).encode()) > DRAFT_MAX_BYTES:
        raise ValidationError("This draft is too long to keep.")
    draft, _ = Draft.objects.update_or_create(user=user, key=key, defaults={"data": data})
    return draft


def draft_discard(*, user: User, key: str) -> None:
    """Forget the user's draft for a form. A form's service calls this inside the transaction
    that saves the record, so the draft goes exactly when the text is safely recorded."""
    if key:
        Draft.objects.filter(user=user, key=key).delete()


def draft_for(user: User, key: str) -> Draft | None:
    return Draft.objects.filter(user=user, key=key).first()
