"""The agenda builder's priority rules (supervision.agenda.proposals_for).

Red first; then lateness against the family's target interval (weekly red, four-weekly amber,
six-weekly green, or the chair's own); a CP review conference in the next 14 days; a new
allocation; a new specialist. A family with no reason is not proposed, and each proposal says
why in words. Families are alice's, allocated long ago, unless a test says otherwise.
"""

import datetime

import pytest

from families.models import LegalStatus
from families.services import family_allocate, family_close, plan_create
from referrals.models import Rag
from referrals.services import referral_close
from supervision.agenda import proposals_for
from supervision.models import FamilyDiscussionPlan
from supervision.services import family_interval_set

from ..factories import FamilyFactory, PersonFactory
from .conftest import adult

pytestmark = pytest.mark.django_db


def ago(today: datetime.date, days: int) -> datetime.date:
    return today - datetime.timedelta(days=days)


def proposed(team, on) -> dict[str, str]:
    """Reference to reason, for the team's proposals on `on`."""
    return {p.family.reference: p.reason for p in proposals_for(team.pk, on)}


def order(team, on) -> list[str]:
    return [p.family.reference for p in proposals_for(team.pk, on)]


def test_red_comes_first_even_when_discussed_recently(
    team, alice, make_family, discussed, today, refer, specialist
):
    red = make_family(alice, reference="RED")
    late = make_family(alice, reference="LATE")
    discussed(red, ago(today, 3), Rag.RED)
    # Everything else at once: very late, CP review soon, a new specialist.
    discussed(late, ago(today, 200), Rag.AMBER)
    child = PersonFactory(family=late)
    plan_create(
        child=child,
        kind=LegalStatus.CP,
        started_on=ago(today, 100),
        review_on=today + datetime.timedelta(days=2),
        acting_user=alice,
    )
    refer(adult(late), referred_on=ago(today, 10), by=alice, practitioner=specialist)

    proposals = proposals_for(team.pk, today)

    assert [p.family.reference for p in proposals] == ["RED", "LATE"]
    assert proposals[0].reason == "Red; last discussed 3 days ago"
    assert proposals[0].rag == Rag.RED
    assert proposals[0].interval_days == 7
    assert proposals[1].reason == (
        "Last discussed 200 days ago (due every 28 days); CP review conference in 2 days; "
        "new specialist involvement"
    )


def test_a_late_red_family_says_how_late(team, alice, make_family, discussed, today):
    family = make_family(alice, reference="RED")
    discussed(family, ago(today, 35), Rag.RED)

    [proposal] = proposals_for(team.pk, today)

    assert proposal.reason == "Red; last discussed 35 days ago (due every 7 days)"
    assert proposal.reason.startswith("Red; last discussed 35 days ago")
    assert proposal.last_discussed == ago(today, 35)


@pytest.mark.parametrize(
    ("rag", "days", "due"),
    [
        (Rag.AMBER, 27, False),
        (Rag.AMBER, 28, True),
        (Rag.GREEN, 41, False),
        (Rag.GREEN, 42, True),
    ],
)
def test_amber_and_green_come_back_after_their_default_interval(
    team, alice, make_family, discussed, today, rag, days, due
):
    family = make_family(alice, reference="FAM")
    discussed(family, ago(today, days), rag)

    reasons = proposed(team, today)

    if due:
        interval = {Rag.AMBER: 28, Rag.GREEN: 42}[rag]
        assert reasons == {"FAM": f"Last discussed {days} days ago (due every {interval} days)"}
    else:
        assert reasons == {}


@pytest.mark.parametrize(("days", "late"), [(6, False), (7, True)])
def test_red_is_due_weekly(team, alice, make_family, discussed, today, days, late):
    family = make_family(alice, reference="RED")
    discussed(family, ago(today, days), Rag.RED)

    reason = proposed(team, today)["RED"]

    if late:
        assert reason == f"Red; last discussed {days} days ago (due every 7 days)"
    else:
        assert reason == f"Red; last discussed {days} days ago"


def test_the_latest_discussions_rating_sets_the_interval(
    team, alice, make_family, discussed, today
):
    family = make_family(alice, reference="NOW-GREEN")
    discussed(family, ago(today, 60), Rag.RED)
    discussed(family, ago(today, 30), Rag.GREEN)  # green: not due until 42 days

    assert proposed(team, today) == {}


def test_the_chairs_interval_overrides_the_default(
    team, alice, manager, make_family, discussed, today
):
    sooner = make_family(alice, reference="SOONER")
    later = make_family(alice, reference="LATER")
    discussed(sooner, ago(today, 20), Rag.GREEN)  # default 42: not due
    discussed(later, ago(today, 30), Rag.AMBER)  # default 28: due
    assert proposed(team, today) == {"LATER": "Last discussed 30 days ago (due every 28 days)"}

    family_interval_set(family=sooner, interval_days=14, acting_user=manager)
    family_interval_set(family=later, interval_days=60, acting_user=manager)

    assert proposed(team, today) == {"SOONER": "Last discussed 20 days ago (due every 14 days)"}
    assert FamilyDiscussionPlan.objects.get(family=sooner).interval_days == 14

    family_interval_set(family=later, interval_days=None, acting_user=manager)

    assert set(proposed(team, today)) == {"SOONER", "LATER"}


def test_lateness_is_measured_in_intervals(team, alice, make_family, discussed, today):
    # Amber 56 days: two intervals late. Green 63 days: one and a half. Amber 30: just over one.
    for reference, days, rag in [
        ("A-AMBER-30", 30, Rag.AMBER),
        ("B-GREEN-63", 63, Rag.GREEN),
        ("C-AMBER-56", 56, Rag.AMBER),
    ]:
        discussed(make_family(alice, reference=reference), ago(today, days), rag)

    assert order(team, today) == ["C-AMBER-56", "B-GREEN-63", "A-AMBER-30"]
    scores = [p.score for p in proposals_for(team.pk, today)]
    assert scores == sorted(scores, reverse=True)


def test_a_family_never_discussed_is_due(team, alice, make_family, discussed, today):
    make_family(alice, reference="NEVER")
    discussed(make_family(alice, reference="RECENT"), ago(today, 5), Rag.AMBER)

    [proposal] = proposals_for(team.pk, today)

    assert proposal.family.reference == "NEVER"
    assert proposal.reason == "Not discussed yet"
    assert proposal.last_discussed is None
    assert proposal.rag is None


@pytest.mark.parametrize(
    ("in_days", "reason"),
    [
        (0, "CP review conference today"),
        (1, "CP review conference in 1 day"),
        (14, "CP review conference in 14 days"),
        (15, None),
        (-1, None),
    ],
)
def test_a_cp_review_conference_within_14_days(
    team, alice, make_family, discussed, today, in_days, reason
):
    family = make_family(alice, reference="CP")
    discussed(family, ago(today, 10), Rag.AMBER)  # not due on its interval
    plan_create(
        child=PersonFactory(family=family),
        kind=LegalStatus.CP,
        started_on=ago(today, 90),
        review_on=today + datetime.timedelta(days=in_days),
        acting_user=alice,
    )

    assert proposed(team, today) == ({"CP": reason} if reason else {})


def test_only_a_child_protection_plans_review_counts(team, alice, make_family, discussed, today):
    family = make_family(alice, reference="CIN")
    discussed(family, ago(today, 10), Rag.AMBER)
    plan_create(
        child=PersonFactory(family=family),
        kind=LegalStatus.CIN,
        started_on=ago(today, 90),
        review_on=today + datetime.timedelta(days=5),
        acting_user=alice,
    )

    assert proposed(team, today) == {}


def test_an_ended_cp_plan_has_no_review_conference(team, alice, make_family, discussed, today):
    family = make_family(alice, reference="ENDED")
    discussed(family, ago(today, 10), Rag.AMBER)
    plan = plan_create(
        child=PersonFactory(family=family),
        kind=LegalStatus.CP,
        started_on=ago(today, 90),
        review_on=today + datetime.timedelta(days=5),
        acting_user=alice,
    )
    plan.ended_on = ago(today, 2)
    plan.save()

    assert proposed(team, today) == {}


def test_a_family_allocated_since_its_last_discussion(
    team, alice, bob, manager, make_family, discussed, today
):
    moved = make_family(alice, reference="MOVED")
    stayed = make_family(alice, reference="STAYED")
    discussed(moved, ago(today, 10), Rag.AMBER)
    discussed(stayed, ago(today, 10), Rag.AMBER)
    family_allocate(family=moved, social_worker=bob, start_date=ago(today, 4), acting_user=manager)
    # Reallocated before its last discussion: already talked about.
    family_allocate(
        family=stayed, social_worker=bob, start_date=ago(today, 12), acting_user=manager
    )

    assert proposed(team, today) == {"MOVED": "Allocated 4 days ago"}


@pytest.mark.parametrize(("opened_days_ago", "new"), [(28, True), (29, False)])
def test_a_family_never_discussed_is_newly_allocated_within_28_days(
    team, alice, make_family, today, opened_days_ago, new
):
    make_family(alice, reference="NEW", opened_on=ago(today, opened_days_ago))

    reason = proposed(team, today)["NEW"]

    if new:
        assert reason == f"Not discussed yet; allocated {opened_days_ago} days ago"
    else:
        assert reason == "Not discussed yet"


def test_new_specialist_involvement_since_the_last_discussion(
    team, alice, specialist, make_family, discussed, refer, today
):
    new = make_family(alice, reference="NEW-SPEC")
    old = make_family(alice, reference="OLD-SPEC")
    closed = make_family(alice, reference="CLOSED-SPEC")
    waiting = make_family(alice, reference="WAITING")
    for family in (new, old, closed, waiting):
        discussed(family, ago(today, 10), Rag.AMBER)
    refer(
        adult(new),
        referred_on=ago(today, 8),
        by=alice,
        practitioner=specialist,
        allocated_on=ago(today, 5),
    )
    # Allocated before the last discussion: the group knew.
    refer(
        adult(old),
        referred_on=ago(today, 20),
        by=alice,
        practitioner=specialist,
        allocated_on=ago(today, 15),
    )
    # Allocated since, but the work has already closed.
    ended = refer(adult(closed), referred_on=ago(today, 8), by=alice, practitioner=specialist)
    referral_close(referral=ended, closed_on=ago(today, 1), reason="completed", acting_user=alice)
    # Referred since, but no specialist allocated yet.
    refer(adult(waiting), referred_on=ago(today, 3), by=alice)

    assert proposed(team, today) == {"NEW-SPEC": "New specialist involvement"}


def test_a_family_with_no_reason_is_not_proposed(team, alice, make_family, discussed, today):
    discussed(make_family(alice, reference="QUIET"), ago(today, 10), Rag.GREEN)

    assert proposals_for(team.pk, today) == []


def test_closed_families_and_other_teams_families_are_not_proposed(
    team, alice, charlie, manager, make_family, today
):
    make_family(alice, reference="OURS")
    make_family(charlie, reference="THEIRS")
    FamilyFactory(reference="NO-TEAM", team=None, locality=team.locality)
    closed_earlier = make_family(alice, reference="CLOSED-EARLIER")
    closed_today = make_family(alice, reference="CLOSED-TODAY")
    for family, closing_on in [(closed_earlier, ago(today, 3)), (closed_today, today)]:
        family_close(
            family=family,
            closed_on=closing_on,
            closure_reason="No further action",
            acting_user=manager,
        )

    assert proposed(team, today) == {"OURS": "Not discussed yet"}
    # The following week's agenda, too.
    assert proposed(team, today + datetime.timedelta(days=7)) == {"OURS": "Not discussed yet"}


def test_all_proposals_come_back_best_first_and_capacity_is_the_callers(
    team, group, alice, bob, make_family, discussed, today
):
    """The group takes six families; proposals_for returns every family with a reason, best
    first, ties by reference: the page cuts the list to the meeting's capacity."""
    assert group.families_per_meeting == 6
    for n in range(7):
        make_family(alice if n % 2 else bob, reference=f"NEVER-{n}")
    discussed(make_family(alice, reference="Z-RED"), ago(today, 1), Rag.RED)
    discussed(make_family(alice, reference="Y-LATE"), ago(today, 84), Rag.AMBER)

    assert order(team, today) == [
        "Z-RED",
        "Y-LATE",
        *[f"NEVER-{n}" for n in range(7)],
    ]


def test_one_query_whatever_the_number_of_families(
    team, alice, make_family, discussed, today, django_assert_num_queries
):
    for n in range(5):
        family = make_family(alice, reference=f"F-{n}")
        discussed(family, ago(today, 30 + n), Rag.AMBER)
        plan_create(
            child=PersonFactory(family=family),
            kind=LegalStatus.CP,
            started_on=ago(today, 90),
            review_on=today + datetime.timedelta(days=n),
            acting_user=alice,
        )

    with django_assert_num_queries(1):
        proposals = proposals_for(team.pk, today)
        reasons = [(p.family.social_worker.username, p.reason) for p in proposals]

    assert len(reasons) == 5
