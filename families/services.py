"""Every write to a case record goes through here: validated, atomic and audited.

Edits carry the version the user started from; if someone else has saved since, the edit
raises EditConflict and changes nothing, so the view can show both versions and keep the
user's text.
"""

import datetime
import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Locality, Role, Team, User
from accounts.services import draft_discard
from dmt.errors import EditConflict as EditConflict  # there, the API answers it too

from .models import (
    LEVELS,
    Allocation,
    ChronologyEntry,
    ClosureRequest,
    Contact,
    Family,
    FatherInclusion,
    InvolvementPeriod,
    LegalStatus,
    Membership,
    Person,
    PersonName,
    Plan,
    PlanAction,
    Relationship,
    StatusEpisode,
    Transfer,
    long_date,
)
from .selectors import father_links_of

ModelT = TypeVar("ModelT", bound=models.Model)


def new_reference(prefix: str) -> str:
    """A reference for a record made in DMT rather than imported."""
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


# The records edited through _save_versioned: each has a version field.
_VersionedT = TypeVar("_VersionedT", Person, FatherInclusion, Contact, PlanAction, Membership)


def _save_versioned(
    instance: _VersionedT,
    *,
    expected_version: int,
    changes: dict[str, Any],
    changed_elsewhere: Iterable[str] = (),
) -> list[str]:
    """Apply `changes` to `instance` if nobody has saved it since `expected_version`.

    Returns the fields that really changed. `changed_elsewhere`: what the caller changes
    outside the row (a person's father is a relationship) that still makes a new version.
    The row is read under a lock before the check, so of two simultaneous saves from the
    same version the second waits, then sees the conflict.
    """
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    if current.version != expected_version:
        raise EditConflict(current, expected_version)
    columns: list[str] = [
        name for name, value in changes.items() if getattr(current, name) != value
    ]
    for name in columns:
        setattr(instance, name, changes[name])
    changed = [*columns, *changed_elsewhere]
    if not changed:
        return []
    instance.full_clean()
    instance.version = expected_version + 1
    update_fields = [*columns, "version"]
    if any(field.name == "updated_at" for field in model._meta.fields):
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    return changed


def create_audited(instance: ModelT, *, acting_user: User | None) -> ModelT:
    """Validate, save and audit a new record: the tail of every create service."""
    instance.full_clean()
    instance.save()
    audit_record(action=AuditEvent.Action.CREATE, actor=acting_user, obj=instance)
    return instance


def _check_editable(changes: dict[str, Any], editable: Iterable[str]) -> None:
    """Each update service names the fields it may change; anything else is a caller's bug."""
    unknown = set(changes) - set(editable)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")


def _audit_changes(instance: models.Model, changed: list[str], acting_user: User | None) -> None:
    if changed:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=acting_user,
            obj=instance,
            detail={"fields": changed},
        )


# Families ---------------------------------------------------------------------------------


def _check_allocatable(team: Team | None, social_worker: User) -> None:
    if (
        team is None
        or not social_worker.is_active
        or social_worker.role != Role.SOCIAL_WORKER
        or social_worker.team_id != team.pk
    ):
        raise ValidationError({"social_worker": "Choose a social worker in the family's team."})


def check_open(family: Family) -> None:
    """A closed case is a record of what happened: nothing more is written to it."""
    if family.closed_on is not None:
        raise ValidationError(
            f"This case closed on {long_date(family.closed_on)}: nothing more can be recorded."
        )


@transaction.atomic
def family_create(
    *,
    reference: str = "",
    locality: Locality,
    opened_on: datetime.date,
    team: Team | None = None,
    social_worker: User | None = None,
    cohort: str = "",
    acting_user: User | None,
) -> Family:
    if social_worker is not None:
        _check_allocatable(team, social_worker)
    family = Family(
        reference=reference or new_reference("F"),
        locality=locality,
        team=team,
        social_worker=social_worker,
        cohort=cohort,
        opened_on=opened_on,
    )
    family.full_clean()
    family.save()
    if social_worker is not None:
        Allocation.objects.create(
            family=family,
            social_worker=social_worker,
            start_date=opened_on,
            allocated_by=acting_user,
        )
    audit_record(action=AuditEvent.Action.CREATE, actor=acting_user, obj=family)
    return family


@transaction.atomic
def family_allocate(
    *, family: Family, social_worker: User, start_date: datetime.date, acting_user: User | None
) -> Allocation:
    """Give the case to `social_worker` from `start_date`, ending the current allocation."""
    # Read the row under a lock: the caller's copy may predate a closure or a reallocation.
    locked = Family.objects.select_for_update().get(pk=family.pk)
    if locked.closed_on is not None:
        raise ValidationError({"social_worker": "A closed case cannot be allocated."})
    _check_allocatable(locked.team, social_worker)
    current = Allocation.objects.select_for_update().filter(family=family, end_date__isnull=True)
    # Reallocated today when the case was allocated today: a correction, so today's
    # allocation is replaced rather than ended (it would otherwise end before it began).
    if start_date == timezone.localdate():
        current.filter(start_date=start_date).delete()
    for allocation in current:
        if start_date <= allocation.start_date:
            raise ValidationError(
                {
                    "start_date": "The allocation must start after "
                    f"{long_date(allocation.start_date)}."
                }
            )
        allocation.end_date = start_date - datetime.timedelta(days=1)
        allocation.save(update_fields=["end_date"])
    allocation = Allocation.objects.create(
        family=family,
        social_worker=social_worker,
        start_date=start_date,
        allocated_by=acting_user,
    )
    Family.objects.filter(pk=family.pk).update(
        social_worker=social_worker, version=F("version") + 1, updated_at=timezone.now()
    )
    family.refresh_from_db()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=family,
        detail={
            "field": "social_worker",
            "to": social_worker.username,
            "start_date": start_date.isoformat(),
        },
    )
    return allocation


def _children_closing_with(family: Family) -> "models.QuerySet[Person]":
    """The family's children whose legal status goes with the case when it closes: its
    current child members, except those who also live in another family still open (whose
    status that family's case carries on)."""
    open_elsewhere = (
        Membership.objects.current()
        .filter(person=OuterRef("pk"), family__closed_on__isnull=True)
        .exclude(family=family)
    )
    children_here = Membership.objects.current().children().filter(family=family)
    return Person.objects.filter(pk__in=children_here.values("person")).exclude(
        Exists(open_elsewhere)
    )


def _check_closing_date(family: Family, closing_on: datetime.date) -> None:
    """A case closes on a day it was open, not before its current allocation or any child's
    current status began (those end on the closing date), and not in the future."""
    if family.closed_on is not None:
        raise ValidationError({"closing_on": "This case is already closed."})
    if closing_on > timezone.localdate():
        raise ValidationError({"closing_on": "The closing date cannot be in the future."})
    starts = [(family.opened_on, "the case opened")]
    allocation = family.allocations.filter(end_date__isnull=True).first()
    if allocation is not None:
        starts.append((allocation.start_date, "the current allocation began"))
    for episode in StatusEpisode.objects.filter(
        child__in=_children_closing_with(family), end_date__isnull=True
    ).select_related("child"):
        starts.append((episode.start_date, f"{episode.child.given_name}'s current status began"))
    latest, what = max(starts, key=lambda start: start[0])
    if closing_on < latest:
        raise ValidationError(
            {"closing_on": f"The case cannot close before {long_date(latest)}, when {what}."}
        )


@transaction.atomic
def closure_request_create(
    *,
    family: Family,
    closing_on: datetime.date,
    reason: str,
    note: str = "",
    acting_user: User,
    draft_key: str = "",
) -> ClosureRequest:
    """Ask for the case to close; a team manager must approve before anything closes. The
    user's draft of the request (`draft_key`) is discarded in the same commit."""
    _check_closing_date(family, closing_on)
    if ClosureRequest.objects.filter(family=family, decision="pending").exists():
        raise ValidationError({"closing_on": "A closure is already waiting for approval."})
    request = ClosureRequest(
        family=family, closing_on=closing_on, reason=reason, note=note, requested_by=acting_user
    )
    request.full_clean()
    request.save()
    draft_discard(user=acting_user, key=draft_key)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=acting_user,
        obj=request,
        detail={"family": family.reference, "closing_on": closing_on.isoformat()},
    )
    return request


def can_decide_closure(user: User, family: Family) -> bool:
    if user.role == Role.TEAM_MANAGER:
        return user.team_id is not None and user.team_id == family.team_id
    if user.role == Role.SERVICE_MANAGER:
        return user.locality_id is None or user.locality_id == family.locality_id
    return False


@transaction.atomic
def closure_request_decide(
    *, request: ClosureRequest, approve: bool, note: str = "", acting_user: User
) -> ClosureRequest:
    """The family's team manager, or a service manager over it, approves (the case closes,
    children step out) or declines. Nobody decides their own request: closure needs two
    people."""
    if not can_decide_closure(acting_user, request.family):
        raise ValidationError("Only the family's team manager or service manager can decide.")
    if acting_user.pk == request.requested_by_id:
        raise ValidationError(
            "You asked for this closure, so someone else must decide it: your service manager can."
        )
    request = ClosureRequest.objects.select_for_update().get(pk=request.pk)
    if request.decision != ClosureRequest.Decision.PENDING:
        raise ValidationError("This closure has already been decided.")
    request.decision = (
        ClosureRequest.Decision.APPROVED if approve else ClosureRequest.Decision.DECLINED
    )
    request.decided_by, request.decided_at, request.decision_note = (
        acting_user,
        timezone.now(),
        note,
    )
    request.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=request,
        detail={"decision": request.decision},
    )
    if approve:
        family_close(
            family=request.family,
            closed_on=request.closing_on,
            closure_reason=request.get_reason_display()
            + (f": {request.note}" if request.note else ""),
            acting_user=acting_user,
        )
    return request


@transaction.atomic
def family_close(
    *, family: Family, closed_on: datetime.date, closure_reason: str, acting_user: User | None
) -> Family:
    """Close the case: its children still open step out the day after (those who also live
    in another open family keep their status there), allocation ends."""
    family = Family.objects.select_for_update().get(pk=family.pk)
    try:
        _check_closing_date(family, closed_on)
    except ValidationError as error:
        raise ValidationError({"closed_on": error.message_dict["closing_on"]}) from error
    for child in _children_closing_with(family):
        current = child.status_episodes.filter(end_date__isnull=True).first()
        if current is not None:
            # The last day open is the closing day, so the step out is dated the day after,
            # which may be tomorrow: hence the private path without the future-date check.
            _change_status(
                child=child,
                family=family,
                status=None,
                start_date=closed_on + datetime.timedelta(days=1),
                acting_user=acting_user,
            )
    Allocation.objects.filter(family=family, end_date__isnull=True).update(end_date=closed_on)
    family.closed_on, family.closure_reason = closed_on, closure_reason
    family.version += 1
    family.full_clean()
    family.save(update_fields=["closed_on", "closure_reason", "version", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=family,
        detail={"closed_on": closed_on.isoformat()},
    )
    return family


def _locked_at_version(family: Family, expected_version: int) -> Family:
    locked = Family.objects.select_for_update().get(pk=family.pk)
    if locked.version != expected_version:
        raise EditConflict(locked, expected_version)
    return locked


def can_rerefer(user: User, family: Family) -> bool:
    """The family's team (social workers and manager) or a service manager over it records
    that a closed family has been referred again."""
    if family.closed_on is None:
        return False
    if user.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        return user.team_id is not None and user.team_id == family.team_id
    return user.role == Role.SERVICE_MANAGER and (
        user.locality_id is None or user.locality_id == family.locality_id
    )


@transaction.atomic
def family_rerefer(
    *,
    family: Family,
    referred_on: datetime.date,
    referral_source: str,
    referral_reason: str,
    expected_version: int,
    acting_user: User,
    draft_key: str = "",
) -> Family:
    """A closed family referred again: its closed period is kept as an earlier period and a
    new one opens on `referred_on`, unallocated until a manager allocates it. The user's
    draft of the re-referral (`draft_key`) is discarded in the same commit."""
    if family.closed_on is not None and not can_rerefer(acting_user, family):
        raise ValidationError("Only the family's team or service manager can re-refer it.")
    family = _locked_at_version(family, expected_version)
    if family.closed_on is None:
        raise ValidationError({"referred_on": "This case is open: it cannot be re-referred."})
    if referred_on <= family.closed_on:
        raise ValidationError(
            {
                "referred_on": "A re-referral comes after the case closed on "
                f"{long_date(family.closed_on)}."
            }
        )
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": "The referral date cannot be in the future."})
    if not referral_reason.strip():
        raise ValidationError({"referral_reason": "Say why the family was referred again."})
    period = InvolvementPeriod(
        family=family,
        opened_on=family.opened_on,
        closed_on=family.closed_on,
        closure_reason=family.closure_reason,
        referral_source=family.referral_source,
        referral_reason=family.referral_reason,
    )
    period.full_clean()
    period.save()
    family.opened_on, family.closed_on, family.closure_reason = referred_on, None, ""
    family.referral_source, family.referral_reason = referral_source, referral_reason.strip()
    family.social_worker = None
    family.version += 1
    family.full_clean()
    family.save()
    draft_discard(user=acting_user, key=draft_key)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=family,
        detail={"kind": "re_referral", "changed_on": referred_on.isoformat()},
    )
    return family


def can_transfer(user: User, family: Family) -> bool:
    """The family's team manager, or a service manager over it, hands a family on."""
    return can_decide_closure(user, family)


@transaction.atomic
def family_transfer(
    *,
    family: Family,
    to_team: Team,
    to_worker: User | None,
    on: datetime.date,
    handover_note: str,
    expected_version: int,
    acting_user: User,
    draft_key: str = "",
) -> Transfer:
    """Hand an open family to another team, or another worker, from `on` (today or earlier):
    the current allocation ends the day before, the new worker's begins on `on`, and the
    previous team and worker see the family no more (access follows the team). The user's
    draft of the transfer (`draft_key`) is discarded in the same commit."""
    if not can_transfer(acting_user, family):
        raise ValidationError("Only the family's team manager or service manager can transfer it.")
    family = _locked_at_version(family, expected_version)
    check_open(family)
    if to_worker is not None:
        _check_allocatable(to_team, to_worker)
    if to_team.pk == family.team_id and (
        to_worker is None or to_worker.pk == family.social_worker_id
    ):
        raise ValidationError({"to_team": "Choose another team or another social worker."})
    if on > timezone.localdate():
        raise ValidationError({"on": "The transfer date cannot be in the future."})
    if on < family.opened_on:
        raise ValidationError({"on": f"The case opened on {long_date(family.opened_on)}."})
    current = Allocation.objects.select_for_update().filter(family=family, end_date__isnull=True)
    for allocation in current:
        if on <= allocation.start_date:
            raise ValidationError(
                {"on": f"The transfer must be after {long_date(allocation.start_date)}."}
            )
    if not handover_note.strip():
        raise ValidationError({"handover_note": "Write a handover note for the new team."})
    transfer = Transfer(
        family=family,
        on=on,
        from_team=family.team,
        to_team=to_team,
        from_worker=family.social_worker,
        to_worker=to_worker,
        handover_note=handover_note.strip(),
        transferred_by=acting_user,
    )
    transfer.full_clean()
    transfer.save()
    current.update(end_date=on - datetime.timedelta(days=1))
    if to_worker is not None:
        Allocation.objects.create(
            family=family, social_worker=to_worker, start_date=on, allocated_by=acting_user
        )
    family.team, family.locality, family.social_worker = to_team, to_team.locality, to_worker
    family.version += 1
    family.full_clean()
    family.save(update_fields=["team", "locality", "social_worker", "version", "updated_at"])
    draft_discard(user=acting_user, key=draft_key)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=acting_user,
        obj=transfer,
        detail={"family": family.reference, "changed_on": on.isoformat()},
    )
    return transfer


@transaction.atomic
def caseload_transfer(
    *,
    from_worker: User,
    to_worker: User,
    on: datetime.date,
    handover_note: str,
    acting_user: User,
    draft_key: str = "",
) -> list[Transfer]:
    """A worker's open families, all handed to `to_worker` (and their team) from `on`. The
    user's draft of the handover (`draft_key`) is discarded in the same commit."""
    if to_worker.team is None:
        raise ValidationError({"to_worker": "Choose a social worker in a team."})
    draft_discard(user=acting_user, key=draft_key)
    return [
        family_transfer(
            family=family,
            to_team=to_worker.team,
            to_worker=to_worker,
            on=on,
            handover_note=handover_note,
            expected_version=family.version,
            acting_user=acting_user,
        )
        for family in Family.objects.open().filter(social_worker=from_worker).order_by("pk")
    ]


# People -----------------------------------------------------------------------------------

FATHER_INCLUSION_FIELDS = [
    "invited_to_initial_conference",
    "attended_initial_conference",
    "invited_to_review_conference",
    "attended_review_conference",
]
CONTACT_EDITABLE_FIELDS = ["occurred_at", "kind", "note", "next_steps", "significant"]
PLAN_ACTION_EDITABLE_FIELDS = ["description", "due_on", "status"]
# A person's own columns, and their father: a parent relationship, not a column.
PERSON_COLUMNS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "disability",
    "religion",
    "interpreter_needed",
    "language",
    "address",
    "phone",
    "email",
    "contact_restricted",
    "care_experienced",
    "previous_child_removal",
]
PERSON_EDITABLE_FIELDS = [*PERSON_COLUMNS, "father"]


@transaction.atomic
def person_create(
    *,
    family: Family,
    role: str,
    acting_user: User | None,
    joined_on: datetime.date | None = None,
    father: Person | None = None,
    **fields: Any,
) -> Person:
    """A new person, a member of `family` as `role` from `joined_on` (empty: from the start);
    for a child, `father` (a father or father figure of this family) becomes their parent."""
    check_open(family)
    fields.setdefault("reference", new_reference("P"))
    if father is not None and role != Membership.Role.CHILD:
        raise ValidationError({"father": "Only a child has a father recorded."})
    if father is not None and not _is_father_in(father, family):
        raise ValidationError({"father": "Choose a father or father figure in this family."})
    person = create_audited(Person(**fields), acting_user=acting_user)
    person.membership = membership_add(
        person=person, family=family, role=role, joined_on=joined_on, acting_user=acting_user
    )
    person.role = role
    if father is not None:
        relationship_add(
            person=father,
            relative=person,
            kind=Relationship.Kind.PARENT,
            parent_type=Relationship.ParentType.BIRTH,
            acting_user=acting_user,
        )
    return person


def membership_for(
    person: Person, family: Family | None = None, *, former_too: bool = False
) -> Membership:
    """`person`'s current membership of the family a write about them is recorded in:
    `family`; else the family the caller loaded them in (person.membership, as members_of
    and person_create set it); else the one family they live in. With `former_too`, their
    last membership of a family they have left will do.

    ValidationError when they are not (or, with `former_too`, were never) in that family;
    ValueError when they are in several and the caller named none (a caller's bug: it must
    say which).
    """
    family_id = family.pk if family is not None else None
    loaded: Membership | None = getattr(person, "membership", None)
    if family_id is None and loaded is not None:
        family_id = loaded.family_id
    memberships = Membership.objects.filter(person=person).select_related("family")
    if not former_too:
        memberships = memberships.current()
    if family_id is not None:
        memberships = memberships.filter(family_id=family_id)
    found = list(memberships.order_by(F("left_on").desc(nulls_first=True), "-id"))
    if len({membership.family_id for membership in found}) > 1:
        raise ValueError(f"{person} is in more than one family: name the family")
    if not found:
        raise ValidationError({"person": f"{person.full_name} is not in this family now."})
    return found[0]


def _membership_for_child(person: Person, family: Family | None, message: str) -> Membership:
    membership = membership_for(person, family)
    if membership.role != Membership.Role.CHILD:
        raise ValidationError({"child": message})
    return membership


def _is_father_in(person: Person, family: Family) -> bool:
    return (
        Membership.objects.current()
        .filter(person=person, family=family, role__in=Membership.FATHER_ROLES)
        .exists()
    )


@transaction.atomic
def membership_add(
    *,
    person: Person,
    family: Family,
    role: str,
    joined_on: datetime.date | None,
    acting_user: User | None,
) -> Membership:
    """`person` joins `family` as `role`. A child is a child in every family they belong to,
    and nobody belongs twice at once."""
    check_open(family)
    others = Membership.objects.filter(person=person).exclude(family=family)
    is_child_elsewhere = others.filter(role=Membership.Role.CHILD).exists()
    if others.exists() and is_child_elsewhere != (role == Membership.Role.CHILD):
        raise ValidationError(
            {"role": "A child is a child in every family they belong to; an adult is not."}
        )
    if Membership.objects.current().filter(person=person, family=family).exists():
        raise ValidationError({"person": f"{person.full_name} is already in this family."})
    # Someone who left and comes back rejoins after they left, never over their earlier time.
    last_left = (
        Membership.objects.filter(person=person, family=family)
        .order_by("-left_on")
        .values_list("left_on", flat=True)
        .first()
    )
    if last_left is not None and (joined_on is None or joined_on <= last_left):
        raise ValidationError(
            {
                "joined_on": f"{person.full_name} left this family on {long_date(last_left)}: "
                "enter the date they came back, after that."
            }
        )
    membership = Membership(person=person, family=family, role=role, joined_on=joined_on)
    return create_audited(membership, acting_user=acting_user)


@transaction.atomic
def membership_end(
    *, membership: Membership, left_on: datetime.date, expected_version: int, acting_user: User
) -> Membership:
    """Record that someone left the family on `left_on` (their last day in it)."""
    check_open(membership.family)
    if membership.joined_on is not None and left_on < membership.joined_on:
        raise ValidationError(
            {
                "left_on": "The date they left must be on or after they joined, "
                f"{long_date(membership.joined_on)}."
            }
        )
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": "The date they left cannot be in the future."})
    changed = _save_versioned(
        membership, expected_version=expected_version, changes={"left_on": left_on}
    )
    _audit_changes(membership, changed, acting_user)
    return membership


@transaction.atomic
def relationship_add(
    *,
    person: Person,
    relative: Person,
    kind: str,
    acting_user: User | None,
    parent_type: str = "",
    started_on: datetime.date | None = None,
) -> Relationship:
    """Record that `person` is `kind` of `relative` (for a parent, of which type)."""
    if person.pk == relative.pk:
        raise ValidationError({"relative": "A person cannot be related to themselves."})
    existing = Relationship.objects.current().filter(kind=kind)
    pair = Q(person=person, relative=relative)
    if kind != Relationship.Kind.PARENT:  # partners and siblings, either way round
        pair |= Q(person=relative, relative=person)
    if existing.filter(pair).exists():
        raise ValidationError({"relative": "That relationship is already recorded."})
    link = Relationship(
        person=person,
        relative=relative,
        kind=kind,
        parent_type=parent_type,
        started_on=started_on,
    )
    return create_audited(link, acting_user=acting_user)


@transaction.atomic
def relationship_end(
    *, relationship: Relationship, ended_on: datetime.date, acting_user: User | None
) -> Relationship:
    """Record that a relationship ended on `ended_on` (its last day); kept, with its dates."""
    if relationship.ended_on is not None:
        raise ValidationError({"ended_on": "That relationship has already ended."})
    relationship.ended_on = ended_on
    relationship.full_clean()
    relationship.save(update_fields=["ended_on"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=relationship,
        detail={"field": "ended_on", "to": ended_on.isoformat()},
    )
    return relationship


def _father_change(
    person: Person, membership: Membership, father: Person | None
) -> tuple[Relationship | None, bool]:
    """The child's current father link, and whether naming `father` changes it; refuses a
    father who is not a father or father figure living in the family."""
    link = father_links_of([person]).get(person.pk)
    if (link.person_id if link is not None else None) == (father.pk if father else None):
        return link, False
    if membership.role != Membership.Role.CHILD:
        raise ValidationError({"father": "Only a child has a father recorded."})
    if father is not None and (
        father.pk == person.pk or not _is_father_in(father, membership.family)
    ):
        raise ValidationError({"father": "Choose a father or father figure in this family."})
    return link, True


@transaction.atomic
def person_update(
    *,
    person: Person,
    expected_version: int,
    changes: dict[str, Any],
    acting_user: User,
    family: Family | None = None,
    draft_key: str = "",
) -> Person:
    """Change a person's details, recorded in `family` (membership_for: the family they are
    shown in, or have left), which must be open. A new `father` (a father or father figure
    living in that family, or None) ends the child's current father link and adds his; the
    person's version moves on as for any other change. The user's draft of the edit
    (`draft_key`) is discarded in the same commit."""
    _check_editable(changes, PERSON_EDITABLE_FIELDS)
    # Someone who has left may still have their details put right through that family.
    membership = membership_for(person, family, former_too=True)
    check_open(membership.family)
    columns = {name: value for name, value in changes.items() if name != "father"}
    _check_birth_date_edit(person, columns)
    # The name as it stands (read under the lock the save takes), kept if it changes.
    given_before, family_before = (
        Person.objects.select_for_update()
        .values_list("given_name", "family_name")
        .get(pk=person.pk)
    )
    link, father_changed = (
        _father_change(person, membership, changes["father"])
        if "father" in changes
        else (None, False)
    )
    changed = _save_versioned(
        person,
        expected_version=expected_version,
        changes=columns,
        changed_elsewhere=["father"] if father_changed else [],
    )
    if {"given_name", "family_name"} & set(changed):
        # Search finds them by the name they had; their page shows it.
        create_audited(
            PersonName(person=person, given_name=given_before, family_name=family_before),
            acting_user=acting_user,
        )
    if father_changed:
        if link is not None:
            relationship_end(
                relationship=link, ended_on=timezone.localdate(), acting_user=acting_user
            )
        father = changes["father"]
        if father is not None:
            relationship_add(
                person=father,
                relative=person,
                kind=Relationship.Kind.PARENT,
                parent_type=_parent_type_of(father, membership.family),
                started_on=None,
                acting_user=acting_user,
            )
    _audit_changes(person, changed, acting_user)
    draft_discard(user=acting_user, key=draft_key)
    return person


def _parent_type_of(father: Person, family: Family) -> str:
    """A father is recorded as a birth parent; a father figure as a step-parent."""
    is_father = Membership.objects.current().filter(
        person=father, family=family, role=Membership.Role.FATHER
    )
    return Relationship.ParentType.BIRTH if is_father.exists() else Relationship.ParentType.STEP


@transaction.atomic
def father_inclusion_update(
    *,
    child: Person,
    expected_version: int,
    changes: dict[str, bool | None],
    acting_user: User,
    family: Family | None = None,
) -> FatherInclusion:
    _check_editable(changes, FATHER_INCLUSION_FIELDS)
    membership = _membership_for_child(
        child, family, "Father-inclusion facts are recorded for children."
    )
    check_open(membership.family)
    inclusion, _ = FatherInclusion.objects.get_or_create(child=child)
    changed = _save_versioned(inclusion, expected_version=expected_version, changes=changes)
    _audit_changes(inclusion, changed, acting_user)
    return inclusion


# Legal status -----------------------------------------------------------------------------


@transaction.atomic
def child_status_change(
    *,
    child: Person,
    status: LegalStatus | str | None,
    start_date: datetime.date,
    acting_user: User | None,
    family: Family | None = None,
) -> StatusEpisode | None:
    """Move `child` to `status` from `start_date`; `None` steps the child out (level 0).

    The current episode, if any, ends the day before. A change may not start on or before
    the current episode's first day, nor inside an episode already recorded, so history is
    never rewritten through this path. Each change enters the chronology of the family it
    is recorded in (`family`, as membership_for finds it), which must be open.
    """
    if start_date > timezone.localdate():
        raise ValidationError({"start_date": "A change of status cannot be dated in the future."})
    membership = _membership_for_child(child, family, "Only a child has a legal status.")
    check_open(membership.family)
    _check_pre_birth_status(child, status)
    return _change_status(
        child=child,
        family=membership.family,
        status=status,
        start_date=start_date,
        acting_user=acting_user,
    )


def _change_status(
    *,
    child: Person,
    family: Family,
    status: LegalStatus | str | None,
    start_date: datetime.date,
    acting_user: User | None,
) -> StatusEpisode | None:
    # Lock the child's episodes so two simultaneous changes cannot both pass the checks.
    episodes = list(
        StatusEpisode.objects.select_for_update().filter(child=child).order_by("start_date")
    )
    last = episodes[-1] if episodes else None
    if last is not None and start_date <= last.start_date:
        raise ValidationError(
            {
                "start_date": "The change must start after "
                f"{long_date(last.start_date)}, when the current status began."
            }
        )
    if last is not None and last.end_date and start_date <= last.end_date:
        raise ValidationError(
            {
                "start_date": f"The change must start after {long_date(last.end_date)}, "
                "when the last status ended."
            }
        )
    current = last if last is not None and last.end_date is None else None
    if current is not None and current.status == status:
        raise ValidationError({"status": f"The child is already {current.get_status_display()}."})
    if current is None and status is None:
        raise ValidationError({"status": "The child is not open to children's services."})

    previous_status = current.status if current is not None else None
    if current is not None:
        current.end_date = start_date - datetime.timedelta(days=1)
        current.full_clean()
        current.save(update_fields=["end_date"])

    episode = None
    labels = dict(LegalStatus.choices)
    if status is not None:
        episode = StatusEpisode(child=child, status=status, start_date=start_date)
        episode.full_clean()
        episode.save()
    if previous_status is None:
        assert status is not None  # refused above: a child not open is given a status
        summary = f"{child.given_name} became {labels[status]}."
    elif status is None:
        summary = (
            f"{child.given_name} stepped out of children's services "
            f"(was {labels[previous_status]})."
        )
    else:
        direction = "up" if _level(status) > _level(previous_status) else "down"
        summary = (
            f"{child.given_name} stepped {direction} from {labels[previous_status]} "
            f"to {labels[status]}."
        )
    ChronologyEntry.objects.create(
        family=family,
        occurred_on=start_date,
        summary=summary,
        source=ChronologyEntry.Source.LEGAL_STATUS,
        status_episode=episode,
        recorded_by=acting_user,
    )
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


def _level(status: str) -> int:
    return LEVELS[status]


# Contacts and the chronology --------------------------------------------------------------


def _check_people_in_family(
    family: Family, people: Iterable[Person], field: str, *, children: bool = False
) -> None:
    """Everyone chosen lives in `family` now (as a child there, with `children`)."""
    chosen = {person.pk for person in people}
    members = Membership.objects.current().filter(family=family, person__in=chosen)
    if children:
        members = members.children()
    if chosen and len(set(members.values_list("person_id", flat=True))) != len(chosen):
        message = "Only children are seen alone." if children else "Choose people from this family."
        raise ValidationError({field: message})


@transaction.atomic
def contact_record(
    *,
    family: Family,
    occurred_at: datetime.datetime,
    kind: str,
    note: str,
    people_seen: Iterable[Person] = (),
    children_seen_alone: Iterable[Person] = (),
    next_steps: str = "",
    significant: bool = False,
    chronology_summary: str = "",
    acting_user: User,
    draft_key: str = "",
) -> Contact:
    """Record a contact. A significant one enters the chronology with its summary (or the
    note's first line), and the user's draft for the form is discarded in the same commit."""
    people_seen, children_seen_alone = list(people_seen), list(children_seen_alone)
    _check_people_in_family(family, people_seen, "people_seen")
    _check_people_in_family(family, children_seen_alone, "children_seen_alone")
    _check_people_in_family(family, children_seen_alone, "children_seen_alone", children=True)
    check_open(family)
    _check_contact_time(occurred_at)
    _check_note(note)
    contact = Contact(
        family=family,
        occurred_at=occurred_at,
        kind=kind,
        note=note,
        next_steps=next_steps,
        significant=significant,
        recorded_by=acting_user,
    )
    contact.full_clean()
    contact.save()
    contact.people_seen.set(set(people_seen) | set(children_seen_alone))
    contact.children_seen_alone.set(children_seen_alone)
    if significant:
        ChronologyEntry.objects.create(
            family=family,
            occurred_on=timezone.localtime(occurred_at).date(),
            summary=chronology_summary.strip() or _first_line(note),
            contact=contact,
            source=ChronologyEntry.Source.CONTACT,
            recorded_by=acting_user,
        )
    draft_discard(user=acting_user, key=draft_key)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=acting_user,
        obj=contact,
        detail={"family": family.reference},
    )
    return contact


def _check_contact_time(occurred_at: datetime.datetime) -> None:
    # A few minutes' grace for a clock that runs ahead of the server's.
    if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"occurred_at": "A contact cannot be recorded in the future."})


def _check_note(note: str) -> None:
    if not note.strip():
        raise ValidationError({"note": "Enter what happened."})


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:297] + "..."


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    expected_version: int,
    changes: dict[str, Any],
    acting_user: User,
) -> Contact:
    _check_editable(changes, CONTACT_EDITABLE_FIELDS)
    check_open(contact.family)
    if "occurred_at" in changes:
        _check_contact_time(changes["occurred_at"])
    if "note" in changes:
        _check_note(changes["note"])
    changed = _save_versioned(contact, expected_version=expected_version, changes=changes)
    if "significant" in changed or "occurred_at" in changed:
        entry = ChronologyEntry.objects.filter(contact=contact).first()
        if contact.significant and entry is None:
            ChronologyEntry.objects.create(
                family_id=contact.family_id,
                occurred_on=timezone.localtime(contact.occurred_at).date(),
                summary=_first_line(contact.note),
                contact=contact,
                source=ChronologyEntry.Source.CONTACT,
                recorded_by=acting_user,
            )
        elif not contact.significant and entry is not None:
            entry.delete()
        elif entry is not None:
            entry.occurred_on = timezone.localtime(contact.occurred_at).date()
            entry.save(update_fields=["occurred_on"])
    _audit_changes(contact, changed, acting_user)
    return contact


@transaction.atomic
def chronology_entry_create(
    *, family: Family, occurred_on: datetime.date, summary: str, acting_user: User
) -> ChronologyEntry:
    check_open(family)
    entry = ChronologyEntry(
        family=family, occurred_on=occurred_on, summary=summary.strip(), recorded_by=acting_user
    )
    return create_audited(entry, acting_user=acting_user)


# Plans ------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    child: Person,
    kind: str,
    started_on: datetime.date,
    review_on: datetime.date | None = None,
    acting_user: User,
    family: Family | None = None,
) -> Plan:
    """A plan for a child of `family` (as membership_for finds it), which must be open."""
    membership = _membership_for_child(child, family, "Plans are for children.")
    check_open(membership.family)
    _check_pre_birth_status(child, kind, "kind")
    plan = Plan(child=child, kind=kind, started_on=started_on, review_on=review_on)
    return create_audited(plan, acting_user=acting_user)


@transaction.atomic
def plan_action_create(
    *,
    plan: Plan,
    description: str,
    due_on: datetime.date,
    owner_worker: User | None = None,
    owner_person: Person | None = None,
    acting_user: User,
    family: Family | None = None,
    draft_key: str = "",
) -> PlanAction:
    """An action on a child's plan, recorded in `family` (the child's, as membership_for
    finds it); a family member who owns it lives in that family. The user's draft of the
    action (`draft_key`) is discarded in the same commit."""
    membership = membership_for(plan.child, family)
    check_open(membership.family)
    if (owner_worker is None) == (owner_person is None):
        raise ValidationError({"owner": "Choose one owner: a worker or a family member."})
    if owner_person is not None and not (
        Membership.objects.current().filter(person=owner_person, family=membership.family).exists()
    ):
        raise ValidationError({"owner": "Choose a family member from this family."})
    action = PlanAction(
        plan=plan,
        description=description,
        due_on=due_on,
        owner_worker=owner_worker,
        owner_person=owner_person,
    )
    action = create_audited(action, acting_user=acting_user)
    draft_discard(user=acting_user, key=draft_key)
    return action


@transaction.atomic
def plan_action_update(
    *,
    action: PlanAction,
    expected_version: int,
    changes: dict[str, Any],
    acting_user: User,
    family: Family | None = None,
) -> PlanAction:
    _check_editable(changes, PLAN_ACTION_EDITABLE_FIELDS)
    check_open(membership_for(action.plan.child, family).family)
    changed = _save_versioned(action, expected_version=expected_version, changes=changes)
    _audit_changes(action, changed, acting_user)
    return action


# Families that grow -----------------------------------------------------------------------

# Before birth, a child can be on these rungs of the ladder only (a pre-birth plan).
PRE_BIRTH_STATUSES = (LegalStatus.EARLY_HELP, LegalStatus.CIN, LegalStatus.CP)
# An expected date of delivery is at most a full-term pregnancy (42 weeks) ahead, and at most
# 4 weeks past (a pregnancy recorded late, the birth not yet known).
EXPECTED_AHEAD = datetime.timedelta(weeks=42)
EXPECTED_PAST = datetime.timedelta(weeks=4)
# A birth is recorded as on a day not in the future, at most 20 weeks before the expected
# date (an extremely premature birth) and at most 6 weeks after it (a late birth).
BORN_BEFORE_EXPECTED = datetime.timedelta(weeks=20)
BORN_AFTER_EXPECTED = datetime.timedelta(weeks=6)


def _check_pre_birth_status(
    child: Person, status: LegalStatus | str | None, field: str = "status"
) -> None:
    if child.is_unborn and status is not None and status not in PRE_BIRTH_STATUSES:
        raise ValidationError(
            {
                field: "Before birth, a child can be on early help, child in need or child "
                "protection only: record the birth first."
            }
        )


def _check_expected_on(expected_on: datetime.date, field: str = "expected_on") -> None:
    today = timezone.localdate()
    if expected_on > today + EXPECTED_AHEAD:
        raise ValidationError(
            {field: "The expected date of delivery must be within 42 weeks from today."}
        )
    if expected_on < today - EXPECTED_PAST:
        raise ValidationError(
            {
                field: "The expected date of delivery is more than 4 weeks ago: "
                "record the birth instead."
            }
        )


def _check_birth_date_edit(person: Person, columns: dict[str, Any]) -> None:
    """A birth is recorded on its own page (the date checked against the expected one, the
    chronology told), and a recorded birth is corrected, never undone, on the edit page."""
    if "date_of_birth" not in columns or columns["date_of_birth"] == person.date_of_birth:
        return
    if person.is_unborn:
        raise ValidationError(
            {"date_of_birth": "Record the birth from the family page: “Record the birth”."}
        )
    if columns["date_of_birth"] is None and person.expected_on is not None:
        raise ValidationError(
            {"date_of_birth": "This child's birth is recorded: correct the date, do not clear it."}
        )


def _check_joined_on(family: Family, joined_on: datetime.date | None) -> None:
    if joined_on is not None and joined_on > timezone.localdate():
        raise ValidationError({"joined_on": "The date they joined cannot be in the future."})


@transaction.atomic
def person_add(
    *,
    family: Family,
    role: str,
    joined_on: datetime.date | None,
    acting_user: User,
    **fields: Any,
) -> Person:
    """A new person joins `family`: born (a date of birth, or none known) or, for a child,
    unborn (an expected date of delivery and no date of birth)."""
    check_open(family)
    _check_joined_on(family, joined_on)
    if fields.get("date_of_birth") and fields["date_of_birth"] > timezone.localdate():
        raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})
    if fields.get("expected_on") is not None:
        if role != Membership.Role.CHILD:
            raise ValidationError({"expected_on": "Only a child can be unborn."})
        if fields.get("date_of_birth") is not None:
            raise ValidationError(
                {"expected_on": "Enter a date of birth or an expected date of delivery, not both."}
            )
        _check_expected_on(fields["expected_on"])
    return person_create(
        family=family, role=role, joined_on=joined_on, acting_user=acting_user, **fields
    )


@transaction.atomic
def member_add_existing(
    *,
    family: Family,
    person: Person,
    role: str,
    joined_on: datetime.date | None,
    acting_user: User,
) -> Membership:
    """Someone already recorded (in another family, or who left this one) joins `family`:
    the same person, a new membership, no copy."""
    _check_joined_on(family, joined_on)
    return membership_add(
        person=person, family=family, role=role, joined_on=joined_on, acting_user=acting_user
    )


@transaction.atomic
def father_add(
    *,
    family: Family,
    child: Person,
    parent_type: str,
    acting_user: User,
    father: Person | None = None,
    role: str = Membership.Role.FATHER,
    joined_on: datetime.date | None = None,
    **new_person: Any,
) -> Relationship:
    """Name `child`'s father: `father`, someone already recorded (a father or father figure
    of this family, or someone who joins it now as `role`), or, with no `father`, a new
    person made from `new_person` who joins as `role`. The parent link is of `parent_type`."""
    membership = _membership_for_child(child, family, "A father is named for a child.")
    check_open(membership.family)
    if parent_type not in Relationship.ParentType.values:
        raise ValidationError({"parent_type": "Choose how he is the child's parent."})
    if role not in Membership.FATHER_ROLES:
        raise ValidationError({"role": "Choose father or father figure."})
    if father is None:
        father = person_add(
            family=family, role=role, joined_on=joined_on, acting_user=acting_user, **new_person
        )
    elif father.pk == child.pk:
        raise ValidationError({"father": "A child cannot be their own father."})
    else:
        here = Membership.objects.current().filter(person=father, family=family).first()
        if here is None:
            member_add_existing(
                family=family,
                person=father,
                role=role,
                joined_on=joined_on,
                acting_user=acting_user,
            )
        elif here.role not in Membership.FATHER_ROLES:
            raise ValidationError(
                {
                    "father": f"{father.full_name} lives here as {here.get_role_display().lower()}"
                    ", not as a father or father figure."
                }
            )
    try:
        return relationship_add(
            person=father,
            relative=child,
            kind=Relationship.Kind.PARENT,
            parent_type=parent_type,
            acting_user=acting_user,
        )
    except ValidationError as error:
        raise ValidationError(
            {"father": f"{father.full_name} is already recorded as {child.given_name}'s parent."}
        ) from error


def _mother_in(family: Family, mother: Person) -> Membership:
    membership = (
        Membership.objects.current()
        .filter(person=mother, family=family, role=Membership.Role.MOTHER)
        .first()
    )
    if membership is None:
        raise ValidationError({"mother": "Choose a mother in this family."})
    return membership


@transaction.atomic
def pregnancy_record(
    *,
    family: Family,
    mother: Person,
    expected_on: datetime.date,
    acting_user: User,
    given_name: str = "",
    family_name: str = "",
) -> Person:
    """An unborn child of `mother` (a mother in `family`), expected on `expected_on`: a child
    member of the family from today, with no date of birth; named "Baby <surname>" unless a
    name is given. The pregnancy enters the family's chronology."""
    check_open(family)
    _mother_in(family, mother)
    _check_expected_on(expected_on)
    family_name = family_name.strip() or mother.family_name
    given_name = given_name.strip() or "Baby"
    child = person_create(
        family=family,
        role=Membership.Role.CHILD,
        joined_on=timezone.localdate(),
        acting_user=acting_user,
        given_name=given_name,
        family_name=family_name,
        expected_on=expected_on,
    )
    relationship_add(
        person=mother,
        relative=child,
        kind=Relationship.Kind.PARENT,
        parent_type=Relationship.ParentType.BIRTH,
        acting_user=acting_user,
    )
    ChronologyEntry.objects.create(
        family=family,
        occurred_on=timezone.localdate(),
        summary=f"Pregnancy recorded: {mother.given_name} is expecting {child.full_name} "
        f"on {long_date(expected_on)}.",
        recorded_by=acting_user,
    )
    return child


BIRTH_FIELDS = ("given_name", "family_name", "sex")


@transaction.atomic
def birth_record(
    *,
    child: Person,
    family: Family,
    date_of_birth: datetime.date,
    expected_version: int,
    acting_user: User,
    changes: dict[str, Any] | None = None,
) -> Person:
    """The birth of an unborn child of `family`: the same person, now with a date of birth
    (and their name and sex, in `changes`); the expected date of delivery, status history and
    plans stay. Audited, and entered in the family's chronology."""
    changes = dict(changes or {})
    _check_editable(changes, BIRTH_FIELDS)
    membership = _membership_for_child(child, family, "A birth is recorded for a child.")
    check_open(membership.family)
    if not child.is_unborn or child.expected_on is None:
        raise ValidationError({"date_of_birth": f"{child.given_name}'s birth is already recorded."})
    expected = child.expected_on
    if date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})
    if date_of_birth < expected - BORN_BEFORE_EXPECTED:
        raise ValidationError(
            {
                "date_of_birth": "The date of birth must be no more than 20 weeks before the "
                f"expected date, {long_date(expected)}."
            }
        )
    if date_of_birth > expected + BORN_AFTER_EXPECTED:
        raise ValidationError(
            {
                "date_of_birth": "The date of birth must be no more than 6 weeks after the "
                f"expected date, {long_date(expected)}."
            }
        )
    if "given_name" in changes and not str(changes["given_name"]).strip():
        raise ValidationError({"given_name": "Enter a given name."})
    changed = _save_versioned(
        child,
        expected_version=expected_version,
        changes={**changes, "date_of_birth": date_of_birth},
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=child,
        detail={"kind": "birth", "fields": changed, "changed_on": date_of_birth.isoformat()},
    )
    ChronologyEntry.objects.create(
        family=membership.family,
        occurred_on=date_of_birth,
        summary=f"{child.full_name} was born.",
        recorded_by=acting_user,
    )
    return child
