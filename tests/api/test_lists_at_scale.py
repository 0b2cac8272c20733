"""Every big API list costs the same number of queries at 10 rows and at 1,000, and still
returns its rows: the families list (a team's caseload, each father and a child in two
households, tests/scale.py), the referrals list (a father referred to Dads Matter Too from
each household, all allocated to one practitioner) and one family's contacts.

The figures printed are the closing note's "query count per list endpoint"."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from families.models import Contact, ContactKind, Membership
from referrals.models import Pathway, Referral

from ..conftest import signed_in
from ..factories import UserFactory
from ..queries import extra_audit_batches
from ..scale import households


@pytest.fixture(params=[10, 1000], ids=["10-rows", "1000-rows"])
def council(request, alice, bob):
    families = households(request.param, team=alice.team, workers=[alice, bob])
    dan = UserFactory(username="dan", role=Role.SPECIALIST, pathway="dmt")
    pathway = Pathway.objects.get(code="dmt")
    fathers = Membership.objects.filter(
        family__in=families, role=Membership.Role.FATHER, person__reference__endswith="-father"
    ).order_by("family__reference")
    seen: set[int] = set()
    referrals = []
    for membership in fathers:
        if membership.person_id in seen:
            continue  # a father referred once, from his own household
        seen.add(membership.person_id)
        referrals.append(
            Referral(
                reference=f"SCALE-R{len(referrals):05d}",
                person_id=membership.person_id,
                family_id=membership.family_id,
                pathway=pathway,
                referred_on=datetime.date(2026, 1, 5),
                referred_by=alice,
                practitioner=dan,
                allocated_on=datetime.date(2026, 1, 6),
            )
        )
    Referral.objects.bulk_create(referrals)
    first = families[0]
    Contact.objects.bulk_create(
        Contact(
            family=first,
            occurred_at=first.opened_on
            and datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
            + datetime.timedelta(hours=number),
            kind=ContactKind.HOME_VISIT,
            note=f"Call {number}.",
            recorded_by=alice,
        )
        for number in range(request.param)
    )
    return {"families": families, "dan": dan, "size": request.param}


def _count(client, path: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


# The most each list may take, whatever the data: its own reads, the token or session, and
# the audit insert of what it shows.
CEILINGS = {"families": 9, "referrals": 9, "contacts": 10}
# The same for the other lists, exactly (the same at 10 rows and at 1,000).
EXPECTED = {
    "attempts": 8,
    "appointments": 8,
    "readings": 8,
    "cycle-of-change": 8,
    "reports": 8,
    "tokens": 6,
    "meetings": 8,
}


def test_the_big_lists_cost_the_same_at_any_size(council, alice, capsys):
    size = council["size"]
    page = min(size, 50)
    manager = signed_in(UserFactory(role=Role.TEAM_MANAGER, team=alice.team))

    families_queries, families = _count(manager, "/api/families/")
    assert [row["reference"] for row in families["results"]] == [
        f"SCALE-{number:05d}" for number in range(page)
    ]
    assert (families["next"] is not None) == (size > 50)

    referrals_queries, referrals = _count(signed_in(council["dan"]), "/api/referrals/")
    assert len(referrals["results"]) == page
    assert {row["person"]["reference"] for row in referrals["results"]} <= {
        f"SCALE-P{number:05d}-father" for number in range(size)
    }

    first = council["families"][0].reference
    contacts_queries, contacts = _count(signed_in(alice), f"/api/families/{first}/contacts/")
    assert len(contacts["results"]) == min(size + 1, 50)  # and the household's own visit

    figures = {
        "families": families_queries,
        "referrals": referrals_queries,
        "contacts": contacts_queries,
    }
    with capsys.disabled():
        print(f"\nAPI list queries at {size} rows: {figures}")
    # The audit rows of what each list shows (on SQLite, an insert per 99 or so).
    shown = {
        "families": len(families["results"]),
        "referrals": len(referrals["results"])
        + len({r["family"]["reference"] for r in referrals["results"]}),
        "contacts": 1,
    }
    for name, count in figures.items():
        assert count <= CEILINGS[name] + extra_audit_batches(shown[name]), (name, count)


@pytest.fixture
def many_records(council, alice):
    """As many of each record a list shows as the council has households: on the first
    referral (attempts, appointments, readings, places in the cycle of change), outcome
    report runs, alice's API tokens, and meetings of her team's supervision group."""
    import hashlib

    from django.utils import timezone

    from accounts.models import ApiToken
    from outcomes.models import ReportRun
    from referrals.models import (
        Appointment,
        CycleOfChange,
        CycleOfChangeEntry,
        EngagementAttempt,
        MeasureReading,
        OutcomeMeasure,
    )
    from supervision.models import Meeting, SupervisionGroup

    size, dan = council["size"], council["dan"]
    referral = Referral.objects.order_by("reference").first()
    start = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300) for n in range(size)]
    EngagementAttempt.objects.bulk_create(
        EngagementAttempt(
            referral=referral,
            attempted_on=day,
            method=EngagementAttempt.Method.values[0],
            outcome=EngagementAttempt.Outcome.values[0],
            recorded_by=dan,
        )
        for day in days
    )
    Appointment.objects.bulk_create(
        Appointment(
            referral=referral, starts_at=start + datetime.timedelta(hours=n), practitioner=dan
        )
        for n in range(size)
    )
    phq9 = OutcomeMeasure.objects.get(code="phq-9")
    MeasureReading.objects.bulk_create(
        MeasureReading(
            person=referral.person,
            measure=phq9,
            taken_on=day,
            scores={f"phq9_{n}": 1 for n in range(1, 10)},
            total=9,
            band="Mild",
            recorded_by=dan,
        )
        for day in days
    )
    CycleOfChangeEntry.objects.bulk_create(
        CycleOfChangeEntry(
            person=referral.person,
            stage=CycleOfChange.CONTEMPLATION,
            recorded_on=day,
            recorded_by=dan,
        )
        for day in days
    )
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    ReportRun.objects.bulk_create(
        ReportRun(report="engagement", parameters={}, key=f"k{n}", requested_by=manager)
        for n in range(size)
    )
    ApiToken.objects.bulk_create(
        ApiToken(
            user=alice,
            name=f"Script {n}",
            key_hash=hashlib.sha256(f"token-{n}".encode()).hexdigest(),
            prefix=f"dmt_{n:08d}"[:12],
            expires_at=timezone.now() + datetime.timedelta(hours=8),
        )
        for n in range(size)
    )
    team_manager = UserFactory(role=Role.TEAM_MANAGER, team=alice.team)
    group = SupervisionGroup.objects.create(
        team=alice.team, chair=team_manager, weekday=1, starts_at=datetime.time(10)
    )
    Meeting.objects.bulk_create(
        Meeting(group=group, starts_at=start + datetime.timedelta(days=7 * n), length_minutes=120)
        for n in range(size)
    )
    return {"referral": referral, "manager": manager, "team_manager": team_manager}


def test_the_other_lists_cost_the_same_at_any_size(council, many_records, alice, capsys):
    size, page = council["size"], min(council["size"], 50)
    reference = many_records["referral"].reference
    dan = signed_in(council["dan"])
    figures = {}
    for name, client, path in [
        ("attempts", dan, f"/api/referrals/{reference}/attempts/"),
        ("appointments", dan, f"/api/referrals/{reference}/appointments/"),
        ("readings", dan, f"/api/referrals/{reference}/readings/"),
        ("cycle-of-change", dan, f"/api/referrals/{reference}/cycle-of-change/"),
        ("reports", signed_in(many_records["manager"]), "/api/reports/"),
        ("tokens", signed_in(alice), "/api/auth/tokens/"),
        ("meetings", signed_in(many_records["team_manager"]), "/api/supervision/meetings/"),
    ]:
        figures[name], body = _count(client, path)
        assert len(body["results"]) == page, (name, len(body["results"]))
    with capsys.disabled():
        print(f"\nAPI list queries at {size} rows: {figures}")
    assert figures == EXPECTED, figures
