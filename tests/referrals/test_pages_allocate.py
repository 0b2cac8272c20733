"""The pathway manager allocates a waiting referral to one of the pathway's practitioners.

Capacity is the practitioner's FTE times the pathway's cases per full-time post. At or over
it the page warns and allocates only once the manager ticks "allocate even though".
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from families.models import Membership
from referrals.models import Pathway, Referral
from referrals.services import referral_create

from ..factories import FamilyFactory, PersonFactory
from .conftest import REFERRED, page_text

pytestmark = pytest.mark.django_db

ACCEPT_BOX = 'name="accept_over_capacity"'


def allocate(referral: Referral) -> str:
    return reverse("referrals:allocate", args=[referral.pk])


@pytest.fixture
def waiting(alice, alices_family, father, child_on_cp) -> Referral:
    """Dean's DMT referral, waiting for allocation."""
    return referral_create(
        person=father,
        family=alices_family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=REFERRED,
        acting_user=alice,
    )


def give_open_cases(practitioner, pathway: Pathway, count: int) -> None:
    """`count` open referrals of other fathers allocated to `practitioner`, and one closed
    (which does not count against capacity)."""
    for number in range(count + 1):
        family = FamilyFactory(opened_on=datetime.date(2024, 1, 1))
        dad = PersonFactory(family=family, role=Membership.Role.FATHER)
        Referral.objects.create(
            reference=f"LOAD-{number}",
            person=dad,
            family=family,
            pathway=pathway,
            referred_on=REFERRED,
            practitioner=practitioner,
            allocated_on=REFERRED,
            closed_on=REFERRED if number == count else None,
        )


def a_small_post(practitioner, open_cases: int, pathway: Pathway) -> None:
    """A 0.2 FTE post: 0.2 x 15 = 3 places."""
    practitioner.fte = Decimal("0.20")
    practitioner.save(update_fields=["fte"])
    give_open_cases(practitioner, pathway, open_cases)


def test_the_pathway_manager_allocates_under_capacity(
    client_as, waiting, practitioner, pathway_manager, dmt_pathway
):
    a_small_post(practitioner, 2, dmt_pathway)
    client = client_as("pathway_manager")
    page = client.get(allocate(waiting))
    assert page.status_code == 200
    assert ACCEPT_BOX not in page_text(page)
    assert "Dan Keyworker (2 open of 3)" in page_text(page)

    response = client.post(
        allocate(waiting),
        {"practitioner": practitioner.pk, "allocated_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    assert response.url == reverse("referrals:pathway", args=["dmt"])
    waiting.refresh_from_db()
    assert (waiting.practitioner, waiting.allocated_on, waiting.stage.code) == (
        practitioner,
        timezone.localdate(),
        "allocated",
    )
    assert waiting.next_review_on == timezone.localdate() + datetime.timedelta(weeks=12)
    event = AuditEvent.objects.get(action="update", object_type="referrals.referral")
    assert event.actor == pathway_manager
    assert event.detail == {"practitioner": "dan", "over_capacity": False}


def test_at_capacity_the_page_warns_and_allocates_nothing(
    client_as, waiting, practitioner, dmt_pathway
):
    a_small_post(practitioner, 3, dmt_pathway)

    response = client_as("pathway_manager").post(
        allocate(waiting),
        {"practitioner": practitioner.pk, "allocated_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "Dan Keyworker holds 3 open cases, at or over their capacity of 3." in text
    assert ACCEPT_BOX in text
    assert "Allocate even though they are at or over capacity" in text
    waiting.refresh_from_db()
    assert (waiting.practitioner, waiting.allocated_on) == (None, None)
    assert not AuditEvent.objects.filter(action="update").exists()


def test_at_capacity_with_the_box_ticked_it_allocates(
    client_as, waiting, practitioner, pathway_manager, dmt_pathway
):
    a_small_post(practitioner, 4, dmt_pathway)

    response = client_as("pathway_manager").post(
        allocate(waiting),
        {
            "practitioner": practitioner.pk,
            "allocated_on": timezone.localdate().isoformat(),
            "accept_over_capacity": "on",
        },
    )

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.practitioner == practitioner
    event = AuditEvent.objects.get(action="update", object_type="referrals.referral")
    assert (event.actor, event.detail["over_capacity"]) == (pathway_manager, True)


def test_allocation_before_the_referral_is_refused(client_as, waiting, practitioner):
    response = client_as("pathway_manager").post(
        allocate(waiting), {"practitioner": practitioner.pk, "allocated_on": "2024-04-30"}
    )

    assert "Allocation cannot be before the referral, 1 May 2024." in page_text(response)
    waiting.refresh_from_db()
    assert waiting.practitioner is None


def test_only_the_pathways_practitioners_are_offered(
    client_as, waiting, practitioner, other_specialist
):
    response = client_as("pathway_manager").post(
        allocate(waiting),
        {"practitioner": other_specialist.pk, "allocated_on": timezone.localdate().isoformat()},
    )

    assert "There is a problem" in page_text(response)
    assert other_specialist not in response.context["form"].fields["practitioner"].queryset
    waiting.refresh_from_db()
    assert waiting.practitioner is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("practitioner", 403),
        ("dmt_colleague", 403),
        ("other_specialist", 403),
        ("alice", 403),
        ("bob", 403),
        ("charlie", 403),
    ],
)
def test_only_a_manager_allocates(client_as, waiting, practitioner, who, status):
    client = client_as(who)
    posted = {"practitioner": practitioner.pk, "allocated_on": timezone.localdate().isoformat()}

    assert client.get(allocate(waiting)).status_code == status
    assert client.post(allocate(waiting), posted).status_code == status

    waiting.refresh_from_db()
    assert waiting.practitioner is None


def test_a_manager_of_another_pathway_does_not_find_the_referral(
    client_for, make_user, waiting, practitioner
):
    substance_lead = make_user(
        Role.SPECIALIST, username="sue", pathway="substance_use", leads_pathway=True
    )

    response = client_for(substance_lead).post(
        allocate(waiting),
        {"practitioner": practitioner.pk, "allocated_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.practitioner is None


def test_a_service_manager_allocates_in_their_own_locality(
    client_for, make_user, alice, waiting, practitioner
):
    manager = make_user(Role.SERVICE_MANAGER, username="sian", locality=alice.team.locality)

    response = client_for(manager).post(
        allocate(waiting),
        {"practitioner": practitioner.pk, "allocated_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.practitioner == practitioner


def test_a_service_manager_of_another_locality_may_not(
    client_for, make_user, other_team, waiting, practitioner
):
    manager = make_user(Role.SERVICE_MANAGER, username="owen", locality=other_team.locality)
    client = client_for(manager)
    posted = {"practitioner": practitioner.pk, "allocated_on": timezone.localdate().isoformat()}

    assert client.get(allocate(waiting)).status_code == 403
    assert client.post(allocate(waiting), posted).status_code == 403

    waiting.refresh_from_db()
    assert waiting.practitioner is None
    assert not AuditEvent.objects.filter(actor=manager, action="view").exists()


def test_the_waiting_list_links_to_allocation_and_shows_capacity(
    client_as, waiting, practitioner, dmt_pathway
):
    a_small_post(practitioner, 3, dmt_pathway)

    response = client_as("pathway_manager").get(reverse("referrals:pathway", args=["dmt"]))

    text = page_text(response)
    assert allocate(waiting) in text
    rows = {row.username: row for row in response.context["practitioners"]}
    assert set(rows) == {"dan", "dora", "lena"}
    assert (rows["dan"].capacity, rows["dan"].open_cases, rows["dan"].free) == (3, 3, 0)
    assert (rows["dora"].capacity, rows["dora"].open_cases, rows["dora"].free) == (15, 0, 15)
    assert [referral.pk for referral in response.context["waiting"]] == [waiting.pk]
    assert "Full" in text


@pytest.mark.parametrize("who", ["practitioner", "alice", "other_specialist"])
def test_only_managers_open_the_waiting_list(client_as, waiting, who):
    assert client_as(who).get(reverse("referrals:pathway", args=["dmt"])).status_code == 403
    assert client_as(who).get(reverse("referrals:pathways")).status_code == 403
