"""Writes for the specialist pathways: validated, atomic and audited (issue 4 grows this)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role, User
from accounts.services import draft_discard
from families.models import (
    LEVELS,
    Family,
    LegalStatus,
    Membership,
    Person,
    StatusEpisode,
    long_date,
)
from families.services import EditConflict, check_open, create_audited, new_reference

from .models import (
    Appointment,
    ClosureReason,
    Consultation,
    CycleOfChangeEntry,
    EligibilityRule,
    Engagement,
    EngagementAttempt,
    EngagementChange,
    GroupProgramme,
    MeasureReading,
    OutcomeMeasure,
    Pathway,
    PathwayStage,
    ProgrammeAttendance,
    ProgrammeSession,
    Rag,
    Referral,
    ReferralReview,
    ReferralStageChange,
    TrainingSession,
)


def _not_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "The date cannot be in the future."})


def _is_child(person: Person) -> bool:
    """A child is a child in every family they belong to: any membership says so."""
    return Membership.objects.filter(person=person).children().exists()


def _between_referral_and_today(referral: Referral, day: datetime.date, field: str) -> None:
    if day > timezone.localdate() or day < referral.referred_on:
        raise ValidationError({field: "The date must be between the referral and today."})


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
    if _is_child(person):
        raise ValidationError({"person": "Outcome measures are recorded for adults."})
    _not_future(taken_on, "taken_on")
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


# Eligibility ------------------------------------------------------------------------------


def _age_in_years(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _months_old(born: datetime.date, on: datetime.date) -> int:
    return (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)


def eligibility_failures(
    *, person: Person, family: Family, pathway: Pathway, on: datetime.date
) -> list[str]:
    """The rules in force on `on` that a referral of `person` from `family` does not meet, in
    words. "A child in the family" is a child member of `family` on that day."""
    rules = EligibilityRule.objects.filter(pathway=pathway, in_force_from__lte=on).exclude(
        in_force_to__lt=on
    )
    children = [
        membership.person
        for membership in Membership.objects.on(on)
        .children()
        .filter(family=family)
        .select_related("person")
    ]
    failures = []
    for rule in rules:
        params = rule.params
        if rule.kind == EligibilityRule.Kind.ADULT_AGE_BETWEEN:
            if person.date_of_birth is None:
                failures.append("The adult's date of birth is not recorded.")
            elif not params["min"] <= _age_in_years(person.date_of_birth, on) <= params["max"]:
                failures.append(f"The adult is not aged {params['min']} to {params['max']}.")
        elif rule.kind == EligibilityRule.Kind.CHILD_UNDER_MONTHS:
            if not any(
                child.date_of_birth and _months_old(child.date_of_birth, on) < params["months"]
                for child in children
            ):
                failures.append(f"No child in the family is under {params['months']} months.")
        elif rule.kind == EligibilityRule.Kind.LOCALITY_IN:
            if family.locality.name not in params["localities"]:
                failures.append(f"The family does not live in {', '.join(params['localities'])}.")
        elif rule.kind == EligibilityRule.Kind.CHILD_STATUS_IN:
            statuses = set(params["statuses"])
            covering = StatusEpisode.objects.filter(
                child__in=children, status__in=statuses
            ).covering(on)
            if not covering.exists():
                names = dict(LegalStatus.choices)
                labels = [
                    names.get(status, status).lower()
                    for status in sorted(statuses, key=lambda status: LEVELS.get(status, 0))
                ]
                failures.append(f"No child is currently on {' or '.join(labels)}.")
    return failures


# Referral lifecycle -----------------------------------------------------------------------


def _first_stage(pathway: Pathway) -> PathwayStage:
    # Every pathway has its stages (the migrations that add a pathway add them).
    return pathway.stages.order_by("order")[0]


@transaction.atomic
def referral_create(
    *,
    person: Person,
    family: Family,
    pathway: Pathway,
    referred_on: datetime.date,
    rag: str = Rag.AMBER,
    areas_of_need: list[str] | None = None,
    reason: str = "",
    previously_known: bool | None = None,
    eligibility_override: str = "",
    acting_user: User,
    draft_key: str = "",
) -> Referral:
    """Refer an adult of `family` (a current member: the family the referral is made in) to
    a pathway. Outside the pathway's rules the referral needs a reason to proceed (the
    ValidationError lists each rule not met, code "ineligible"). The user's draft of the
    form (`draft_key`) is discarded in the same commit."""
    membership = Membership.objects.current().filter(person=person, family=family).first()
    if membership is None:
        raise ValidationError({"family": f"{person} is not a member of {family}."})
    if membership.role == Membership.Role.CHILD:
        raise ValidationError({"person": "Children are not referred to adult pathways."})
    check_open(family)
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": "The referral date cannot be in the future."})
    if Referral.objects.filter(person=person, pathway=pathway, closed_on__isnull=True).exists():
        raise ValidationError({"pathway": f"{person} already has an open {pathway} referral."})
    failures = eligibility_failures(person=person, family=family, pathway=pathway, on=referred_on)
    if failures and not eligibility_override.strip():
        raise ValidationError(
            {"eligibility_override": [ValidationError(f, code="ineligible") for f in failures]}
        )
    first_stage = _first_stage(pathway)
    referral = Referral(
        reference=new_reference("R"),
        person=person,
        family=family,
        pathway=pathway,
        referred_on=referred_on,
        referred_by=acting_user,
        rag=rag,
        areas_of_need=areas_of_need or [],
        reason=reason,
        previously_known=previously_known,
        eligibility_override=eligibility_override.strip() if failures else "",
        stage=first_stage,
    )
    referral.full_clean()
    referral.save()
    ReferralStageChange.objects.create(
        referral=referral, stage=first_stage, changed_on=referred_on, changed_by=acting_user
    )
    EngagementChange.objects.create(
        referral=referral,
        engagement=Engagement.NEW,
        changed_on=referred_on,
        changed_by=acting_user,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=acting_user,
        obj=referral,
        detail={"pathway": pathway.code, "ineligible": len(failures)},
    )
    draft_discard(user=acting_user, key=draft_key)
    return referral


def practitioner_load(practitioner: User, pathway: Pathway) -> tuple[int, int]:
    """(open referrals allocated to the practitioner, their capacity by FTE)."""
    open_cases = Referral.objects.filter(practitioner=practitioner, closed_on__isnull=True).count()
    return open_cases, pathway.capacity_for(practitioner.fte)


@transaction.atomic
def referral_allocate(
    *,
    referral: Referral,
    practitioner: User,
    allocated_on: datetime.date,
    accept_over_capacity: bool = False,
    acting_user: User,
) -> Referral:
    """Allocate to a practitioner of the pathway; over their capacity it warns (code
    "over_capacity") unless the allocator accepts it."""
    referral = Referral.objects.select_for_update().select_related("pathway").get(pk=referral.pk)
    if referral.closed_on is not None:
        raise ValidationError("A closed referral cannot be allocated.")
    if (
        practitioner.role != Role.SPECIALIST
        or practitioner.is_service_account  # a partner's system is nobody's practitioner
        or practitioner.pathway != referral.pathway.code
        or not practitioner.is_active
    ):
        raise ValidationError({"practitioner": f"Choose a {referral.pathway} practitioner."})
    if allocated_on < referral.referred_on:
        raise ValidationError(
            {
                "allocated_on": f"Allocation cannot be before the referral, "
                f"{long_date(referral.referred_on)}."
            }
        )
    open_cases, capacity = practitioner_load(practitioner, referral.pathway)
    if open_cases >= capacity and not accept_over_capacity:
        raise ValidationError(
            {
                "practitioner": ValidationError(
                    f"{practitioner} holds {open_cases} open cases, at or over their capacity of "
                    f"{capacity}.",
                    code="over_capacity",
                )
            }
        )
    referral.practitioner, referral.allocated_on = practitioner, allocated_on
    if referral.next_review_on is None:
        referral.next_review_on = allocated_on + datetime.timedelta(
            weeks=referral.pathway.review_weeks
        )
    referral.version += 1
    referral.save(
        update_fields=["practitioner", "allocated_on", "next_review_on", "version", "updated_at"]
    )
    allocated = referral.pathway.stages.filter(code="allocated").first()
    if allocated is not None and referral.stage_id != allocated.pk:
        _move_to_stage(referral, allocated, allocated_on, acting_user)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=referral,
        detail={"practitioner": practitioner.username, "over_capacity": open_cases >= capacity},
    )
    return referral


def _check_version(referral: Referral, expected_version: int | None) -> None:
    """A caller that read the referral at `expected_version` (the API, through If-Match)
    changes it only if nobody has since; None: the caller did not read a version."""
    if expected_version is not None and referral.version != expected_version:
        raise EditConflict(referral, expected_version)


def _move_to_stage(
    referral: Referral, stage: PathwayStage, on: datetime.date, acting_user: User | None
) -> None:
    last = referral.stage_changes.order_by("-changed_on", "-id").first()
    if last is not None and on < last.changed_on:
        when = long_date(last.changed_on)
        raise ValidationError({"changed_on": f"The change cannot be before the last one, {when}."})
    referral.stage = stage
    referral.save(update_fields=["stage", "updated_at"])
    ReferralStageChange.objects.create(
        referral=referral, stage=stage, changed_on=on, changed_by=acting_user
    )


@transaction.atomic
def referral_stage_change(
    *,
    referral: Referral,
    stage_code: str,
    changed_on: datetime.date,
    acting_user: User,
    expected_version: int | None = None,
) -> Referral:
    """Move an open referral to another of its pathway's stages (closing has its own path)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _check_version(referral, expected_version)
    if referral.closed_on is not None:
        raise ValidationError("This referral is closed.")
    stage = referral.pathway.stages.filter(code=stage_code, is_closed=False).first()
    if stage is None:
        raise ValidationError({"stage": f"Not a stage of {referral.pathway} to move to."})
    _not_future(changed_on, "changed_on")
    _move_to_stage(referral, stage, changed_on, acting_user)
    referral.version += 1
    referral.save(update_fields=["version", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=referral,
        detail={"stage": stage.code, "changed_on": changed_on.isoformat()},
    )
    return referral


@transaction.atomic
def referral_engagement_change(
    *,
    referral: Referral,
    engagement: str,
    changed_on: datetime.date,
    acting_user: User,
    expected_version: int | None = None,
) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _check_version(referral, expected_version)
    if engagement not in Engagement.values:
        raise ValidationError({"engagement": "Choose engaged, inconsistent, not engaged or new."})
    _between_referral_and_today(referral, changed_on, "changed_on")
    if referral.engagement == engagement:
        return referral
    referral.engagement = engagement
    referral.version += 1
    referral.save(update_fields=["engagement", "version", "updated_at"])
    EngagementChange.objects.create(
        referral=referral, engagement=engagement, changed_on=changed_on, changed_by=acting_user
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=referral,
        detail={"engagement": engagement, "changed_on": changed_on.isoformat()},
    )
    return referral


@transaction.atomic
def referral_close(
    *,
    referral: Referral,
    closed_on: datetime.date,
    reason: str,
    outcome: str = "",
    acting_user: User,
    draft_key: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Close the work with its reason and outcome; the user's draft of the form (`draft_key`)
    is discarded in the same commit."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _check_version(referral, expected_version)
    if referral.closed_on is not None:
        raise ValidationError("This referral is already closed.")
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": "Choose a reason for closing."})
    _between_referral_and_today(referral, closed_on, "closed_on")
    closed = referral.pathway.stages.filter(is_closed=True).first()
    referral.closed_on, referral.closure_code, referral.closure_reason = closed_on, reason, outcome
    referral.version += 1
    referral.save(
        update_fields=["closed_on", "closure_code", "closure_reason", "version", "updated_at"]
    )
    if closed is not None:
        _move_to_stage(referral, closed, closed_on, acting_user)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=referral,
        detail={"closed_on": closed_on.isoformat(), "reason": reason},
    )
    draft_discard(user=acting_user, key=draft_key)
    return referral


@transaction.atomic
def referral_review_record(
    *,
    referral: Referral,
    reviewed_on: datetime.date,
    summary: str,
    next_review_on: datetime.date | None,
    acting_user: User,
    draft_key: str = "",
    expected_version: int | None = None,
) -> ReferralReview:
    """Record a review of the work and when the next is due (none: the work is ending). The
    user's draft of the form (`draft_key`) is discarded in the same commit."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _check_version(referral, expected_version)
    if referral.closed_on is not None:
        raise ValidationError("This referral is closed.")
    _between_referral_and_today(referral, reviewed_on, "reviewed_on")
    if not summary.strip():
        raise ValidationError({"summary": "Enter what the review found."})
    if next_review_on is not None and next_review_on <= reviewed_on:
        raise ValidationError({"next_review_on": "The next review must be after this one."})
    review = create_audited(
        ReferralReview(
            referral=referral,
            reviewed_on=reviewed_on,
            summary=summary.strip(),
            next_review_on=next_review_on,
            recorded_by=acting_user,
        ),
        acting_user=acting_user,
    )
    referral.next_review_on = next_review_on
    referral.version += 1
    referral.save(update_fields=["next_review_on", "version", "updated_at"])
    draft_discard(user=acting_user, key=draft_key)
    return review


@transaction.atomic
def cycle_of_change_record(
    *,
    person: Person,
    stage: str,
    recorded_on: datetime.date,
    source: str = CycleOfChangeEntry.Source.PRACTITIONER,
    acting_user: User,
) -> CycleOfChangeEntry:
    if _is_child(person):
        raise ValidationError({"person": "The cycle of change is recorded for adults."})
    _not_future(recorded_on, "recorded_on")
    entry = CycleOfChangeEntry(
        person=person,
        stage=stage,
        recorded_on=recorded_on,
        source=source,
        recorded_by=acting_user,
    )
    return create_audited(entry, acting_user=acting_user)


# Dads Matter Too work and appointments ----------------------------------------------------


@transaction.atomic
def engagement_attempt_record(
    *,
    referral: Referral,
    attempted_on: datetime.date,
    method: str,
    outcome: str,
    note: str = "",
    acting_user: User,
) -> EngagementAttempt:
    _not_future(attempted_on, "attempted_on")
    if attempted_on < referral.referred_on:
        raise ValidationError(
            {
                "attempted_on": f"The attempt cannot be before the referral, "
                f"{long_date(referral.referred_on)}."
            }
        )
    if referral.closed_on is not None:
        raise ValidationError("This referral is closed.")
    return create_audited(
        EngagementAttempt(
            referral=referral,
            attempted_on=attempted_on,
            method=method,
            outcome=outcome,
            note=note,
            recorded_by=acting_user,
        ),
        acting_user=acting_user,
    )


@transaction.atomic
def appointment_book(
    *, referral: Referral, starts_at: datetime.datetime, minutes: int = 60, acting_user: User
) -> Appointment:
    if referral.closed_on is not None:
        raise ValidationError("This referral is closed.")
    return create_audited(
        Appointment(
            referral=referral, starts_at=starts_at, minutes=minutes, practitioner=acting_user
        ),
        acting_user=acting_user,
    )


@transaction.atomic
def appointment_outcome(
    *, appointment: Appointment, outcome: str, expected_version: int, acting_user: User
) -> Appointment:
    """Record what happened; only a past appointment can have been attended or missed."""
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if current.version != expected_version:
        raise EditConflict(current, expected_version)
    if outcome not in Appointment.Outcome.values:
        raise ValidationError({"outcome": "Choose what happened."})
    happened = (Appointment.Outcome.ATTENDED, Appointment.Outcome.DID_NOT_ATTEND)
    if outcome in happened and current.starts_at > timezone.now():
        raise ValidationError({"outcome": "The appointment has not happened yet."})
    current.outcome, current.version = outcome, expected_version + 1
    current.save(update_fields=["outcome", "version"])
    audit_record(
        action=AuditEvent.Action.UPDATE, actor=acting_user, obj=current, detail={"outcome": outcome}
    )
    return current


@transaction.atomic
def consultation_record(
    *,
    given_on: datetime.date,
    team: Any,
    topic: str,
    minutes: int,
    social_worker: User | None = None,
    acting_user: User,
    draft_key: str = "",
) -> Consultation:
    """Record advice given to a team; the user's draft of the form (`draft_key`) is
    discarded in the same commit."""
    _not_future(given_on, "given_on")
    if minutes <= 0:
        raise ValidationError({"minutes": "Enter the time spent in minutes."})
    if social_worker is not None and social_worker.team_id != team.pk:
        raise ValidationError({"social_worker": "Choose a social worker in that team."})
    consultation = create_audited(
        Consultation(
            given_on=given_on,
            given_by=acting_user,
            team=team,
            social_worker=social_worker,
            topic=topic,
            minutes=minutes,
        ),
        acting_user=acting_user,
    )
    draft_discard(user=acting_user, key=draft_key)
    return consultation


@transaction.atomic
def programme_attendance_record(
    *,
    session: ProgrammeSession,
    person: Person | None = None,
    attendee_name: str = "",
    acting_user: User,
) -> ProgrammeAttendance:
    """A father at a group session: linked to his record when he has one, else by name
    (the group is open to all fathers of young children, not only those with a case)."""
    if session.held_on > timezone.localdate():
        raise ValidationError("Attendance is recorded once the session has happened.")
    if person is not None and _is_child(person):
        raise ValidationError({"person": "Choose an adult."})
    if person is None and not attendee_name.strip():
        raise ValidationError({"attendee_name": "Enter the father's name."})
    if person is not None and session.attendance.filter(person=person).exists():
        raise ValidationError({"person": f"{person} is already recorded at this session."})
    return create_audited(
        ProgrammeAttendance(session=session, person=person, attendee_name=attendee_name.strip()),
        acting_user=acting_user,
    )


@transaction.atomic
def programme_create(
    *,
    name: str,
    pathway: Pathway,
    delivery: str,
    starts_on: datetime.date,
    themes: list[str],
    locality: Any = None,
    acting_user: User,
) -> GroupProgramme:
    """A weekly group: one session per theme, a week apart from `starts_on`."""
    if not themes:
        raise ValidationError({"themes": "Enter at least one session theme."})
    programme = create_audited(
        GroupProgramme(
            name=name, pathway=pathway, delivery=delivery, starts_on=starts_on, locality=locality
        ),
        acting_user=acting_user,
    )
    ProgrammeSession.objects.bulk_create(
        ProgrammeSession(
            programme=programme,
            number=number,
            theme=theme,
            held_on=starts_on + datetime.timedelta(weeks=number - 1),
        )
        for number, theme in enumerate(themes, 1)
    )
    return programme


@transaction.atomic
def training_record(
    *, delivered_on: datetime.date, audience: str, attendees: int, acting_user: User
) -> TrainingSession:
    _not_future(delivered_on, "delivered_on")
    return create_audited(
        TrainingSession(
            delivered_on=delivered_on,
            delivered_by=acting_user,
            audience=audience,
            attendees=attendees,
        ),
        acting_user=acting_user,
    )
