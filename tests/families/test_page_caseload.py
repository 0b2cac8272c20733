import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from families.models import Contact, ContactKind, Family, LegalStatus, Membership
from families.services import child_status_change

from ..factories import FamilyFactory, PersonFactory
from ..queries import extra_audit_batches

pytestmark = pytest.mark.django_db

CASELOAD = reverse("families:caseload")


def references(response) -> list[str]:
    return [family.reference for family in response.context["families"]]


def contacted(family: Family, *, days_ago: int, by) -> Contact:
    return Contact.objects.create(
        family=family,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
        kind=ContactKind.HOME_VISIT,
        note="Visited.",
        recorded_by=by,
    )


def with_child_at(family: Family, *statuses: LegalStatus) -> Family:
    for status in statuses:
        child_status_change(
            child=PersonFactory(family=family),
            status=status,
            start_date=family.opened_on,
            acting_user=None,
        )
    return family


@pytest.fixture
def three_teams_families(alice, bob, charlie) -> None:
    FamilyFactory(reference="ALICE-1", team=alice.team, social_worker=alice)
    FamilyFactory(reference="BOB-1", team=bob.team, social_worker=bob)
    FamilyFactory(reference="UNALLOCATED-1", team=alice.team)
    FamilyFactory(reference="CHARLIE-1", team=charlie.team, social_worker=charlie)


# Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        ("alice", "", ["ALICE-1"]),
        ("alice", "?show=mine", ["ALICE-1"]),
        ("alice", "?show=team", ["ALICE-1", "BOB-1", "UNALLOCATED-1"]),
        ("bob", "", ["BOB-1"]),
        ("charlie", "?show=team", ["CHARLIE-1"]),
        ("team_manager", "", ["ALICE-1", "BOB-1", "UNALLOCATED-1"]),
        ("business_support", "", ["ALICE-1", "BOB-1", "UNALLOCATED-1"]),
        ("auditor", "", ["ALICE-1", "BOB-1", "CHARLIE-1", "UNALLOCATED-1"]),
    ],
)
def test_the_caseload_shows_only_the_families_each_user_may_see(
    client_as, three_teams_families, who, query, expected
):
    response = client_as(who).get(CASELOAD + query)

    assert response.status_code == 200
    assert sorted(references(response)) == expected
    assert response.context["counts"]["total"] == len(expected)


def test_a_social_workers_caseload_shows_their_own_families_until_they_ask_for_the_team(
    client_as, three_teams_families
):
    page = client_as("alice").get(CASELOAD).content.decode()

    assert "ALICE-1" in page
    assert "BOB-1" not in page
    assert "CHARLIE-1" not in page


def test_a_partner_specialist_is_refused_the_councils_caseload(client_as, three_teams_families):
    response = client_as("partner_specialist").get(CASELOAD + "?show=team")

    assert response.status_code == 403
    assert "ALICE-1" not in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(client_as, three_teams_families):
    response = client_as("anonymous").get(CASELOAD)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_closed_families_are_left_off_the_caseload(client_as, alice):
    FamilyFactory(reference="OPEN-1", team=alice.team, social_worker=alice)
    FamilyFactory(
        reference="CLOSED-1",
        team=alice.team,
        social_worker=alice,
        closed_on=timezone.localdate(),
    )

    response = client_as("alice").get(CASELOAD + "?show=team")

    assert references(response) == ["OPEN-1"]
    assert "CLOSED-1" not in response.content.decode()


# Filters ----------------------------------------------------------------------------------


def test_the_team_filter_narrows_an_auditors_caseload_to_one_team(client_as, alice, charlie):
    FamilyFactory(reference="WEST-1", team=alice.team)
    FamilyFactory(reference="CHESIL-1", team=charlie.team)

    response = client_as("auditor").get(CASELOAD, {"team": charlie.team.pk})

    assert references(response) == ["CHESIL-1"]


def test_the_team_filter_offers_only_teams_the_user_can_see(client_as, alice, charlie):
    FamilyFactory(reference="WEST-1", team=alice.team)
    FamilyFactory(reference="CHESIL-1", team=charlie.team)

    response = client_as("alice").get(CASELOAD, {"show": "team", "team": charlie.team.pk})

    assert list(response.context["form"].fields["team"].queryset) == [alice.team]
    # An unknown team is refused by the form, so nothing outside alice's scope appears.
    assert "CHESIL-1" not in response.content.decode()


def test_the_level_filter_matches_the_highest_current_status_among_the_children(client_as, alice):
    with_child_at(
        FamilyFactory(reference="CP-AND-CIN", team=alice.team, social_worker=alice),
        LegalStatus.CIN,
        LegalStatus.CP,
    )
    with_child_at(
        FamilyFactory(reference="EARLY-HELP", team=alice.team, social_worker=alice),
        LegalStatus.EARLY_HELP,
    )
    FamilyFactory(reference="NOT-OPEN", team=alice.team, social_worker=alice)

    child_protection = client_as("alice").get(CASELOAD, {"level": 3})
    child_in_need = client_as("alice").get(CASELOAD, {"level": 2})
    not_open = client_as("alice").get(CASELOAD, {"level": 0})

    assert references(child_protection) == ["CP-AND-CIN"]
    assert references(child_in_need) == []
    assert references(not_open) == ["NOT-OPEN"]


def test_the_no_contact_filter_keeps_families_not_seen_for_that_long_or_never(client_as, alice):
    recent = FamilyFactory(reference="SEEN-5-DAYS", team=alice.team, social_worker=alice)
    overdue = FamilyFactory(reference="SEEN-15-DAYS", team=alice.team, social_worker=alice)
    FamilyFactory(reference="NEVER-SEEN", team=alice.team, social_worker=alice)
    contacted(recent, days_ago=5, by=alice)
    contacted(overdue, days_ago=15, by=alice)
    contacted(overdue, days_ago=40, by=alice)

    response = client_as("alice").get(CASELOAD, {"no_contact_for_days": 10})

    assert references(response) == ["NEVER-SEEN", "SEEN-15-DAYS"]


def test_families_never_contacted_come_first_then_the_longest_since_last_contact(client_as, alice):
    for reference, days_ago in [("FAM-A", 3), ("FAM-B", 30), ("FAM-C", 12)]:
        family = FamilyFactory(reference=reference, team=alice.team, social_worker=alice)
        contacted(family, days_ago=days_ago, by=alice)
        contacted(family, days_ago=days_ago + 60, by=alice)  # older contacts do not count
    FamilyFactory(reference="FAM-Z-NEVER", team=alice.team, social_worker=alice)

    response = client_as("alice").get(CASELOAD)

    assert references(response) == ["FAM-Z-NEVER", "FAM-B", "FAM-C", "FAM-A"]
    assert "No contact recorded" in response.content.decode()


def test_the_caseload_counts_families_by_their_highest_child_status(client_as, alice):
    for number in range(2):
        with_child_at(
            FamilyFactory(reference=f"CP-{number}", team=alice.team, social_worker=alice),
            LegalStatus.CP,
        )
    with_child_at(
        FamilyFactory(reference="CIN-1", team=alice.team, social_worker=alice), LegalStatus.CIN
    )
    FamilyFactory(reference="NOT-OPEN", team=alice.team, social_worker=alice)

    response = client_as("alice").get(CASELOAD)

    assert response.context["counts"] == {
        "total": 4,
        "by_level": [
            {"level": 3, "label": "Child protection", "families": 2},
            {"level": 2, "label": "Child in need", "families": 1},
            {"level": 0, "label": "Not open", "families": 1},
        ],
    }
    page = response.content.decode()
    assert "4 families" in page
    assert "Child protection <strong>2</strong>" in page


def test_each_row_shows_the_highest_status_and_the_number_of_children(client_as, alice):
    with_child_at(
        FamilyFactory(reference="FAM-1", team=alice.team, social_worker=alice),
        LegalStatus.CIN,
        LegalStatus.LOOKED_AFTER,
    )

    [family] = client_as("alice").get(CASELOAD).context["families"]

    assert (family.level_label, family.children_count) == ("Looked after", 2)


def test_each_row_names_the_family_by_its_children_with_the_reference_beside(client_as, alice):
    family = FamilyFactory(reference="DEMO-0042", team=alice.team, social_worker=alice)
    PersonFactory(
        family=family,
        given_name="Darius",
        family_name="Wellstead",
        date_of_birth=datetime.date(2016, 3, 1),
    )
    PersonFactory(
        family=family,
        given_name="Riley",
        family_name="Wellstead",
        date_of_birth=datetime.date(2020, 5, 9),
    )

    page = client_as("alice").get(CASELOAD).content.decode()

    assert "Wellstead — Darius, Riley</a>" in page
    assert "DEMO-0042" in page


def test_the_caseload_export_has_each_familys_display_name(client_as, alice):
    family = FamilyFactory(reference="DEMO-0042", team=alice.team, social_worker=alice)
    PersonFactory(family=family, given_name="Darius", family_name="Wellstead")

    response = client_as("alice").get(reverse("families:caseload_export"))
    header, row = (
        b"".join(response.streaming_content if response.streaming else [response.content])
        .decode("utf-8-sig")
        .splitlines()
    )

    assert header.startswith("reference,family,")
    assert row.startswith("DEMO-0042,Wellstead — Darius,")


# Queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("families", [10, 200])
def test_the_caseload_query_count_does_not_grow_with_families(
    client_as, alice, bob, django_assert_max_num_queries, families
):
    households = []
    for number in range(families):
        family = FamilyFactory(team=alice.team, social_worker=alice if number % 2 else bob)
        with_child_at(family, LegalStatus.CIN)
        contacted(family, days_ago=number % 40, by=alice)
        households.append(family)
    # A child and a father in each pair of neighbouring households.
    for here, there in zip(households, households[1:], strict=False):
        child = PersonFactory(family=here)
        father = PersonFactory(family=here, role=Membership.Role.FATHER)
        Membership.objects.create(person=child, family=there, role=Membership.Role.CHILD)
        Membership.objects.create(person=father, family=there, role=Membership.Role.FATHER)
    alice_client = client_as("alice")

    # Session, user, the families with their level, last contact and children count as
    # subqueries (one query), the counts by level (one), their display names (one), the
    # user's team for the header, the team filter's options, the session's sliding-expiry
    # save (3 statements), and one insert auditing every family shown (SQLite splits it into
    # batches): the same ceiling at 10 and 200 families, with people in two households.
    with django_assert_max_num_queries(11 + extra_audit_batches(families)):
        assert alice_client.get(CASELOAD).status_code == 200
    with django_assert_max_num_queries(11 + extra_audit_batches(families)):
        assert alice_client.get(CASELOAD + "?show=team").status_code == 200
