"""The referral's reason, its reviews and its closing, and a DMT consultation keep a draft as
they are typed (accounts.drafts): only whoever may write the form on that record keeps one,
it is offered back on return, it stays when the form is refused and goes, in the same commit,
when it is saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Draft, Role, SpecialistPathway
from families.models import Membership
from referrals import drafts
from referrals.models import Consultation, Referral

from ..drafts_helpers import TOO_LONG, autosave, banner_offers

pytestmark = pytest.mark.django_db


def day(offset: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


# The referral and its reason ---------------------------------------------------------------


@pytest.fixture
def membership(father, alices_family) -> Membership:
    return Membership.objects.get(person=father, family=alices_family)


@pytest.fixture
def refer_key(membership) -> str:
    return f"{drafts.REFERRAL}:{membership.pk}"


def a_referral(dmt_pathway, **changes) -> dict:
    return {
        "pathway": str(dmt_pathway.pk),
        "referred_on": day(),
        "rag": "red",
        "areas_of_need": ["parenting"],
        "reason": "Dean asked for help being a dad.",
        "previously_known": "no",
        "eligibility_override": "",
        **changes,
    }


def test_the_social_worker_keeps_a_draft_of_the_referral_reason(client_as, alice, refer_key):
    response = autosave(client_as("alice"), refer_key, {"reason": ["Dean asked for"]})

    assert response.status_code == 200
    assert Draft.objects.get(user=alice).data == {"reason": ["Dean asked for"]}


@pytest.mark.parametrize("who", ["charlie", "practitioner", "pathway_manager"])
def test_nobody_else_keeps_a_draft_of_a_referral(client_as, refer_key, who):
    response = autosave(client_as(who), refer_key, {"reason": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_no_draft_of_a_referral_of_a_child(client_as, child_on_cp, alices_family):
    child = Membership.objects.get(person=child_on_cp, family=alices_family)

    response = autosave(client_as("alice"), f"{drafts.REFERRAL}:{child.pk}", {"reason": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_the_referral_form_offers_the_reason_back_and_drops_it_once_sent(
    client_as, father, child_on_cp, dmt_pathway, refer_key
):
    client = client_as("alice")
    url = reverse("referrals:refer", args=[father.pk])
    autosave(client, refer_key, {"reason": ["Dean asked for help"]})

    assert banner_offers(client.get(url).content.decode(), "Dean asked for help")

    response = client.post(url, a_referral(dmt_pathway))

    assert response.status_code == 302
    assert Referral.objects.get(person=father).reason == "Dean asked for help being a dad."
    assert not Draft.objects.exists()


def test_a_refused_referral_keeps_the_reason_as_the_draft(
    client_as, alice, father, child_on_cp, dmt_pathway, refer_key
):
    url = reverse("referrals:refer", args=[father.pk])

    response = client_as("alice").post(url, a_referral(dmt_pathway, referred_on=day(3)))

    assert "cannot be in the future" in response.content.decode()
    assert not Referral.objects.filter(person=father).exists()
    draft = Draft.objects.get(user=alice, key=refer_key)
    assert draft.data["reason"] == ["Dean asked for help being a dad."]


# Reviews and closing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "form", "field"),
    [("review", drafts.REVIEW, "summary"), ("close", drafts.CLOSING, "outcome")],
)
def test_the_practitioner_keeps_a_draft_offered_back_on_the_work_page(
    client_as, practitioner, referral, page, form, field
):
    client = client_as("practitioner")
    key = f"{form}:{referral.pk}"

    assert autosave(client, key, {field: ["Dean is doing well"]}).status_code == 200

    text = client.get(reverse(f"referrals:{page}", args=[referral.pk])).content.decode()
    assert banner_offers(text, "Dean is doing well")
    assert Draft.objects.get(user=practitioner, key=key).data == {field: ["Dean is doing well"]}


@pytest.mark.parametrize("form", [drafts.REVIEW, drafts.CLOSING])
@pytest.mark.parametrize("who", ["alice", "dmt_colleague", "other_specialist"])
def test_nobody_else_keeps_a_draft_of_the_work(client_as, referral, form, who):
    response = autosave(client_as(who), f"{form}:{referral.pk}", {"summary": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_the_pathway_manager_keeps_their_own_draft_of_a_review(
    client_as, pathway_manager, referral
):
    key = f"{drafts.REVIEW}:{referral.pk}"

    assert autosave(client_as("pathway_manager"), key, {"summary": ["Mine"]}).status_code == 200
    assert Draft.objects.get().user == pathway_manager


def test_recording_the_review_drops_the_draft_and_a_refused_one_keeps_it(
    client_as, practitioner, referral
):
    client = client_as("practitioner")
    key = f"{drafts.REVIEW}:{referral.pk}"
    url = reverse("referrals:review", args=[referral.pk])
    autosave(client, key, {"summary": ["Half a review"]})

    refused = client.post(
        url, {"reviewed_on": day(), "summary": "Going well.", "next_review_on": day()}
    )
    assert "The next review must be after this one." in refused.content.decode()
    assert Draft.objects.get(key=key).data["summary"] == ["Going well."]

    saved = client.post(
        url, {"reviewed_on": day(), "summary": "Going well.", "next_review_on": day(70)}
    )
    assert saved.status_code == 302
    assert referral.reviews.get().summary == "Going well."
    assert not Draft.objects.exists()


def test_closing_the_work_drops_the_draft(client_as, referral):
    client = client_as("practitioner")
    key = f"{drafts.CLOSING}:{referral.pk}"
    autosave(client, key, {"outcome": ["Half an outcome"]})

    response = client.post(
        reverse("referrals:close", args=[referral.pk]),
        {"closed_on": day(), "reason": "completed", "outcome": "Dean finished the work."},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.closure_reason == "Dean finished the work."
    assert not Draft.objects.exists()


def test_other_work_pages_keep_no_draft(client_as, referral):
    page = client_as("practitioner").get(reverse("referrals:stage", args=[referral.pk]))

    assert "data-draft-key" not in page.content.decode()


def test_a_draft_of_a_review_too_long_to_keep_is_refused(client_as, referral):
    response = autosave(
        client_as("practitioner"), f"{drafts.REVIEW}:{referral.pk}", {"summary": [TOO_LONG]}
    )

    assert response.status_code == 400
    assert "too long" in response.json()["error"]
    assert not Draft.objects.exists()


# DMT consultations ---------------------------------------------------------------------------


@pytest.fixture
def worker(make_user):
    return make_user(
        Role.SPECIALIST, username="dw", first_name="Dwayne", pathway=SpecialistPathway.DMT
    )


def a_consultation(alice, **changes) -> dict:
    return {
        "given_on": day(-7),
        "team": alice.team.pk,
        "social_worker": alice.pk,
        "topic": "A father who will not answer calls",
        "minutes": "45",
        **changes,
    }


def test_a_consultation_keeps_a_draft_offered_back_and_dropped_once_recorded(
    client_for, worker, alice
):
    client = client_for(worker)
    key = f"{drafts.CONSULTATION}:{worker.pk}"
    url = reverse("referrals:dmt_consultation_create")
    assert autosave(client, key, {"topic": ["A father who will not"]}).status_code == 200
    assert banner_offers(client.get(url).content.decode(), "A father who will not")

    refused = client.post(url, a_consultation(alice, minutes="0"))
    assert "Enter the time spent in minutes" in refused.content.decode()
    assert Draft.objects.get(key=key).data["topic"] == ["A father who will not answer calls"]

    assert client.post(url, a_consultation(alice)).status_code == 302
    assert Consultation.objects.get().topic == "A father who will not answer calls"
    assert not Draft.objects.exists()


@pytest.mark.parametrize("who", ["colleague", "other_specialist", "alice"])
def test_a_consultation_draft_is_the_practitioners_own(
    client_for, make_user, worker, other_specialist, alice, who
):
    others = {
        "colleague": make_user(Role.SPECIALIST, username="dc", pathway=SpecialistPathway.DMT),
        "other_specialist": other_specialist,
        "alice": alice,
    }
    key = f"{drafts.CONSULTATION}:{worker.pk}"

    response = autosave(client_for(others[who]), key, {"topic": ["No"]})

    assert response.status_code == 403
    assert not Draft.objects.exists()
