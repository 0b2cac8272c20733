"""The pages of a family that grows: adding a person (with the duplicate check), recording
that someone left, naming a child's father from the prompt, a pregnancy and the birth."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import LegalStatus, Membership, Person, Relationship, StatusEpisode
from families.services import child_status_change, pregnancy_record

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def page_of(client, family) -> str:
    return client.get(reverse("families:detail", args=[family.pk])).content.decode()


@pytest.fixture
def mother(alices_family):
    return PersonFactory(
        family=alices_family, role=Membership.Role.MOTHER, given_name="Sara", family_name="Smith"
    )


@pytest.fixture
def amy(alices_family):
    return PersonFactory(
        family=alices_family,
        given_name="Amy",
        family_name="Smith",
        date_of_birth=TODAY - days(1500),
    )


# Adding a person ---------------------------------------------------------------------------


def a_person(**fields) -> dict:
    return {
        "given_name": "Gwen",
        "family_name": "Smith",
        "role": Membership.Role.CARER,
        "sex": "female",
        "date_of_birth": "1960-04-02",
        "expected_on": "",
        "joined_on": TODAY.isoformat(),
        **fields,
    }


def test_the_worker_adds_a_person_and_sees_them_on_the_family_page(client_as, alices_family):
    client = client_as("alice")
    assert "Add a person" in page_of(client, alices_family)
    url = reverse("families:person_add", args=[alices_family.pk])
    assert "Add a person to the family" in client.get(url).content.decode()

    response = client.post(url, a_person())

    assert response.status_code == 302
    html = page_of(client, alices_family)
    assert "Gwen Smith" in html
    assert "Carer" in html


def test_an_unborn_child_can_be_added_with_an_expected_date(client_as, alices_family):
    client = client_as("alice")
    expected = TODAY + days(40)
    client.post(
        reverse("families:person_add", args=[alices_family.pk]),
        a_person(
            given_name="Baby",
            role=Membership.Role.CHILD,
            date_of_birth="",
            expected_on=expected.isoformat(),
        ),
    )
    assert Person.objects.get(given_name="Baby").is_unborn
    assert "Unborn: expected" in page_of(client, alices_family)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"given_name": ""}, "Enter a given name"),
        ({"joined_on": (TODAY + days(1)).isoformat()}, "The date they joined must be today"),
        (
            {"role": "child", "date_of_birth": ""},
            "Enter the child&#x27;s date of birth, or the expected date of delivery",
        ),
        ({"expected_on": (TODAY + days(9)).isoformat()}, "not both"),
    ],
)
def test_bad_input_adds_nobody_and_says_why(client_as, alices_family, fields, message):
    response = client_as("alice").post(
        reverse("families:person_add", args=[alices_family.pk]), a_person(**fields)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert not Membership.objects.filter(family=alices_family).exists()


def test_a_possible_duplicate_is_offered_and_joins_without_a_copy(client_as, alice, alices_family):
    elsewhere = FamilyFactory(reference="ALICE-2", team=alice.team, social_worker=alice)
    gwen = PersonFactory(
        family=elsewhere,
        role=Membership.Role.CARER,
        given_name="Gwen",
        family_name="Smith",
        date_of_birth=datetime.date(1960, 4, 2),
        address="1 Secret Lane",
    )
    client = client_as("alice")
    url = reverse("families:person_add", args=[alices_family.pk])

    response = client.post(url, a_person())

    html = response.content.decode()
    assert "This person may already be recorded" in html
    assert "ALICE-2" in html
    assert "Add this existing person" in html and "No, add a new person" in html
    assert "1 Secret Lane" not in html
    assert not Membership.objects.filter(family=alices_family).exists()

    response = client.post(url, {**a_person(), "existing": str(gwen.pk)})

    assert response.status_code == 302
    assert Person.objects.filter(given_name="Gwen").count() == 1
    assert Membership.objects.get(family=alices_family).person == gwen
    assert "Gwen Smith" in page_of(client, alices_family)


def test_no_add_a_new_person_makes_a_new_record(client_as, alice, alices_family):
    PersonFactory(
        family=FamilyFactory(team=alice.team),
        role=Membership.Role.CARER,
        given_name="Gwen",
        date_of_birth=datetime.date(1960, 4, 2),
    )
    client_as("alice").post(
        reverse("families:person_add", args=[alices_family.pk]),
        {**a_person(), "confirm_new": "1"},
    )
    assert Person.objects.filter(given_name="Gwen").count() == 2


def test_someone_in_a_team_the_worker_cannot_see_is_only_counted(client_as, charlie, alices_family):
    hidden = PersonFactory(
        family=FamilyFactory(reference="CHESIL-1", team=charlie.team),
        role=Membership.Role.CARER,
        given_name="Gwen",
        family_name="Smith",
        date_of_birth=datetime.date(1960, 4, 2),
    )
    client = client_as("alice")
    url = reverse("families:person_add", args=[alices_family.pk])
    html = client.post(url, a_person()).content.decode()
    assert "1 record in a team you cannot see" in html
    assert "CHESIL-1" not in html
    assert "Add this existing person" not in html

    # Nor may the hidden person be added by sending their id.
    response = client.post(url, {**a_person(), "existing": str(hidden.pk)})
    assert "Choose one of the people listed" in response.content.decode()
    assert not Membership.objects.filter(family=alices_family).exists()


@pytest.mark.parametrize("who", ["charlie", "partner_specialist", "business_support", "auditor"])
def test_others_cannot_add_a_person(client_as, alices_family, who):
    response = client_as(who).post(
        reverse("families:person_add", args=[alices_family.pk]), a_person()
    )
    assert response.status_code in (403, 404)
    assert not Person.objects.filter(given_name="Gwen").exists()


# Leaving -----------------------------------------------------------------------------------


def test_the_worker_records_that_someone_left(client_as, alices_family):
    gwen = PersonFactory(
        family=alices_family, role=Membership.Role.CARER, given_name="Gwen", joined_on=TODAY
    )
    client = client_as("alice")
    assert "Record that Gwen left" in page_of(client, alices_family)
    url = reverse("families:member_leave", args=[alices_family.pk, gwen.pk])
    response = client.post(url, {"version": gwen.membership.version, "left_on": TODAY})

    assert response.status_code == 302
    html = page_of(client, alices_family)
    assert "People who have left the family" in html
    assert "Record that Gwen left" not in html


@pytest.mark.parametrize(
    ("left_on", "message"),
    [(TODAY - days(11), "on or after they joined"), (TODAY + days(1), "cannot be in the future")],
)
def test_a_leaving_date_before_joining_or_in_the_future_is_refused(
    client_as, alices_family, left_on, message
):
    gwen = PersonFactory(
        family=alices_family,
        role=Membership.Role.CARER,
        given_name="Gwen",
        joined_on=TODAY - days(10),
    )
    response = client_as("alice").post(
        reverse("families:member_leave", args=[alices_family.pk, gwen.pk]),
        {"version": gwen.membership.version, "left_on": left_on},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Membership.objects.get(person=gwen).left_on is None


def test_leaving_from_an_older_version_is_a_conflict(client_as, alices_family):
    gwen = PersonFactory(family=alices_family, role=Membership.Role.CARER, given_name="Gwen")
    client = client_as("alice")
    response = client.post(
        reverse("families:member_leave", args=[alices_family.pk, gwen.pk]),
        {"version": gwen.membership.version + 5, "left_on": TODAY},
        follow=True,
    )
    assert "Someone changed Gwen" in response.content.decode()
    assert Membership.objects.get(person=gwen).left_on is None


@pytest.mark.parametrize("who", ["charlie", "partner_specialist", "auditor"])
def test_others_cannot_record_a_leaving(client_as, alices_family, who):
    gwen = PersonFactory(family=alices_family, role=Membership.Role.CARER, given_name="Gwen")
    response = client_as(who).post(
        reverse("families:member_leave", args=[alices_family.pk, gwen.pk]),
        {"version": gwen.membership.version, "left_on": TODAY},
    )
    assert response.status_code in (403, 404)
    assert Membership.objects.get(person=gwen).left_on is None


# Naming a father ---------------------------------------------------------------------------


def a_father(**fields) -> dict:
    return {
        "father": "new",
        "given_name": "Dev",
        "family_name": "Patel",
        "date_of_birth": "1990-01-01",
        "parent_type": "birth",
        "role": "father",
        "joined_on": "",
        "q": "",
        **fields,
    }


def test_the_prompt_leads_to_adding_a_new_father_and_goes(client_as, alices_family, amy):
    client = client_as("alice")
    html = page_of(client, alices_family)
    assert "Father not named for Amy" in html
    assert "Add Amy's father" in html
    url = reverse("families:father_add", args=[alices_family.pk, amy.pk])
    assert "Add Amy's father" in client.get(url).content.decode()

    response = client.post(url, a_father())

    assert response.status_code == 302
    html = page_of(client, alices_family)
    assert "Father not named for Amy" not in html
    assert "Dev Patel" in html


def test_a_father_already_in_the_family_is_chosen(client_as, alices_family, amy):
    dad = PersonFactory(family=alices_family, role=Membership.Role.FATHER_FIGURE, given_name="Jo")
    client = client_as("alice")
    url = reverse("families:father_add", args=[alices_family.pk, amy.pk])
    assert "Jo Testfamily (father figure here)" in client.get(url).content.decode()

    client.post(url, a_father(father=str(dad.pk), parent_type="step", given_name=""))

    link = Relationship.objects.get(person=dad, relative=amy)
    assert link.parent_type == "step"
    assert "Father not named for Amy" not in page_of(client, alices_family)


def test_a_father_found_by_search_joins_the_family(client_as, alice, alices_family, amy):
    dev = PersonFactory(
        family=FamilyFactory(reference="ALICE-3", team=alice.team),
        role=Membership.Role.FATHER,
        given_name="Dev",
        family_name="Patel",
    )
    client = client_as("alice")
    url = reverse("families:father_add", args=[alices_family.pk, amy.pk])
    html = client.get(url, {"q": "Patel"}).content.decode()
    assert "Dev Patel (recorded in ALICE-3)" in html

    client.post(url, a_father(father=str(dev.pk), q="Patel", parent_type="adoptive"))

    assert Relationship.objects.get(person=dev, relative=amy).parent_type == "adoptive"
    assert Membership.objects.get(person=dev, family=alices_family).role == "father"
    assert Person.objects.filter(given_name="Dev").count() == 1
    assert "Father not named for Amy" not in page_of(client, alices_family)


def test_a_new_father_who_may_be_recorded_is_offered(client_as, alice, alices_family, amy):
    dev = PersonFactory(
        family=FamilyFactory(reference="ALICE-3", team=alice.team),
        role=Membership.Role.FATHER,
        given_name="Dev",
        family_name="Patel",
        date_of_birth=datetime.date(1990, 1, 1),
    )
    client = client_as("alice")
    url = reverse("families:father_add", args=[alices_family.pk, amy.pk])
    html = client.post(url, a_father()).content.decode()
    assert "This person may already be recorded" in html
    assert not Relationship.objects.exists()

    client.post(url, {**a_father(), "existing": str(dev.pk)})

    assert Relationship.objects.get(relative=amy).person == dev
    assert Person.objects.filter(given_name="Dev").count() == 1


def test_a_new_father_needs_a_name(client_as, alices_family, amy):
    response = client_as("alice").post(
        reverse("families:father_add", args=[alices_family.pk, amy.pk]), a_father(given_name="")
    )
    assert "Enter his given name" in response.content.decode()
    assert not Relationship.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "partner_specialist", "auditor"])
def test_others_cannot_name_a_father(client_as, alices_family, amy, who):
    response = client_as(who).post(
        reverse("families:father_add", args=[alices_family.pk, amy.pk]), a_father()
    )
    assert response.status_code in (403, 404)
    assert not Relationship.objects.exists()


# Pregnancy and birth -----------------------------------------------------------------------


def test_a_pregnancy_a_pre_birth_plan_and_the_birth(client_as, alices_family, mother):
    client = client_as("alice")
    expected = TODAY + days(30)
    response = client.post(
        reverse("families:pregnancy_add", args=[alices_family.pk]),
        {"mother": mother.pk, "expected_on": expected.isoformat(), "given_name": ""},
    )
    assert response.status_code == 302
    baby = Person.objects.get(expected_on=expected)
    html = page_of(client, alices_family)
    assert "Baby Smith" in html and "Unborn: expected" in html
    assert "Record the birth" in html

    status_url = reverse("families:child_status", args=[alices_family.pk, baby.pk])
    form = client.get(status_url).content.decode()
    assert "Child protection" in form and "Looked after" not in form
    refused = client.post(status_url, {"status": "looked_after", "start_date": TODAY})
    assert "Select a valid choice" in refused.content.decode()
    client.post(status_url, {"status": "cp", "start_date": TODAY})
    assert StatusEpisode.objects.get(child=baby).status == "cp"

    birth_url = reverse("families:birth_add", args=[alices_family.pk, baby.pk])
    baby.refresh_from_db()
    response = client.post(
        birth_url,
        {
            "version": baby.version,
            "date_of_birth": TODAY.isoformat(),
            "given_name": "Lily",
            "family_name": "Smith",
            "sex": "female",
        },
    )
    assert response.status_code == 302
    born = Person.objects.get(pk=baby.pk)
    assert (born.given_name, born.date_of_birth, born.expected_on) == ("Lily", TODAY, expected)
    html = page_of(client, alices_family)
    assert "Lily Smith" in html and "Unborn: expected" not in html
    assert "Child protection" in html
    assert AuditEvent.objects.filter(object_id=str(baby.pk), detail__kind="birth").exists()


def test_a_birth_out_of_the_window_changes_nothing(client_as, alice, alices_family, mother):
    baby = pregnancy_record(
        family=alices_family, mother=mother, expected_on=TODAY + days(200), acting_user=alice
    )
    response = client_as("alice").post(
        reverse("families:birth_add", args=[alices_family.pk, baby.pk]),
        {
            "version": baby.version,
            "date_of_birth": TODAY.isoformat(),
            "given_name": "Lily",
            "family_name": "Smith",
            "sex": "female",
        },
    )
    assert "no more than 20 weeks before the expected date" in response.content.decode()
    assert Person.objects.get(pk=baby.pk).is_unborn


def test_the_service_refuses_a_post_birth_status_before_birth(alice, alices_family, mother):
    baby = pregnancy_record(
        family=alices_family, mother=mother, expected_on=TODAY + days(30), acting_user=alice
    )
    with pytest.raises(Exception, match="Before birth"):
        child_status_change(
            child=baby,
            family=alices_family,
            status=LegalStatus.LOOKED_AFTER,
            start_date=TODAY,
            acting_user=alice,
        )


def test_a_pregnancy_with_an_expected_date_too_far_says_so(client_as, alices_family, mother):
    response = client_as("alice").post(
        reverse("families:pregnancy_add", args=[alices_family.pk]),
        {"mother": mother.pk, "expected_on": (TODAY + days(400)).isoformat()},
    )
    assert "within 42 weeks" in response.content.decode()
    assert not Person.objects.filter(expected_on__isnull=False).exists()


def test_the_birth_page_of_a_born_child_goes_back(client_as, alices_family, amy):
    response = client_as("alice").get(
        reverse("families:birth_add", args=[alices_family.pk, amy.pk]), follow=True
    )
    assert "Amy&#x27;s birth is already recorded" in response.content.decode()


@pytest.mark.parametrize("who", ["charlie", "partner_specialist", "auditor"])
def test_others_cannot_record_a_pregnancy(client_as, alices_family, mother, who):
    response = client_as(who).post(
        reverse("families:pregnancy_add", args=[alices_family.pk]),
        {"mother": mother.pk, "expected_on": (TODAY + days(30)).isoformat()},
    )
    assert response.status_code in (403, 404)
    assert not Person.objects.filter(expected_on__isnull=False).exists()
