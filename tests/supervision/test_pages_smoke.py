"""Every group supervision page renders for the people who use it, through a whole meeting:
schedule, agenda, slot finder, minutes, sign-off, addendum and the action on the owner's home."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from families.models import Membership
from supervision.models import Discussion, Meeting, SupervisionAction
from supervision.services import group_create

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(make_user, team):
    return make_user(Role.TEAM_MANAGER, username="tina", team=team)


@pytest.fixture
def minute_taker(make_user, team):
    return make_user(Role.BUSINESS_SUPPORT, username="bea", team=team)


@pytest.fixture
def group(chair, alice, minute_taker):
    return group_create(
        team=chair.team,
        chair=chair,
        weekday=1,
        starts_at=datetime.time(10, 0),
        acting_user=chair,
    )


def test_a_meeting_from_schedule_to_sign_off(client_for, chair, minute_taker, alice, group):
    family = FamilyFactory(
        team=chair.team, social_worker=alice, opened_on=datetime.date(2024, 1, 1)
    )
    dad = PersonFactory(family=family, role=Membership.Role.FATHER)
    manager, clerk, worker = client_for(chair), client_for(minute_taker), client_for(alice)

    assert manager.get(reverse("supervision:index")).status_code == 302
    assert manager.get(reverse("supervision:group", args=[group.pk])).status_code == 200
    soon = timezone.localdate() + datetime.timedelta(days=3)
    response = manager.post(
        reverse("supervision:schedule", args=[group.pk]), {"day": soon.isoformat(), "time": "10:00"}
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("supervision:agenda", args=[meeting.pk])
    page = manager.get(reverse("supervision:agenda", args=[meeting.pk])).content.decode()
    assert "Not discussed yet" in page
    response = manager.post(
        reverse("supervision:agenda", args=[meeting.pk]),
        {"family": [family.pk], f"position_{family.pk}": "1", "version": meeting.version},
    )
    assert response.status_code == 302, response.content.decode()
    assert manager.get(reverse("supervision:slots", args=[meeting.pk])).status_code == 200
    assert manager.get(reverse("supervision:cancel", args=[meeting.pk])).status_code == 200
    assert (
        manager.get(reverse("supervision:interval", args=[meeting.pk, family.pk])).status_code
        == 200
    )

    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    minutes_url = reverse("supervision:minutes", args=[meeting.pk, family.pk])
    assert clerk.get(minutes_url).status_code == 200
    due = timezone.localdate() + datetime.timedelta(days=7)
    response = clerk.post(
        minutes_url,
        {
            "present": [alice.pk, chair.pk],
            "child_safety_rag": "amber",
            "analysis": "Dad is engaging.",
            "decisions": "Continue the plan.",
            f"stage_{dad.pk}": "contemplation",
            "action_1": "Visit dad at home",
            "owner_1": alice.pk,
            "due_1": due.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Discussion.objects.get().stage_entries.get().stage == "contemplation"
    assert "Visit dad at home" in worker.get(reverse("home")).content.decode()

    meeting.refresh_from_db()
    manager.post(reverse("supervision:sign_off", args=[meeting.pk]), {"version": meeting.version})
    meeting.refresh_from_db()
    assert meeting.is_signed_off
    assert clerk.get(minutes_url).status_code == 302
    addendum_url = reverse("supervision:addendum", args=[Discussion.objects.get().pk])
    assert clerk.post(addendum_url, {"text": "Mum was also present."}).status_code == 302
    page = worker.get(reverse("supervision:meeting", args=[meeting.pk])).content.decode()
    assert "Mum was also present." in page

    action = SupervisionAction.objects.get()
    worker.post(reverse("supervision:action_done", args=[action.pk]), {"version": action.version})
    action.refresh_from_db()
    assert action.done_on == timezone.localdate()
    assert manager.get(reverse("home")).status_code == 200
