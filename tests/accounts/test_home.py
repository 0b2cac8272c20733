import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, SpecialistPathway
from families.models import ClosureRequest, LegalStatus, Membership
from families.services import child_status_change, closure_request_create

from ..factories import FamilyFactory, PersonFactory
from ..queries import extra_audit_batches

pytestmark = pytest.mark.django_db


def test_a_social_worker_sees_their_own_caseload_only(client_for, alice, bob, charlie):
    mine = FamilyFactory(reference="ALICE-1", team=alice.team, social_worker=alice)
    FamilyFactory(reference="BOB-1", team=bob.team, social_worker=bob)
    FamilyFactory(reference="CHARLIE-1", team=charlie.team, social_worker=charlie)
    child = PersonFactory(family=mine)
    child_status_change(
        child=child, status=LegalStatus.CP, start_date=mine.opened_on, acting_user=alice
    )

    page = client_for(alice).get(reverse("home")).content.decode()

    assert "ALICE-1" in page
    assert "BOB-1" not in page
    assert "CHARLIE-1" not in page
    assert "1 open family allocated to you" in page


def test_a_social_worker_with_no_cases_sees_an_empty_state(client_for, alice):
    page = client_for(alice).get(reverse("home")).content.decode()

    assert "No families are allocated to you" in page


def test_a_closed_case_leaves_the_caseload(client_for, alice):
    FamilyFactory(
        reference="CLOSED-1", team=alice.team, social_worker=alice, closed_on=timezone.localdate()
    )

    assert "CLOSED-1" not in client_for(alice).get(reverse("home")).content.decode()


def test_a_team_manager_sees_their_team_by_worker_and_not_other_teams(
    client_for, make_user, alice, charlie
):
    manager = make_user(Role.TEAM_MANAGER, team=alice.team)
    FamilyFactory.create_batch(2, team=alice.team, social_worker=alice)
    FamilyFactory(team=alice.team)  # unallocated
    FamilyFactory.create_batch(5, team=charlie.team, social_worker=charlie)

    response = client_for(manager).get(reverse("home"))

    assert response.context["counts"] == {"open_families": 3, "unallocated": 1}
    assert response.context["allocation"] == [
        {"social_worker__first_name": "Alice", "social_worker__last_name": "Worker", "families": 2}
    ]


def test_a_service_manager_with_a_locality_sees_only_it(client_for, make_user, alice, charlie):
    manager = make_user(Role.SERVICE_MANAGER, locality=alice.team.locality)
    family = FamilyFactory(team=alice.team)
    FamilyFactory(team=charlie.team)
    child_status_change(
        child=PersonFactory(family=family),
        status=LegalStatus.CIN,
        start_date=family.opened_on,
        acting_user=None,
    )

    response = client_for(manager).get(reverse("home"))

    assert response.context["counts"]["open_families"] == 1
    assert response.context["children_by_status"] == [{"status": "Child in need", "children": 1}]


def test_a_service_manager_without_a_locality_sees_the_whole_council(
    client_for, make_user, alice, charlie
):
    manager = make_user(Role.SERVICE_MANAGER)
    FamilyFactory(team=alice.team)
    FamilyFactory(team=charlie.team)

    response = client_for(manager).get(reverse("home"))

    assert response.context["counts"]["open_families"] == 2


def test_a_specialist_sees_no_families_until_adults_are_allocated(client_for, make_user, alice):
    dmt_worker = make_user(Role.SPECIALIST, pathway=SpecialistPathway.DMT)
    FamilyFactory(reference="ALICE-1", team=alice.team, social_worker=alice)

    page = client_for(dmt_worker).get(reverse("home")).content.decode()

    assert "ALICE-1" not in page
    assert "No adults are allocated to you" in page


@pytest.mark.parametrize(
    ("role", "pathway", "heading"),
    [
        (Role.SOCIAL_WORKER, "", "Your caseload"),
        (Role.TEAM_MANAGER, "", "SASS West 1"),
        (Role.SERVICE_MANAGER, "", "The whole council"),
        (Role.BUSINESS_SUPPORT, "", "Group supervision"),
        (Role.SPECIALIST, SpecialistPathway.MENTAL_HEALTH, "Mental health"),
        (Role.AUDITOR, "", "Failed sign-ins today"),
        (Role.ADMIN, "", "Active staff by role"),
    ],
)
def test_every_role_has_a_home_page_and_navigation(
    client_for, make_user, team, role, pathway, heading
):
    user = make_user(role, pathway=pathway, team=team)

    response = client_for(user).get(reverse("home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert heading in page
    assert 'aria-current="page"' in page
    assert ("Audit trail" in page) == (role in (Role.AUDITOR, Role.ADMIN))


@pytest.mark.parametrize("families", [10, 200])
def test_the_home_pages_query_count_does_not_grow_with_families(
    client_for, make_user, alice, django_assert_max_num_queries, families
):
    manager = make_user(Role.TEAM_MANAGER, team=alice.team)
    households = FamilyFactory.create_batch(families, team=alice.team, social_worker=alice)
    # A child and a father in each pair of neighbouring households.
    for here, there in zip(households, households[1:], strict=False):
        child = PersonFactory(family=here)
        child_status_change(
            child=child, status=LegalStatus.CIN, start_date=here.opened_on, acting_user=alice
        )
        father = PersonFactory(family=here, role=Membership.Role.FATHER)
        Membership.objects.create(person=child, family=there, role=Membership.Role.CHILD)
        Membership.objects.create(person=father, family=there, role=Membership.Role.FATHER)
    alice_client, manager_client = client_for(alice), client_for(manager)

    # Session, user, the user's team, the page's own reads, the display names of the families
    # listed (one query), their group supervision actions
    # (and, for the manager, this week's meetings and the two-factor device the session was
    # verified with), the session's sliding-expiry save (3 statements), and one insert
    # auditing the families listed (SQLite splits it into batches): the same ceiling at 10
    # and 200 families, with people in two households.
    with django_assert_max_num_queries(10 + extra_audit_batches(families)):
        assert alice_client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(13):
        assert manager_client.get(reverse("home")).status_code == 200


def test_a_child_living_in_two_of_the_teams_families_is_counted_once(client_for, make_user, alice):
    manager = make_user(Role.TEAM_MANAGER, team=alice.team)
    here, there = FamilyFactory.create_batch(2, team=alice.team, social_worker=alice)
    child = PersonFactory(family=here)
    Membership.objects.create(person=child, family=there, role=Membership.Role.CHILD)
    child_status_change(
        child=child,
        family=here,
        status=LegalStatus.CP,
        start_date=here.opened_on,
        acting_user=alice,
    )

    response = client_for(manager).get(reverse("home"))

    assert response.context["children_by_status"] == [{"status": "Child protection", "children": 1}]


def test_home_pages_name_families_by_their_children(client_for, make_user, alice):
    manager = make_user(Role.TEAM_MANAGER, team=alice.team)
    family = FamilyFactory(reference="DEMO-0042", team=alice.team, social_worker=alice)
    PersonFactory(family=family, given_name="Darius", family_name="Wellstead")
    closure_request_create(
        family=family,
        closing_on=timezone.localdate(),
        reason=ClosureRequest.Reason.choices[0][0],
        acting_user=alice,
    )

    worker_page = client_for(alice).get(reverse("home")).content.decode()
    manager_page = client_for(manager).get(reverse("home")).content.decode()

    assert "Wellstead — Darius</a>" in worker_page
    assert "Wellstead — Darius (DEMO-0042)</a>" in manager_page
