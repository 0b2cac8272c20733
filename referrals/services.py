"""Writes for the specialist pathways: validated, atomic and audited (issue 4 grows this)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from families.models import Person

from .models import MeasureReading, OutcomeMeasure


def measure_scores_clean(measure: OutcomeMeasure, scores: dict[str, Any]) -> dict[str, int]:
    """Every item answered with a whole number on the measure's scale, and nothing else."""
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key in measure.item_keys:
        value = scores.get(key)
        if value is None or value == "":
            errors[key] = "Answer this item"
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[key] = "Enter a whole number"
            continue
        if isinstance(value, float) and not value.is_integer():
            errors[key] = "Enter a whole number"
        elif not measure.scale_min <= number <= measure.scale_max:
            errors[key] = f"Enter a score from {measure.scale_min} to {measure.scale_max}"
        else:
            clean[key] = number
    unknown = set(scores) - set(measure.item_keys)
    if unknown:
        errors["__all__"] = f"Not an item of {measure.name}: {', '.join(sorted(unknown))}"
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def measure_reading_record(
    *,
    person: Person,
    measure: OutcomeMeasure,
    taken_on: datetime.date,
    scores: dict[str, Any],
    acting_user: User,
) -> MeasureReading:
    """Score and keep one reading. An alert item scored above the minimum sets needs_action,
    whatever the total: a PHQ-9 answer about self-harm is never averaged away."""
    if person.is_child:
        raise ValidationError({"person": "Outcome measures are recorded for adults."})
    if taken_on > timezone.localdate():
        raise ValidationError({"taken_on": "The date cannot be in the future."})
    clean = measure_scores_clean(measure, scores)
    total = sum(clean.values()) if measure.has_total else None
    needs_action = any(clean[key] > measure.scale_min for key in measure.alert_items)
    reading = MeasureReading.objects.create(
        person=person,
        measure=measure,
        taken_on=taken_on,
        scores=clean,
        total=total,
        band=measure.band_for(total),
        needs_action=needs_action,
        recorded_by=acting_user,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=acting_user,
        obj=reading,
        detail={"measure": measure.code, "total": total, "needs_action": needs_action},
    )
    return reading
