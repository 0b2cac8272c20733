import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from families.models import Membership, Person
from families.selectors import fathers_of

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def edit_url(person: Person) -> str:
    return reverse("families:person_edit", args=[person.membership.family_id, person.pk])


def father_of(child: Person) -> Person | None:
    return fathers_of([child]).get(child.pk)


@pytest.fixture
def dad(alices_family) -> Person:
    return PersonFactory(
        family=alices_family, role=Membership.Role.FATHER, given_name="Dan", family_name="Smith"
    )


@pytest.fixture
def amy(alices_family, dad) -> Person:
    return PersonFactory(
        family=alices_family,
        given_name="Amy",
        family_name="Smith",
        date_of_birth=datetime.date(2019, 3, 3),
        sex=Person.Sex.FEMALE,
        father=dad,
    )


def as_posted(person: Person, **changes) -> dict:
    """The edit form as the browser sends it: the person's saved values plus `changes`."""
    yes_no = {True: "yes", False: "no", None: ""}
    data = {
        "version": person.version,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "disability": person.disability,
        "religion": person.religion,
        "language": person.language,
        "interpreter_needed": yes_no[person.interpreter_needed],
        "address": person.address,
        "phone": person.phone,
        "email": person.email,
    }
    if person.contact_restricted:
        data["contact_restricted"] = "on"
    if person.is_child:
        father = father_of(person)
        data["father"] = father.pk if father else ""
    else:
        data["care_experienced"] = yes_no[person.care_experienced]
        data["previous_child_removal"] = yes_no[person.previous_child_removal]
    return {**data, **changes}


def nothing_saved(person: Person, *, version: int = 1) -> None:
    saved = Person.objects.get(pk=person.pk)
    assert (saved.given_name, saved.version) == (person.given_name, version)


# Who may edit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("bob", 200),
        ("team_manager", 200),
        ("business_support", 403),
        ("auditor", 403),
        ("charlie", 404),
        ("partner_specialist", 404),
    ],
)
def test_who_may_open_a_persons_edit_form(client_as, amy, who, status):
    assert client_as(who).get(edit_url(amy)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("business_support", 403), ("auditor", 403), ("charlie", 404), ("partner_specialist", 404)],
)
def test_readers_and_outsiders_cannot_change_a_person(client_as, amy, who, status):
    response = client_as(who).post(edit_url(amy), as_posted(amy, given_name="Changed"))

    assert response.status_code == status
    nothing_saved(amy)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client_as, amy):
    response = client_as("anonymous").post(edit_url(amy), as_posted(amy, given_name="Changed"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    nothing_saved(amy)


def test_a_person_is_found_only_through_their_own_family(client_as, alices_family, bob):
    bobs_family = FamilyFactory(team=bob.team, social_worker=bob)
    bobs_child = PersonFactory(family=bobs_family)

    url = reverse("families:person_edit", args=[alices_family.pk, bobs_child.pk])

    assert client_as("alice").get(url).status_code == 404


def test_opening_a_persons_record_is_audited(client_as, alice, amy):
    client_as("alice").get(edit_url(amy))

    # The page shows the family's people too, so the family is audited as well as the person.
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.VIEW, object_type="families.family", actor=alice
        ).count()
        == 1
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, object_type="families.person")
    assert (event.actor, event.object_type, event.object_id) == (
        alice,
        "families.person",
        str(amy.pk),
    )


# Saving -----------------------------------------------------------------------------------


def test_a_colleague_saves_a_change_which_is_versioned_and_audited(client_as, bob, amy):
    response = client_as("bob").post(
        edit_url(amy), as_posted(amy, given_name="Amelia", language="Polish")
    )

    assert response.status_code == 302
    assert response.url == reverse("families:detail", args=[amy.membership.family_id])
    amy.refresh_from_db()
    assert (amy.given_name, amy.language, amy.version) == ("Amelia", "Polish", 2)
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert (event.actor, event.object_id) == (bob, str(amy.pk))
    assert sorted(event.detail["fields"]) == ["given_name", "language"]


def test_an_empty_given_name_is_refused_and_nothing_changes(client_as, amy):
    response = client_as("alice").post(edit_url(amy), as_posted(amy, given_name=""))

    assert response.status_code == 200
    assert "Enter a given name" in response.content.decode()
    nothing_saved(amy)


def test_a_father_from_another_family_cannot_be_chosen(client_as, amy, dad, charlie):
    strangers_dad = PersonFactory(
        family=FamilyFactory(team=charlie.team), role=Membership.Role.FATHER
    )

    response = client_as("alice").post(edit_url(amy), as_posted(amy, father=strangers_dad.pk))

    assert response.status_code == 200
    assert "father" in response.context["form"].errors
    amy.refresh_from_db()
    assert (father_of(amy), amy.version) == (dad, 1)


# Two people editing at once ---------------------------------------------------------------


def test_a_second_save_from_an_old_version_shows_both_versions_and_loses_nothing(client_as, amy):
    first, second = client_as("alice"), client_as("bob")
    opened = second.get(edit_url(amy)).context["form"].initial["version"]
    assert opened == 1

    assert first.post(edit_url(amy), as_posted(amy, given_name="Amelia")).status_code == 302
    response = second.post(edit_url(amy), as_posted(amy, given_name="Aimee", version=opened))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone saved changes to this record after you opened it" in page
    assert response.context["conflict"]["clashes"] == [
        {"label": "Given name", "yours": "Aimee", "theirs": "Amelia"}
    ]
    assert "You both changed these" in page
    form = response.context["form"]
    assert form["given_name"].value() == "Aimee"  # bob's text is still in the form
    assert form["version"].value() == 2  # a second save is a deliberate overwrite
    assert Person.objects.get(pk=amy.pk).given_name == "Amelia"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).count() == 1


def test_a_conflict_keeps_the_colleagues_changes_to_fields_you_left_alone(client_as, amy):
    first, second = client_as("alice"), client_as("bob")
    opened_form = second.get(edit_url(amy)).context["form"]
    opened = {"opened": opened_form.initial["opened"]}
    first.post(edit_url(amy), as_posted(amy, given_name="Amelia"))

    response = second.post(edit_url(amy), as_posted(amy, family_name="Smith-Jones", **opened))

    conflict = response.context["conflict"]
    assert conflict == {"clashes": [], "kept": ["Given name"]}
    form = response.context["form"]
    assert form["given_name"].value() == "Amelia"  # alice's change, not reverted
    assert form["family_name"].value() == "Smith-Jones"  # bob's own change, kept
    second.post(
        edit_url(amy),
        as_posted(
            amy,
            given_name="Amelia",
            family_name="Smith-Jones",
            version=2,
            opened=form["opened"].value(),
        ),
    )
    amy.refresh_from_db()
    assert (amy.given_name, amy.family_name, amy.version) == ("Amelia", "Smith-Jones", 3)


def test_a_forged_opened_value_counts_every_field_as_changed(client_as, amy):
    first, second = client_as("alice"), client_as("bob")
    first.post(edit_url(amy), as_posted(amy, given_name="Amelia"))

    response = second.post(edit_url(amy), as_posted(amy, given_name="Aimee", opened="forged"))

    assert response.context["form"]["given_name"].value() == "Aimee"
    assert Person.objects.get(pk=amy.pk).given_name == "Amelia"


def test_saving_again_after_reading_the_other_version_succeeds(client_as, bob, amy):
    first, second = client_as("alice"), client_as("bob")
    first.post(edit_url(amy), as_posted(amy, given_name="Amelia"))
    conflict = second.post(edit_url(amy), as_posted(amy, given_name="Aimee"))

    response = second.post(
        edit_url(amy),
        as_posted(amy, given_name="Aimee", version=conflict.context["form"]["version"].value()),
    )

    assert response.status_code == 302
    amy.refresh_from_db()
    assert (amy.given_name, amy.version) == ("Aimee", 3)


# Restricted contact details ---------------------------------------------------------------


@pytest.fixture
def restricted_mum(alices_family) -> Person:
    return PersonFactory(
        family=alices_family,
        role=Membership.Role.MOTHER,
        address="1 Safe Street",
        phone="07700 900999",
        contact_restricted=True,
    )


def test_the_team_edits_a_restricted_persons_details(client_as, restricted_mum):
    response = client_as("alice").get(edit_url(restricted_mum))

    assert "address" in response.context["form"].fields
    assert "1 Safe Street" in response.content.decode()


def test_renaming_someone_on_the_edit_page_keeps_the_old_name_and_search_finds_it(
    client_as, alices_family, dad
):
    alice = client_as("alice")

    response = alice.post(edit_url(dad), as_posted(dad, family_name="Okafor"))

    assert response.status_code == 302
    dad.refresh_from_db()
    assert dad.full_name == "Dan Okafor"
    edit_page = alice.get(edit_url(dad)).content.decode()
    assert "Previously known as Dan Smith." in edit_page
    search = alice.get(reverse("families:search"), {"q": "Dan Smith"}).content.decode()
    assert "Dan Okafor" in search
    assert "Previously known as Dan Smith" in search
