"""Minutes and corrections keep a draft as they are typed (accounts.drafts): only whoever may
minute the meeting keeps one, it is offered back on return, it stays when the minutes are
refused and goes, in the same commit, when they are saved."""

import pytest
from django.urls import reverse

from accounts.models import Draft
from supervision import drafts
from supervision.models import AgendaItem, Discussion

from ..drafts_helpers import TOO_LONG, autosave, banner_offers
from . import test_pages_meeting as meeting

pytestmark = pytest.mark.django_db

# The meeting pages' families and meetings (Bea minutes ALPHA and BRAVO at a begun meeting).
alpha_fam = meeting.alpha_fam
alpha_mother = meeting.alpha_mother
begun_meeting = meeting.begun_meeting
bravo_fam = meeting.bravo_fam
signed_off = meeting.signed_off
good_minutes = meeting.good_minutes

HALF = {"analysis": ["Mum says the new flat is damp"], "decisions": [""]}


@pytest.fixture
def item(begun_meeting, alpha_fam) -> AgendaItem:
    return AgendaItem.objects.get(meeting=begun_meeting, family=alpha_fam)


@pytest.fixture
def key(item) -> str:
    return f"{drafts.MINUTES}:{item.pk}"


@pytest.fixture
def url(begun_meeting, alpha_fam) -> str:
    return reverse("supervision:minutes", args=[begun_meeting.pk, alpha_fam.pk])


def test_whoever_minutes_keeps_a_draft_of_the_minutes(client_for, support, manager, key):
    for user in (support, manager):  # business support of the team, and the chair
        response = autosave(client_for(user), key, HALF)

        assert response.status_code == 200
        assert Draft.objects.get(user=user, key=key).data == HALF


@pytest.mark.parametrize("who", ["alice", "specialist", "other_support", "other_manager"])
def test_nobody_else_keeps_a_draft_of_the_minutes(client_for, request, key, who):
    response = autosave(client_for(request.getfixturevalue(who)), key, HALF)

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_no_draft_of_minutes_already_signed_off(client_for, support, signed_off, alpha_fam):
    item = AgendaItem.objects.get(meeting=signed_off, family=alpha_fam)

    response = autosave(client_for(support), f"{drafts.MINUTES}:{item.pk}", HALF)

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_the_minutes_page_offers_the_draft_back(client_for, support, key, url):
    client = client_for(support)
    autosave(client, key, HALF)

    page = client.get(url).content.decode()

    assert banner_offers(page, "Mum says the new flat is damp")
    assert f'data-draft-key="{key}"' in page


def test_a_colleagues_draft_is_not_offered(client_for, support, manager, key, url):
    autosave(client_for(manager), key, HALF)

    page = client_for(support).get(url).content.decode()

    assert not banner_offers(page, "Mum says the new flat is damp")
    assert "Mum says the new flat is damp" not in page


def test_saving_the_minutes_discards_the_draft_and_no_one_elses(
    client_for, support, manager, alice, key, url, begun_meeting, alpha_mother
):
    autosave(client_for(support), key, HALF)
    autosave(client_for(manager), key, {"analysis": ["The chair's own note"]})

    response = client_for(support).post(url, good_minutes(begun_meeting, alpha_mother, alice))

    assert response.status_code == 302
    assert Discussion.objects.get().analysis == "Mum is using less."
    assert list(Draft.objects.values_list("user", flat=True)) == [manager.pk]


def test_refused_minutes_keep_what_was_typed_as_the_draft(
    client_for, support, alice, key, url, begun_meeting, alpha_mother
):
    posted = good_minutes(
        begun_meeting, alpha_mother, alice, analysis="Typed before the error", decisions=""
    )

    response = client_for(support).post(url, posted)

    assert "Enter the decisions" in response.content.decode()
    assert not Discussion.objects.exists()
    draft = Draft.objects.get(user=support, key=key)
    assert draft.data["analysis"] == ["Typed before the error"]
    assert "csrfmiddlewaretoken" not in draft.data
    # Shown in the form, not offered again in a banner on the same page.
    assert not banner_offers(response.content.decode(), "Typed before the error")


def test_a_draft_of_the_minutes_too_long_to_keep_is_refused(client_for, support, key):
    client = client_for(support)
    autosave(client, key, HALF)

    response = autosave(client, key, {"analysis": [TOO_LONG]})

    assert response.status_code == 400
    assert "too long" in response.json()["error"]
    assert Draft.objects.get(user=support, key=key).data == HALF


# Corrections to signed-off minutes -----------------------------------------------------------


@pytest.fixture
def discussion(signed_off, alpha_fam) -> Discussion:
    return Discussion.objects.get(meeting=signed_off, family=alpha_fam)


def test_a_correction_keeps_a_draft_offered_back_and_gone_once_added(
    client_for, support, discussion
):
    client = client_for(support)
    key = f"{drafts.ADDENDUM}:{discussion.pk}"
    url = reverse("supervision:addendum", args=[discussion.pk])

    assert autosave(client, key, {"text": ["Dad was there too"]}).status_code == 200
    assert banner_offers(client.get(url).content.decode(), "Dad was there too")

    refused = client.post(url, {"text": "  "})
    assert "There is a problem" in refused.content.decode()
    assert Draft.objects.get(user=support, key=key).data["text"] == ["  "]

    assert client.post(url, {"text": "Dad was there too."}).status_code == 302
    assert not Draft.objects.exists()
    assert discussion.addenda.get().text == "Dad was there too."


@pytest.mark.parametrize("who", ["alice", "other_support"])
def test_nobody_else_keeps_a_draft_of_a_correction(client_for, request, discussion, who):
    key = f"{drafts.ADDENDUM}:{discussion.pk}"

    response = autosave(client_for(request.getfixturevalue(who)), key, {"text": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()
