"""The demo council's group supervision: each team's group, and for SASS West 1 (the demo
users' team) a history of minuted and signed-off meetings, actions (some overdue), one
cancelled meeting and the next meeting with its agenda proposed."""

import datetime
import random

from django.utils import timezone

from accounts.models import Role, Team, User
from families.models import Family
from families.selectors import members_of
from referrals.models import CycleOfChange, Rag
from supervision.agenda import proposals_for
from supervision.models import Meeting, SupervisionAction, SupervisionGroup
from supervision.services import (
    ActionInput,
    action_complete,
    agenda_set,
    discussion_record,
    group_create,
    meeting_cancel,
    meeting_schedule,
    meeting_sign_off,
    next_usual_start,
)

ANALYSES = [
    "Dad is engaging with DMT and has attended two sessions; mum reports less conflict.",
    "Home conditions have improved; school attendance still below 90%.",
    "Mum has started treatment; the children's views were gathered at school.",
]
DECISIONS = [
    "Continue the plan; review at the next core group.",
    "Step down to child in need if the next two visits are positive.",
    "Refer dad to the perpetrator programme; safety plan to be updated with mum.",
]
ACTIONS = [
    "Update the safety plan with mum",
    "Joint visit with the DMT worker",
    "Share the school attendance figures",
]


class SupervisionWork:
    def __init__(self, randomness: random.Random, today: datetime.date) -> None:
        self.random, self.today = randomness, today

    def seed(self) -> None:
        for team in Team.objects.all():
            chair = User.objects.filter(role=Role.TEAM_MANAGER, team=team).first()
            if chair is None or SupervisionGroup.objects.filter(team=team).exists():
                continue
            group = group_create(
                team=team,
                chair=chair,
                weekday=SupervisionGroup.Weekday.TUESDAY,
                starts_at=datetime.time(10, 0),
                location="Room 2, Westfield House",
                acting_user=None,
            )
            if team.name == "SASS West 1":
                self.history(group)

    def history(self, group: SupervisionGroup) -> None:
        clerk = (
            User.objects.filter(role=Role.BUSINESS_SUPPORT, team=group.team).first() or group.chair
        )
        now = timezone.now()
        first = next_usual_start(group, now - datetime.timedelta(weeks=6))
        for week in range(6):
            starts_at = first + datetime.timedelta(weeks=week)
            if starts_at > now:
                break
            meeting = Meeting.objects.create(
                group=group,
                starts_at=starts_at,
                length_minutes=group.length_minutes,
                location=group.location,
            )
            day = timezone.localdate(starts_at)
            if week == 3:
                # Cancelled the evening before: counted as specialists' clinical time lost.
                Meeting.objects.filter(pk=meeting.pk).update(
                    starts_at=now + datetime.timedelta(days=1)
                )
                meeting.refresh_from_db()
                meeting_cancel(
                    meeting=meeting,
                    reason="Chair off sick",
                    expected_version=meeting.version,
                    acting_user=group.chair,
                )
                Meeting.objects.filter(pk=meeting.pk).update(
                    starts_at=starts_at, cancelled_at=starts_at - datetime.timedelta(hours=16)
                )
                continue
            proposals = proposals_for(group.team_id, day)[: group.families_per_meeting - 2]
            agenda_set(
                meeting=meeting,
                families=[(proposal.family, proposal.reason) for proposal in proposals],
                expected_version=meeting.version,
                acting_user=group.chair,
            )
            for proposal in proposals:
                self.minute(meeting, proposal.family, clerk, day)
            if proposals and week < 4:
                meeting.refresh_from_db()
                meeting_sign_off(
                    meeting=meeting, expected_version=meeting.version, acting_user=group.chair
                )
        # Most actions from the older meetings are done; the rest show as overdue.
        for action in SupervisionAction.objects.filter(
            due_on__lt=self.today - datetime.timedelta(days=7)
        ):
            if self.random.random() < 0.7:
                action_complete(
                    action=action,
                    done_on=action.due_on,
                    expected_version=action.version,
                    acting_user=action.owner,
                )
        upcoming = meeting_schedule(
            group=group, starts_at=next_usual_start(group, now), acting_user=group.chair
        )
        proposals = proposals_for(group.team_id, timezone.localdate(upcoming.starts_at))
        agenda_set(
            meeting=upcoming,
            families=[(p.family, p.reason) for p in proposals[: group.families_per_meeting]],
            expected_version=upcoming.version,
            acting_user=group.chair,
        )

    def minute(self, meeting: Meeting, family: Family, clerk: User, day: datetime.date) -> None:
        adults = [person for person in members_of(family) if not person.is_child]
        worker = family.social_worker or meeting.group.chair
        discussion_record(
            meeting=meeting,
            family=family,
            present=[meeting.group.chair, worker, clerk],
            child_safety_rag=self.random.choice([Rag.RED, Rag.AMBER, Rag.AMBER, Rag.GREEN]),
            analysis=self.random.choice(ANALYSES),
            decisions=self.random.choice(DECISIONS),
            stages={adult: self.random.choice(CycleOfChange.values[:5]) for adult in adults[:2]},
            actions=[
                ActionInput(
                    self.random.choice(ACTIONS),
                    worker,
                    day + datetime.timedelta(days=self.random.choice([7, 14, 21])),
                )
            ],
            acting_user=clerk,
        )
