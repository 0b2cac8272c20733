import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import ChronologyEntry, LegalStatus, Membership, Person, StatusEpisode
from families.services import child_status_change

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CP_SINCE = TODAY - datetime.timedelta(days=30)


def status_url(child: Person) -> str:
    return reverse("families:child_status", args=[child.membership.family_id, child.pk])


@pytest.fixture
def amy(alices_family) -> Person:
    """On a child protection plan for the last 30 days."""
    child = PersonFactory(family=alices_family, given_name="Amy")
    child_status_change(child=child, status=LegalStatus.CP, start_date=CP_SINCE, acting_user=None)
    return child


def episodes(child: Person) -> list[tuple[str, datetime.date, datetime.date | None]]:
    return list(
        child.status_episodes.order_by("start_date").values_list("status", "start_date", "end_date")
    )


def nothing_changed(child: Person) -> None:
    assert episodes(child) == [(LegalStatus.CP, CP_SINCE, None)]
    # Only the fixture's own change, made by nobody signed in.
    assert ChronologyEntry.objects.count() == 1
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, actor__isnull=False
    ).exists()


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
def test_who_may_open_a_childs_status_page(client_as, amy, who, status):
    assert client_as(who).get(status_url(amy)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("business_support", 403), ("auditor", 403), ("charlie", 404), ("partner_specialist", 404)],
)
def test_readers_and_outsiders_cannot_change_a_status(client_as, amy, who, status):
    response = client_as(who).post(
        status_url(amy), {"status": LegalStatus.CIN, "start_date": TODAY.isoformat()}
    )

    assert response.status_code == status
    nothing_changed(amy)


def test_an_anonymous_visitor_is_sent_to_sign_in(client_as, amy):
    response = client_as("anonymous").post(
        status_url(amy), {"status": LegalStatus.CIN, "start_date": TODAY.isoformat()}
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    nothing_changed(amy)


def test_an_adult_has_no_status_page(client_as, alices_family):
    mum = PersonFactory(family=alices_family, role=Membership.Role.MOTHER)

    assert client_as("alice").get(status_url(mum)).status_code == 404


def test_the_page_shows_the_current_status_and_its_history(client_as, amy):
    response = client_as("alice").get(status_url(amy))

    assert response.context["current"].status == LegalStatus.CP
    assert "Child protection since" in response.content.decode()


def test_stepping_down_from_child_protection_to_child_in_need(client_as, alice, amy):
    response = client_as("alice").post(
        status_url(amy), {"status": LegalStatus.CIN, "start_date": TODAY.isoformat()}
    )

    assert response.status_code == 302
    assert response.url == reverse("families:detail", args=[amy.membership.family_id])
    assert episodes(amy) == [
        (LegalStatus.CP, CP_SINCE, TODAY - datetime.timedelta(days=1)),
        (LegalStatus.CIN, TODAY, None),
    ]
    assert ChronologyEntry.objects.filter(
        summary="Amy stepped down from Child protection to Child in need."
    ).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, actor__isnull=False)
    assert (event.actor, event.object_id, event.detail["to"]) == (alice, str(amy.pk), "cin")


def test_a_date_before_the_current_status_began_is_refused_and_nothing_changes(client_as, amy):
    too_early = CP_SINCE - datetime.timedelta(days=1)

    response = client_as("alice").post(
        status_url(amy), {"status": LegalStatus.CIN, "start_date": too_early.isoformat()}
    )

    assert response.status_code == 200
    message = (
        f"The change must start after {CP_SINCE.day} {CP_SINCE:%B %Y}, "
        "when the current status began."
    )
    assert response.context["form"].errors["start_date"] == [message]
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    nothing_changed(amy)


def test_choosing_the_current_status_again_is_refused(client_as, amy):
    response = client_as("alice").post(
        status_url(amy), {"status": LegalStatus.CP, "start_date": TODAY.isoformat()}
    )

    assert response.context["form"].errors["status"] == ["The child is already Child protection."]
    nothing_changed(amy)


def test_stepping_a_child_out_of_childrens_services(client_as, amy):
    response = client_as("alice").post(
        status_url(amy), {"status": "none", "start_date": TODAY.isoformat()}
    )

    assert response.status_code == 302
    assert episodes(amy) == [(LegalStatus.CP, CP_SINCE, TODAY - datetime.timedelta(days=1))]
    assert not StatusEpisode.objects.filter(child=amy, end_date__isnull=True).exists()
    assert ChronologyEntry.objects.filter(
        summary="Amy stepped out of children's services (was Child protection)."
    ).exists()
