import json

import pytest
from django.urls import reverse

from accounts.models import Draft
from accounts.services import DRAFT_MAX_BYTES, draft_save
from families.models import Family

from ..factories import FamilyFactory

pytestmark = pytest.mark.django_db

SAVE = reverse("accounts:draft_save")
DISCARD = reverse("accounts:draft_discard")


def key_for(family: Family) -> str:
    return f"contact:family:{family.pk}"


def autosave(client, key: str, data: object):
    return client.post(
        SAVE, json.dumps({"key": key, "data": data}), content_type="application/json"
    )


def test_the_page_script_saves_a_draft_for_the_user(client_as, alice, alices_family):
    response = autosave(client_as("alice"), key_for(alices_family), {"note": ["Half a note"]})

    assert response.status_code == 200
    assert set(response.json()) == {"saved_at"}
    draft = Draft.objects.get()
    assert (draft.user, draft.key, draft.data) == (
        alice,
        key_for(alices_family),
        {"note": ["Half a note"]},
    )


def test_saving_again_replaces_the_users_draft(client_as, alice, alices_family):
    alice_client = client_as("alice")
    autosave(alice_client, key_for(alices_family), {"note": ["Half"]})

    autosave(alice_client, key_for(alices_family), {"note": ["Half a note, finished"]})

    assert list(Draft.objects.values_list("data", flat=True)) == [
        {"note": ["Half a note, finished"]}
    ]


@pytest.mark.parametrize("who", ["bob", "team_manager"])
def test_colleagues_keep_their_own_drafts_for_the_same_form(
    client_as, alice, alices_family, request, who
):
    autosave(client_as("alice"), key_for(alices_family), {"note": ["Alice's"]})

    response = autosave(client_as(who), key_for(alices_family), {"note": ["Theirs"]})

    assert response.status_code == 200
    drafts = dict(Draft.objects.values_list("user__username", "data"))
    assert drafts == {
        "alice": {"note": ["Alice's"]},
        request.getfixturevalue(who).username: {"note": ["Theirs"]},
    }


@pytest.mark.parametrize("who", ["charlie", "business_support", "auditor", "partner_specialist"])
def test_a_draft_for_a_family_the_user_cannot_record_on_is_refused(client_as, alices_family, who):
    response = autosave(client_as(who), key_for(alices_family), {"note": ["Sneaky"]})

    assert response.status_code == 403
    assert response.json() == {"error": "Not allowed"}
    assert not Draft.objects.exists()


@pytest.mark.parametrize(
    "key",
    ["contact:family:999999", "contact:family:abc", "contact:person:1", "anything", ""],
)
def test_a_key_that_names_no_family_the_user_records_on_is_refused(client_as, alices_family, key):
    response = autosave(client_as("alice"), key, {"note": ["x"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"data": {}}),
        json.dumps({"key": "contact:family:1"}),
        json.dumps({"key": "contact:family:1", "data": ["a list"]}),
        json.dumps(["a list"]),
        json.dumps({"key": "x" * 101, "data": {}}),
    ],
)
def test_a_malformed_body_is_a_bad_request(client_as, alices_family, body):
    response = client_as("alice").post(SAVE, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"error": "Send a key and the form's data"}
    assert not Draft.objects.exists()


def test_a_draft_too_long_to_keep_is_refused(client_as, alices_family):
    response = autosave(
        client_as("alice"), key_for(alices_family), {"note": ["x" * (DRAFT_MAX_BYTES + 1)]}
    )

    assert response.status_code == 400
    assert response.json() == {"error": "This draft is too long to keep."}
    assert not Draft.objects.exists()


def test_drafts_are_saved_only_by_post(client_as, alices_family):
    assert client_as("alice").get(SAVE).status_code == 405


def test_an_anonymous_visitor_cannot_save_a_draft(client_as, alices_family):
    response = autosave(client_as("anonymous"), key_for(alices_family), {"note": ["x"]})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Draft.objects.exists()


def test_discarding_deletes_only_the_users_own_draft(client_as, alice, bob, alices_family):
    key = key_for(alices_family)
    draft_save(user=alice, key=key, data={"note": ["Alice's"]})
    draft_save(user=bob, key=key, data={"note": ["Bob's"]})
    contact_form = reverse("families:contact_create", args=[alices_family.pk])

    response = client_as("alice").post(DISCARD, {"key": key, "next": contact_form})

    assert response.status_code == 302
    assert response.url == contact_form
    assert list(Draft.objects.values_list("user__username", flat=True)) == ["bob"]


def test_discarding_without_a_next_page_goes_home(client_as, alice, alices_family):
    draft_save(user=alice, key=key_for(alices_family), data={"note": ["x"]})

    response = client_as("alice").post(DISCARD, {"key": key_for(alices_family)})

    assert response.url == reverse("home")
    assert not Draft.objects.exists()


def test_another_users_draft_for_a_hidden_family_is_untouched_by_a_discard(
    client_as, charlie, alices_family
):
    other = FamilyFactory(team=charlie.team)
    draft_save(user=charlie, key=key_for(other), data={"note": ["Charlie's"]})

    client_as("alice").post(DISCARD, {"key": key_for(other)})

    assert Draft.objects.filter(user=charlie).exists()
