"""A person's edit and a plan's new action keep a draft as they are typed (accounts.drafts),
as the contact form does: only for someone who may record on the family, offered back on
return, kept when refused, and gone, in the same commit, when saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Draft
from families import drafts
from families.models import Membership, Person, Plan, PlanAction
from families.services import plan_create

from ..drafts_helpers import TOO_LONG, autosave, banner_offers
from ..factories import PersonFactory
from .test_page_person_edit import as_posted, edit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def mum(alices_family) -> Person:
    person = PersonFactory(
        family=alices_family,
        role=Membership.Role.MOTHER,
        given_name="Mia",
        family_name="Smith",
        address="1 Old Road",
    )
    person.membership = Membership.objects.get(person=person, family=alices_family)
    return person


# A person's details ----------------------------------------------------------------------------


def test_the_worker_keeps_a_draft_of_a_persons_new_details(client_as, alice, mum):
    key = f"{drafts.PERSON}:{mum.pk}"

    response = autosave(client_as("alice"), key, {"address": ["2 New Str"]})

    assert response.status_code == 200
    assert Draft.objects.get(user=alice, key=key).data == {"address": ["2 New Str"]}


@pytest.mark.parametrize("who", ["charlie", "business_support", "auditor", "partner_specialist"])
def test_nobody_else_keeps_a_draft_of_a_persons_details(client_as, mum, who):
    response = autosave(client_as(who), f"{drafts.PERSON}:{mum.pk}", {"address": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_the_edit_form_offers_the_draft_back_with_the_version_it_was_typed_against(client_as, mum):
    client = client_as("alice")
    draft = {"address": ["2 New Street"], "version": ["1"], "opened": ["signed"]}
    autosave(client, f"{drafts.PERSON}:{mum.pk}", draft)

    page = client.get(edit_url(mum)).content.decode()

    assert banner_offers(page, "2 New Street")
    # The script restores the version too, so a colleague's later save is merged, not lost.
    assert 'data-draft-keep="version opened"' in page


def test_saving_the_edit_drops_the_draft_and_a_refused_one_keeps_it(client_as, alice, mum):
    client = client_as("alice")
    key = f"{drafts.PERSON}:{mum.pk}"
    autosave(client, key, {"address": ["2 New"]})

    refused = client.post(edit_url(mum), as_posted(mum, given_name="", address="2 New Street"))
    assert "Enter a given name" in refused.content.decode()
    assert Draft.objects.get(user=alice, key=key).data["address"] == ["2 New Street"]

    saved = client.post(edit_url(mum), as_posted(mum, address="2 New Street"))
    assert saved.status_code == 302
    assert Person.objects.get(pk=mum.pk).address == "2 New Street"
    assert not Draft.objects.exists()


def test_a_conflicting_edit_keeps_the_draft_until_it_is_saved(client_as, alice, bob, mum):
    client_as("bob").post(edit_url(mum), as_posted(mum, family_name="Jones"))

    response = client_as("alice").post(edit_url(mum), as_posted(mum, address="3 Other Road"))

    assert "Someone saved changes to this record" in response.content.decode()
    assert Draft.objects.get(user=alice).data["address"] == ["3 Other Road"]


# A plan's new action ---------------------------------------------------------------------------


@pytest.fixture
def plan(alice, alices_family) -> Plan:
    child = PersonFactory(family=alices_family, given_name="Amy")
    return plan_create(child=child, kind="cp", started_on=timezone.localdate(), acting_user=alice)


def an_action(alice, **changes) -> dict:
    return {
        "description": "See Amy alone every visit",
        "owner": f"worker:{alice.pk}",
        "due_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        **changes,
    }


def test_a_plan_action_keeps_a_draft_offered_back_and_dropped_once_added(
    client_as, alice, alices_family, plan
):
    client = client_as("alice")
    key = f"{drafts.PLAN_ACTION}:{plan.pk}"
    url = reverse("families:plan_action_add", args=[alices_family.pk, plan.pk])
    assert autosave(client, key, {"description": ["See Amy alone"]}).status_code == 200
    assert banner_offers(client.get(url).content.decode(), "See Amy alone")

    refused = client.post(url, an_action(alice, owner=""))
    assert refused.status_code == 200
    assert Draft.objects.get(key=key).data["description"] == ["See Amy alone every visit"]

    assert client.post(url, an_action(alice)).status_code == 302
    assert PlanAction.objects.get().description == "See Amy alone every visit"
    assert not Draft.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "business_support", "auditor"])
def test_nobody_else_keeps_a_draft_of_a_plan_action(client_as, plan, who):
    key = f"{drafts.PLAN_ACTION}:{plan.pk}"

    response = autosave(client_as(who), key, {"description": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_a_draft_of_a_plan_action_too_long_to_keep_is_refused(client_as, plan):
    key = f"{drafts.PLAN_ACTION}:{plan.pk}"

    response = autosave(client_as("alice"), key, {"description": [TOO_LONG]})

    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_a_plan_for_a_closed_family_keeps_no_draft(client_as, alices_family, plan):
    alices_family.closed_on = timezone.localdate()
    alices_family.save(update_fields=["closed_on"])

    response = autosave(client_as("alice"), f"{drafts.PLAN_ACTION}:{plan.pk}", {})

    assert response.status_code == 403
