"""Odd input to the case-recording pages that reaches the database outside a form: a NUL in a
search, an autosaved draft or a draft key, and ids written in other digits. PostgreSQL refuses
NUL in text and JSON, so on PostgreSQL each was a server error; now each is read without it
or refused, and changes nothing it should not. (Run these on PostgreSQL too: see README.)"""

import json

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Draft
from families.models import Allocation, Contact, Family, PlanAction
from families.services import plan_action_create, plan_create

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("families:search")
SAVE = reverse("accounts:draft_save")
DISCARD = reverse("accounts:draft_discard")


def key_for(family: Family) -> str:
    return f"contact:family:{family.pk}"


def autosave(client, key: str, data: object):
    return client.post(
        SAVE, json.dumps({"key": key, "data": data}), content_type="application/json"
    )


# Search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Amy\x00", "\x00", "Am\x00y", "Amy\x07\x1b"])
def test_a_search_with_control_characters_searches_without_them(client_as, alice, query):
    family = FamilyFactory(reference="WEST-1", team=alice.team, social_worker=alice)
    PersonFactory(family=family, given_name="Amy", family_name="Ashdown")

    response = client_as("alice").get(SEARCH, {"q": query})

    assert response.status_code == 200
    found = [person.full_name for person in response.context["people"]]
    assert found == ([] if query == "\x00" else ["Amy Ashdown"])


# Drafts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{"note": ["Half\x00 a note"]}, {"no\x00te": ["Half"]}, {"note": ["\ud800"]}],
)
def test_an_autosave_with_a_nul_or_a_lone_surrogate_is_refused_and_saves_nothing(
    client_as, alices_family, data
):
    response = autosave(client_as("alice"), key_for(alices_family), data)

    assert response.status_code == 400
    assert response.json() == {"error": "Send a key and the form's data"}
    assert not Draft.objects.exists()


def test_an_autosave_with_a_nul_in_its_key_is_refused(client_as, alices_family):
    response = autosave(client_as("alice"), key_for(alices_family) + "\x00", {"note": ["x"]})

    assert response.status_code in (400, 403)
    assert not Draft.objects.exists()


def test_a_contact_with_a_nul_is_refused_and_kept_as_a_draft_without_it(
    client_as, alice, alices_family
):
    response = client_as("alice").post(
        reverse("families:contact_create", args=[alices_family.pk]),
        {
            "kind": "home_visit",
            "occurred_on": "2024-03-03",
            "occurred_time": "14:30",
            "note": "Amy\x00 showed me her room.",
        },
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Contact.objects.exists()
    draft = Draft.objects.get(user=alice)
    assert draft.data["note"] == ["Amy showed me her room."]


def test_discarding_a_draft_by_a_key_with_a_nul_discards_nothing(client_as, alice, alices_family):
    autosave(client_as("alice"), key_for(alices_family), {"note": ["Half"]})

    response = client_as("alice").post(
        DISCARD, {"key": key_for(alices_family) + "\x00", "next": "/families/\x00"}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert Draft.objects.count() == 1


@pytest.mark.parametrize("next_url", ["\u0663", "home", "families:caseload", "//evil.example/"])
def test_discarding_a_draft_goes_only_to_a_path_on_this_site(client_as, alices_family, next_url):
    autosave(client_as("alice"), key_for(alices_family), {"note": ["Half"]})

    response = client_as("alice").post(DISCARD, {"key": key_for(alices_family), "next": next_url})

    assert response.status_code == 302
    assert response.url == reverse("home")


# Ids and versions in other digits ----------------------------------------------------------


@pytest.mark.parametrize("chosen", ["\u0663", "\u00b2", str(2**63), "-1", "\x00"])
def test_allocating_to_a_worker_id_that_is_not_one_allocates_nobody(
    client_as, alices_family, chosen
):
    before = list(Allocation.objects.values_list("pk", flat=True))

    response = client_as("team_manager").post(
        reverse("families:allocate", args=[alices_family.pk]),
        {"social_worker": chosen},
        follow=True,
    )

    assert response.status_code == 200
    assert "Choose a social worker to allocate the case to." in response.content.decode()
    assert list(Allocation.objects.values_list("pk", flat=True)) == before


def test_an_action_status_at_a_version_in_other_digits_changes_nothing(
    client_as, alice, alices_family
):
    child = PersonFactory(family=alices_family)
    plan = plan_create(
        child=child,
        kind="cin",
        started_on=alices_family.opened_on,
        review_on=None,
        acting_user=alice,
    )
    action = plan_action_create(
        plan=plan,
        description="Book the dentist",
        due_on=alices_family.opened_on,
        acting_user=alice,
        owner_worker=alice,
    )
    updates = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).count()

    response = client_as("alice").post(
        reverse("families:plan_action_status", args=[alices_family.pk, action.pk]),
        {"status": "done", "version": "\u0661"},  # Arabic-Indic 1, the current version
        follow=True,
    )

    assert response.status_code == 200
    action.refresh_from_db()
    assert (action.status, action.version) == (PlanAction.Status.NOT_STARTED, 1)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).count() == updates
