import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from families.models import FatherInclusion, Membership, Plan, PlanAction
from families.services import father_inclusion_update, plan_action_create, plan_create

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(alice):
    return FamilyFactory(reference="FAM-A", team=alice.team, social_worker=alice)


@pytest.fixture
def dad(family):
    return PersonFactory(family=family, role=Membership.Role.FATHER, given_name="Dean")


@pytest.fixture
def amy(family, dad):
    return PersonFactory(family=family, given_name="Amy", father=dad)


def inclusion_url(family, child):
    return reverse("families:father_inclusion", args=[family.pk, child.pk])


def test_a_social_worker_records_whether_the_father_was_invited(client_for, alice, family, amy):
    response = client_for(alice).post(
        inclusion_url(family, amy),
        {
            "version": "1",
            "invited_to_initial_conference": "yes",
            "attended_initial_conference": "no",
        },
    )

    assert response.status_code == 302
    inclusion = FatherInclusion.objects.get(child=amy)
    assert (
        inclusion.invited_to_initial_conference,
        inclusion.attended_initial_conference,
        inclusion.invited_to_review_conference,
    ) == (True, False, None)
    assert AuditEvent.objects.filter(object_type="families.fatherinclusion").exists()


def test_answers_saved_meanwhile_are_shown_not_overwritten(client_for, alice, bob, family, amy):
    father_inclusion_update(
        child=amy,
        expected_version=1,
        acting_user=bob,
        changes={"invited_to_initial_conference": True},
    )

    response = client_for(alice).post(
        inclusion_url(family, amy),
        {
            "version": "1",
            "invited_to_initial_conference": "no",
        },
    )

    assert response.status_code == 200
    assert "Someone else saved these answers" in response.content.decode()
    assert FatherInclusion.objects.get(child=amy).invited_to_initial_conference is True
    assert response.context["form"]["invited_to_initial_conference"].value() == "no"  # kept
    assert response.context["conflict"] == [
        {
            "label": "Invited to the initial child protection conference",
            "yours": "No",
            "theirs": "Yes",
        }
    ]


def test_an_outsider_cannot_find_the_page_and_an_auditor_cannot_record(
    client_for, charlie, make_user, family, amy
):
    auditor = make_user(Role.AUDITOR)

    assert client_for(charlie).get(inclusion_url(family, amy)).status_code == 404
    assert client_for(auditor).post(inclusion_url(family, amy), {"version": "1"}).status_code == 403
    assert not FatherInclusion.objects.exists()


def test_a_plan_is_started_and_an_action_added_and_marked_done(client_for, alice, family, amy):
    client = client_for(alice)
    today = timezone.localdate()

    client.post(
        reverse("families:plan_start", args=[family.pk, amy.pk]),
        {
            "kind": "cp",
            "started_on": today.isoformat(),
            "review_on": (today + datetime.timedelta(days=90)).isoformat(),
        },
    )
    plan = Plan.objects.get(child=amy)
    client.post(
        reverse("families:plan_action_add", args=[family.pk, plan.pk]),
        {
            "description": "See Amy alone every visit",
            "owner": f"worker:{alice.pk}",
            "due_on": (today + datetime.timedelta(days=10)).isoformat(),
        },
    )
    action = PlanAction.objects.get(plan=plan)
    client.post(
        reverse("families:plan_action_status", args=[family.pk, action.pk]),
        {"status": "done", "version": "1"},
    )

    action.refresh_from_db()
    assert (action.owner_worker, action.status, action.version) == (alice, "done", 2)
    page = client.get(reverse("families:detail", args=[family.pk])).content.decode()
    assert "See Amy alone every visit" in page


def test_a_review_before_the_plan_starts_is_refused(client_for, alice, family, amy):
    today = timezone.localdate()

    response = client_for(alice).post(
        reverse("families:plan_start", args=[family.pk, amy.pk]),
        {
            "kind": "cp",
            "started_on": today.isoformat(),
            "review_on": (today - datetime.timedelta(days=1)).isoformat(),
        },
    )

    assert "The review must be on or after the start of the plan" in response.content.decode()
    assert not Plan.objects.exists()


def test_an_action_owned_by_someone_outside_the_family_is_refused(client_for, alice, family, amy):
    plan = plan_create(child=amy, kind="cp", started_on=timezone.localdate(), acting_user=alice)
    stranger = PersonFactory(given_name="Stranger")

    response = client_for(alice).post(
        reverse("families:plan_action_add", args=[family.pk, plan.pk]),
        {
            "description": "Visit",
            "owner": f"person:{stranger.pk}",
            "due_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 200
    assert not PlanAction.objects.exists()


def test_marking_an_action_someone_changed_meanwhile_changes_nothing(
    client_for, alice, bob, family, amy
):
    plan = plan_create(child=amy, kind="cp", started_on=timezone.localdate(), acting_user=alice)
    action = plan_action_create(
        plan=plan,
        description="Visit",
        owner_worker=alice,
        due_on=timezone.localdate(),
        acting_user=alice,
    )
    client_for(bob).post(
        reverse("families:plan_action_status", args=[family.pk, action.pk]),
        {"status": "dropped", "version": "1"},
    )

    response = client_for(alice).post(
        reverse("families:plan_action_status", args=[family.pk, action.pk]),
        {"status": "done", "version": "1"},
        follow=True,
    )

    assert "Someone else changed this action first" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "dropped"
