import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import (
    ChronologyEntry,
    ClosureRequest,
    Contact,
    ContactKind,
    Family,
    FatherInclusion,
    LegalStatus,
    Membership,
    Plan,
    PlanAction,
    StatusEpisode,
)
from families.services import contact_record

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def detail(family: Family) -> str:
    return reverse("families:detail", args=[family.pk])


def chronology(family: Family) -> str:
    return reverse("families:chronology", args=[family.pk])


def without_csrf_token(response) -> str:
    """The page, less the sign-out form's token, which is masked afresh for every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


# Who may open the page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("bob", 200),
        ("team_manager", 200),
        ("business_support", 200),
        ("auditor", 200),
        ("charlie", 404),
        ("partner_specialist", 404),
    ],
)
def test_who_may_open_the_family_page(client_as, alices_family, who, status):
    assert client_as(who).get(detail(alices_family)).status_code == status


def test_an_outsider_gets_the_same_404_as_for_a_family_that_does_not_exist(
    client_as, alices_family
):
    charlie = client_as("charlie")

    hidden = charlie.get(detail(alices_family))
    missing = charlie.get(reverse("families:detail", args=[alices_family.pk + 1000]))

    assert hidden.status_code == missing.status_code == 404
    assert without_csrf_token(hidden) == without_csrf_token(missing)
    assert not AuditEvent.objects.filter(object_type="families.family").exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client_as, alices_family):
    response = client_as("anonymous").get(detail(alices_family))

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={detail(alices_family)}"


@pytest.mark.parametrize(
    ("who", "can_record"),
    [
        ("alice", True),
        ("bob", True),
        ("team_manager", True),
        ("business_support", False),
        ("auditor", False),
    ],
)
def test_only_the_team_is_offered_recording_on_the_family_page(
    client_as, alices_family, who, can_record
):
    response = client_as(who).get(detail(alices_family))

    assert response.context["can_record"] is can_record
    assert ("Record a contact" in response.content.decode()) is can_record


def test_a_closed_family_offers_no_recording(client_as, alice):
    closed = FamilyFactory(
        team=alice.team, social_worker=alice, closed_on=timezone.localdate(), closure_reason="Done"
    )

    response = client_as("alice").get(detail(closed))

    assert response.context["can_record"] is False
    assert "Closed on" in response.content.decode()


# Audit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "auditor"])
def test_opening_the_family_page_is_audited_against_the_reader(
    client_as, alices_family, request, who
):
    client_as(who).get(detail(alices_family))

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        AuditEvent.Action.VIEW,
        request.getfixturevalue(who),
        "families.family",
        str(alices_family.pk),
    )
    assert event.object_reference == "ALICE-1"
    assert event.request_id


# What the page shows ----------------------------------------------------------------------


def test_the_page_shows_children_with_their_status_and_father_and_the_adults(
    client_as, alices_family
):
    dad = PersonFactory(
        family=alices_family, role=Membership.Role.FATHER, given_name="Dan", phone="07700 900123"
    )
    amy = PersonFactory(family=alices_family, given_name="Amy", father=dad)
    StatusEpisode.objects.create(
        child=amy, status=LegalStatus.CIN, start_date=datetime.date(2024, 1, 5)
    )

    page = client_as("alice").get(detail(alices_family)).content.decode()

    assert "Amy Testfamily" in page
    assert "Child in need" in page
    assert "Dan Testfamily" in page
    assert "07700 900123" in page


def test_the_page_and_its_title_name_the_family_by_its_children(client_as, alices_family):
    PersonFactory(
        family=alices_family,
        given_name="Darius",
        family_name="Wellstead",
        date_of_birth=datetime.date(2016, 3, 1),
    )
    PersonFactory(
        family=alices_family,
        given_name="Riley",
        family_name="Wellstead",
        date_of_birth=datetime.date(2020, 5, 9),
    )
    alice = client_as("alice")

    page = alice.get(detail(alices_family)).content.decode()
    chronology_page = alice.get(chronology(alices_family)).content.decode()

    reference = alices_family.reference
    assert f"<title>Wellstead — Darius, Riley ({reference})" in page
    assert '<h1 class="govuk-heading-l">Wellstead — Darius, Riley' in page
    assert f"Chronology for Wellstead — Darius, Riley ({reference})" in chronology_page
    assert "Back to Wellstead — Darius, Riley</a>" in chronology_page


def test_a_child_without_a_named_father_prompts_the_worker(client_as, alices_family):
    PersonFactory(family=alices_family, given_name="Amy")

    assert (
        "Father not named for Amy" in client_as("alice").get(detail(alices_family)).content.decode()
    )


def test_restricted_contact_details_are_shown_to_the_team_marked_restricted(
    client_as, alices_family
):
    PersonFactory(
        family=alices_family,
        role=Membership.Role.MOTHER,
        given_name="Mia",
        address="1 Safe Street",
        contact_restricted=True,
    )

    response = client_as("alice").get(detail(alices_family))

    [mia] = response.context["adults"]
    assert mia.details_visible is True
    assert "1 Safe Street" in response.content.decode()
    assert "govuk-tag--orange" in response.content.decode()


def test_the_timeline_shows_the_newest_contact_first_with_who_was_seen(
    client_as, alice, alices_family
):
    amy = PersonFactory(family=alices_family, given_name="Amy")
    for days_ago, note in [(5, "Older visit."), (1, "Newer visit.")]:
        contact_record(
            family=alices_family,
            occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
            kind=ContactKind.HOME_VISIT,
            note=note,
            people_seen=[amy],
            acting_user=alice,
        )

    page = client_as("alice").get(detail(alices_family)).content.decode()

    assert page.index("Seen: Amy. Newer visit.") < page.index("Seen: Amy. Older visit.")
    assert "by Alice Worker" in page


# The chronology ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("bob", 200),
        ("team_manager", 200),
        ("business_support", 200),
        ("auditor", 200),
        ("charlie", 404),
        ("partner_specialist", 404),
    ],
)
def test_who_may_read_the_chronology(client_as, alices_family, who, status):
    assert client_as(who).get(chronology(alices_family)).status_code == status


def test_reading_the_chronology_is_audited(client_as, auditor, alices_family):
    client_as("auditor").get(chronology(alices_family))

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.action, event.actor, event.object_id, event.detail) == (
        AuditEvent.Action.VIEW,
        auditor,
        str(alices_family.pk),
        {"page": "families:chronology"},
    )


def test_a_colleague_adds_an_event_to_the_chronology(client_as, bob, alices_family):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client_as("bob").post(
        chronology(alices_family),
        {"occurred_on": yesterday.isoformat(), "summary": "Mother moved to a refuge."},
    )

    assert response.status_code == 302
    entry = ChronologyEntry.objects.get()
    assert (entry.family, entry.occurred_on, entry.summary, entry.recorded_by) == (
        alices_family,
        yesterday,
        "Mother moved to a refuge.",
        bob,
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, actor=bob, object_type="families.chronologyentry"
    ).exists()


@pytest.mark.parametrize(
    ("who", "status"), [("auditor", 403), ("business_support", 403), ("charlie", 404)]
)
def test_readers_and_outsiders_cannot_add_to_the_chronology(client_as, alices_family, who, status):
    response = client_as(who).post(
        chronology(alices_family),
        {"occurred_on": timezone.localdate().isoformat(), "summary": "Should not be kept."},
    )

    assert response.status_code == status
    assert not ChronologyEntry.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).exists()


def test_a_chronology_event_in_the_future_is_refused(client_as, alices_family):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client_as("alice").post(
        chronology(alices_family), {"occurred_on": tomorrow.isoformat(), "summary": "Later."}
    )

    assert response.status_code == 200
    assert "The date must be today or in the past" in response.content.decode()
    assert not ChronologyEntry.objects.exists()


# Queries ----------------------------------------------------------------------------------


def a_busy_family(alice, size: int) -> Family:
    """A family with `size` contacts, and a tenth as many children (each with three status
    episodes, a father, a plan and two actions) and adults. Everyone also lives in a second
    household, and as many again have left."""
    family = FamilyFactory(team=alice.team, social_worker=alice)
    opened = family.opened_on
    people = max(1, size // 10)
    fathers = [
        PersonFactory(family=family, role=Membership.Role.FATHER, phone="07700 900000")
        for _ in range(people)
    ]
    mothers = [
        PersonFactory(family=family, role=Membership.Role.MOTHER, contact_restricted=True)
        for _ in range(people)
    ]
    children = [PersonFactory(family=family, father=father) for father in fathers]
    for person, role in [
        *((father, Membership.Role.FATHER) for father in fathers),
        *((mother, Membership.Role.MOTHER) for mother in mothers),
        *((child, Membership.Role.CHILD) for child in children),
    ]:
        Membership.objects.create(person=person, family=FamilyFactory(team=alice.team), role=role)
    for _ in range(people):
        PersonFactory(
            family=family, role=Membership.Role.OTHER_ADULT, joined_on=opened
        ).memberships.update(left_on=opened + datetime.timedelta(days=5))
    for child in children:
        StatusEpisode.objects.bulk_create(
            [
                StatusEpisode(
                    child=child,
                    status=LegalStatus.EARLY_HELP,
                    start_date=opened,
                    end_date=opened + datetime.timedelta(days=9),
                ),
                StatusEpisode(
                    child=child,
                    status=LegalStatus.CIN,
                    start_date=opened + datetime.timedelta(days=10),
                    end_date=opened + datetime.timedelta(days=19),
                ),
                StatusEpisode(
                    child=child,
                    status=LegalStatus.CP,
                    start_date=opened + datetime.timedelta(days=20),
                ),
            ]
        )
        FatherInclusion.objects.create(child=child, invited_to_initial_conference=True)
        plan = Plan.objects.create(child=child, kind=LegalStatus.CP, started_on=opened)
        PlanAction.objects.create(
            plan=plan, description="Attend the course", owner_person=mothers[0], due_on=opened
        )
        PlanAction.objects.create(
            plan=plan, description="Visit weekly", owner_worker=alice, due_on=opened
        )
    contacts = Contact.objects.bulk_create(
        Contact(
            family=family,
            occurred_at=timezone.now() - datetime.timedelta(hours=number + 1),
            kind=ContactKind.HOME_VISIT,
            note=f"Visit {number}.",
            recorded_by=alice,
        )
        for number in range(size)
    )
    seen = Contact.people_seen.through
    alone = Contact.children_seen_alone.through
    seen.objects.bulk_create(
        seen(contact_id=contact.pk, person_id=person.pk)
        for contact in contacts
        for person in (children[0], mothers[0])
    )
    alone.objects.bulk_create(
        alone(contact_id=contact.pk, person_id=children[0].pk) for contact in contacts
    )
    ClosureRequest.objects.create(
        family=family, closing_on=timezone.localdate(), reason="other", requested_by=alice
    )
    return family


@pytest.mark.parametrize("size", [10, 200])
def test_the_family_pages_query_count_does_not_grow_with_the_record(
    client_as, alice, django_assert_max_num_queries, size
):
    family = a_busy_family(alice, size)
    alice_client, manager_client = client_as("alice"), client_as("team_manager")

    # Session, user, the family (with locality, team and worker), the view's audit insert,
    # the memberships, current and past (with person and father inclusion), the children's
    # status episodes, everyone's former names, their fathers (parent links), the latest
    # contacts (with recorder), the
    # people seen and the children seen alone, the plans (with child), their actions (with
    # owners), the pending closure, the referrals, the households of the restricted people
    # (families.disclosure), the earlier periods of involvement and the transfers, the
    # user's team for the header, and the session's sliding-expiry save (3 statements): the
    # same ceiling at 10 and 200 contacts, with everyone in two households.
    with django_assert_max_num_queries(22):
        assert alice_client.get(detail(family)).status_code == 200
    # A team manager also gets the team's social workers to allocate to, and the two-factor
    # device their session was verified with.
    with django_assert_max_num_queries(24):
        assert manager_client.get(detail(family)).status_code == 200


# Allocation -------------------------------------------------------------------------------


def allocate(family: Family) -> str:
    return reverse("families:allocate", args=[family.pk])


def test_the_team_manager_allocates_the_family_to_a_colleague(
    client_as, bob, team_manager, alices_family
):
    page = client_as("team_manager").get(detail(alices_family))
    assert set(page.context["team_workers"]) >= {bob}

    response = client_as("team_manager").post(
        allocate(alices_family), {"social_worker": bob.pk}, follow=True
    )

    assert "ALICE-1 is now allocated to Bob Worker." in response.content.decode()
    alices_family.refresh_from_db()
    assert alices_family.social_worker == bob
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, actor=team_manager, object_id=str(alices_family.pk)
    ).exists()


def test_a_family_cannot_be_allocated_to_a_worker_in_another_team(
    client_as, alice, charlie, alices_family
):
    response = client_as("team_manager").post(
        allocate(alices_family), {"social_worker": charlie.pk}, follow=True
    )

    assert "Choose a social worker in the family" in response.content.decode()
    alices_family.refresh_from_db()
    assert alices_family.social_worker == alice


@pytest.mark.parametrize(
    ("who", "status"),
    [("alice", 403), ("bob", 403), ("business_support", 403), ("auditor", 403), ("charlie", 404)],
)
def test_only_the_team_manager_allocates(client_as, alice, bob, alices_family, who, status):
    response = client_as(who).post(allocate(alices_family), {"social_worker": bob.pk})

    assert response.status_code == status
    alices_family.refresh_from_db()
    assert alices_family.social_worker == alice
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()
