"""The specialist pages' query counts do not grow with the caseload, the waiting list or the
record: each reads a fixed number of times however many rows it shows."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from families.models import Family, Membership, Person
from referrals.models import (
    Appointment,
    CycleOfChangeEntry,
    EngagementAttempt,
    MeasureReading,
    OutcomeMeasure,
    Pathway,
    Referral,
)

from ..queries import extra_audit_batches

pytestmark = pytest.mark.django_db

RAGS = ["red", "amber", "green"]


def many_fathers(team, count: int, prefix: str) -> list[Person]:
    families = Family.objects.bulk_create(
        Family(
            reference=f"{prefix}-F{number}",
            team=team,
            locality=team.locality,
            opened_on=datetime.date(2023, 1, 1),
        )
        for number in range(count)
    )
    fathers = Person.objects.bulk_create(
        Person(
            reference=f"{prefix}-P{number}",
            given_name=f"Dad{number}",
            family_name="Many",
            care_experienced=number % 4 == 0,
            previous_child_removal=number % 5 == 0,
        )
        for number in range(count)
    )
    Membership.objects.bulk_create(
        Membership(person=father, family=family, role=Membership.Role.FATHER)
        for father, family in zip(fathers, families, strict=True)
    )
    return fathers


def many_referrals(fathers, pathway: Pathway, prefix: str, practitioner=None) -> list[Referral]:
    today = timezone.localdate()
    stage = pathway.stages.get(code="allocated" if practitioner else "referral")
    families = dict(
        Membership.objects.filter(person__in=fathers).values_list("person_id", "family_id")
    )
    return Referral.objects.bulk_create(
        Referral(
            reference=f"{prefix}-R{number}",
            person=dad,
            family_id=families[dad.pk],
            pathway=pathway,
            referred_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=number % 300),
            rag=RAGS[number % 3],
            stage=stage,
            practitioner=practitioner,
            allocated_on=datetime.date(2024, 11, 1) if practitioner else None,
            next_review_on=today + datetime.timedelta(days=(number % 7) * 10 - 30),
            eligibility_override="Asked by conference." if number % 6 == 0 else "",
        )
        for number, dad in enumerate(fathers)
    )


def work_on(referrals: list[Referral], practitioner) -> None:
    """Attempts, appointments (attended, this week's and future) and cycle-of-change
    placements across the referrals."""
    now = timezone.now()
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    this_week = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))
    appointments, attempts, cycle = [], [], []
    for number, referral in enumerate(referrals):
        attempts += [
            EngagementAttempt(
                referral=referral,
                attempted_on=datetime.date(2024, 11, 2),
                method="phone",
                outcome="no_reply",
                recorded_by=practitioner,
            )
            for _ in range(number % 3)
        ]
        if number % 2:
            appointments.append(
                Appointment(
                    referral=referral,
                    starts_at=now - datetime.timedelta(days=8),
                    outcome=Appointment.Outcome.ATTENDED,
                    practitioner=practitioner,
                )
            )
            cycle += [
                CycleOfChangeEntry(
                    person_id=referral.person_id,
                    stage=stage,
                    recorded_on=datetime.date(2024, 11, day),
                    recorded_by=practitioner,
                )
                for day, stage in ((3, "contemplation"), (10, "action"))
            ]
        if number % 3 == 0:
            appointments.append(
                Appointment(
                    referral=referral,
                    starts_at=this_week + datetime.timedelta(hours=number % 100),
                    practitioner=practitioner,
                )
            )
            appointments.append(
                Appointment(
                    referral=referral,
                    starts_at=now + datetime.timedelta(days=10 + number % 5),
                    practitioner=practitioner,
                )
            )
    EngagementAttempt.objects.bulk_create(attempts)
    Appointment.objects.bulk_create(appointments)
    CycleOfChangeEntry.objects.bulk_create(cycle)


# The practitioner's home page -------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 500])
def test_the_practitioners_home_page_does_not_grow_with_the_caseload(
    client_as, alice, practitioner, dmt_colleague, django_assert_max_num_queries, size
):
    dmt = Pathway.objects.get(code="dmt")
    referrals = many_referrals(many_fathers(alice.team, size, "H"), dmt, "H", practitioner)
    work_on(referrals, practitioner)
    # A colleague's caseload is not read.
    theirs = many_referrals(many_fathers(alice.team, 5, "C"), dmt, "C", dmt_colleague)
    work_on(theirs, dmt_colleague)
    client = client_as("practitioner")

    # Session and user; the waiting and caseload lists (each with its person, family,
    # locality, pathway, stage and work summary in one query); this week's sessions; the
    # pathway and the practitioner's open count for capacity; their group supervision actions;
    # the display names of the families listed; the session's sliding-expiry save (3
    # statements); and one insert auditing every adult shown (SQLite splits it into batches):
    # 13 at 10 and at 500 adults.
    with django_assert_max_num_queries(13 + extra_audit_batches(size + 5)):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    home = response.context["home"]
    assert len(home.waiting) + len(home.caseload) == size
    assert home.caseload and home.waiting and home.sessions and home.overdue_reviews


# The pathway's waiting list ---------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 500])
def test_the_waiting_list_page_does_not_grow_with_the_waiting_list(
    client_as, alice, practitioner, dmt_colleague, django_assert_max_num_queries, size
):
    dmt = Pathway.objects.get(code="dmt")
    waiting = many_referrals(many_fathers(alice.team, size, "W"), dmt, "W")
    work_on(waiting, practitioner)
    for prefix, worker in (("D", practitioner), ("E", dmt_colleague)):
        many_referrals(many_fathers(alice.team, 3, prefix), dmt, prefix, worker)
    client = client_as("pathway_manager")

    # Session and user; the pathway, and that the user manages it; the practitioners with
    # their open cases (with locality and agency); the waiting list (with person, family,
    # locality, pathway, referrer, stage and attempt count); the families' display names; the
    # audit insert of the list read; the session's sliding-expiry save (3 statements): 11 at
    # 10 and at 500. The audit
    # rows go in one INSERT of up to 1,000 rows, except where the database caps the rows an
    # INSERT may carry (SQLite's 999 parameters: 99 audit rows), which adds its batches.
    with django_assert_max_num_queries(11 + extra_audit_batches(size)):
        response = client.get(reverse("referrals:pathway", args=["dmt"]))

    assert response.status_code == 200
    assert len(response.context["waiting"]) == size


# The referral record ----------------------------------------------------------------------


RECORD_BUDGET = 20


@pytest.mark.parametrize("size", [1, 30])
def test_the_referral_record_does_not_grow_with_the_work_recorded(
    client_as, referral, practitioner, pathway_manager, django_assert_max_num_queries, size
):
    measures = list(OutcomeMeasure.objects.all())
    MeasureReading.objects.bulk_create(
        MeasureReading(
            person=referral.person,
            measure=measure,
            taken_on=datetime.date(2024, 6, 1) + datetime.timedelta(days=number),
            scores=dict.fromkeys(measure.item_keys, measure.scale_min + 1),
            total=len(measure.items) if measure.has_total else None,
            band="Mild" if measure.has_total else "",
            needs_action=bool(measure.alert_items) and number == size - 1,
            recorded_by=recorder,
        )
        for measure, number, recorder in zip(
            itertools.cycle(measures),
            range(size),
            itertools.cycle([practitioner, pathway_manager]),
            strict=False,
        )
    )
    EngagementAttempt.objects.bulk_create(
        EngagementAttempt(
            referral=referral,
            attempted_on=datetime.date(2024, 5, 3),
            method="phone",
            outcome="no_reply",
            recorded_by=recorder,
        )
        for _, recorder in zip(
            range(size), itertools.cycle([practitioner, pathway_manager]), strict=False
        )
    )
    Appointment.objects.bulk_create(
        Appointment(
            referral=referral,
            starts_at=timezone.now() - datetime.timedelta(days=number),
            outcome=Appointment.Outcome.ATTENDED,
            practitioner=worker,
        )
        for number, worker in zip(
            range(size), itertools.cycle([practitioner, pathway_manager]), strict=False
        )
    )
    CycleOfChangeEntry.objects.bulk_create(
        CycleOfChangeEntry(
            person=referral.person,
            stage="action",
            recorded_on=datetime.date(2024, 6, 1),
            recorded_by=practitioner,
        )
        for _ in range(size)
    )
    client = client_as("practitioner")

    # Session and user; the referral (with person, referrer, pathway, stage, practitioner and
    # the family with its locality, social worker and team); his households; the view's
    # audit insert; the readings (with measure and recorder); the stage and engagement
    # histories, attempts, appointments, reviews and cycle of change (each with its
    # recorder); the family's members and their current status; the allocated adults, for
    # the restricted-details rule; the measures to offer; the session's sliding-expiry save
    # (3 statements): 19 at 1 and at 30 of each (20 for a father in several households).
    with django_assert_max_num_queries(RECORD_BUDGET):
        response = client.get(reverse("referrals:detail", args=[referral.pk]))

    assert response.status_code == 200
    assert len(response.context["attempts"]) == size
    assert len(response.context["appointments"]) == size


@pytest.mark.parametrize("households", [2, 6])
@pytest.mark.parametrize("who", ["practitioner", "alice"])
def test_the_referral_record_does_not_grow_with_his_households(
    client_as, referral, alice, charlie, django_assert_max_num_queries, households, who
):
    """Dean's other households, half of them alice's team's (whose children she reads), each
    with two children."""
    for number in range(households - 1):
        team = alice.team if number % 2 else charlie.team
        family = Family.objects.create(
            reference=f"HOUSE-{number}",
            team=team,
            locality=team.locality,
            opened_on=datetime.date(2023, 1, 1),
        )
        children = Person.objects.bulk_create(
            Person(reference=f"HOUSE-{number}-C{n}", given_name=f"Kid{number}{n}") for n in range(2)
        )
        Membership.objects.bulk_create(
            [
                Membership(person=referral.person, family=family, role=Membership.Role.FATHER),
                *(
                    Membership(person=child, family=family, role=Membership.Role.CHILD)
                    for child in children
                ),
            ]
        )
    client = client_as(who)

    # As the record above, a father in several households.
    with django_assert_max_num_queries(RECORD_BUDGET):
        response = client.get(reverse("referrals:detail", args=[referral.pk]))

    assert response.status_code == 200
    assert len(response.context["households"]) == households


# The API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("restricted", [False, True], ids=["open", "restricted"])
@pytest.mark.parametrize("size", [5, 50])
def test_the_api_list_does_not_grow_with_the_page(
    client_as, alice, practitioner, django_assert_max_num_queries, size, restricted
):
    dmt = Pathway.objects.get(code="dmt")
    referrals = many_referrals(many_fathers(alice.team, size, "A"), dmt, "A", practitioner)
    # Each family has a mother, who also lives in a second household (her sister's); when
    # her details are restricted, the rule reads every household she lives in.
    mothers = Person.objects.bulk_create(
        Person(
            reference=f"A-M{n}",
            given_name=f"Mum{n}",
            address="1 Quay Street",
            contact_restricted=restricted,
        )
        for n in range(size)
    )
    sisters = Family.objects.bulk_create(
        Family(
            reference=f"A-S{n}",
            team=alice.team,
            locality=alice.team.locality,
            opened_on=datetime.date(2023, 1, 1),
        )
        for n in range(size)
    )
    Membership.objects.bulk_create(
        membership
        for mother, referral, sister in zip(mothers, referrals, sisters, strict=True)
        for membership in (
            Membership(person=mother, family_id=referral.family_id, role=Membership.Role.MOTHER),
            Membership(person=mother, family=sister, role=Membership.Role.OTHER_ADULT),
        )
    )
    client = client_as("practitioner")

    # Session and user; the page's rows (with person, family, pathway, stage, referrer and
    # practitioner; a cursor page counts nothing); the families' members; the allocated
    # adults, and the households of those restricted (only when some are), for the
    # restricted-details rule; the audit insert naming each referral and family (SQLite
    # splits it into batches); the session's save (3 statements): the same for a page of 5
    # and of 50.
    with django_assert_max_num_queries(10 + restricted + extra_audit_batches(2 * size)):
        response = client.get("/api/referrals/")

    assert response.status_code == 200
    assert len(response.json()["results"]) == size
    shown = "Restricted" if restricted else "1 Quay Street"
    assert all(
        [person["address"] for person in row["family"]["people"]] == [shown]
        for row in response.json()["results"]
    )
