import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Role
from families.models import ChronologyEntry, ClosureRequest, Family, LegalStatus, Person
from families.services import (
    child_status_change,
    closure_request_create,
    closure_request_decide,
    family_create,
)

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def manager(make_user, team):
    """The team manager of Alice's team: the one person who decides her closures."""
    return make_user(Role.TEAM_MANAGER, username="manager", team=team)


@pytest.fixture
def other_manager(make_user, other_team):
    return make_user(Role.TEAM_MANAGER, username="other-manager", team=other_team)


@pytest.fixture
def family(team, alice, manager) -> Family:
    """Alice's case, opened 100 days ago, with two children open to children's services."""
    family = family_create(
        reference="FAM-ALICE",
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=days_ago(100),
        acting_user=manager,
    )
    for name, status in [("Ann", LegalStatus.CP), ("Ben", LegalStatus.CIN)]:
        child = PersonFactory(family=family, given_name=name)
        child_status_change(child=child, status=status, start_date=days_ago(100), acting_user=alice)
    return family


@pytest.fixture
def request_to_close(family, alice) -> ClosureRequest:
    return closure_request_create(
        family=family,
        closing_on=days_ago(3),
        reason=ClosureRequest.Reason.MOVED_AWAY,
        note="Moved to Leeds",
        acting_user=alice,
    )


def case_state(family: Family) -> tuple:
    """Everything a refused or declined decision must leave as it was."""
    family.refresh_from_db()
    return (
        family.closed_on,
        family.closure_reason,
        family.version,
        list(family.allocations.values_list("social_worker", "start_date", "end_date")),
        list(
            Person.objects.filter(memberships__family=family)
            .order_by("given_name")
            .values_list("given_name", "status_episodes__status", "status_episodes__end_date")
        ),
        ChronologyEntry.objects.filter(family=family).count(),
    )


# closure_request_create ---------------------------------------------------------------------


def test_asking_to_close_waits_for_a_manager_and_closes_nothing_yet(family, alice):
    before = case_state(family)

    request = closure_request_create(
        family=family,
        closing_on=days_ago(3),
        reason=ClosureRequest.Reason.MOVED_AWAY,
        acting_user=alice,
    )

    assert (request.decision, request.requested_by, request.closing_on) == (
        "pending",
        alice,
        days_ago(3),
    )
    assert case_state(family) == before


def test_asking_to_close_is_audited(family, alice):
    request = closure_request_create(
        family=family,
        closing_on=days_ago(3),
        reason=ClosureRequest.Reason.MOVED_AWAY,
        acting_user=alice,
    )

    event = AuditEvent.objects.get(object_type="families.closurerequest")
    assert (event.actor, event.action, event.object_id) == (alice, "create", str(request.pk))
    assert event.detail == {"family": "FAM-ALICE", "closing_on": days_ago(3).isoformat()}


@pytest.mark.parametrize("closing", [100, 0], ids=["the day it opened", "today"])
def test_a_case_can_close_any_day_from_its_opening_to_today(family, alice, closing):
    request = closure_request_create(
        family=family,
        closing_on=days_ago(closing),
        reason=ClosureRequest.Reason.NO_FURTHER_ACTION,
        acting_user=alice,
    )

    assert request.closing_on == days_ago(closing)


@pytest.mark.parametrize(
    ("closing", "message"),
    [
        (101, "when the case opened"),
        (-1, "cannot be in the future"),
    ],
    ids=["before it opened", "tomorrow"],
)
def test_a_closing_date_outside_the_case_is_refused(family, alice, closing, message):
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match=message) as error:
        closure_request_create(
            family=family,
            closing_on=days_ago(closing),
            reason=ClosureRequest.Reason.MOVED_AWAY,
            acting_user=alice,
        )

    assert "closing_on" in error.value.message_dict
    assert not ClosureRequest.objects.exists()
    assert AuditEvent.objects.count() == audit_rows


def test_a_closed_case_cannot_be_asked_to_close_again(family, request_to_close, alice, manager):
    closure_request_decide(request=request_to_close, approve=True, acting_user=manager)
    family.refresh_from_db()
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="already closed"):
        closure_request_create(
            family=family,
            closing_on=days_ago(1),
            reason=ClosureRequest.Reason.OTHER,
            acting_user=alice,
        )

    assert list(ClosureRequest.objects.values_list("pk", flat=True)) == [request_to_close.pk]
    assert AuditEvent.objects.count() == audit_rows


def test_a_second_request_while_one_is_pending_is_refused(family, request_to_close, bob):
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="already waiting for approval"):
        closure_request_create(
            family=family,
            closing_on=days_ago(1),
            reason=ClosureRequest.Reason.OTHER,
            acting_user=bob,
        )

    assert list(ClosureRequest.objects.values_list("pk", flat=True)) == [request_to_close.pk]
    assert AuditEvent.objects.count() == audit_rows


def test_after_a_decline_the_worker_may_ask_again(family, request_to_close, alice, manager):
    closure_request_decide(request=request_to_close, approve=False, acting_user=manager)

    again = closure_request_create(
        family=family,
        closing_on=days_ago(1),
        reason=ClosureRequest.Reason.OTHER,
        acting_user=alice,
    )

    assert again.decision == "pending"
    assert ClosureRequest.objects.count() == 2


# closure_request_decide ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "decider",
    ["alice", "bob", "charlie", "other_manager", "service_manager"],
    ids=[
        "the worker who asked",
        "her colleague",
        "an outsider",
        "another team's manager",
        "a service manager for another locality",
    ],
)
@pytest.mark.parametrize("approve", [True, False], ids=["approving", "declining"])
def test_only_the_familys_team_manager_can_decide_a_closure(
    request, family, request_to_close, make_user, other_team, decider, approve
):
    if decider == "service_manager":
        user = make_user(Role.SERVICE_MANAGER, locality=other_team.locality)
    else:
        user = request.getfixturevalue(decider)
    before = case_state(family)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="Only the family's team manager or service"):
        closure_request_decide(request=request_to_close, approve=approve, acting_user=user)

    request_to_close.refresh_from_db()
    assert (request_to_close.decision, request_to_close.decided_by) == ("pending", None)
    assert case_state(family) == before
    assert AuditEvent.objects.count() == audit_rows


def test_approving_closes_the_family_with_the_reason(family, request_to_close, manager):
    closure_request_decide(request=request_to_close, approve=True, acting_user=manager)

    family.refresh_from_db()
    assert family.closed_on == days_ago(3)
    assert family.closure_reason == "Family moved out of the area: Moved to Leeds"
    assert not family.is_open
    assert family.version == 2


def test_the_reason_alone_is_kept_when_the_request_has_no_note(family, alice, manager):
    request = closure_request_create(
        family=family,
        closing_on=days_ago(3),
        reason=ClosureRequest.Reason.NO_FURTHER_ACTION,
        acting_user=alice,
    )

    closure_request_decide(request=request, approve=True, acting_user=manager)

    family.refresh_from_db()
    assert family.closure_reason == "No further action after assessment"


def test_approving_records_who_decided_and_when(family, request_to_close, manager):
    decided = closure_request_decide(
        request=request_to_close, approve=True, note="Agreed", acting_user=manager
    )

    request_to_close.refresh_from_db()
    assert (request_to_close.decision, request_to_close.decided_by) == ("approved", manager)
    assert request_to_close.decision_note == "Agreed"
    assert request_to_close.decided_at is not None
    assert decided.decision == "approved"


def test_approving_steps_every_open_child_out_on_the_closing_date(
    family, request_to_close, alice, manager
):
    not_open = PersonFactory(family=family, given_name="Cal")
    stepped_out_earlier = PersonFactory(family=family, given_name="Dee")
    child_status_change(
        child=stepped_out_earlier,
        status=LegalStatus.EARLY_HELP,
        start_date=days_ago(90),
        acting_user=alice,
    )
    child_status_change(
        child=stepped_out_earlier, status=None, start_date=days_ago(50), acting_user=alice
    )

    closure_request_decide(request=request_to_close, approve=True, acting_user=manager)

    episodes = {
        child.given_name: list(child.status_episodes.values_list("status", "end_date"))
        for child in Person.objects.filter(memberships__family=family)
    }
    assert episodes == {
        "Ann": [("cp", days_ago(3))],
        "Ben": [("cin", days_ago(3))],
        "Cal": [],
        "Dee": [("early_help", days_ago(51))],
    }
    assert not not_open.status_episodes.exists()


def test_each_child_stepped_out_by_a_closure_enters_the_chronology(
    family, request_to_close, manager
):
    closure_request_decide(request=request_to_close, approve=True, acting_user=manager)

    stepped_out = ChronologyEntry.objects.filter(family=family, summary__contains="stepped out")
    assert sorted(stepped_out.values_list("summary", "occurred_on", "recorded_by")) == [
        ("Ann stepped out of children's services (was Child protection).", days_ago(2), manager.pk),
        ("Ben stepped out of children's services (was Child in need).", days_ago(2), manager.pk),
    ]


def test_approving_ends_the_allocation_on_the_closing_date(
    family, request_to_close, alice, manager
):
    closure_request_decide(request=request_to_close, approve=True, acting_user=manager)

    assert list(family.allocations.values_list("social_worker", "end_date")) == [
        (alice.pk, days_ago(3))
    ]


def test_approving_is_audited_on_the_request_and_the_family(family, request_to_close, manager):
    closure_request_decide(request=request_to_close, approve=True, acting_user=manager)

    decision = AuditEvent.objects.get(object_type="families.closurerequest", action="update")
    closing = AuditEvent.objects.get(object_type="families.family", action="update")
    assert (decision.actor, decision.detail) == (manager, {"decision": "approved"})
    assert closing.actor == manager
    # The reason's typed note stays on the family, out of the audit trail.
    assert closing.detail == {"closed_on": days_ago(3).isoformat()}


def test_declining_leaves_the_family_open(family, request_to_close, manager):
    before = case_state(family)

    closure_request_decide(
        request=request_to_close, approve=False, note="Not yet", acting_user=manager
    )

    request_to_close.refresh_from_db()
    assert (request_to_close.decision, request_to_close.decided_by) == ("declined", manager)
    assert request_to_close.decision_note == "Not yet"
    assert case_state(family) == before
    assert family.is_open


def test_declining_is_audited(family, request_to_close, manager):
    closure_request_decide(request=request_to_close, approve=False, acting_user=manager)

    event = AuditEvent.objects.get(object_type="families.closurerequest", action="update")
    assert (event.actor, event.detail) == (manager, {"decision": "declined"})
    assert not AuditEvent.objects.filter(object_type="families.family", action="update").exists()


@pytest.mark.parametrize(
    ("first", "second"),
    [(True, False), (False, True), (True, True), (False, False)],
    ids=["approve then decline", "decline then approve", "approve twice", "decline twice"],
)
def test_a_closure_is_decided_only_once(family, request_to_close, manager, first, second):
    closure_request_decide(request=request_to_close, approve=first, acting_user=manager)
    before = case_state(family)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="already been decided"):
        closure_request_decide(request=request_to_close, approve=second, acting_user=manager)

    request_to_close.refresh_from_db()
    assert request_to_close.decision == ("approved" if first else "declined")
    assert case_state(family) == before
    assert AuditEvent.objects.count() == audit_rows


def test_a_stale_copy_of_a_decided_request_cannot_be_decided_again(
    family, request_to_close, manager
):
    stale = ClosureRequest.objects.get(pk=request_to_close.pk)
    closure_request_decide(request=request_to_close, approve=False, acting_user=manager)

    with pytest.raises(ValidationError, match="already been decided"):
        closure_request_decide(request=stale, approve=True, acting_user=manager)

    family.refresh_from_db()
    assert family.is_open
