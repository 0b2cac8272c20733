"""The agenda pack (supervision.pack) and the beat job that builds it (supervision.tasks).

Tess chairs the group of alice's team; Bea minutes it; Sue is a substance-use practitioner.
The Quists (F-PACK-A, alice's) were discussed 60 and 30 days ago; since then Amy went onto a
child protection plan, Ben stepped out of children's services, Maya was allocated to Sue,
engaged and completed a GAD-7, and Dominic's referral closed. The Rowes (F-PACK-B, bob's)
have never been discussed.
"""

import datetime
import json

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway, User
from dmt.celery import app
from families.models import Family, LegalStatus, Membership, Person
from families.services import child_status_change, family_create, membership_add
from referrals.models import OutcomeMeasure, Pathway, Rag
from referrals.services import (
    cycle_of_change_record,
    measure_reading_record,
    referral_allocate,
    referral_close,
    referral_create,
    referral_engagement_change,
)
from supervision.models import AgendaItem, Meeting, SupervisionGroup
from supervision.pack import pack_build, pack_sections, pack_store
from supervision.services import (
    ActionInput,
    action_complete,
    agenda_set,
    discussion_record,
    group_create,
    meeting_schedule,
)
from supervision.slots import is_working_day
from supervision.tasks import build_due_packs, last_day_due, pack_due

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 9


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def monday(today) -> datetime.date:
    day = today + datetime.timedelta(days=14 + 7 - today.weekday())
    while not is_working_day(day):
        day += datetime.timedelta(weeks=1)
    return day


@pytest.fixture
def manager(make_user, team) -> User:
    return make_user(
        Role.TEAM_MANAGER, username="tess", first_name="Tess", last_name="Manager", team=team
    )


@pytest.fixture
def support(make_user, team) -> User:
    return make_user(
        Role.BUSINESS_SUPPORT, username="bea", first_name="Bea", last_name="Support", team=team
    )


@pytest.fixture
def specialist(make_user, team) -> User:
    return make_user(
        Role.SPECIALIST,
        username="sue",
        first_name="Sue",
        last_name="Specialist",
        pathway=SpecialistPathway.SUBSTANCE_USE,
        locality=team.locality,
    )


@pytest.fixture
def group(team, manager, alice, bob, support, specialist) -> SupervisionGroup:
    return group_create(
        team=team,
        chair=manager,
        weekday=SupervisionGroup.Weekday.MONDAY,
        starts_at=datetime.time(10, 0),
        location="Room 2",
        acting_user=manager,
    )


@pytest.fixture
def substance_use(db) -> Pathway:
    return Pathway.objects.get(code="substance_use")


def family_of(social_worker: User, reference: str, opened_days_ago: int = 200) -> Family:
    return family_create(
        reference=reference,
        locality=social_worker.team.locality,
        team=social_worker.team,
        social_worker=social_worker,
        opened_on=ago(opened_days_ago),
        acting_user=None,
    )


def person(family: Family, role: str, name: str, born: datetime.date) -> Person:
    return PersonFactory(
        family=family, role=role, given_name=name, family_name="Quist", date_of_birth=born
    )


def past_meeting(group: SupervisionGroup, day: datetime.date, *families: Family) -> Meeting:
    meeting = Meeting.objects.create(
        group=group, starts_at=at(day), length_minutes=group.length_minutes
    )
    for position, family in enumerate(families, 1):
        AgendaItem.objects.create(meeting=meeting, family=family, position=position)
    return meeting


def minute(meeting, family, support, *, rag=Rag.AMBER, decisions="Carry on.", **extra):
    return discussion_record(
        meeting=meeting,
        family=family,
        present=[support],
        child_safety_rag=rag,
        analysis="",
        decisions=decisions,
        stages=extra.pop("stages", {}),
        actions=extra.pop("actions", []),
        acting_user=support,
    )


@pytest.fixture
def quists(group, alice, bob, support, specialist, manager, substance_use):
    family = family_of(alice, "F-PACK-A")
    amy = person(family, Membership.Role.CHILD, "Amy", datetime.date(2018, 5, 1))
    ben = person(family, Membership.Role.CHILD, "Ben", datetime.date(2020, 5, 1))
    maya = person(family, Membership.Role.MOTHER, "Maya", datetime.date(1990, 1, 1))
    dominic = person(family, Membership.Role.FATHER, "Dominic", datetime.date(1988, 1, 1))
    for child in (amy, ben):
        child_status_change(
            child=child, status=LegalStatus.CIN, start_date=ago(150), acting_user=alice
        )
    maya_referral = referral_create(
        person=maya,
        family=family,
        pathway=substance_use,
        referred_on=ago(60),
        acting_user=alice,
    )
    dominic_referral = referral_create(
        person=dominic,
        family=family,
        pathway=substance_use,
        referred_on=ago(50),
        acting_user=alice,
    )
    gad7 = OutcomeMeasure.objects.get(code="gad-7")
    measure_reading_record(
        person=maya,
        measure=gad7,
        taken_on=ago(40),
        scores=dict.fromkeys(gad7.item_keys, 3),
        acting_user=specialist,
    )

    minute(
        past_meeting(group, ago(60), family),
        family,
        support,
        rag=Rag.GREEN,
        decisions="Old decisions.",
        stages={maya: "contemplation"},
    )
    last = minute(
        past_meeting(group, ago(30), family),
        family,
        support,
        rag=Rag.RED,
        decisions="Ask the GP for a report.",
        stages={maya: "preparation"},
        actions=[
            ActionInput("Visit the school", alice, ago(20)),
            ActionInput("See Maya with Sue", specialist, ago(-10)),
            ActionInput("Book a family group conference", bob, ago(25)),
        ],
    )
    booked = last.actions.get(description__startswith="Book")
    action_complete(
        action=booked, done_on=ago(26), expected_version=booked.version, acting_user=bob
    )

    # Since the last discussion:
    child_status_change(child=amy, status=LegalStatus.CP, start_date=ago(15), acting_user=alice)
    child_status_change(child=ben, status=None, start_date=ago(12), acting_user=alice)
    referral_allocate(
        referral=maya_referral,
        practitioner=specialist,
        allocated_on=ago(20),
        accept_over_capacity=True,
        acting_user=specialist,
    )
    referral_engagement_change(
        referral=maya_referral, engagement="engaged", changed_on=ago(10), acting_user=specialist
    )
    referral_close(
        referral=dominic_referral, closed_on=ago(8), reason="completed", acting_user=specialist
    )
    measure_reading_record(
        person=maya,
        measure=gad7,
        taken_on=ago(5),
        scores=dict.fromkeys(gad7.item_keys, 2),
        acting_user=specialist,
    )
    cycle_of_change_record(person=maya, stage="action", recorded_on=ago(3), acting_user=specialist)
    return family, last


@pytest.fixture
def rowes(bob):
    family = family_of(bob, "F-PACK-B")
    cara = PersonFactory(
        family=family,
        given_name="Cara",
        family_name="Rowe",
        date_of_birth=datetime.date(2019, 1, 1),
    )
    child_status_change(child=cara, status=LegalStatus.CIN, start_date=ago(100), acting_user=bob)
    child_status_change(child=cara, status=LegalStatus.CP, start_date=ago(50), acting_user=bob)
    return family


@pytest.fixture
def meeting(group, manager, monday, quists, rowes) -> Meeting:
    meeting = meeting_schedule(group=group, starts_at=at(monday), acting_user=manager)
    return agenda_set(
        meeting=meeting,
        families=[(rowes, "Not discussed yet"), (quists[0], "Red")],
        expected_version=meeting.version,
        acting_user=manager,
    )


# The pack ----------------------------------------------------------------------------------


def test_the_pack_has_each_family_in_agenda_order_with_what_changed_since(
    meeting, quists, rowes, today
):
    family, last = quists

    pack = pack_build(meeting)

    assert pack["meeting_id"] == meeting.pk
    assert pack["as_of"] == today.isoformat()
    assert [entry["reference"] for entry in pack["families"]] == ["F-PACK-B", "F-PACK-A"]
    quist = pack["families"][1]
    assert quist == {
        "family_id": family.pk,
        "reference": "F-PACK-A",
        "name": "Quist — Amy, Ben",
        "social_worker": "Alice Worker",
        "last_discussion": {
            "meeting_id": last.meeting_id,
            "date": ago(30).isoformat(),
            "rag": "red",
            "rag_label": "Red",
            "decisions": "Ask the GP for a report.",
        },
        "children": [
            {"name": "Amy Quist", "legal_status": "Child protection", "since": ago(15).isoformat()},
            {"name": "Ben Quist", "legal_status": "Not open", "since": None},
        ],
        "actions": [
            {
                "description": "Book a family group conference",
                "owner": "Bob Worker",
                "due": ago(25).isoformat(),
                "state": "done",
                "done_on": ago(26).isoformat(),
            },
            {
                "description": "Visit the school",
                "owner": "Alice Worker",
                "due": ago(20).isoformat(),
                "state": "overdue",
                "done_on": None,
            },
            {
                "description": "See Maya with Sue",
                "owner": "Sue Specialist",
                "due": ago(-10).isoformat(),
                "state": "open",
                "done_on": None,
            },
        ],
        "status_changes": [
            {
                "date": ago(15).isoformat(),
                "child": "Amy Quist",
                "from": "Child in need",
                "to": "Child protection",
            },
            {
                "date": ago(12).isoformat(),
                "child": "Ben Quist",
                "from": "Child in need",
                "to": "Not open",
            },
        ],
        "specialist_updates": [
            {
                "date": ago(20).isoformat(),
                "person": "Maya Quist",
                "pathway": "Substance use",
                "kind": "stage",
                "text": "Stage: Allocated",
            },
            {
                "date": ago(10).isoformat(),
                "person": "Maya Quist",
                "pathway": "Substance use",
                "kind": "engagement",
                "text": "Engagement: Engaged",
            },
            {
                "date": ago(8).isoformat(),
                "person": "Dominic Quist",
                "pathway": "Substance use",
                "kind": "stage",
                "text": "Stage: Closed",
            },
            {
                "date": ago(5).isoformat(),
                "person": "Maya Quist",
                "pathway": "",
                "kind": "measure",
                "text": "GAD-7 (anxiety): 14 (Moderate)",
            },
        ],
        "referrals": [
            {
                "person": "Maya Quist",
                "pathway": "Substance use",
                "stage": "Allocated",
                "engagement": "Engaged",
                "practitioner": "Sue Specialist",
            }
        ],
        "cycle_of_change": [
            {"person": "Dominic Quist", "stage": None, "recorded_on": None, "source": ""},
            {
                "person": "Maya Quist",
                "stage": "Action",
                "recorded_on": ago(3).isoformat(),
                "source": "Practitioner",
            },
        ],
    }


def test_a_family_never_discussed_shows_the_last_twelve_weeks(meeting, rowes):
    rowe = pack_build(meeting)["families"][0]

    assert rowe["last_discussion"] is None
    assert rowe["actions"] == []
    assert rowe["children"] == [
        {"name": "Cara Rowe", "legal_status": "Child protection", "since": ago(50).isoformat()}
    ]
    # Child in need 100 days ago is before the twelve weeks; the plan 50 days ago is within.
    assert rowe["status_changes"] == [
        {
            "date": ago(50).isoformat(),
            "child": "Cara Rowe",
            "from": "Child in need",
            "to": "Child protection",
        }
    ]
    assert (rowe["specialist_updates"], rowe["referrals"], rowe["cycle_of_change"]) == ([], [], [])


def test_a_meeting_with_no_agenda_has_an_empty_pack(group, manager, monday):
    meeting = meeting_schedule(group=group, starts_at=at(monday), acting_user=manager)

    assert pack_build(meeting)["families"] == []


def test_pack_store_keeps_the_pack_as_json_on_the_meeting(meeting):
    before = timezone.now()

    pack_store(meeting)

    meeting.refresh_from_db()
    assert meeting.pack_built_at >= before
    assert meeting.pack == json.loads(json.dumps(pack_build(meeting) | {"meeting_version": 2}))
    assert meeting.pack["meeting_version"] == meeting.version
    assert AuditEvent.objects.filter(
        object_type="supervision.meeting",
        object_id=str(meeting.pk),
        detail={"pack_built": ["F-PACK-B", "F-PACK-A"]},
    ).exists()


def test_the_pack_reads_as_sentences_on_a_page(meeting):
    quist = pack_build(meeting)["families"][1]

    sections = dict(pack_sections(quist))

    assert sections["Children"][0].startswith("Amy Quist: Child protection since ")
    assert sections["Last discussed"][1] == "Ask the GP for a report."
    assert sections["Actions from the last discussion"][1].endswith(": overdue")
    assert sections["Specialist updates since"][-1].endswith(
        "Maya Quist: GAD-7 (anxiety): 14 (Moderate)"
    )
    assert sections["Cycle of change"][0] == "Dominic Quist: not placed yet"


# A father in two households -----------------------------------------------------------------


@pytest.fixture
def two_households(group, manager, monday, alice, bob, specialist, substance_use):
    """Dev is the father of Ava (F-HOME-A, alice's) and a father figure to Zac (F-HOME-B,
    bob's), whose mother is Nia; his substance-use referral was made in F-HOME-A, and he
    completed a GAD-7 last week. Both families are on the meeting's agenda."""
    home_a, home_b = family_of(alice, "F-HOME-A"), family_of(bob, "F-HOME-B")
    dev = person(home_a, Membership.Role.FATHER, "Dev", datetime.date(1990, 1, 1))
    person(home_a, Membership.Role.CHILD, "Ava", datetime.date(2020, 1, 1))
    person(home_b, Membership.Role.MOTHER, "Nia", datetime.date(1991, 1, 1))
    person(home_b, Membership.Role.CHILD, "Zac", datetime.date(2021, 1, 1))
    membership_add(
        person=dev,
        family=home_b,
        role=Membership.Role.FATHER_FIGURE,
        joined_on=None,
        acting_user=bob,
    )
    referral = referral_create(
        person=dev, family=home_a, pathway=substance_use, referred_on=ago(40), acting_user=alice
    )
    referral_engagement_change(
        referral=referral, engagement="engaged", changed_on=ago(10), acting_user=alice
    )
    gad7 = OutcomeMeasure.objects.get(code="gad-7")
    measure_reading_record(
        person=dev,
        measure=gad7,
        taken_on=ago(7),
        scores=dict.fromkeys(gad7.item_keys, 1),
        acting_user=specialist,
    )
    meeting = meeting_schedule(group=group, starts_at=at(monday), acting_user=manager)
    return agenda_set(
        meeting=meeting,
        families=[(home_a, "Red"), (home_b, "Due")],
        expected_version=meeting.version,
        acting_user=manager,
    )


def test_each_household_shows_its_own_children_and_the_referrals_made_in_it(two_households):
    home_a, home_b = pack_build(two_households)["families"]

    assert [child["name"] for child in home_a["children"]] == ["Ava Quist"]
    assert [child["name"] for child in home_b["children"]] == ["Zac Quist"]
    assert [referral["person"] for referral in home_a["referrals"]] == ["Dev Quist"]
    assert home_b["referrals"] == []
    # Dev is an adult of both: his place on the cycle of change, and his outcome measure,
    # are news to each; his referral's engagement belongs to the family it was made in.
    assert [adult["person"] for adult in home_a["cycle_of_change"]] == ["Dev Quist"]
    assert [adult["person"] for adult in home_b["cycle_of_change"]] == ["Dev Quist", "Nia Quist"]
    assert [(u["date"], u["kind"]) for u in home_a["specialist_updates"]] == [
        (ago(40).isoformat(), "stage"),
        (ago(40).isoformat(), "engagement"),
        (ago(10).isoformat(), "engagement"),
        (ago(7).isoformat(), "measure"),
    ]
    assert [(u["person"], u["kind"]) for u in home_b["specialist_updates"]] == [
        ("Dev Quist", "measure")
    ]


def test_a_household_he_has_left_no_longer_shows_him(two_households):
    Membership.objects.filter(person__given_name="Dev", family__reference="F-HOME-B").update(
        left_on=ago(1)
    )

    home_b = pack_build(two_households)["families"][1]

    assert [adult["person"] for adult in home_b["cycle_of_change"]] == ["Nia Quist"]
    assert home_b["specialist_updates"] == []


# Queries do not grow with the families ------------------------------------------------------


@pytest.fixture
def busy_meeting(group, alice, support, specialist, manager, monday, substance_use):
    """A meeting with `count` families, each with a child, an adult with a referral and a
    stage, and a past discussion with an action; each mother is a carer in the next family
    too (one person, two households)."""

    def make(count: int) -> Meeting:
        families = [family_of(alice, f"F-BUSY-{count}-{n}") for n in range(count)]
        held = past_meeting(group, ago(30), *families)
        mothers = []
        for family in families:
            child = person(family, Membership.Role.CHILD, "Kid", datetime.date(2019, 1, 1))
            child_status_change(
                child=child, status=LegalStatus.CIN, start_date=ago(40), acting_user=alice
            )
            mother = person(family, Membership.Role.MOTHER, "Mum", datetime.date(1990, 1, 1))
            referral = referral_create(
                person=mother,
                family=family,
                pathway=substance_use,
                referred_on=ago(40),
                acting_user=alice,
            )
            minute(
                held,
                family,
                support,
                stages={mother: "contemplation"},
                actions=[ActionInput("Visit", alice, ago(-5))],
            )
            referral_engagement_change(
                referral=referral, engagement="engaged", changed_on=ago(5), acting_user=alice
            )
            child_status_change(
                child=child, status=LegalStatus.CP, start_date=ago(4), acting_user=alice
            )
            mothers.append(mother)
        for mother, family in zip(mothers, [*families[1:], families[0]], strict=True):
            membership_add(
                person=mother,
                family=family,
                role=Membership.Role.CARER,
                joined_on=None,
                acting_user=alice,
            )
        meeting = past_meeting(group, monday, *families)
        return meeting

    return make


@pytest.mark.parametrize("count", [2, 6])
def test_the_pack_takes_a_fixed_number_of_queries(
    busy_meeting, count, django_assert_max_num_queries
):
    meeting = busy_meeting(count)

    with django_assert_max_num_queries(QUERY_BUDGET):
        pack = pack_build(meeting)

    assert len(pack["families"]) == count
    assert all(entry["actions"] and entry["specialist_updates"] for entry in pack["families"])


def test_two_families_and_six_take_the_same_queries(busy_meeting):
    counts = []
    for count in (2, 6):
        meeting = busy_meeting(count)
        with CaptureQueriesContext(connection) as queries:
            pack_build(meeting)
        counts.append(len(queries))

    assert counts[0] == counts[1] <= QUERY_BUDGET


# When packs are built -----------------------------------------------------------------------

D = datetime.date


@pytest.mark.parametrize(
    ("today", "meeting_day", "due"),
    [
        # A Thursday: Friday's and Monday's packs are due, Tuesday's not yet.
        (D(2026, 1, 8), D(2026, 1, 9), True),
        (D(2026, 1, 8), D(2026, 1, 12), True),
        (D(2026, 1, 8), D(2026, 1, 13), False),
        # A Friday: Tuesday's is due (Monday and Friday are its two working days before).
        (D(2026, 1, 9), D(2026, 1, 13), True),
        (D(2026, 1, 9), D(2026, 1, 14), False),
        # Christmas and Boxing Day are not working days.
        (D(2025, 12, 23), D(2025, 12, 24), True),
        (D(2025, 12, 23), D(2025, 12, 29), True),
        (D(2025, 12, 23), D(2025, 12, 30), False),
        (D(2025, 12, 24), D(2025, 12, 30), True),
        (D(2025, 12, 24), D(2025, 12, 31), False),
    ],
)
def test_a_pack_is_due_two_working_days_before(today, meeting_day, due):
    assert pack_due(meeting_day, today) is due


def test_the_last_meeting_day_due_skips_weekends_and_bank_holidays():
    assert last_day_due(D(2026, 1, 8)) == D(2026, 1, 12)  # Thursday: to Monday
    assert last_day_due(D(2025, 12, 23)) == D(2025, 12, 29)  # to the Monday after Christmas


@pytest.fixture
def christmas(group, alice):
    """Meetings around Christmas 2025, as of Tuesday 23 December."""
    family = family_of(alice, "F-XMAS", opened_days_ago=2000)

    def make(day: datetime.date, *, agenda: bool = True, **fields) -> Meeting:
        meeting = Meeting.objects.create(
            group=group, starts_at=at(day), length_minutes=120, **fields
        )
        if agenda:
            AgendaItem.objects.create(meeting=meeting, family=family, position=1)
        return meeting

    built_earlier = make(D(2025, 12, 29))
    pack_store(built_earlier, today=D(2025, 12, 22))
    return {
        "yesterday": make(D(2025, 12, 22)),
        "christmas_eve": make(D(2025, 12, 24)),
        "cancelled": make(D(2025, 12, 24), status=Meeting.Status.CANCELLED),
        "no_agenda": make(D(2025, 12, 24), agenda=False),
        "held_early": make(D(2025, 12, 24), status=Meeting.Status.HELD),
        "after_christmas": make(D(2025, 12, 29)),
        "built_earlier": built_earlier,
        "new_year": make(D(2025, 12, 30)),
        "family": family,
    }


def test_the_job_builds_exactly_the_due_packs_once(christmas, manager):
    first = build_due_packs(today="2025-12-23")
    built_at = {
        key: Meeting.objects.get(pk=christmas[key].pk).pack_built_at
        for key in ("christmas_eve", "after_christmas")
    }
    again = build_due_packs(today="2025-12-23")
    next_day = build_due_packs(today="2025-12-24")

    assert first == [christmas["christmas_eve"].pk, christmas["after_christmas"].pk]
    assert again == []
    assert next_day == [christmas["new_year"].pk]
    for key, when in built_at.items():
        meeting = Meeting.objects.get(pk=christmas[key].pk)
        assert meeting.pack_built_at == when
        assert [entry["reference"] for entry in meeting.pack["families"]] == ["F-XMAS"]
    for key in ("yesterday", "cancelled", "no_agenda", "held_early"):
        assert Meeting.objects.get(pk=christmas[key].pk).pack is None


def test_a_pack_built_before_the_agenda_changed_is_built_again(christmas, manager, alice):
    meeting = christmas["built_earlier"]
    assert build_due_packs(today="2025-12-23") == [
        christmas["christmas_eve"].pk,
        christmas["after_christmas"].pk,
    ]
    other = family_of(alice, "F-XMAS-2", opened_days_ago=2000)
    meeting.refresh_from_db()
    agenda_set(
        meeting=meeting,
        families=[(christmas["family"], ""), (other, "")],
        expected_version=meeting.version,
        acting_user=manager,
    )

    assert build_due_packs(today="2025-12-24") == [meeting.pk, christmas["new_year"].pk]
    meeting.refresh_from_db()
    assert [entry["reference"] for entry in meeting.pack["families"]] == ["F-XMAS", "F-XMAS-2"]
    assert build_due_packs(today="2025-12-24") == []


def test_the_job_runs_as_a_celery_task_and_beat_runs_it_each_morning(christmas):
    result = build_due_packs.delay(today="2025-12-23")

    assert result.get() == [christmas["christmas_eve"].pk, christmas["after_christmas"].pk]
    assert "supervision.build_due_packs" in app.tasks
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "supervision.build_due_packs"
    )
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {0})


def test_the_job_on_a_real_day_builds_a_meeting_two_working_days_ahead(group, alice, today):
    family = family_of(alice, "F-SOON")
    day = today + datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    meeting = Meeting.objects.create(group=group, starts_at=at(day), length_minutes=120)
    AgendaItem.objects.create(meeting=meeting, family=family, position=1)

    assert build_due_packs() == [meeting.pk]
    meeting.refresh_from_db()
    assert meeting.pack["families"][0]["reference"] == "F-SOON"
