import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import Allocation, Family, LegalStatus, Membership, Person, StatusEpisode
from families.selectors import fathers_of

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("families:create")
OPENED = timezone.localdate() - datetime.timedelta(days=7)


def the_form(children: list[dict], adults: list[dict] = (), confirm: bool = False, **case) -> dict:
    """The one-flow form as the browser posts it: the case, then management forms and rows."""
    data = {
        "reference": "NEW-1",
        "opened_on": OPENED.isoformat(),
        "cohort": "DMT pilot 2024-25",
        "child-TOTAL_FORMS": len(children),
        "child-INITIAL_FORMS": 0,
        "adult-TOTAL_FORMS": len(adults),
        "adult-INITIAL_FORMS": 0,
        **case,
    }
    if confirm:
        data["confirm_not_duplicates"] = "on"
    for prefix, rows in (("child", children), ("adult", adults)):
        for number, row in enumerate(rows):
            data.update({f"{prefix}-{number}-{name}": value for name, value in row.items()})
    return data


def child(**fields) -> dict:
    return {
        "given_name": "Amy",
        "family_name": "Ashdown",
        "date_of_birth": "2019-03-03",
        "sex": Person.Sex.FEMALE,
        "status": LegalStatus.CIN,
        **fields,
    }


def adult(role: str, given_name: str, **fields) -> dict:
    return {
        "role": role,
        "given_name": given_name,
        "family_name": "Ashdown",
        "date_of_birth": "1990-01-01",
        "sex": Person.Sex.MALE if role == Membership.Role.FATHER else Person.Sex.FEMALE,
        "phone": "",
        "care_experienced": "",
        "previous_child_removal": "",
        **fields,
    }


FATHER = adult(Membership.Role.FATHER, "Dan", phone="07700 900123")
MOTHER = adult(Membership.Role.MOTHER, "Mia", care_experienced="yes")


def nothing_created() -> None:
    assert not Family.objects.filter(reference="NEW-1").exists()
    assert not Person.objects.filter(memberships__family__reference="NEW-1").exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).exists()


# Who may add a family ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("team_manager", 200),
        ("business_support", 403),
        ("auditor", 403),
        ("partner_specialist", 403),
    ],
)
def test_who_may_open_the_add_a_family_form(client_as, who, status):
    assert client_as(who).get(CREATE).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("business_support", 403), ("auditor", 403), ("partner_specialist", 403), ("anonymous", 302)],
)
def test_readers_and_visitors_cannot_add_a_family(client_as, who, status):
    response = client_as(who).post(CREATE, the_form([child()], [FATHER, MOTHER]))

    assert response.status_code == status
    assert not Family.objects.exists()
    assert not Person.objects.exists()


# The one flow -----------------------------------------------------------------------------


def test_a_social_worker_adds_a_family_with_a_child_a_father_and_a_mother(client_as, alice):
    response = client_as("alice").post(CREATE, the_form([child()], [FATHER, MOTHER]))

    family = Family.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("families:detail", args=[family.pk])
    assert (family.reference, family.team, family.locality, family.social_worker) == (
        "NEW-1",
        alice.team,
        alice.team.locality,
        alice,
    )
    assert (family.opened_on, family.cohort) == (OPENED, "DMT pilot 2024-25")
    assert Allocation.objects.get(family=family).social_worker == alice
    amy = Person.objects.get(memberships__family=family, memberships__role=Membership.Role.CHILD)
    dan = Person.objects.get(memberships__family=family, memberships__role=Membership.Role.FATHER)
    mia = Person.objects.get(memberships__family=family, memberships__role=Membership.Role.MOTHER)
    assert (amy.full_name, amy.date_of_birth, fathers_of([amy]).get(amy.pk)) == (
        "Amy Ashdown",
        datetime.date(2019, 3, 3),
        dan,
    )
    assert dan.phone == "07700 900123"
    assert mia.care_experienced is True
    assert list(StatusEpisode.objects.filter(child=amy).values_list("status", "start_date")) == [
        (LegalStatus.CIN, OPENED)
    ]
    created = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, actor=alice)
    assert sorted(created.values_list("object_type", flat=True)) == [
        "families.family",
        "families.membership",
        "families.membership",
        "families.membership",
        "families.person",
        "families.person",
        "families.person",
        "families.relationship",
    ]


def test_a_team_managers_new_family_waits_for_allocation(client_as, team_manager):
    client_as("team_manager").post(CREATE, the_form([child()]))

    family = Family.objects.get()
    assert (family.team, family.social_worker) == (team_manager.team, None)
    assert not Allocation.objects.exists()


def test_with_two_fathers_no_father_is_guessed(client_as):
    second = adult(Membership.Role.FATHER_FIGURE, "Sam")

    client_as("alice").post(CREATE, the_form([child()], [FATHER, second]))

    amy = Person.objects.get(memberships__role=Membership.Role.CHILD)
    assert fathers_of([amy]) == {}


def test_empty_rows_are_left_out(client_as):
    blank_child = {"given_name": "", "family_name": "", "date_of_birth": "", "sex": "unknown"}
    blank_adult = {"role": Membership.Role.MOTHER, "given_name": "", "sex": "unknown"}

    response = client_as("alice").post(
        CREATE, the_form([child(), blank_child, blank_child], [MOTHER, blank_adult])
    )

    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_a_family_reference_is_made_when_left_empty(client_as):
    client_as("alice").post(CREATE, the_form([child()], reference=""))

    assert Family.objects.get().reference.startswith("F-")


# Errors -----------------------------------------------------------------------------------


def test_a_family_without_children_is_refused_and_nothing_is_created(client_as):
    response = client_as("alice").post(CREATE, the_form([], [FATHER, MOTHER]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter at least one child" in page
    nothing_created()


def test_a_reference_already_in_use_is_refused(client_as, charlie):
    FamilyFactory(reference="NEW-1", team=charlie.team)

    response = client_as("alice").post(CREATE, the_form([child()]))

    assert response.status_code == 200
    assert "A case with this reference already exists" in response.content.decode()
    assert Family.objects.count() == 1
    assert not Person.objects.exists()


def test_a_child_born_in_the_future_is_refused(client_as):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client_as("alice").post(
        CREATE, the_form([child(date_of_birth=tomorrow.isoformat())])
    )

    assert response.status_code == 200
    assert "There is a problem with child 1" in response.content.decode()
    nothing_created()


# Possible duplicates ----------------------------------------------------------------------


def test_a_possible_duplicate_in_a_visible_family_is_shown_and_nothing_is_created(client_as, bob):
    bobs_family = FamilyFactory(reference="BOB-1", team=bob.team, social_worker=bob)
    PersonFactory(
        family=bobs_family,
        given_name="Amy",
        family_name="Other",
        date_of_birth=datetime.date(2019, 3, 3),
    )

    response = client_as("alice").post(CREATE, the_form([child()], [FATHER]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some of these people may already be recorded." in page
    assert "Amy Other in Other — Amy (BOB-1)" in page
    assert reverse("families:detail", args=[bobs_family.pk]) in page
    assert "Check the possible matches below" in page
    nothing_created()


def test_confirming_they_are_different_people_creates_the_family(client_as, bob):
    PersonFactory(
        family=FamilyFactory(reference="BOB-1", team=bob.team),
        given_name="Amy",
        date_of_birth=datetime.date(2019, 3, 3),
    )

    response = client_as("alice").post(CREATE, the_form([child()], [FATHER], confirm=True))

    assert response.status_code == 302
    assert Family.objects.filter(reference="NEW-1").exists()
    assert Person.objects.filter(memberships__family__reference="NEW-1").count() == 2


def test_a_match_in_a_family_the_user_cannot_see_is_only_counted(client_as, charlie):
    PersonFactory(
        family=FamilyFactory(reference="CHARLIE-SECRET", team=charlie.team),
        given_name="Amy",
        family_name="Hidden",
        date_of_birth=datetime.date(2019, 3, 3),
    )

    response = client_as("alice").post(CREATE, the_form([child()]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 record in a team you cannot see" in page
    assert "CHARLIE-SECRET" not in page
    assert "Hidden" not in page
    [found] = response.context["duplicates"]
    assert (found["matches"], found["hidden"]) == ([], 1)
    nothing_created()


def test_someone_born_on_another_day_is_not_a_possible_duplicate(client_as, bob):
    PersonFactory(
        family=FamilyFactory(team=bob.team),
        given_name="Amy",
        date_of_birth=datetime.date(2019, 3, 4),
    )

    response = client_as("alice").post(CREATE, the_form([child()]))

    assert response.status_code == 302
    assert Family.objects.filter(reference="NEW-1").exists()


def test_a_row_typed_without_a_given_name_is_an_error_not_dropped(client_as):
    response = client_as("alice").post(
        reverse("families:create"),
        the_form([child(), child(given_name="", date_of_birth="2021-05-05", status="cp")]),
    )

    assert response.status_code == 200
    assert "Enter a given name" in response.content.decode()
    nothing_created()


def test_untouched_rows_are_ignored(client_as):
    empty_child = {
        "given_name": "",
        "family_name": "",
        "date_of_birth": "",
        "sex": "unknown",
        "status": "",
    }
    empty_adult = {
        "role": "mother",
        "given_name": "",
        "family_name": "",
        "date_of_birth": "",
        "sex": "unknown",
        "phone": "",
        "care_experienced": "",
        "previous_child_removal": "",
    }

    response = client_as("alice").post(
        reverse("families:create"), the_form([child(), empty_child], [empty_adult])
    )

    assert response.status_code == 302
    assert Person.objects.filter(memberships__family__reference="NEW-1").count() == 1
