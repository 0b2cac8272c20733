"""The re-referral, transfer and hand-on pages: who may use them, what they show, and that bad
input changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from families.models import Family, InvolvementPeriod, ReferralSource, Transfer
from families.services import family_close

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def closed_family(alices_family) -> Family:
    alices_family.opened_on = days_ago(300)
    alices_family.save()
    return family_close(
        family=alices_family,
        closed_on=days_ago(60),
        closure_reason="Stepped down to early help",
        acting_user=None,
    )


def a_re_referral(family: Family, **fields) -> dict:
    return {
        "version": family.version,
        "referred_on": TODAY.isoformat(),
        "referral_source": ReferralSource.POLICE,
        "referral_reason": "Police called to a domestic incident.",
        **fields,
    }


# Re-referral -----------------------------------------------------------------------------------


def test_the_team_re_refers_a_closed_family_and_sees_both_periods(client_as, closed_family):
    client = client_as("alice")
    page = client.get(reverse("families:detail", args=[closed_family.pk]))
    assert "Record a re-referral" in page.content.decode()

    response = client.post(
        reverse("families:rerefer", args=[closed_family.pk]), a_re_referral(closed_family)
    )

    assert response.status_code == 302
    html = client.get(reverse("families:detail", args=[closed_family.pk])).content.decode()
    assert "Periods of involvement" in html
    assert "Re-referral within 12 months" in html
    assert "Police: Police called to a domestic incident." in html
    assert "Stepped down to early help" in html
    assert Family.objects.get(pk=closed_family.pk).closed_on is None


@pytest.mark.parametrize("who", ["charlie", "partner_specialist", "business_support", "auditor"])
def test_others_cannot_re_refer(client_as, closed_family, who):
    response = client_as(who).post(
        reverse("families:rerefer", args=[closed_family.pk]), a_re_referral(closed_family)
    )
    assert response.status_code in (403, 404)
    assert not InvolvementPeriod.objects.exists()


def test_an_open_family_has_no_re_referral_page(client_as, alices_family):
    response = client_as("alice").get(reverse("families:rerefer", args=[alices_family.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"referred_on": days_ago(61).isoformat()}, "A re-referral comes after the case closed"),
        ({"referral_reason": ""}, "Say why the family was referred again"),
        ({"referral_source": ""}, "Choose where the referral came from"),
        ({"referred_on": "9999-12-31"}, "date"),
    ],
)
def test_a_bad_re_referral_says_why_and_keeps_the_text(client_as, closed_family, fields, message):
    response = client_as("alice").post(
        reverse("families:rerefer", args=[closed_family.pk]),
        a_re_referral(closed_family, **fields),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    if fields.get("referral_reason", None) != "":
        assert "Police called to a domestic incident." in html
    assert not InvolvementPeriod.objects.exists()


def test_a_re_referral_on_a_changed_family_is_a_conflict(client_as, closed_family):
    response = client_as("alice").post(
        reverse("families:rerefer", args=[closed_family.pk]),
        a_re_referral(closed_family, version=closed_family.version - 1),
        follow=True,
    )
    assert "Someone changed this family" in response.content.decode()
    assert not InvolvementPeriod.objects.exists()


def test_the_caseload_shows_the_re_referral(client_as, closed_family):
    client_as("alice").post(
        reverse("families:rerefer", args=[closed_family.pk]), a_re_referral(closed_family)
    )
    html = client_as("team_manager").get(reverse("families:caseload")).content.decode()
    assert closed_family.reference in html
    assert "Re-referral" in html


# Transfer --------------------------------------------------------------------------------------


@pytest.fixture
def olly(other_team):
    return UserFactory(
        username="olly",
        first_name="Olly",
        last_name="Other",
        role=Role.SOCIAL_WORKER,
        team=other_team,
    )


def a_transfer(family: Family, team, worker=None, **fields) -> dict:
    return {
        "version": family.version,
        "to_team": team.pk,
        "to_worker": worker.pk if worker else "",
        "on": TODAY.isoformat(),
        "handover_note": "Dad works nights; visit after 2pm.",
        **fields,
    }


def test_the_team_manager_transfers_a_family_and_the_new_worker_reads_the_note(
    client_as, client_for, alices_family, other_team, olly
):
    manager = client_as("team_manager")
    assert (
        "Transfer this family"
        in manager.get(reverse("families:detail", args=[alices_family.pk])).content.decode()
    )

    response = manager.post(
        reverse("families:transfer", args=[alices_family.pk]),
        a_transfer(alices_family, other_team, olly),
    )

    assert response.status_code == 302
    assert response.url == reverse("families:caseload")
    assert (
        client_as("alice").get(reverse("families:detail", args=[alices_family.pk])).status_code
        == 404
    )
    html = client_for(olly).get(reverse("families:detail", args=[alices_family.pk]))
    assert "Dad works nights; visit after 2pm." in html.content.decode()
    assert "Transfers" in html.content.decode()


@pytest.mark.parametrize("who", ["alice", "bob", "business_support", "charlie"])
def test_only_managers_transfer(client_as, alices_family, other_team, who):
    response = client_as(who).post(
        reverse("families:transfer", args=[alices_family.pk]),
        a_transfer(alices_family, other_team),
    )
    assert response.status_code in (403, 404)
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"handover_note": ""}, "Write a handover note for the new team"),
        ({"to_team": ""}, "Choose the team taking the family"),
        ({"on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"to_team": "٣"}, "Select a valid choice"),
    ],
)
def test_a_bad_transfer_says_why_and_changes_nothing(
    client_as, alices_family, other_team, fields, message
):
    response = client_as("team_manager").post(
        reverse("families:transfer", args=[alices_family.pk]),
        a_transfer(alices_family, other_team, **fields),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Transfer.objects.exists()


def test_a_worker_in_another_team_than_the_one_chosen_is_refused(
    client_as, alices_family, team, olly
):
    response = client_as("team_manager").post(
        reverse("families:transfer", args=[alices_family.pk]),
        a_transfer(alices_family, team, olly),
    )
    assert "Choose a social worker in the family&#x27;s team." in response.content.decode()
    assert not Transfer.objects.exists()


def test_a_manager_hands_on_a_leaving_workers_families(client_as, alices_family, alice, bob):
    response = client_as("team_manager").post(
        reverse("families:caseload_transfer"),
        {
            "from_worker": alice.pk,
            "to_worker": bob.pk,
            "on": TODAY.isoformat(),
            "handover_note": "Alice leaves on Friday.",
        },
        follow=True,
    )
    assert "1 family handed to" in response.content.decode()
    assert Family.objects.get(pk=alices_family.pk).social_worker == bob


def test_social_workers_cannot_hand_on_families(client_as, alice, bob):
    response = client_as("alice").get(reverse("families:caseload_transfer"))
    assert response.status_code == 403
