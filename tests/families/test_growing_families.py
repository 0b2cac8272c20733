"""The services behind families that grow: people joining and leaving, fathers named later,
pregnancies and births. Each is validated, atomic and audited."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import (
    ChronologyEntry,
    LegalStatus,
    Membership,
    Person,
    Plan,
    Relationship,
    StatusEpisode,
)
from families.selectors import fathers_of
from families.services import (
    EditConflict,
    birth_record,
    child_status_change,
    father_add,
    member_add_existing,
    membership_end,
    person_add,
    person_update,
    plan_create,
    pregnancy_record,
)

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def family(alice):
    return FamilyFactory(team=alice.team, social_worker=alice)


@pytest.fixture
def mother(family):
    return PersonFactory(
        family=family, role=Membership.Role.MOTHER, given_name="Sara", family_name="Smith"
    )


@pytest.fixture
def amy(family):
    return PersonFactory(
        family=family, given_name="Amy", family_name="Smith", date_of_birth=TODAY - days(900)
    )


# Joining and leaving ---------------------------------------------------------------------


def test_a_new_person_joins_and_is_audited(family, alice):
    person = person_add(
        family=family,
        role=Membership.Role.CARER,
        joined_on=TODAY - days(3),
        acting_user=alice,
        given_name="Gran",
        family_name="Smith",
    )
    membership = Membership.objects.get(person=person, family=family)
    assert membership.role == Membership.Role.CARER
    assert membership.joined_on == TODAY - days(3)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_id=str(person.pk)
    ).exists()


def test_a_joining_date_in_the_future_is_refused(family, alice):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        person_add(
            family=family,
            role=Membership.Role.CARER,
            joined_on=TODAY + days(1),
            acting_user=alice,
            given_name="Gran",
        )
    assert not Person.objects.filter(given_name="Gran").exists()


def test_only_a_child_is_unborn(family, alice):
    with pytest.raises(ValidationError, match="Only a child can be unborn"):
        person_add(
            family=family,
            role=Membership.Role.CARER,
            joined_on=None,
            acting_user=alice,
            given_name="Gran",
            expected_on=TODAY + days(30),
        )


def test_an_existing_person_joins_without_a_copy(family, alice):
    other = FamilyFactory(team=alice.team)
    gran = PersonFactory(family=other, role=Membership.Role.CARER, given_name="Gran")
    member_add_existing(
        family=family, person=gran, role=Membership.Role.CARER, joined_on=TODAY, acting_user=alice
    )
    assert Person.objects.filter(given_name="Gran").count() == 1
    assert set(gran.memberships.values_list("family_id", flat=True)) == {family.pk, other.pk}


def test_leaving_is_dated_not_before_joining_nor_in_the_future(family, alice):
    person = PersonFactory(family=family, role=Membership.Role.CARER, joined_on=TODAY - days(10))
    membership = person.membership
    with pytest.raises(ValidationError, match="on or after they joined"):
        membership_end(
            membership=membership,
            left_on=TODAY - days(11),
            expected_version=membership.version,
            acting_user=alice,
        )
    with pytest.raises(ValidationError, match="cannot be in the future"):
        membership_end(
            membership=membership,
            left_on=TODAY + days(1),
            expected_version=membership.version,
            acting_user=alice,
        )
    membership.refresh_from_db()
    assert membership.left_on is None
    membership_end(
        membership=membership, left_on=TODAY, expected_version=membership.version, acting_user=alice
    )
    membership.refresh_from_db()
    assert membership.left_on == TODAY
    with pytest.raises(EditConflict):
        membership_end(membership=membership, left_on=TODAY, expected_version=1, acting_user=alice)


# Fathers ---------------------------------------------------------------------------------


def test_a_new_father_joins_and_is_named(family, amy, alice):
    link = father_add(
        family=family,
        child=amy,
        parent_type=Relationship.ParentType.BIRTH,
        acting_user=alice,
        given_name="Dev",
        family_name="Patel",
    )
    assert fathers_of([amy])[amy.pk] == link.person
    assert Membership.objects.get(person=link.person, family=family).role == "father"


def test_a_father_from_another_family_joins_as_father_figure(family, amy, alice):
    elsewhere = PersonFactory(
        family=FamilyFactory(team=alice.team), role=Membership.Role.FATHER, given_name="Dev"
    )
    father_add(
        family=family,
        child=amy,
        father=elsewhere,
        role=Membership.Role.FATHER_FIGURE,
        parent_type=Relationship.ParentType.STEP,
        acting_user=alice,
    )
    link = Relationship.objects.get(person=elsewhere, relative=amy)
    assert link.parent_type == "step"
    assert Membership.objects.get(person=elsewhere, family=family).role == "father_figure"


def test_a_man_living_here_in_another_role_is_refused(family, amy, alice):
    uncle = PersonFactory(family=family, role=Membership.Role.OTHER_ADULT, given_name="Uncle")
    with pytest.raises(ValidationError, match="not as a father"):
        father_add(
            family=family,
            child=amy,
            father=uncle,
            parent_type=Relationship.ParentType.BIRTH,
            acting_user=alice,
        )
    assert not Relationship.objects.exists()


def test_a_bad_parent_type_changes_nothing(family, amy, alice):
    with pytest.raises(ValidationError):
        father_add(
            family=family, child=amy, parent_type="uncle", acting_user=alice, given_name="Dev"
        )
    assert not Person.objects.filter(given_name="Dev").exists()


# Pregnancy and birth ---------------------------------------------------------------------


def test_a_pregnancy_is_an_unborn_child_of_the_mother(family, mother, alice):
    baby = pregnancy_record(
        family=family, mother=mother, expected_on=TODAY + days(60), acting_user=alice
    )
    assert baby.full_name == "Baby Smith"
    assert baby.is_unborn
    assert Relationship.objects.filter(person=mother, relative=baby, parent_type="birth").exists()
    assert ChronologyEntry.objects.filter(family=family, summary__contains="Baby Smith").exists()


@pytest.mark.parametrize("expected", [TODAY + days(7 * 43), TODAY - days(7 * 5)])
def test_an_expected_date_far_off_is_refused(family, mother, alice, expected):
    with pytest.raises(ValidationError, match="expected date of delivery"):
        pregnancy_record(family=family, mother=mother, expected_on=expected, acting_user=alice)
    assert not Person.objects.filter(expected_on__isnull=False).exists()


def test_a_pregnancy_needs_a_mother_of_this_family(family, amy, alice):
    with pytest.raises(ValidationError, match="mother in this family"):
        pregnancy_record(family=family, mother=amy, expected_on=TODAY + days(60), acting_user=alice)


@pytest.fixture
def unborn(family, mother, alice):
    return pregnancy_record(
        family=family, mother=mother, expected_on=TODAY + days(20), acting_user=alice
    )


@pytest.mark.parametrize(
    "status", [LegalStatus.PRE_PROCEEDINGS, LegalStatus.CARE_PROCEEDINGS, LegalStatus.LOOKED_AFTER]
)
def test_before_birth_only_early_help_cin_or_cp(unborn, family, alice, status):
    with pytest.raises(ValidationError, match="Before birth"):
        child_status_change(
            child=unborn, family=family, status=status, start_date=TODAY, acting_user=alice
        )
    assert not StatusEpisode.objects.filter(child=unborn).exists()


def test_before_birth_a_plan_is_early_help_cin_or_cp_only(unborn, family, alice):
    with pytest.raises(ValidationError, match="Before birth"):
        plan_create(
            child=unborn,
            family=family,
            kind=LegalStatus.LOOKED_AFTER,
            started_on=TODAY,
            acting_user=alice,
        )
    assert not Plan.objects.exists()


def test_the_birth_keeps_the_person_their_history_and_plans(unborn, family, alice):
    child_status_change(
        child=unborn, family=family, status=LegalStatus.CP, start_date=TODAY, acting_user=alice
    )
    plan_create(
        child=unborn, family=family, kind=LegalStatus.CP, started_on=TODAY, acting_user=alice
    )
    unborn.refresh_from_db()
    birth_record(
        child=unborn,
        family=family,
        date_of_birth=TODAY,
        expected_version=unborn.version,
        changes={"given_name": "Lily", "sex": Person.Sex.FEMALE},
        acting_user=alice,
    )
    born = Person.objects.get(pk=unborn.pk)
    assert (born.full_name, born.date_of_birth, born.sex) == ("Lily Smith", TODAY, "female")
    assert born.expected_on == TODAY + days(20)
    assert not born.is_unborn
    assert StatusEpisode.objects.get(child=born).status == LegalStatus.CP
    assert Plan.objects.filter(child=born).count() == 1
    assert AuditEvent.objects.filter(object_id=str(born.pk), detail__kind="birth").exists()
    assert ChronologyEntry.objects.filter(summary="Lily Smith was born.").exists()


@pytest.mark.parametrize(
    ("born_on", "message"),
    [
        (TODAY + days(1), "cannot be in the future"),
        (TODAY + days(20) - days(7 * 21), "20 weeks before"),
    ],
)
def test_a_birth_outside_the_window_changes_nothing(unborn, family, alice, born_on, message):
    with pytest.raises(ValidationError, match=message):
        birth_record(
            child=unborn,
            family=family,
            date_of_birth=born_on,
            expected_version=unborn.version,
            acting_user=alice,
        )
    assert Person.objects.get(pk=unborn.pk).is_unborn


def test_a_birth_is_recorded_once(unborn, family, alice):
    birth_record(
        child=unborn,
        family=family,
        date_of_birth=TODAY,
        expected_version=unborn.version,
        acting_user=alice,
    )
    with pytest.raises(ValidationError, match="already recorded"):
        birth_record(
            child=unborn,
            family=family,
            date_of_birth=TODAY,
            expected_version=unborn.version,
            acting_user=alice,
        )


# Found in review -------------------------------------------------------------------------


def test_someone_who_left_rejoins_only_after_they_left(family, alice):
    carer = PersonFactory(family=family, role=Membership.Role.CARER, joined_on=TODAY - days(60))
    membership_end(
        membership=carer.membership,
        left_on=TODAY - days(30),
        expected_version=carer.membership.version,
        acting_user=alice,
    )
    for joined_on in (None, TODAY - days(45), TODAY - days(30)):
        with pytest.raises(ValidationError, match="enter the date they came back"):
            member_add_existing(
                family=family,
                person=carer,
                role=Membership.Role.CARER,
                joined_on=joined_on,
                acting_user=alice,
            )
    assert Membership.objects.filter(person=carer, family=family).count() == 1

    member_add_existing(
        family=family,
        person=carer,
        role=Membership.Role.CARER,
        joined_on=TODAY - days(29),
        acting_user=alice,
    )
    assert Membership.objects.filter(person=carer, family=family).count() == 2
    assert Membership.objects.on(TODAY - days(30)).filter(person=carer).count() == 1


def test_the_edit_page_neither_records_a_birth_nor_undoes_one(unborn, family, alice):
    with pytest.raises(ValidationError, match="Record the birth"):
        person_update(
            person=unborn,
            family=family,
            expected_version=unborn.version,
            changes={"date_of_birth": TODAY - days(400)},
            acting_user=alice,
        )
    unborn.refresh_from_db()
    assert unborn.is_unborn

    birth_record(
        child=unborn,
        family=family,
        date_of_birth=TODAY,
        expected_version=unborn.version,
        acting_user=alice,
    )
    unborn.refresh_from_db()
    with pytest.raises(ValidationError, match="do not clear it"):
        person_update(
            person=unborn,
            family=family,
            expected_version=unborn.version,
            changes={"date_of_birth": None},
            acting_user=alice,
        )
    # Correcting the date stays possible.
    person_update(
        person=unborn,
        family=family,
        expected_version=unborn.version,
        changes={"date_of_birth": TODAY - days(1)},
        acting_user=alice,
    )
    unborn.refresh_from_db()
    assert unborn.date_of_birth == TODAY - days(1)
