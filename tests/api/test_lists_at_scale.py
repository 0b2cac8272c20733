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
    for name, count in figures.items():
        assert count <= CEILINGS[name], (name, count)
