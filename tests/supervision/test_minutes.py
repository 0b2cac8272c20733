"""Group supervision services: scheduling, the agenda, cancelling, minutes with stage history,
actions, sign-off and addenda, and who may do each.

Tess (the team manager) chairs; Bea (the team's business support) minutes. `held` is a
meeting that took place three days ago with alice's ALPHA and bob's BRAVO on its agenda.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway
from families.models import Membership, Person
from families.services import EditConflict, family_close
from referrals.models import CycleOfChange, CycleOfChangeEntry, Rag
from referrals.services import cycle_of_change_record
from supervision.models import (
    Addendum,
    AgendaItem,
    Discussion,
    Meeting,
    NotDiscussed,
    SupervisionAction,
)
from supervision.services import (
    ActionInput,
    action_complete,
    addendum_add,
    agenda_item_not_discussed,
    agenda_set,
    discussion_record,
    family_interval_set,
    group_create,
    meeting_cancel,
    meeting_move,
    meeting_schedule,
    meeting_sign_off,
)

from ..factories import PersonFactory, UserFactory
from .conftest import adult, at, past_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(alice, make_family):
    return make_family(alice, reference="ALPHA")


@pytest.fixture
def bravo(bob, make_family):
    return make_family(bob, reference="BRAVO")


@pytest.fixture
def mother(alpha) -> Person:
    return adult(alpha, Membership.Role.MOTHER, "Maya")


@pytest.fixture
def father(alpha) -> Person:
    return adult(alpha, Membership.Role.FATHER, "Dev")


@pytest.fixture
def meeting(group, manager, monday) -> Meeting:
    """Next planned meeting: Tuesday of `monday`'s week at 10:00."""
    return meeting_schedule(
        group=group, starts_at=at(monday + datetime.timedelta(days=1), 10), acting_user=manager
    )


@pytest.fixture
def held_on(today) -> datetime.date:
    return today - datetime.timedelta(days=3)


@pytest.fixture
def held(group, manager, alpha, bravo, held_on) -> Meeting:
    meeting = past_meeting(group, held_on)
    return agenda_set(
        meeting=meeting,
        families=[(alpha, "Not discussed yet"), (bravo, "Not discussed yet")],
        expected_version=meeting.version,
        acting_user=manager,
    )


def minute(meeting, family, acting_user, **overrides) -> Discussion:
    fields = {
        "present": [],
        "child_safety_rag": Rag.AMBER,
        "analysis": "Mum is engaging; dad less so.",
        "decisions": "Continue the plan.",
        "stages": {},
        "actions": [],
    }
    fields.update(overrides)
    return discussion_record(meeting=meeting, family=family, acting_user=acting_user, **fields)


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


# The group ------------------------------------------------------------------------------


def test_the_group_is_chaired_by_the_teams_manager_with_the_team_as_members(
    group, manager, alice, bob, support, specialist, charlie, make_user, other_team
):
    make_user(  # a specialist co-located elsewhere
        Role.SPECIALIST,
        username="far",
        pathway=SpecialistPathway.SUBSTANCE_USE,
        locality=other_team.locality,
    )

    assert group.chair == manager
    assert set(group.members.all()) == {alice, bob, support, specialist}


@pytest.mark.parametrize("who", ["alice", "other_manager"])
def test_only_the_teams_manager_can_chair(request, team, who):
    with pytest.raises(ValidationError) as error:
        group_create(
            team=team,
            chair=request.getfixturevalue(who),
            weekday=1,
            starts_at=datetime.time(10),
            acting_user=None,
        )
    assert "chair" in error.value.message_dict


def test_the_families_must_fit_in_the_meeting(team, manager):
    with pytest.raises(ValidationError) as error:
        group_create(
            team=team,
            chair=manager,
            weekday=1,
            starts_at=datetime.time(10),
            length_minutes=120,
            families_per_meeting=7,
            minutes_per_family=20,
            acting_user=manager,
        )
    assert "families_per_meeting" in error.value.message_dict


@pytest.mark.parametrize("who", ["alice", "support", "other_manager"])
def test_only_the_chair_sets_a_familys_interval(request, group, alpha, who):
    with pytest.raises(PermissionDenied):
        family_interval_set(
            family=alpha, interval_days=14, acting_user=request.getfixturevalue(who)
        )


@pytest.mark.parametrize("days", [0, 183])
def test_a_familys_interval_is_a_day_to_six_months(group, manager, alpha, days):
    with pytest.raises(ValidationError):
        family_interval_set(family=alpha, interval_days=days, acting_user=manager)


# Scheduling ------------------------------------------------------------------------------


def test_the_chair_schedules_a_meeting_with_the_groups_length_and_place(group, manager, monday):
    starts = at(monday + datetime.timedelta(days=1), 10)

    meeting = meeting_schedule(group=group, starts_at=starts, acting_user=manager)

    assert meeting.starts_at == starts
    assert meeting.ends_at == at(monday + datetime.timedelta(days=1), 12)
    assert (meeting.length_minutes, meeting.location) == (120, "Room 2, County Hall")
    assert meeting.status == Meeting.Status.PLANNED
    assert AuditEvent.objects.filter(
        actor=manager, action=AuditEvent.Action.CREATE, object_id=str(meeting.pk)
    ).exists()


def test_a_meeting_is_scheduled_in_the_future(group, manager):
    with pytest.raises(ValidationError):
        meeting_schedule(
            group=group,
            starts_at=timezone.now() - datetime.timedelta(minutes=1),
            acting_user=manager,
        )
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["alice", "support", "specialist", "other_manager"])
def test_only_the_chair_schedules(request, group, monday, who):
    with pytest.raises(PermissionDenied):
        meeting_schedule(
            group=group,
            starts_at=at(monday, 10),
            acting_user=request.getfixturevalue(who),
        )
    assert not Meeting.objects.exists()


def test_the_chair_moves_a_meeting_and_calendars_see_a_new_sequence(meeting, manager, monday):
    to = at(monday + datetime.timedelta(days=2), 13, 30)

    moved = meeting_move(
        meeting=meeting, starts_at=to, expected_version=meeting.version, acting_user=manager
    )

    assert fresh(meeting).starts_at == to
    assert (moved.sequence, moved.version) == (meeting.sequence + 1, meeting.version + 1)


def test_moving_checks_who_when_and_the_version(meeting, manager, support, monday):
    to = at(monday + datetime.timedelta(days=2), 10)
    with pytest.raises(PermissionDenied):
        meeting_move(
            meeting=meeting, starts_at=to, expected_version=meeting.version, acting_user=support
        )
    with pytest.raises(ValidationError):
        meeting_move(
            meeting=meeting,
            starts_at=timezone.now() - datetime.timedelta(hours=1),
            expected_version=meeting.version,
            acting_user=manager,
        )
    with pytest.raises(EditConflict):
        meeting_move(
            meeting=meeting, starts_at=to, expected_version=meeting.version - 1, acting_user=manager
        )
    assert fresh(meeting).starts_at == meeting.starts_at


# The agenda ------------------------------------------------------------------------------


def test_the_chair_sets_the_agenda_in_order_with_reasons(meeting, manager, alpha, bravo):
    meeting = agenda_set(
        meeting=meeting,
        families=[(bravo, "Red; last discussed 9 days ago"), (alpha, "Added by the chair")],
        expected_version=meeting.version,
        acting_user=manager,
    )

    assert list(meeting.agenda.values_list("position", "family__reference", "reason")) == [
        (1, "BRAVO", "Red; last discussed 9 days ago"),
        (2, "ALPHA", "Added by the chair"),
    ]

    # Reordered and one removed: the agenda is replaced.
    meeting = agenda_set(
        meeting=meeting,
        families=[(alpha, "Added by the chair")],
        expected_version=meeting.version,
        acting_user=manager,
    )

    assert list(meeting.agenda.values_list("position", "family__reference")) == [(1, "ALPHA")]
    assert fresh(meeting).version == 3


def test_the_agenda_holds_at_most_the_groups_capacity(meeting, manager, alice, make_family):
    families = [(make_family(alice), "Not discussed yet") for _ in range(7)]

    with pytest.raises(ValidationError, match="at most 6 families"):
        agenda_set(
            meeting=meeting,
            families=families,
            expected_version=meeting.version,
            acting_user=manager,
        )
    agenda_set(
        meeting=meeting,
        families=families[:6],
        expected_version=meeting.version,
        acting_user=manager,
    )
    assert meeting.agenda.count() == 6


def test_a_family_is_on_the_agenda_once(meeting, manager, alpha):
    with pytest.raises(ValidationError, match="twice"):
        agenda_set(
            meeting=meeting,
            families=[(alpha, ""), (alpha, "")],
            expected_version=meeting.version,
            acting_user=manager,
        )


def test_only_the_teams_open_families_go_on_the_agenda(
    meeting, manager, alpha, alice, charlie, make_family, today
):
    theirs = make_family(charlie, reference="THEIRS")
    closed = make_family(alice, reference="SHUT")
    family_close(family=closed, closed_on=today, closure_reason="Done", acting_user=manager)
    closed.refresh_from_db()

    with pytest.raises(ValidationError, match="THEIRS"):
        agenda_set(
            meeting=meeting,
            families=[(alpha, ""), (theirs, "")],
            expected_version=meeting.version,
            acting_user=manager,
        )
    with pytest.raises(ValidationError, match="Closed: SHUT"):
        agenda_set(
            meeting=meeting,
            families=[(alpha, ""), (closed, "")],
            expected_version=meeting.version,
            acting_user=manager,
        )
    assert not meeting.agenda.exists()


@pytest.mark.parametrize("who", ["alice", "support", "specialist", "other_manager"])
def test_only_the_chair_sets_the_agenda(request, meeting, alpha, who):
    with pytest.raises(PermissionDenied):
        agenda_set(
            meeting=meeting,
            families=[(alpha, "")],
            expected_version=meeting.version,
            acting_user=request.getfixturevalue(who),
        )
    assert not meeting.agenda.exists()


def test_an_agenda_set_from_an_old_version_is_a_conflict(meeting, manager, alpha, bravo):
    agenda_set(
        meeting=meeting,
        families=[(alpha, "")],
        expected_version=meeting.version,
        acting_user=manager,
    )

    with pytest.raises(EditConflict):
        agenda_set(
            meeting=meeting,
            families=[(bravo, "")],
            expected_version=meeting.version,  # the version before the first change
            acting_user=manager,
        )
    assert list(meeting.agenda.values_list("family__reference", flat=True)) == ["ALPHA"]


def test_a_held_meetings_agenda_does_not_change(held, manager, alpha, support):
    minute(held, alpha, support)
    held = fresh(held)

    with pytest.raises(ValidationError):
        agenda_set(
            meeting=held, families=[(alpha, "")], expected_version=held.version, acting_user=manager
        )
    assert held.agenda.count() == 2


# Cancelling ------------------------------------------------------------------------------


def test_the_chair_cancels_with_a_reason_and_the_notice_is_kept(meeting, manager):
    before = timezone.now()

    cancelled = meeting_cancel(
        meeting=meeting,
        reason="  Manager at court  ",
        expected_version=meeting.version,
        acting_user=manager,
    )

    stored = fresh(meeting)
    assert stored.status == Meeting.Status.CANCELLED
    assert stored.cancellation_reason == "Manager at court"
    assert stored.cancelled_by == manager
    assert before <= stored.cancelled_at <= timezone.now()
    assert stored.sequence == meeting.sequence + 1
    expected_notice = (meeting.starts_at - stored.cancelled_at).total_seconds() / 3600
    assert stored.notice_hours == pytest.approx(expected_notice)
    assert stored.notice_hours > 24
    assert cancelled.status == Meeting.Status.CANCELLED


def test_cancelling_needs_a_reason(meeting, manager):
    with pytest.raises(ValidationError):
        meeting_cancel(
            meeting=meeting, reason="  ", expected_version=meeting.version, acting_user=manager
        )
    assert fresh(meeting).status == Meeting.Status.PLANNED


@pytest.mark.parametrize("who", ["alice", "support", "specialist", "other_manager"])
def test_only_the_chair_cancels(request, meeting, who):
    with pytest.raises(PermissionDenied):
        meeting_cancel(
            meeting=meeting,
            reason="Ill",
            expected_version=meeting.version,
            acting_user=request.getfixturevalue(who),
        )
    assert fresh(meeting).status == Meeting.Status.PLANNED
    assert fresh(meeting).cancelled_at is None


def test_a_cancelled_meeting_is_not_cancelled_again_moved_or_minuted(
    group, manager, support, alpha, monday, held_on
):
    meeting = past_meeting(group, held_on)
    meeting = agenda_set(
        meeting=meeting,
        families=[(alpha, "")],
        expected_version=meeting.version,
        acting_user=manager,
    )
    meeting = meeting_cancel(
        meeting=meeting, reason="Snow", expected_version=meeting.version, acting_user=manager
    )

    with pytest.raises(ValidationError):
        meeting_cancel(
            meeting=meeting, reason="Snow", expected_version=meeting.version, acting_user=manager
        )
    with pytest.raises(ValidationError):
        meeting_move(
            meeting=meeting,
            starts_at=at(monday, 10),
            expected_version=meeting.version,
            acting_user=manager,
        )
    with pytest.raises(ValidationError, match="cancelled"):
        minute(meeting, alpha, support)
    with pytest.raises(ValidationError):
        agenda_item_not_discussed(
            item=meeting.agenda.get(), why=NotDiscussed.OTHER, acting_user=support
        )
    assert not Discussion.objects.exists()


# Minutes ---------------------------------------------------------------------------------


def test_business_support_minutes_a_family_with_stages_rag_decisions_and_actions(
    held, held_on, alpha, mother, father, alice, support, specialist, today
):
    # Mum's practitioner placed her earlier; the group moves her on.
    earlier = cycle_of_change_record(
        person=mother,
        stage=CycleOfChange.CONTEMPLATION,
        recorded_on=held_on - datetime.timedelta(days=20),
        acting_user=specialist,
    )

    discussion = minute(
        held,
        alpha,
        support,
        present=[alice, specialist],
        child_safety_rag=Rag.RED,
        analysis="  Dad's drinking has returned.  ",
        decisions="  Strategy discussion today.  ",
        stages={mother: CycleOfChange.PREPARATION, father: CycleOfChange.RELAPSE},
        actions=[
            ActionInput("Book a strategy discussion", alice, held_on),
            ActionInput("Offer dad a substance-use assessment", specialist, today),
        ],
    )

    discussion.refresh_from_db()
    assert discussion.discussed_on == held_on
    assert discussion.child_safety_rag == Rag.RED
    assert discussion.analysis == "Dad's drinking has returned."
    assert discussion.decisions == "Strategy discussion today."
    assert discussion.recorded_by == support
    assert set(discussion.present.all()) == {alice, specialist}
    assert fresh(held).status == Meeting.Status.HELD

    # Each adult's stage is written to their history, marked as placed in group supervision.
    entries = CycleOfChangeEntry.objects.filter(source=CycleOfChangeEntry.Source.GROUP_SUPERVISION)
    assert {(e.person, e.stage, e.recorded_on, e.recorded_by) for e in entries} == {
        (mother, CycleOfChange.PREPARATION, held_on, support),
        (father, CycleOfChange.RELAPSE, held_on, support),
    }
    assert set(discussion.stage_entries.all()) == set(entries)
    assert list(mother.cycle_of_change.values_list("stage", "source")) == [
        (earlier.stage, CycleOfChangeEntry.Source.PRACTITIONER),
        (CycleOfChange.PREPARATION, CycleOfChangeEntry.Source.GROUP_SUPERVISION),
    ]
    assert mother.cycle_of_change.last().discussions.get() == discussion

    assert list(discussion.actions.values_list("description", "owner", "due_on", "done_on")) == [
        ("Book a strategy discussion", alice.pk, held_on, None),
        ("Offer dad a substance-use assessment", specialist.pk, today, None),
    ]


def test_the_chair_may_minute_too(held, alpha, manager):
    discussion = minute(held, alpha, manager)

    assert discussion.recorded_by == manager


@pytest.mark.parametrize("who", ["alice", "specialist", "other_support", "other_manager"])
def test_only_the_teams_business_support_or_the_chair_minutes(request, held, alpha, mother, who):
    with pytest.raises(PermissionDenied):
        minute(
            held,
            alpha,
            request.getfixturevalue(who),
            stages={mother: CycleOfChange.ACTION},
        )
    assert not Discussion.objects.exists()
    assert not CycleOfChangeEntry.objects.exists()
    assert fresh(held).status == Meeting.Status.PLANNED


def test_business_support_of_another_team_cannot_mark_not_discussed(held, other_support):
    with pytest.raises(PermissionDenied):
        agenda_item_not_discussed(
            item=held.agenda.first(), why=NotDiscussed.OUT_OF_TIME, acting_user=other_support
        )


def test_a_meeting_is_not_minuted_before_it_starts(meeting, manager, support, alpha):
    meeting = agenda_set(
        meeting=meeting,
        families=[(alpha, "")],
        expected_version=meeting.version,
        acting_user=manager,
    )

    with pytest.raises(ValidationError, match="not started"):
        minute(meeting, alpha, support)


def test_only_agenda_families_are_minuted_and_once(held, alpha, support, alice, make_family):
    minute(held, alpha, support)

    with pytest.raises(ValidationError, match="already minuted"):
        minute(held, alpha, support)
    with pytest.raises(ValidationError, match="not on this meeting's agenda"):
        minute(held, make_family(alice, reference="OFF-AGENDA"), support)
    assert Discussion.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        "rag",
        "decisions",
        "child_stage",
        "other_family_adult",
        "unknown_stage",
        "action_before_meeting",
        "action_without_description",
        "action_owner_left",
    ],
)
def test_invalid_minutes_write_nothing(held, held_on, alpha, bravo, mother, alice, support, bad):
    child = PersonFactory(family=alpha)
    other_adult = adult(bravo)
    gone = UserFactory(username="gone", is_active=False)
    stages = {mother: CycleOfChange.ACTION}
    actions = [ActionInput("Visit", alice, held_on)]
    overrides = {
        "rag": {"child_safety_rag": "purple"},
        "decisions": {"decisions": "   "},
        "child_stage": {"stages": {**stages, child: CycleOfChange.ACTION}},
        "other_family_adult": {"stages": {**stages, other_adult: CycleOfChange.ACTION}},
        "unknown_stage": {"stages": {mother: "denial"}},
        "action_before_meeting": {
            "actions": [*actions, ActionInput("Late", alice, held_on - datetime.timedelta(1))]
        },
        "action_without_description": {"actions": [*actions, ActionInput(" ", alice, held_on)]},
        "action_owner_left": {"actions": [*actions, ActionInput("Call", gone, held_on)]},
    }[bad]
    fields = {"stages": stages, "actions": actions, **overrides}

    with pytest.raises(ValidationError):
        minute(held, alpha, support, **fields)

    assert not Discussion.objects.exists()
    assert not CycleOfChangeEntry.objects.exists()
    assert not SupervisionAction.objects.exists()
    assert fresh(held).status == Meeting.Status.PLANNED


def test_a_family_not_discussed_is_marked_with_why(held, bravo, support):
    item = held.agenda.get(family=bravo)

    agenda_item_not_discussed(item=item, why=NotDiscussed.NO_SHOW, acting_user=support)

    assert AgendaItem.objects.get(pk=item.pk).not_discussed == NotDiscussed.NO_SHOW
    assert fresh(held).status == Meeting.Status.HELD
    with pytest.raises(ValidationError):
        agenda_item_not_discussed(item=item, why="bored", acting_user=support)


def test_a_minuted_family_cannot_be_marked_not_discussed(held, alpha, support):
    minute(held, alpha, support)

    with pytest.raises(ValidationError, match="minuted"):
        agenda_item_not_discussed(
            item=held.agenda.get(family=alpha), why=NotDiscussed.OUT_OF_TIME, acting_user=support
        )
    assert held.agenda.get(family=alpha).not_discussed == ""


def test_minuting_a_family_marked_not_discussed_clears_the_mark(held, alpha, support):
    """Marked a no-show in error, then minuted: the minutes stand, and no specialist time is
    counted as lost to a no-show."""
    item = held.agenda.get(family=alpha)
    agenda_item_not_discussed(item=item, why=NotDiscussed.NO_SHOW, acting_user=support)

    minute(held, alpha, support)

    assert held.agenda.get(family=alpha).not_discussed == ""


# Actions ---------------------------------------------------------------------------------


@pytest.fixture
def actions(group, manager, support, alpha, alice, today):
    """Minuted at a meeting ten days ago: one action due three days ago, one due today."""
    meeting = past_meeting(group, today - datetime.timedelta(days=10))
    meeting = agenda_set(
        meeting=meeting,
        families=[(alpha, "")],
        expected_version=meeting.version,
        acting_user=manager,
    )
    discussion = minute(
        meeting,
        alpha,
        support,
        actions=[
            ActionInput("Chase the school", alice, today - datetime.timedelta(days=3)),
            ActionInput("Update the plan", alice, today),
        ],
    )
    return list(discussion.actions.order_by("due_on"))


def test_an_action_past_its_due_date_and_not_done_is_overdue(actions, alice, today):
    late, due_today = actions

    assert late.is_overdue and not due_today.is_overdue
    assert list(SupervisionAction.objects.overdue_on(today)) == [late]
    assert list(alice.supervision_actions.open()) == [late, due_today]

    action_complete(action=late, done_on=today, expected_version=late.version, acting_user=alice)

    late.refresh_from_db()
    assert late.done_on == today and not late.is_overdue
    assert list(SupervisionAction.objects.overdue_on(today)) == []
    assert list(SupervisionAction.objects.overdue_on(today + datetime.timedelta(days=1))) == [
        due_today
    ]


def test_the_owner_or_the_chair_completes_an_action(actions, manager, today):
    late, due_today = actions

    done = action_complete(
        action=due_today, done_on=today, expected_version=due_today.version, acting_user=manager
    )

    assert done.done_on == today and done.version == due_today.version + 1


@pytest.mark.parametrize("who", ["bob", "support", "other_manager"])
def test_others_cannot_complete_an_action(request, actions, today, who):
    late, _ = actions
    with pytest.raises(PermissionDenied):
        action_complete(
            action=late,
            done_on=today,
            expected_version=late.version,
            acting_user=request.getfixturevalue(who),
        )
    late.refresh_from_db()
    assert late.done_on is None


def test_completing_an_action_checks_the_date_and_the_version(actions, alice, today):
    late, _ = actions
    with pytest.raises(ValidationError):
        action_complete(
            action=late,
            done_on=today + datetime.timedelta(days=1),
            expected_version=late.version,
            acting_user=alice,
        )
    action_complete(action=late, done_on=today, expected_version=late.version, acting_user=alice)
    with pytest.raises(EditConflict):
        action_complete(
            action=late, done_on=today, expected_version=late.version, acting_user=alice
        )
    late.refresh_from_db()
    with pytest.raises(ValidationError, match="already done"):
        action_complete(
            action=late, done_on=today, expected_version=late.version, acting_user=alice
        )


# Sign-off and addenda --------------------------------------------------------------------


def test_sign_off_waits_for_every_agenda_family(held, alpha, bravo, manager, support):
    minute(held, alpha, support)

    with pytest.raises(ValidationError, match="BRAVO"):
        meeting_sign_off(meeting=held, expected_version=fresh(held).version, acting_user=manager)

    agenda_item_not_discussed(
        item=held.agenda.get(family=bravo), why=NotDiscussed.OUT_OF_TIME, acting_user=support
    )
    signed = meeting_sign_off(
        meeting=held, expected_version=fresh(held).version, acting_user=manager
    )

    assert signed.is_signed_off and signed.signed_off_by == manager
    assert fresh(held).signed_off_at is not None


def test_only_a_held_meeting_is_signed_off(meeting, manager):
    with pytest.raises(ValidationError, match="held"):
        meeting_sign_off(meeting=meeting, expected_version=meeting.version, acting_user=manager)


@pytest.mark.parametrize("who", ["support", "alice", "other_manager"])
def test_only_the_chair_signs_off(request, held, alpha, bravo, support, who):
    minute(held, alpha, support)
    minute(held, bravo, support)

    with pytest.raises(PermissionDenied):
        meeting_sign_off(
            meeting=held,
            expected_version=fresh(held).version,
            acting_user=request.getfixturevalue(who),
        )
    assert not fresh(held).is_signed_off


@pytest.fixture
def signed(held, alpha, bravo, mother, manager, support, alice) -> Discussion:
    """ALPHA minuted (with a stage and an action), BRAVO marked out of time, and the minutes
    signed off by the chair. Returns ALPHA's discussion."""
    discussion = minute(
        held,
        alpha,
        support,
        stages={mother: CycleOfChange.ACTION},
        actions=[ActionInput("Visit", alice, timezone.localdate())],
    )
    agenda_item_not_discussed(
        item=held.agenda.get(family=bravo), why=NotDiscussed.OUT_OF_TIME, acting_user=support
    )
    meeting_sign_off(meeting=held, expected_version=fresh(held).version, acting_user=manager)
    return Discussion.objects.get(pk=discussion.pk)


def snapshot(meeting: Meeting) -> tuple:
    return (
        list(Discussion.objects.filter(meeting=meeting).values()),
        list(AgendaItem.objects.filter(meeting=meeting).values()),
        CycleOfChangeEntry.objects.count(),
        SupervisionAction.objects.count(),
        Meeting.objects.filter(pk=meeting.pk).values().get(),
    )


def test_signed_off_minutes_are_read_only(signed, held, alpha, bravo, mother, manager, support):
    before = snapshot(held)

    with pytest.raises(ValidationError, match="signed off"):
        minute(held, bravo, support, stages={})
    with pytest.raises(ValidationError, match="signed off"):
        minute(held, alpha, manager, stages={mother: CycleOfChange.MAINTENANCE})
    with pytest.raises(ValidationError, match="signed off"):
        agenda_item_not_discussed(
            item=held.agenda.get(family=bravo), why=NotDiscussed.NO_SHOW, acting_user=support
        )
    with pytest.raises(ValidationError, match="already signed off"):
        meeting_sign_off(meeting=held, expected_version=fresh(held).version, acting_user=manager)
    with pytest.raises(ValidationError):
        agenda_set(
            meeting=held,
            families=[(alpha, "")],
            expected_version=fresh(held).version,
            acting_user=manager,
        )

    assert snapshot(held) == before


def test_corrections_to_signed_minutes_are_dated_addenda(signed, support, manager):
    before = Discussion.objects.filter(pk=signed.pk).values().get()
    start = timezone.now()

    first = addendum_add(
        discussion=signed, text="  Dad's name is Dev, not Dave.  ", acting_user=support
    )
    second = addendum_add(discussion=signed, text="Agreed.", acting_user=manager)

    assert [(a.text, a.written_by) for a in signed.addenda.all()] == [
        ("Dad's name is Dev, not Dave.", support),
        ("Agreed.", manager),
    ]
    assert start <= first.written_at <= second.written_at <= timezone.now()
    assert Addendum.objects.get(pk=first.pk).written_at == first.written_at
    assert Discussion.objects.filter(pk=signed.pk).values().get() == before


def test_an_addendum_needs_signed_minutes_text_and_a_minute_taker(
    held, alpha, support, alice, signed
):
    with pytest.raises(ValidationError):
        addendum_add(discussion=signed, text="   ", acting_user=support)
    with pytest.raises(PermissionDenied):
        addendum_add(discussion=signed, text="I disagree.", acting_user=alice)
    assert not Addendum.objects.exists()


def test_no_addendum_before_sign_off(held, alpha, support):
    discussion = minute(held, alpha, support)

    with pytest.raises(ValidationError, match="not signed off"):
        addendum_add(discussion=discussion, text="Typo.", acting_user=support)
    assert not Addendum.objects.exists()
