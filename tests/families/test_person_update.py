import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.models import AuditEvent
from families.models import FatherInclusion, Membership, Person
from families.selectors import fathers_of
from families.services import EditConflict, father_inclusion_update, person_update

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return FamilyFactory(reference="FAM-1")


@pytest.fixture
def child(family) -> Person:
    return PersonFactory(family=family, given_name="Ann", phone="01000 000000")


def saved(person: Person) -> tuple:
    """The row as stored, and the father (by relationship), for asserting what a refused
    save left behind."""
    given_name, family_name, phone, email, version = Person.objects.filter(
        pk=person.pk
    ).values_list("given_name", "family_name", "phone", "email", "version")[0]
    father = fathers_of([person]).get(person.pk)
    return (given_name, family_name, phone, email, father.pk if father else None, version)


def person_audit_rows() -> list[tuple]:
    return list(
        AuditEvent.objects.filter(object_type="families.person")
        .order_by("id")
        .values_list("username", "action", "detail")
    )


# person_update and the version check --------------------------------------------------------


def test_a_save_changes_the_row_and_bumps_its_version(child, alice):
    person_update(
        person=child, expected_version=1, changes={"phone": "07700 900123"}, acting_user=alice
    )

    assert saved(child) == ("Ann", "Testfamily", "07700 900123", "", None, 2)
    assert child.version == 2


def test_each_save_moves_the_version_on_by_one(child, alice):
    person_update(person=child, expected_version=1, changes={"phone": "1"}, acting_user=alice)
    person_update(person=child, expected_version=2, changes={"phone": "2"}, acting_user=alice)

    assert saved(child)[2:] == ("2", "", None, 3)


def test_a_date_of_birth_can_be_corrected(child, alice):
    person_update(
        person=child,
        expected_version=1,
        changes={"date_of_birth": datetime.date(2019, 5, 4)},
        acting_user=alice,
    )

    child.refresh_from_db()
    assert child.date_of_birth == datetime.date(2019, 5, 4)


def test_the_second_of_two_users_editing_the_same_version_gets_a_conflict(child, alice, bob):
    alices_form = Person.objects.get(pk=child.pk)
    bobs_form = Person.objects.get(pk=child.pk)
    person_update(
        person=alices_form,
        expected_version=1,
        changes={"given_name": "Annie", "phone": "07700 900001"},
        acting_user=alice,
    )

    with pytest.raises(EditConflict) as conflict:
        person_update(
            person=bobs_form,
            expected_version=1,
            changes={"phone": "07700 900002"},
            acting_user=bob,
        )

    assert conflict.value.expected_version == 1
    assert (conflict.value.current.given_name, conflict.value.current.phone) == (
        "Annie",
        "07700 900001",
    )
    assert conflict.value.current.version == 2


def test_a_conflicting_save_overwrites_nothing(child, alice, bob):
    alices_form = Person.objects.get(pk=child.pk)
    bobs_form = Person.objects.get(pk=child.pk)
    person_update(
        person=alices_form,
        expected_version=1,
        changes={"given_name": "Annie", "phone": "07700 900001"},
        acting_user=alice,
    )

    with pytest.raises(EditConflict):
        person_update(
            person=bobs_form,
            expected_version=1,
            changes={"given_name": "Anne", "email": "bob@example.org"},
            acting_user=bob,
        )

    assert saved(child) == ("Annie", "Testfamily", "07700 900001", "", None, 2)
    assert [username for username, *_ in person_audit_rows()] == ["alice"]


def test_a_conflict_is_raised_even_when_the_change_is_the_same(child, alice, bob):
    """Bob's form was based on what he saw; agreeing by chance is still not his to confirm."""
    person_update(person=child, expected_version=1, changes={"phone": "1"}, acting_user=alice)

    with pytest.raises(EditConflict):
        person_update(
            person=Person.objects.get(pk=child.pk),
            expected_version=1,
            changes={"phone": "1"},
            acting_user=bob,
        )

    assert saved(child)[-1] == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_cannot_both_succeed(alice, bob):
    """Bob's save starts while Alice's transaction is still open: it must wait, then conflict."""
    if connection.vendor != "postgresql":
        pytest.skip(reason="needs row locks: SQLite serialises every write anyway")
    child = PersonFactory(given_name="Ann")
    alice_has_written = threading.Event()
    outcomes: dict[str, object] = {}

    def alice_saves() -> None:
        try:
            with transaction.atomic():
                person_update(
                    person=Person.objects.get(pk=child.pk),
                    expected_version=1,
                    changes={"phone": "alice"},
                    acting_user=alice,
                )
                alice_has_written.set()
                time.sleep(0.5)  # hold the row lock while Bob tries to save
            outcomes["alice"] = "saved"
        finally:
            connection.close()

    def bob_saves() -> None:
        alice_has_written.wait(timeout=5)
        try:
            person_update(
                person=Person.objects.get(pk=child.pk),
                expected_version=1,
                changes={"phone": "bob"},
                acting_user=bob,
            )
            outcomes["bob"] = "saved"
        except EditConflict as conflict:
            outcomes["bob"] = conflict.current.phone
        finally:
            connection.close()

    threads = [threading.Thread(target=alice_saves), threading.Thread(target=bob_saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert outcomes == {"alice": "saved", "bob": "alice"}
    assert saved(child)[2:] == ("alice", "", None, 2)


def test_a_save_with_no_real_change_keeps_the_version_and_is_not_audited(child, alice):
    person_update(
        person=child,
        expected_version=1,
        changes={"given_name": "Ann", "phone": "01000 000000"},
        acting_user=alice,
    )

    assert saved(child)[-1] == 1
    assert child.version == 1
    assert person_audit_rows() == []


def test_the_audit_row_lists_only_the_fields_that_really_changed(child, alice):
    person_update(
        person=child,
        expected_version=1,
        changes={"given_name": "Ann", "phone": "07700 900123", "language": "Polish"},
        acting_user=alice,
    )

    [(username, action, detail)] = person_audit_rows()
    assert (username, action) == ("alice", "update")
    assert sorted(detail["fields"]) == ["language", "phone"]


@pytest.mark.parametrize("field", ["role", "family", "reference", "version", "created_at"])
def test_a_field_not_editable_here_is_refused(child, alice, field):
    before = saved(child)

    with pytest.raises(ValueError, match=f"Not editable here: {field}"):
        person_update(
            person=child,
            expected_version=1,
            changes={field: None, "phone": "07700 900123"},
            acting_user=alice,
        )

    assert saved(child) == before
    assert person_audit_rows() == []


def test_an_invalid_value_is_refused_and_nothing_is_saved(child, alice):
    before = saved(child)

    with pytest.raises(ValidationError) as error:
        person_update(
            person=child,
            expected_version=1,
            changes={"email": "not an email", "phone": "07700 900123"},
            acting_user=alice,
        )

    assert "email" in error.value.message_dict
    assert saved(child) == before
    assert person_audit_rows() == []


def test_a_father_in_the_same_family_can_be_recorded(family, child, alice):
    father = PersonFactory(family=family, role=Membership.Role.FATHER, given_name="Dan")

    person_update(person=child, expected_version=1, changes={"father": father}, acting_user=alice)

    assert saved(child)[4] == father.pk


def test_a_father_can_be_cleared(family, child, alice):
    father = PersonFactory(family=family, role=Membership.Role.FATHER_FIGURE)
    person_update(person=child, expected_version=1, changes={"father": father}, acting_user=alice)

    person_update(person=child, expected_version=2, changes={"father": None}, acting_user=alice)

    assert saved(child)[4:] == (None, 3)


def test_a_father_from_another_family_is_refused(child, alice):
    someone_elses_father = PersonFactory(role=Membership.Role.FATHER)
    before = saved(child)

    with pytest.raises(ValidationError, match="in this family"):
        person_update(
            person=child,
            expected_version=1,
            changes={"father": someone_elses_father},
            acting_user=alice,
        )

    assert saved(child) == before
    assert person_audit_rows() == []


def test_a_mother_cannot_be_recorded_as_the_father(family, child, alice):
    mother = PersonFactory(family=family, role=Membership.Role.MOTHER)
    before = saved(child)

    with pytest.raises(ValidationError, match="father or father figure"):
        person_update(
            person=child, expected_version=1, changes={"father": mother}, acting_user=alice
        )

    assert saved(child) == before


# father_inclusion_update ---------------------------------------------------------------------


def test_recording_father_inclusion_creates_the_row_on_first_use(child, alice):
    inclusion = father_inclusion_update(
        child=child,
        expected_version=1,
        changes={"invited_to_initial_conference": True, "attended_initial_conference": False},
        acting_user=alice,
    )

    stored = FatherInclusion.objects.get(child=child)
    assert stored.pk == inclusion.pk
    assert (stored.invited_to_initial_conference, stored.attended_initial_conference) == (
        True,
        False,
    )
    assert stored.invited_to_review_conference is None
    assert stored.version == 2


def test_father_inclusion_changes_are_audited(child, alice):
    inclusion = father_inclusion_update(
        child=child,
        expected_version=1,
        changes={"invited_to_initial_conference": True},
        acting_user=alice,
    )

    event = AuditEvent.objects.get(object_type="families.fatherinclusion")
    assert (event.actor, event.object_id) == (alice, str(inclusion.pk))
    assert event.detail == {"fields": ["invited_to_initial_conference"]}


def test_father_inclusion_is_updated_in_place(child, alice):
    father_inclusion_update(
        child=child,
        expected_version=1,
        changes={"invited_to_initial_conference": True},
        acting_user=alice,
    )

    father_inclusion_update(
        child=child,
        expected_version=2,
        changes={"attended_initial_conference": True},
        acting_user=alice,
    )

    stored = FatherInclusion.objects.get(child=child)
    assert (stored.invited_to_initial_conference, stored.attended_initial_conference) == (
        True,
        True,
    )
    assert stored.version == 3


def test_father_inclusion_from_an_old_version_is_a_conflict(child, alice, bob):
    father_inclusion_update(
        child=child,
        expected_version=1,
        changes={"invited_to_review_conference": True},
        acting_user=alice,
    )

    with pytest.raises(EditConflict) as conflict:
        father_inclusion_update(
            child=child,
            expected_version=1,
            changes={"invited_to_review_conference": False},
            acting_user=bob,
        )

    assert conflict.value.current.invited_to_review_conference is True
    stored = FatherInclusion.objects.get(child=child)
    assert (stored.invited_to_review_conference, stored.version) == (True, 2)
    assert not AuditEvent.objects.filter(username="bob").exists()


def test_a_conflict_on_first_use_leaves_no_row_behind(child, alice):
    with pytest.raises(EditConflict):
        father_inclusion_update(
            child=child,
            expected_version=2,
            changes={"invited_to_initial_conference": True},
            acting_user=alice,
        )

    assert not FatherInclusion.objects.exists()


def test_opening_the_record_with_nothing_known_changes_nothing(child, alice):
    father_inclusion_update(
        child=child,
        expected_version=1,
        changes={"invited_to_initial_conference": None},
        acting_user=alice,
    )

    assert FatherInclusion.objects.get(child=child).version == 1
    assert not AuditEvent.objects.filter(object_type="families.fatherinclusion").exists()


def test_each_child_has_father_inclusion_of_their_own(family, child, alice):
    sibling = PersonFactory(family=family, given_name="Ben")
    father_inclusion_update(
        child=child,
        expected_version=1,
        changes={"invited_to_initial_conference": True},
        acting_user=alice,
    )

    father_inclusion_update(
        child=sibling,
        expected_version=1,
        changes={"invited_to_initial_conference": False},
        acting_user=alice,
    )

    assert dict(
        FatherInclusion.objects.values_list("child__given_name", "invited_to_initial_conference")
    ) == {"Ann": True, "Ben": False}
