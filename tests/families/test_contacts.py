import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Draft
from accounts.services import draft_save
from families.models import ChronologyEntry, Contact, ContactKind, Family, Membership, Person
from families.services import EditConflict, contact_record, contact_update

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


@pytest.fixture
def family(alice) -> Family:
    return FamilyFactory(reference="FAM-1", team=alice.team, social_worker=alice)


@pytest.fixture
def mum(family) -> Person:
    return PersonFactory(family=family, role=Membership.Role.MOTHER, given_name="Mia")


@pytest.fixture
def ann(family) -> Person:
    return PersonFactory(family=family, given_name="Ann")


@pytest.fixture
def ben(family) -> Person:
    return PersonFactory(family=family, given_name="Ben")


def record(family: Family, acting_user, **fields) -> Contact:
    fields = {
        "occurred_at": hours_ago(2),
        "kind": ContactKind.HOME_VISIT,
        "note": "Visited at home.\nKitchen clean, food in the fridge.",
        **fields,
    }
    return contact_record(family=family, acting_user=acting_user, **fields)


def nothing_written() -> tuple:
    return (Contact.objects.count(), ChronologyEntry.objects.count(), AuditEvent.objects.count())


def names(people) -> set[str]:
    return {person.given_name for person in people.all()}


# contact_record ----------------------------------------------------------------------------


def test_a_contact_records_who_was_seen(family, mum, ann, alice):
    contact = record(family, alice, people_seen=[mum, ann])

    assert names(contact.people_seen) == {"Mia", "Ann"}
    assert not contact.children_seen_alone.exists()
    assert (contact.recorded_by, contact.version) == (alice, 1)


def test_children_seen_alone_are_also_people_seen(family, mum, ann, ben, alice):
    contact = record(family, alice, people_seen=[mum], children_seen_alone=[ann, ben])

    assert names(contact.children_seen_alone) == {"Ann", "Ben"}
    assert names(contact.people_seen) == {"Mia", "Ann", "Ben"}


@pytest.mark.parametrize("field", ["people_seen", "children_seen_alone"])
def test_someone_from_another_family_is_refused(family, ann, alice, field):
    other_child = PersonFactory(given_name="Zed")
    before = nothing_written()

    with pytest.raises(ValidationError, match="Choose people from this family") as error:
        record(family, alice, **{field: [ann, other_child]})

    assert field in error.value.message_dict
    assert nothing_written() == before


@pytest.mark.parametrize(
    "role",
    [
        Membership.Role.MOTHER,
        Membership.Role.FATHER,
        Membership.Role.CARER,
        Membership.Role.OTHER_ADULT,
    ],
)
def test_only_children_can_be_seen_alone(family, ann, alice, role):
    adult = PersonFactory(family=family, role=role)
    before = nothing_written()

    with pytest.raises(ValidationError, match="Only children are seen alone"):
        record(family, alice, children_seen_alone=[ann, adult])

    assert nothing_written() == before


def test_a_contact_in_the_future_is_refused(family, alice):
    before = nothing_written()

    with pytest.raises(ValidationError, match="cannot be recorded in the future") as error:
        record(family, alice, occurred_at=timezone.now() + datetime.timedelta(minutes=10))

    assert "occurred_at" in error.value.message_dict
    assert nothing_written() == before


def test_a_device_clock_a_minute_fast_is_tolerated(family, alice):
    contact = record(family, alice, occurred_at=timezone.now() + datetime.timedelta(minutes=1))

    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_unknown_kind_of_contact_is_refused(family, alice):
    before = nothing_written()

    with pytest.raises(ValidationError) as error:
        record(family, alice, kind="carrier_pigeon")

    assert "kind" in error.value.message_dict
    assert nothing_written() == before


def test_a_significant_contact_enters_the_chronology_with_its_summary(family, alice):
    contact = record(
        family,
        alice,
        occurred_at=datetime.datetime(2024, 3, 5, 14, 0, tzinfo=LONDON),
        significant=True,
        chronology_summary="  Disclosure of domestic abuse by Mia.  ",
    )

    entry = ChronologyEntry.objects.get(family=family)
    assert (entry.occurred_on, entry.summary) == (
        datetime.date(2024, 3, 5),
        "Disclosure of domestic abuse by Mia.",
    )
    assert (entry.contact, entry.recorded_by, entry.status_episode) == (contact, alice, None)
    assert entry.source == ChronologyEntry.Source.CONTACT


def test_without_a_summary_the_chronology_takes_the_notes_first_line(family, alice):
    record(
        family,
        alice,
        significant=True,
        note="\n  Police called to the home overnight.\nMia and the children safe.",
    )

    assert ChronologyEntry.objects.get(family=family).summary == (
        "Police called to the home overnight."
    )


def test_a_long_first_line_is_shortened_for_the_chronology(family, alice):
    record(family, alice, significant=True, note="word " * 100)

    summary = ChronologyEntry.objects.get(family=family).summary
    assert len(summary) == 300
    assert summary.endswith("...")


def test_a_contact_after_midnight_is_dated_by_the_local_calendar(family, alice):
    # 00:30 on 2 June in London is still 1 June in UTC.
    record(
        family,
        alice,
        occurred_at=datetime.datetime(2024, 6, 1, 23, 30, tzinfo=datetime.UTC),
        significant=True,
    )

    assert ChronologyEntry.objects.get(family=family).occurred_on == datetime.date(2024, 6, 2)


def test_an_ordinary_contact_stays_out_of_the_chronology(family, alice):
    record(family, alice, significant=False, chronology_summary="Not wanted here")

    assert not ChronologyEntry.objects.exists()


def test_saving_discards_the_users_draft_for_the_form(family, alice, bob):
    key = f"contact:family:{family.pk}"
    draft_save(user=alice, key=key, data={"note": "Visited at ho"})
    draft_save(user=alice, key="contact:family:999", data={"note": "another family"})
    draft_save(user=bob, key=key, data={"note": "Bob's own visit"})

    record(family, alice, draft_key=key)

    assert sorted(Draft.objects.values_list("user__username", "key")) == [
        ("alice", "contact:family:999"),
        ("bob", key),
    ]


def test_a_refused_contact_keeps_the_draft(family, alice):
    key = f"contact:family:{family.pk}"
    draft_save(user=alice, key=key, data={"note": "Visited at ho"})

    with pytest.raises(ValidationError):
        record(family, alice, kind="carrier_pigeon", draft_key=key)

    assert Draft.objects.get(user=alice, key=key).data == {"note": "Visited at ho"}


def test_recording_a_contact_is_audited(family, alice):
    contact = record(family, alice)

    event = AuditEvent.objects.get(object_type="families.contact")
    assert (event.actor, event.action, event.object_id) == (alice, "create", str(contact.pk))
    assert event.detail == {"family": "FAM-1"}


# contact_update ----------------------------------------------------------------------------


@pytest.fixture
def contact(family, alice) -> Contact:
    return record(family, alice, note="Visited at home.\nAll well.")


def stored(contact: Contact) -> tuple:
    return Contact.objects.filter(pk=contact.pk).values_list(
        "note", "kind", "significant", "version"
    )[0]


def test_editing_a_contact_saves_and_bumps_the_version(contact, alice):
    contact_update(
        contact=contact,
        expected_version=1,
        changes={"note": "Visited at home.\nAll well, school attendance up."},
        acting_user=alice,
    )

    assert stored(contact) == (
        "Visited at home.\nAll well, school attendance up.",
        "home_visit",
        False,
        2,
    )


def test_the_audit_row_of_an_edit_lists_the_changed_fields(contact, alice):
    contact_update(
        contact=contact,
        expected_version=1,
        changes={"kind": ContactKind.PHONE, "note": contact.note, "next_steps": "Call school"},
        acting_user=alice,
    )

    event = AuditEvent.objects.get(object_type="families.contact", action="update")
    assert event.actor == alice
    assert sorted(event.detail["fields"]) == ["kind", "next_steps"]


def test_an_edit_from_an_old_version_is_a_conflict_and_overwrites_nothing(contact, alice, bob):
    alices_form = Contact.objects.get(pk=contact.pk)
    bobs_form = Contact.objects.get(pk=contact.pk)
    contact_update(
        contact=alices_form,
        expected_version=1,
        changes={"note": "Alice's correction"},
        acting_user=alice,
    )

    with pytest.raises(EditConflict) as conflict:
        contact_update(
            contact=bobs_form,
            expected_version=1,
            changes={"note": "Bob's correction", "significant": True},
            acting_user=bob,
        )

    assert (conflict.value.current.note, conflict.value.current.version) == (
        "Alice's correction",
        2,
    )
    assert stored(contact) == ("Alice's correction", "home_visit", False, 2)
    assert not ChronologyEntry.objects.exists()
    assert not AuditEvent.objects.filter(username="bob").exists()


@pytest.mark.parametrize("field", ["family", "recorded_by", "version", "people_seen"])
def test_a_contact_field_not_editable_here_is_refused(contact, alice, field):
    with pytest.raises(ValueError, match=f"Not editable here: {field}"):
        contact_update(
            contact=contact,
            expected_version=1,
            changes={field: None, "note": "changed"},
            acting_user=alice,
        )

    assert stored(contact) == ("Visited at home.\nAll well.", "home_visit", False, 1)


def test_marking_a_contact_significant_adds_it_to_the_chronology(contact, alice):
    contact_update(
        contact=contact, expected_version=1, changes={"significant": True}, acting_user=alice
    )

    entry = ChronologyEntry.objects.get(contact=contact)
    assert (entry.summary, entry.occurred_on, entry.source) == (
        "Visited at home.",
        timezone.localtime(contact.occurred_at).date(),
        ChronologyEntry.Source.CONTACT,
    )


def test_unmarking_a_significant_contact_takes_it_out_of_the_chronology(family, alice):
    contact = record(family, alice, significant=True)

    contact_update(
        contact=contact, expected_version=1, changes={"significant": False}, acting_user=alice
    )

    assert not ChronologyEntry.objects.filter(family=family).exists()


def test_toggling_significance_twice_leaves_one_entry(contact, alice):
    for version, significant in [(1, True), (2, False), (3, True)]:
        contact_update(
            contact=contact,
            expected_version=version,
            changes={"significant": significant},
            acting_user=alice,
        )

    assert ChronologyEntry.objects.filter(contact=contact).count() == 1


def test_moving_a_significant_contact_moves_its_chronology_entry(family, alice):
    contact = record(
        family,
        alice,
        occurred_at=datetime.datetime(2024, 3, 5, 14, 0, tzinfo=LONDON),
        significant=True,
        chronology_summary="Disclosure",
    )

    contact_update(
        contact=contact,
        expected_version=1,
        changes={"occurred_at": datetime.datetime(2024, 3, 4, 9, 0, tzinfo=LONDON)},
        acting_user=alice,
    )

    entry = ChronologyEntry.objects.get(contact=contact)
    assert (entry.occurred_on, entry.summary) == (datetime.date(2024, 3, 4), "Disclosure")


def test_editing_an_ordinary_contact_keeps_it_out_of_the_chronology(contact, alice):
    contact_update(
        contact=contact,
        expected_version=1,
        changes={"occurred_at": hours_ago(30), "note": "Rewritten"},
        acting_user=alice,
    )

    assert not ChronologyEntry.objects.exists()
