"""Writes to staff records, each audited."""

from decimal import Decimal

from django.db import transaction

from .audit import audit_record
from .models import AuditEvent, Locality, PartnerAgency, Role, Team, User


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
    """Create the member of staff called `username`, or bring an existing one up to date."""
    user = User.objects.filter(username=username).first()
    created = user is None
    user = user or User(username=username)
    user.first_name, user.last_name = first_name, last_name
    user.role, user.pathway = role, pathway
    user.team, user.locality, user.agency, user.fte = team, locality, agency, fte
    user.leads_pathway = leads_pathway
    user.email = f"{username}@example.invalid"
    # Django admin is for the admin role alone (see accounts.admin_site).
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=user,
        detail={"role": role},
    )
    return user
