"""Every write to a case record goes through here: validated, atomic and audited."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateformat import format as format_date

from accounts.audit import audit_record
from accounts.models import AuditEvent, Locality, Team, User

from .models import Family, LegalStatus, Person, StatusEpisode


def long_date(day: datetime.date) -> str:
    return format_date(day, "j F Y")


@transaction.atomic
def family_create(
    *,
    reference: str,
    locality: Locality,
    opened_on: datetime.date,
    team: Team | None = None,
    social_worker: User | None = None,
    cohort: str = "",
    acting_user: User | None,
) -> Family:
    family = Family(
        reference=reference,
        locality=locality,
        team=team,
        social_worker=social_worker,
        cohort=cohort,
        opened_on=opened_on,
    )
    family.full_clean()
    family.save()
    audit_record(action=AuditEvent.Action.CREATE, actor=acting_user, obj=family)
    return family


@transaction.atomic
def family_close(
    *, family: Family, closed_on: datetime.date, closure_reason: str, acting_user: User | None
) -> Family:
    """Close the case. The team manager's approval step arrives with case recording."""
    if family.closed_on is not None:
        raise ValidationError({"closed_on": "This case is already closed."})
    family.closed_on, family.closure_reason = closed_on, closure_reason
    family.full_clean()
    family.save(update_fields=["closed_on", "closure_reason", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=family,
        detail={"closed_on": closed_on.isoformat(), "closure_reason": closure_reason},
    )
    return family


@transaction.atomic
def person_create(*, family: Family, acting_user: User | None, **fields: Any) -> Person:
    person = Person(family=family, **fields)
    person.full_clean()
    person.save()
    audit_record(action=AuditEvent.Action.CREATE, actor=acting_user, obj=person)
    return person


@transaction.atomic
def child_status_change(
    *,
    child: Person,
    status: LegalStatus | None,
    start_date: datetime.date,
    acting_user: User | None,
) -> StatusEpisode | None:
    """Move `child` to `status` from `start_date`; `None` steps the child out (level 0).

    The current episode, if any, ends the day before. A change may not start before or on the
    current episode's first day, nor before any episode already recorded, so history is never
    rewritten through this path.
    """
    if not child.is_child:
        raise ValidationError({"child": "Only a child has a legal status."})
    # Lock the child's episodes so two simultaneous changes cannot both pass the checks.
    episodes = list(
        StatusEpisode.objects.select_for_update().filter(child=child).order_by("start_date")
    )
    if episodes and start_date <= episodes[-1].start_date:
        raise ValidationError(
            {
                "start_date": "The change must start after "
                f"{long_date(episodes[-1].start_date)}, when the current status began."
            }
        )
    if episodes and episodes[-1].end_date and start_date <= episodes[-1].end_date:
        raise ValidationError(
            {
                "start_date": f"The change must start after {long_date(episodes[-1].end_date)}, "
                "when the last status ended."
            }
        )
    current = episodes[-1] if episodes and episodes[-1].end_date is None else None
    if current is not None and current.status == status:
        raise ValidationError({"status": f"The child is already {current.get_status_display()}."})
    if current is None and status is None:
        raise ValidationError({"status": "The child is not open to children's services."})

    if current is not None:
        previous_status = current.status
        current.end_date = start_date - datetime.timedelta(days=1)
        current.full_clean()
        current.save(update_fields=["end_date"])
    else:
        previous_status = None

    episode = None
    if status is not None:
        episode = StatusEpisode(child=child, status=status, start_date=start_date)
        episode.full_clean()
        episode.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=child,
        detail={
            "field": "legal_status",
            "from": previous_status,
            "to": status,
            "start_date": start_date.isoformat(),
        },
    )
    return episode
