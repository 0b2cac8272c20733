import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import ClosureRequest, Family, LegalStatus, Person
from families.services import child_status_change, closure_request_create

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def close_url(family: Family) -> str:
    return reverse("families:closure_request", args=[family.pk])


def decide_url(closure: ClosureRequest) -> str:
    return reverse("families:closure_decide", args=[closure.pk])


def detail(family: Family) -> str:
    return reverse("families:detail", args=[family.pk])


def a_closure(**fields) -> dict:
    return {
        "closing_on": TODAY.isoformat(),
        "reason": ClosureRequest.Reason.STEPPED_DOWN_EARLY_HELP,
        "note": "Things are calmer at home.",
        **fields,
    }


@pytest.fixture
def amy(alices_family) -> Person:
    child = PersonFactory(family=alices_family, given_name="Amy")
    child_status_change(
        child=child,
        status=LegalStatus.CIN,
        start_date=alices_family.opened_on,
        acting_user=None,
    )
    return child


@pytest.fixture
def pending(alice, alices_family) -> ClosureRequest:
    return closure_request_create(
        family=alices_family,
        closing_on=TODAY,
        reason=ClosureRequest.Reason.MOVED_AWAY,
        acting_user=alice,
    )


def still_open_and_pending(family: Family, closure: ClosureRequest) -> None:
    family.refresh_from_db()
    closure.refresh_from_db()
    assert family.closed_on is None
    assert closure.decision == ClosureRequest.Decision.PENDING
    assert closure.decided_by is None


# Asking to close --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("bob", 200),
        ("team_manager", 200),
        ("business_support", 403),
        ("auditor", 403),
        ("charlie", 404),
        ("partner_specialist", 404),
    ],
)
def test_who_may_ask_to_close_a_case(client_as, alices_family, who, status):
    assert client_as(who).get(close_url(alices_family)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("business_support", 403), ("auditor", 403), ("charlie", 404), ("anonymous", 302)],
)
def test_readers_outsiders_and_visitors_cannot_ask_to_close(client_as, alices_family, who, status):
    response = client_as(who).post(close_url(alices_family), a_closure())

    assert response.status_code == status
    assert not ClosureRequest.objects.exists()


def test_a_closure_before_the_case_opened_is_refused(client_as, alices_family):
    too_early = alices_family.opened_on - datetime.timedelta(days=1)

    response = client_as("alice").post(
        close_url(alices_family), a_closure(closing_on=too_early.isoformat())
    )

    assert response.status_code == 200
    assert "The case cannot close before" in response.context["form"].errors["closing_on"][0]
    assert not ClosureRequest.objects.exists()


def test_a_second_closure_waits_for_the_first(client_as, alices_family, pending):
    response = client_as("bob").post(close_url(alices_family), a_closure())

    assert response.status_code == 200
    assert "A closure is already waiting for approval." in response.content.decode()
    assert list(ClosureRequest.objects.all()) == [pending]


# The whole flow ---------------------------------------------------------------------------


def test_a_closure_asked_by_the_worker_is_approved_by_the_team_manager(
    client_as, alice, team_manager, alices_family, amy
):
    worker, manager = client_as("alice"), client_as("team_manager")

    asked = worker.post(close_url(alices_family), a_closure())

    assert asked.status_code == 302
    closure = ClosureRequest.objects.get()
    assert (closure.requested_by, closure.decision) == (alice, ClosureRequest.Decision.PENDING)
    assert Family.objects.get(pk=alices_family.pk).closed_on is None  # not until approved

    home = manager.get(reverse("home")).content.decode()
    assert "Closures waiting for you" in home
    assert "ALICE-1" in home
    family_page = manager.get(detail(alices_family))
    assert family_page.context["pending_closure"] == closure
    assert family_page.context["can_decide_closure"] is True
    assert "Closure waiting for approval" in family_page.content.decode()

    decided = manager.post(decide_url(closure), {"decision": "approve", "note": "Agreed."})

    assert decided.status_code == 302
    assert decided.url == detail(alices_family)
    alices_family.refresh_from_db()
    assert alices_family.closed_on == TODAY
    assert alices_family.closure_reason == (
        "Stepped down to early help: Things are calmer at home."
    )
    assert not amy.status_episodes.filter(end_date__isnull=True).exists()
    assert amy.status_episodes.get().end_date == TODAY
    closure.refresh_from_db()
    assert (closure.decision, closure.decided_by, closure.decision_note) == (
        ClosureRequest.Decision.APPROVED,
        team_manager,
        "Agreed.",
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, actor=team_manager, object_type="families.family"
    ).exists()
    assert "Closures waiting for you" not in manager.get(reverse("home")).content.decode()


def test_the_worker_sees_the_pending_closure_but_no_decision_form(
    client_as, alices_family, pending
):
    response = client_as("alice").get(detail(alices_family))

    assert response.context["can_decide_closure"] is False
    assert "Save decision" not in response.content.decode()
    assert "Close this case" not in response.content.decode()


def test_a_declined_closure_leaves_the_case_open(client_as, alices_family, pending, amy):
    client_as("team_manager").post(decide_url(pending), {"decision": "decline"})

    alices_family.refresh_from_db()
    pending.refresh_from_db()
    assert alices_family.closed_on is None
    assert pending.decision == ClosureRequest.Decision.DECLINED
    assert amy.status_episodes.get().end_date is None


@pytest.mark.parametrize("who", ["alice", "bob", "business_support"])
def test_only_a_team_manager_decides_a_closure(client_as, alices_family, pending, who):
    response = client_as(who).post(decide_url(pending), {"decision": "approve"})

    assert response.status_code == 403
    still_open_and_pending(alices_family, pending)


@pytest.mark.parametrize("who", ["other_team_manager", "charlie"])
def test_another_teams_staff_cannot_find_the_closure(
    client_for, request, alices_family, pending, who
):
    response = client_for(request.getfixturevalue(who)).post(
        decide_url(pending), {"decision": "approve"}
    )

    assert response.status_code == 404
    still_open_and_pending(alices_family, pending)


def test_a_decision_must_be_chosen(client_as, alices_family, pending):
    response = client_as("team_manager").post(decide_url(pending), {"decision": ""}, follow=True)

    assert "Select approve or decline." in response.content.decode()
    still_open_and_pending(alices_family, pending)


def test_a_decided_closure_cannot_be_decided_again(client_as, alices_family, pending):
    manager = client_as("team_manager")
    manager.post(decide_url(pending), {"decision": "decline"})

    response = manager.post(decide_url(pending), {"decision": "approve"}, follow=True)

    assert "This closure has already been decided." in response.content.decode()
    alices_family.refresh_from_db()
    assert alices_family.closed_on is None
