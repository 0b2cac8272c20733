"""Pinned after review: a closed case takes no minutes or interval; a specialist whose work
has closed no longer sees the family's supervision details; the meeting page audits each
family whose minutes it shows."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from families.services import family_close
from referrals.services import referral_close
from supervision.models import Discussion, FamilyDiscussionPlan
from supervision.services import (
    agenda_item_not_discussed,
    discussion_record,
    family_interval_set,
)

from .conftest import adult, past_meeting, put_on_agenda

pytestmark = pytest.mark.django_db


def _closed_family_on_agenda(group, make_family, alice, manager, today):
    family = make_family(alice)
    meeting = past_meeting(group, today - datetime.timedelta(days=1))
    put_on_agenda(meeting, family)
    family_close(family=family, closed_on=today, closure_reason="Stepped out", acting_user=manager)
    family.refresh_from_db()
    return family, meeting


def test_a_family_closed_after_the_agenda_takes_no_minutes(
    group, make_family, alice, manager, support, today
):
    family, meeting = _closed_family_on_agenda(group, make_family, alice, manager, today)

    with pytest.raises(ValidationError, match="nothing more can be recorded"):
        discussion_record(
            meeting=meeting,
            family=family,
            present=[support],
            child_safety_rag="green",
            analysis="",
            decisions="Close.",
            stages={},
            actions=[],
            acting_user=support,
        )
    with pytest.raises(ValidationError, match="nothing more can be recorded"):
        agenda_item_not_discussed(item=meeting.agenda.get(), why="no_show", acting_user=support)
    assert not Discussion.objects.exists()
    assert meeting.agenda.get().not_discussed == ""


def test_a_closed_familys_interval_cannot_be_set(group, make_family, alice, manager, today):
    family = make_family(alice)
    family_close(family=family, closed_on=today, closure_reason="Stepped out", acting_user=manager)
    family.refresh_from_db()

    with pytest.raises(ValidationError):
        family_interval_set(family=family, interval_days=14, acting_user=manager)
    assert not FamilyDiscussionPlan.objects.exists()


def test_a_specialist_whose_work_closed_sees_the_family_by_reference_only(
    client_for, group, make_family, alice, specialist, support, refer, today
):
    family = make_family(alice, reference="ALPHA")
    mum = adult(family)
    referral = refer(
        mum, referred_on=today - datetime.timedelta(days=90), by=alice, practitioner=specialist
    )
    meeting = past_meeting(group, today - datetime.timedelta(days=1))
    put_on_agenda(meeting, family)
    discussion_record(
        meeting=meeting,
        family=family,
        present=[support],
        child_safety_rag="red",
        analysis="A private analysis",
        decisions="Keep going.",
        stages={},
        actions=[],
        acting_user=support,
    )
    url = reverse("supervision:meeting", args=[meeting.pk])
    assert "A private analysis" in client_for(specialist).get(url).content.decode()

    referral_close(referral=referral, closed_on=today, reason="completed", acting_user=specialist)
    page = client_for(specialist).get(url).content.decode()

    assert "A private analysis" not in page
    assert "not shown to you" in page


def test_the_meeting_page_audits_each_family_it_shows(
    client_for, group, make_family, alice, manager, today
):
    first, second = make_family(alice, reference="ALPHA"), make_family(alice, reference="BRAVO")
    meeting = past_meeting(group, today - datetime.timedelta(days=1))
    put_on_agenda(meeting, first, second)

    client_for(manager).get(reverse("supervision:meeting", args=[meeting.pk]))

    audited = set(
        AuditEvent.objects.filter(
            actor=manager, action="view", object_type="families.family"
        ).values_list("object_id", flat=True)
    )
    assert audited == {str(first.pk), str(second.pk)}
