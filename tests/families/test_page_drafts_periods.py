"""Closing a case, re-referring a family, transferring it and handing on a caseload keep a
draft of their free text as it is typed (accounts.drafts), as the contact form does: only for
someone who may use the form on that record, offered back on return, kept when refused, and
gone, in the same commit, when saved."""

import pytest
from django.urls import reverse

from accounts.models import Draft, Role, User
from families import drafts
from families.models import ClosureRequest, Family, InvolvementPeriod, Transfer
from families.services import family_close

from ..drafts_helpers import autosave, banner_offers
from ..factories import LocalityFactory, UserFactory
from .test_page_closure import a_closure, close_url
from .test_page_periods_and_transfers import TODAY, a_re_referral, a_transfer, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_family(alices_family) -> Family:
    alices_family.opened_on = days_ago(300)
    alices_family.save()
    return family_close(
        family=alices_family, closed_on=days_ago(60), closure_reason="Moved", acting_user=None
    )


@pytest.fixture
def olly(other_team) -> User:
    return UserFactory(username="olly", role=Role.SOCIAL_WORKER, team=other_team)


# Close this case -------------------------------------------------------------------------------


def test_a_closure_keeps_a_draft_offered_back_and_dropped_once_sent(
    client_as, alice, alices_family
):
    client = client_as("alice")
    key = f"{drafts.CLOSURE}:{alices_family.pk}"
    assert autosave(client, key, {"note": ["Things are calmer"]}).status_code == 200
    assert Draft.objects.get(user=alice, key=key).data == {"note": ["Things are calmer"]}
    page = client.get(close_url(alices_family)).content.decode()
    assert banner_offers(page, "Things are calmer")
    assert f'data-draft-key="{key}"' in page

    refused = client.post(close_url(alices_family), a_closure(closing_on=""))
    assert refused.status_code == 200
    assert "Things are calmer at home." in refused.content.decode()
    assert Draft.objects.get(key=key).data["note"] == ["Things are calmer at home."]

    assert client.post(close_url(alices_family), a_closure()).status_code == 302
    assert ClosureRequest.objects.get().note == "Things are calmer at home."
    assert not Draft.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "business_support", "auditor", "partner_specialist"])
def test_nobody_else_keeps_a_draft_of_a_closure(client_as, alices_family, who):
    response = autosave(client_as(who), f"{drafts.CLOSURE}:{alices_family.pk}", {"note": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


# Record a re-referral --------------------------------------------------------------------------


def rerefer_url(family: Family) -> str:
    return reverse("families:rerefer", args=[family.pk])


def test_a_re_referral_keeps_a_draft_offered_back_and_dropped_once_recorded(
    client_as, alice, closed_family
):
    client = client_as("alice")
    key = f"{drafts.REREFERRAL}:{closed_family.pk}"
    assert autosave(client, key, {"referral_reason": ["Police called"]}).status_code == 200
    assert Draft.objects.get(user=alice, key=key).data == {"referral_reason": ["Police called"]}
    assert banner_offers(client.get(rerefer_url(closed_family)).content.decode(), "Police called")

    refused = client.post(
        rerefer_url(closed_family), a_re_referral(closed_family, referral_source="")
    )
    assert "Choose where the referral came from" in refused.content.decode()
    assert Draft.objects.get(key=key).data["referral_reason"] == [
        "Police called to a domestic incident."
    ]

    assert client.post(rerefer_url(closed_family), a_re_referral(closed_family)).status_code == 302
    assert InvolvementPeriod.objects.exists()
    assert not Draft.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "business_support", "auditor", "partner_specialist"])
def test_nobody_else_keeps_a_draft_of_a_re_referral(client_as, closed_family, who):
    key = f"{drafts.REREFERRAL}:{closed_family.pk}"

    response = autosave(client_as(who), key, {"referral_reason": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_an_open_family_keeps_no_draft_of_a_re_referral(client_as, alices_family):
    key = f"{drafts.REREFERRAL}:{alices_family.pk}"

    assert autosave(client_as("alice"), key, {"referral_reason": ["No"]}).status_code == 403
    assert not Draft.objects.exists()


def test_a_service_manager_elsewhere_keeps_no_draft_of_a_re_referral(
    client_for, make_user, closed_family
):
    elsewhere = make_user(Role.SERVICE_MANAGER, locality=LocalityFactory())
    key = f"{drafts.REREFERRAL}:{closed_family.pk}"

    assert autosave(client_for(elsewhere), key, {"referral_reason": ["No"]}).status_code == 403
    assert not Draft.objects.exists()


# Transfer a family -----------------------------------------------------------------------------


def transfer_url(family: Family) -> str:
    return reverse("families:transfer", args=[family.pk])


def test_a_transfer_keeps_a_draft_offered_back_and_dropped_once_made(
    client_as, team_manager, alices_family, other_team, olly
):
    client = client_as("team_manager")
    key = f"{drafts.TRANSFER}:{alices_family.pk}"
    assert autosave(client, key, {"handover_note": ["Dad works nights"]}).status_code == 200
    assert Draft.objects.get(user=team_manager, key=key).data == {
        "handover_note": ["Dad works nights"]
    }
    page = client.get(transfer_url(alices_family)).content.decode()
    assert banner_offers(page, "Dad works nights")

    refused = client.post(transfer_url(alices_family), a_transfer(alices_family, other_team, on=""))
    assert refused.status_code == 200
    assert "Dad works nights; visit after 2pm." in refused.content.decode()
    assert Draft.objects.get(key=key).data["handover_note"] == [
        "Dad works nights; visit after 2pm."
    ]

    saved = client.post(transfer_url(alices_family), a_transfer(alices_family, other_team, olly))
    assert saved.status_code == 302
    assert Transfer.objects.get().handover_note == "Dad works nights; visit after 2pm."
    assert not Draft.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "business_support", "auditor"])
def test_nobody_else_keeps_a_draft_of_a_transfer(client_as, alices_family, who):
    key = f"{drafts.TRANSFER}:{alices_family.pk}"

    response = autosave(client_as(who), key, {"handover_note": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_another_teams_manager_keeps_no_draft_of_a_transfer(
    client_for, other_team_manager, alices_family
):
    key = f"{drafts.TRANSFER}:{alices_family.pk}"

    response = autosave(client_for(other_team_manager), key, {"handover_note": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_a_closed_family_keeps_no_draft_of_a_transfer(client_as, closed_family):
    key = f"{drafts.TRANSFER}:{closed_family.pk}"

    assert autosave(client_as("team_manager"), key, {"handover_note": ["No"]}).status_code == 403
    assert not Draft.objects.exists()


# Hand on a caseload ----------------------------------------------------------------------------

CASELOAD_URL = reverse("families:caseload_transfer")


def a_handover(leaving: User, taking: User, **fields) -> dict:
    return {
        "from_worker": leaving.pk,
        "to_worker": taking.pk,
        "on": TODAY.isoformat(),
        "handover_note": "Alice leaves on Friday.",
        **fields,
    }


def test_a_handover_keeps_a_draft_offered_back_and_dropped_once_made(
    client_as, team_manager, alice, bob, alices_family
):
    client = client_as("team_manager")
    key = f"{drafts.CASELOAD_TRANSFER}:{team_manager.pk}"
    assert autosave(client, key, {"handover_note": ["Alice leaves"]}).status_code == 200
    assert Draft.objects.get(user=team_manager, key=key).data == {"handover_note": ["Alice leaves"]}
    page = client.get(CASELOAD_URL).content.decode()
    assert banner_offers(page, "Alice leaves")
    assert f'data-draft-key="{key}"' in page

    refused = client.post(CASELOAD_URL, a_handover(alice, bob, to_worker=""))
    assert refused.status_code == 200
    assert "Alice leaves on Friday." in refused.content.decode()
    assert Draft.objects.get(key=key).data["handover_note"] == ["Alice leaves on Friday."]

    assert client.post(CASELOAD_URL, a_handover(alice, bob)).status_code == 302
    assert Family.objects.get(pk=alices_family.pk).social_worker == bob
    assert not Draft.objects.exists()


@pytest.mark.parametrize("who", ["alice", "charlie", "business_support", "auditor"])
def test_only_a_manager_keeps_a_draft_of_a_handover(request, client_for, who):
    user = request.getfixturevalue(who)
    key = f"{drafts.CASELOAD_TRANSFER}:{user.pk}"

    response = autosave(client_for(user), key, {"handover_note": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_a_manager_keeps_no_draft_of_anothers_handover(client_as, other_team_manager):
    key = f"{drafts.CASELOAD_TRANSFER}:{other_team_manager.pk}"

    response = autosave(client_as("team_manager"), key, {"handover_note": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_a_service_manager_keeps_a_draft_of_their_handover(client_for, make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    key = f"{drafts.CASELOAD_TRANSFER}:{manager.pk}"

    assert autosave(client_for(manager), key, {"handover_note": ["Soon"]}).status_code == 200
    assert Draft.objects.get(user=manager).data == {"handover_note": ["Soon"]}
