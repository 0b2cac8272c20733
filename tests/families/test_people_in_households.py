"""One person, many households: the case pages read people through their memberships.

A family page lists its current members with their role there, a child's father is a parent
relationship (he may live in another household), someone who left is listed as having left,
and a person is reached only through a family they are, or were, a member of.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from families.models import (
    ChronologyEntry,
    Contact,
    ContactKind,
    Family,
    LegalStatus,
    Membership,
    Person,
    PersonName,
    Relationship,
    StatusEpisode,
)
from families.selectors import fathers_of, possible_duplicates_for
from families.services import (
    child_status_change,
    closure_request_create,
    closure_request_decide,
    contact_record,
    membership_add,
    membership_end,
    person_update,
    plan_create,
    relationship_add,
)

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def detail(family: Family) -> str:
    return reverse("families:detail", args=[family.pk])


@pytest.fixture
def bobs_family(bob) -> Family:
    return FamilyFactory(reference="BOB-1", team=bob.team, social_worker=bob)


@pytest.fixture
def dan(alices_family, bobs_family, bob) -> Person:
    """A father in two households: Amy's father in alice's, a father figure in bob's."""
    dan = PersonFactory(
        family=alices_family, role=Membership.Role.FATHER, given_name="Dan", family_name="Reed"
    )
    membership_add(
        person=dan,
        family=bobs_family,
        role=Membership.Role.FATHER_FIGURE,
        joined_on=days_ago(60),
        acting_user=bob,
    )
    return dan


@pytest.fixture
def amy(alices_family, dan) -> Person:
    return PersonFactory(family=alices_family, given_name="Amy", family_name="Reed", father=dan)


@pytest.fixture
def ben(bobs_family) -> Person:
    return PersonFactory(family=bobs_family, given_name="Ben", family_name="Kerr")


def adults_shown(response) -> list[tuple[str, str]]:
    return [(adult.full_name, adult.membership.role) for adult in response.context["adults"]]


# The family page ----------------------------------------------------------------------------


def test_a_father_in_two_households_is_on_both_family_pages_with_his_role_in_each(
    client_as, alices_family, bobs_family, dan, amy, ben
):
    alices_page = client_as("alice").get(detail(alices_family))
    bobs_page = client_as("bob").get(detail(bobs_family))

    assert adults_shown(alices_page) == [("Dan Reed", Membership.Role.FATHER)]
    assert adults_shown(bobs_page) == [("Dan Reed", Membership.Role.FATHER_FIGURE)]
    assert '<td class="govuk-table__cell">Father</td>' in alices_page.content.decode()
    assert '<td class="govuk-table__cell">Father figure</td>' in bobs_page.content.decode()
    # Each page lists its own children only.
    assert [child.given_name for child in alices_page.context["children"]] == ["Amy"]
    assert [child.given_name for child in bobs_page.context["children"]] == ["Ben"]


def test_a_childs_father_found_by_relationship_resolves_father_not_named(
    client_as, alice, bob, alices_family, bobs_family
):
    """Amy's father lives in another household (bob's): once the parent link is recorded,
    alice's page names him and stops prompting."""
    amy = PersonFactory(family=alices_family, given_name="Amy")
    before = client_as("alice").get(detail(alices_family)).content.decode()
    sam = PersonFactory(
        family=bobs_family, role=Membership.Role.FATHER, given_name="Sam", phone="07700 900222"
    )

    relationship_add(
        person=sam,
        relative=amy,
        kind=Relationship.Kind.PARENT,
        parent_type=Relationship.ParentType.BIRTH,
        acting_user=alice,
    )
    after = client_as("alice").get(detail(alices_family))

    assert "Father not named for Amy" in before
    assert after.context["father_prompts"] == []
    assert after.context["children_with_fathers"] == [(amy, sam)]
    assert "Sam Testfamily" in after.content.decode()
    # He is Amy's father, not a member of alice's family.
    assert adults_shown(after) == []


def test_an_ended_parent_link_names_no_father(client_as, alice, alices_family, dan, amy):
    link = Relationship.objects.get(person=dan, relative=amy)
    link.ended_on = days_ago(1)
    link.save(update_fields=["ended_on"])

    page = client_as("alice").get(detail(alices_family))

    assert page.context["father_prompts"] == ["Father not named for Amy"]


def test_someone_who_left_is_listed_as_left_with_the_date_not_as_a_member(
    client_as, alice, alices_family
):
    lodger = PersonFactory(family=alices_family, role=Membership.Role.OTHER_ADULT, given_name="Lee")
    membership_end(
        membership=lodger.membership, left_on=days_ago(3), expected_version=1, acting_user=alice
    )

    response = client_as("alice").get(detail(alices_family))

    assert adults_shown(response) == []
    assert [(p.full_name, p.membership.left_on) for p in response.context["former_members"]] == [
        ("Lee Testfamily", days_ago(3))
    ]
    page = response.content.decode()
    assert '<h2 class="govuk-heading-m">Left</h2>' in page
    assert f'<td class="govuk-table__cell">{days_ago(3):%-d %B %Y}</td>' in page


def test_someone_who_left_and_came_back_is_a_member_again_not_left(client_as, alice, alices_family):
    lee = PersonFactory(family=alices_family, role=Membership.Role.OTHER_ADULT, given_name="Lee")
    membership_end(
        membership=lee.membership, left_on=days_ago(30), expected_version=1, acting_user=alice
    )
    membership_add(
        person=lee,
        family=alices_family,
        role=Membership.Role.OTHER_ADULT,
        joined_on=days_ago(2),
        acting_user=alice,
    )

    response = client_as("alice").get(detail(alices_family))

    assert adults_shown(response) == [("Lee Testfamily", Membership.Role.OTHER_ADULT)]
    assert response.context["former_members"] == []


def test_someone_who_left_cannot_be_recorded_as_seen_there(alice, alices_family):
    lee = PersonFactory(family=alices_family, role=Membership.Role.OTHER_ADULT)
    membership_end(
        membership=lee.membership, left_on=days_ago(3), expected_version=1, acting_user=alice
    )

    with pytest.raises(ValidationError, match="Choose people from this family"):
        contact_record(
            family=alices_family,
            occurred_at=timezone.now(),
            kind=ContactKind.HOME_VISIT,
            note="Visit.",
            people_seen=[lee],
            acting_user=alice,
        )

    assert not Contact.objects.exists()


def test_the_contact_form_offers_the_current_members_only(client_as, alice, alices_family, dan):
    lee = PersonFactory(family=alices_family, role=Membership.Role.OTHER_ADULT, given_name="Lee")
    membership_end(
        membership=lee.membership, left_on=days_ago(3), expected_version=1, acting_user=alice
    )
    PersonFactory(family=alices_family, given_name="Amy")

    form = (
        client_as("alice")
        .get(reverse("families:contact_create", args=[alices_family.pk]))
        .context["form"]
    )

    people_seen = [label for _value, label in form.fields["people_seen"].choices]
    alone = [label for _value, label in form.fields["children_seen_alone"].choices]
    assert people_seen == ["Amy Testfamily (child)", "Dan Reed (father)"]
    assert alone == ["Amy Testfamily (child)"]


# Reaching a person through a family ----------------------------------------------------------


def test_a_person_is_reached_through_each_of_their_families_and_no_other(
    client_as, alices_family, bobs_family, dan
):
    through_alices = reverse("families:person_edit", args=[alices_family.pk, dan.pk])
    through_bobs = reverse("families:person_edit", args=[bobs_family.pk, dan.pk])
    strangers = FamilyFactory(team=bobs_family.team, social_worker=None)
    through_a_stranger = reverse("families:person_edit", args=[strangers.pk, dan.pk])

    assert client_as("alice").get(through_alices).status_code == 200
    assert client_as("bob").get(through_bobs).status_code == 200
    assert client_as("bob").get(through_a_stranger).status_code == 404


def test_a_former_members_record_opens_but_their_child_pages_do_not(
    client_as, alice, alices_family
):
    amy = PersonFactory(family=alices_family, given_name="Amy")
    membership_end(
        membership=amy.membership, left_on=days_ago(3), expected_version=1, acting_user=alice
    )
    client = client_as("alice")

    assert (
        client.get(reverse("families:person_edit", args=[alices_family.pk, amy.pk])).status_code
        == 200
    )
    for name in ("families:child_status", "families:father_inclusion", "families:plan_start"):
        assert client.get(reverse(name, args=[alices_family.pk, amy.pk])).status_code == 404


def test_a_former_members_details_are_put_right_through_the_family_they_left(
    client_as, alice, alices_family
):
    lee = PersonFactory(
        family=alices_family, role=Membership.Role.OTHER_ADULT, given_name="Lee", sex="male"
    )
    membership_end(
        membership=lee.membership, left_on=days_ago(3), expected_version=1, acting_user=alice
    )
    url = reverse("families:person_edit", args=[alices_family.pk, lee.pk])
    posted = {
        "version": 1,
        "given_name": "Leigh",
        "family_name": lee.family_name,
        "sex": "male",
        "disability": "unknown",
    }

    response = client_as("alice").post(url, posted)

    assert response.status_code == 302
    lee.refresh_from_db()
    assert (lee.given_name, lee.version) == ("Leigh", 2)


# Naming a father on the child's record --------------------------------------------------------


def test_choosing_another_father_ends_the_old_link_and_adds_the_new_one(
    alice, alices_family, dan, amy
):
    ray = PersonFactory(family=alices_family, role=Membership.Role.FATHER_FIGURE, given_name="Ray")
    old_link = Relationship.objects.get(person=dan, relative=amy)

    person_update(
        person=amy,
        family=alices_family,
        expected_version=1,
        changes={"father": ray},
        acting_user=alice,
    )

    old_link.refresh_from_db()
    assert old_link.ended_on == timezone.localdate()
    new_link = Relationship.objects.current().get(relative=amy)
    assert (new_link.person, new_link.kind, new_link.parent_type) == (
        ray,
        Relationship.Kind.PARENT,
        Relationship.ParentType.STEP,
    )
    assert fathers_of([amy]) == {amy.pk: ray}
    amy.refresh_from_db()
    assert amy.version == 2


def test_the_father_choice_offers_this_familys_fathers_and_keeps_one_from_elsewhere(
    client_as, alice, alices_family, bobs_family
):
    """Amy's father lives in bob's household: her form keeps him, beside the fathers of
    alice's family, so saving it does not drop him."""
    sam = PersonFactory(family=bobs_family, role=Membership.Role.FATHER, given_name="Sam")
    PersonFactory(family=alices_family, role=Membership.Role.FATHER_FIGURE, given_name="Ray")
    PersonFactory(family=bobs_family, role=Membership.Role.FATHER, given_name="Tom")
    amy = PersonFactory(family=alices_family, given_name="Amy", father=sam)
    url = reverse("families:person_edit", args=[alices_family.pk, amy.pk])

    form = client_as("alice").get(url).context["form"]

    labels = [label for _value, label in form.fields["father"].choices]
    assert labels == [
        "Not named",
        "Ray Testfamily (father figure)",
        "Sam Testfamily (in another family)",
    ]
    assert form.initial["father"] == sam


def test_a_father_who_lives_elsewhere_cannot_be_newly_chosen(alice, alices_family, bobs_family):
    sam = PersonFactory(family=bobs_family, role=Membership.Role.FATHER, given_name="Sam")
    amy = PersonFactory(family=alices_family, given_name="Amy")

    with pytest.raises(ValidationError, match="in this family"):
        person_update(
            person=amy,
            family=alices_family,
            expected_version=1,
            changes={"father": sam},
            acting_user=alice,
        )

    assert fathers_of([amy]) == {}


# A child in two households --------------------------------------------------------------------


@pytest.fixture
def cal(alice, bob, alices_family, bobs_family) -> Person:
    """A child who lives in both households."""
    cal = PersonFactory(family=alices_family, given_name="Cal")
    membership_add(
        person=cal, family=bobs_family, role=Membership.Role.CHILD, joined_on=None, acting_user=bob
    )
    return cal


def test_a_status_change_is_recorded_in_the_family_it_is_made_in(
    bob, bobs_family, alices_family, cal
):
    child_status_change(
        child=Person.objects.get(pk=cal.pk),
        family=bobs_family,
        status=LegalStatus.CIN,
        start_date=days_ago(5),
        acting_user=bob,
    )

    assert ChronologyEntry.objects.get().family == bobs_family
    assert StatusEpisode.objects.get(child=cal).status == LegalStatus.CIN


def test_a_child_in_two_families_needs_the_family_named(bob, cal):
    with pytest.raises(ValueError, match="more than one family"):
        plan_create(
            child=Person.objects.get(pk=cal.pk),
            kind=LegalStatus.CIN,
            started_on=days_ago(5),
            acting_user=bob,
        )


def test_a_plan_for_a_child_of_another_family_is_refused(alice, bobs_family):
    ben = PersonFactory(family=bobs_family)

    with pytest.raises(ValidationError, match="not in this family"):
        plan_create(
            child=ben,
            family=FamilyFactory(),
            kind=LegalStatus.CIN,
            started_on=days_ago(5),
            acting_user=alice,
        )


def test_the_childs_pages_open_from_either_family(client_as, alices_family, bobs_family, cal):
    for who, family in (("alice", alices_family), ("bob", bobs_family)):
        for name in ("families:child_status", "families:father_inclusion", "families:plan_start"):
            url = reverse(name, args=[family.pk, cal.pk])
            assert client_as(who).get(url).status_code == 200, (who, name)


def test_closing_one_family_leaves_the_status_of_a_child_still_open_in_another(
    alice, make_user, team, alices_family, bobs_family, cal
):
    amy = PersonFactory(family=alices_family, given_name="Amy")
    for child in (amy, cal):
        child_status_change(
            child=Person.objects.get(pk=child.pk),
            family=alices_family,
            status=LegalStatus.CIN,
            start_date=days_ago(20),
            acting_user=alice,
        )
    request = closure_request_create(
        family=alices_family,
        closing_on=days_ago(1),
        reason="stepped_down_universal",
        acting_user=alice,
    )

    closure_request_decide(
        request=request, approve=True, acting_user=make_user(Role.TEAM_MANAGER, team=team)
    )

    assert StatusEpisode.objects.get(child=amy).end_date == days_ago(1)
    assert StatusEpisode.objects.get(child=cal).end_date is None


# The caseload --------------------------------------------------------------------------------


def test_the_caseload_counts_each_familys_current_children(
    client_as, alice, alices_family, bobs_family, cal
):
    left = PersonFactory(family=alices_family, given_name="Lou")
    membership_end(
        membership=left.membership, left_on=days_ago(2), expected_version=1, acting_user=alice
    )
    PersonFactory(family=alices_family, role=Membership.Role.MOTHER)

    [family] = client_as("alice").get(reverse("families:caseload")).context["families"]
    [bobs] = client_as("bob").get(reverse("families:caseload")).context["families"]

    assert (family, family.children_count) == (alices_family, 1)
    assert (bobs, bobs.children_count) == (bobs_family, 1)


def test_a_childs_status_raises_the_level_of_each_family_they_live_in(
    client_as, bob, alices_family, bobs_family, cal
):
    child_status_change(
        child=Person.objects.get(pk=cal.pk),
        family=bobs_family,
        status=LegalStatus.CP,
        start_date=days_ago(5),
        acting_user=bob,
    )

    [family] = client_as("alice").get(reverse("families:caseload")).context["families"]

    assert family.level_label == "Child protection"


# Search and possible duplicates ----------------------------------------------------------------


def search(client, query: str) -> list[tuple[str, list[str]]]:
    response = client.get(reverse("families:search"), {"q": query})
    return [
        (person.full_name, [m.family.reference for m in person.memberships_shown])
        for person in response.context["people"]
    ]


def test_search_shows_each_family_of_a_person_the_user_may_see(
    client_as, charlie, alices_family, dan
):
    chesil = FamilyFactory(reference="CHESIL-1", team=charlie.team, social_worker=charlie)
    membership_add(
        person=dan,
        family=chesil,
        role=Membership.Role.FATHER,
        joined_on=None,
        acting_user=charlie,
    )

    assert search(client_as("alice"), "Dan Reed") == [("Dan Reed", ["ALICE-1", "BOB-1"])]
    assert search(client_as("charlie"), "Dan Reed") == [("Dan Reed", ["CHESIL-1"])]
    assert search(client_as("charlie"), "ALICE-1") == []


def test_search_finds_someone_who_left_a_family_and_says_so(client_as, alice, alices_family):
    lee = PersonFactory(family=alices_family, role=Membership.Role.OTHER_ADULT, given_name="Lee")
    membership_end(
        membership=lee.membership, left_on=days_ago(3), expected_version=1, acting_user=alice
    )

    response = client_as("alice").get(reverse("families:search"), {"q": "Lee"})

    assert [p.full_name for p in response.context["people"]] == ["Lee Testfamily"]
    assert f"ALICE-1</a>: other adult, left {days_ago(3):%-d %B %Y}" in response.content.decode()


@pytest.mark.parametrize("query", ["Kerr", "Ben Kerr", "Benjamin", "benjamin kerr"])
def test_search_finds_a_person_by_any_name_they_have_had(client_as, bobs_family, query):
    ben = PersonFactory(family=bobs_family, given_name="Ben", family_name="Ward")
    PersonName.objects.create(person=ben, given_name="Benjamin", family_name="Kerr")

    assert search(client_as("alice"), query) == [("Ben Ward", ["BOB-1"])]


def test_a_former_name_does_not_reach_people_in_families_the_user_cannot_see(client_as, charlie):
    hidden = PersonFactory(family=FamilyFactory(team=charlie.team), given_name="Zed")
    PersonName.objects.create(person=hidden, given_name="Zachary", family_name="Kerr")

    assert search(client_as("alice"), "Zachary") == []


def test_a_possible_duplicate_in_a_visible_family_is_not_also_counted_as_hidden(
    client_as, charlie, alices_family, dan
):
    dan.date_of_birth = datetime.date(1990, 1, 2)
    dan.save(update_fields=["date_of_birth"])
    membership_add(
        person=dan,
        family=FamilyFactory(reference="CHESIL-1", team=charlie.team),
        role=Membership.Role.FATHER,
        joined_on=None,
        acting_user=charlie,
    )
    visible, hidden = possible_duplicates_for(
        alices_family.social_worker,
        given_name="Dan",
        family_name="Reed",
        date_of_birth=datetime.date(1990, 1, 2),
    )

    assert [(p.full_name, [m.family.reference for m in p.memberships_shown]) for p in visible] == [
        ("Dan Reed", ["ALICE-1", "BOB-1"])
    ]
    assert hidden == 0


# Restricted details, per person ----------------------------------------------------------------


def test_a_restricted_mother_in_two_households_is_shown_to_each_households_worker(
    client_as, alice, charlie, alices_family
):
    chesil = FamilyFactory(reference="CHESIL-1", team=charlie.team, social_worker=charlie)
    mia = PersonFactory(
        family=alices_family,
        role=Membership.Role.MOTHER,
        given_name="Mia",
        address="1 Safe Street",
        contact_restricted=True,
    )
    membership_add(
        person=mia,
        family=chesil,
        role=Membership.Role.OTHER_ADULT,
        joined_on=days_ago(10),
        acting_user=charlie,
    )

    for who, family in (("alice", alices_family), ("charlie", chesil)):
        page = client_as(who).get(detail(family)).content.decode()
        assert "1 Safe Street" in page, who
    assert "1 Safe Street" not in client_as("bob").get(detail(alices_family)).content.decode()


def test_an_adult_in_two_families_is_referred_from_the_family_page_they_are_shown_on(
    client_as, alices_family, bobs_family, dan
):
    page = client_as("alice").get(detail(bobs_family)).content.decode()
    refer = reverse("referrals:refer", args=[dan.pk, bobs_family.pk])

    assert f'href="{refer}"' in page
    assert client_as("alice").get(refer).status_code == 200
