"""The case import creates records, and updates only those it created that nobody has
changed in DMT since. It never moves, closes, reopens or re-records a live case, and what it
reports about a record it may not touch is one sentence whatever the reason."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent, Role
from caseimport.importer import episodes_fingerprint, fingerprint
from families.models import Family, ImportedRecord, ImportRun, Membership, Person, StatusEpisode
from families.services import child_status_change, family_allocate, family_create, person_create
from referrals.models import Referral

from .test_import_cases import (
    EPISODES,
    FAMILIES,
    INTERVENTIONS,
    PEOPLE,
    refused,
    run,
    write_bundle,
)

pytestmark = pytest.mark.django_db


def already_recorded(file: str, line: int, column: str, reference: str) -> str:
    return (
        f"{file}:{line}: {column}: {reference} is already recorded in DMT; change it there, "
        "not by import"
    )


@pytest.fixture
def live_case(alice):
    """A case recorded in DMT by alice's team, not by an import."""
    family = family_create(
        reference="F-LIVE",
        locality=alice.team.locality,
        team=alice.team,
        social_worker=alice,
        opened_on=datetime.date(2022, 1, 10),
        acting_user=alice,
    )
    child = person_create(
        family=family,
        reference="P-LIVE",
        role=Membership.Role.CHILD,
        given_name="Zuzanna",
        family_name="Kowalska",
        acting_user=alice,
    )
    child_status_change(
        child=child, status="cp", start_date=datetime.date(2022, 2, 1), acting_user=alice
    )
    return family


def snapshot() -> list:
    return [
        list(Family.objects.values_list("reference", "team_id", "closed_on", "version")),
        list(Person.objects.values_list("reference", "given_name", "version")),
        list(
            Membership.objects.values_list("person_id", "family_id", "role", "left_on", "version")
        ),
        list(StatusEpisode.objects.values_list("id", "child_id", "status", "start_date")),
        AuditEvent.objects.exclude(object_type="families.importrun").count(),
    ]


# Records made in DMT -------------------------------------------------------------------------


def test_a_bundle_cannot_move_a_case_recorded_in_dmt_to_another_team(tmp_path, live_case):
    before = snapshot()
    families = FAMILIES + "F-LIVE,Chesil,Team B,,2022-01-10,,\n"

    errors = refused(tmp_path, families=families)

    assert errors == [already_recorded("families.csv", 3, "family_ref", "F-LIVE")]
    assert snapshot() == before


def test_a_bundle_cannot_close_a_case_recorded_in_dmt(tmp_path, live_case, alice):
    families = FAMILIES + f"F-LIVE,West,{alice.team.name},,2022-01-10,2022-06-30,Moved away\n"

    errors = refused(tmp_path, families=families)

    assert errors == [already_recorded("families.csv", 3, "family_ref", "F-LIVE")]
    live_case.refresh_from_db()
    assert live_case.closed_on is None


def test_a_bundle_cannot_replace_the_status_history_of_a_child_recorded_in_dmt(tmp_path, live_case):
    before = snapshot()
    episodes = EPISODES + "P-LIVE,looked_after,2021-01-01,\n"

    errors = refused(tmp_path, status_episodes=episodes)

    assert errors == [already_recorded("status_episodes.csv", 4, "person_ref", "P-LIVE")]
    assert snapshot() == before


def test_the_preview_does_not_say_whether_a_person_is_in_another_family(tmp_path, live_case):
    """A dry run naming a person in someone else's case learns only that the reference is
    taken: not where, not who, not what."""
    people = PEOPLE + "P-LIVE,F1,child,Someone,Else,,,,,\n"

    result = run(tmp_path, dry_run=True, people=people)

    assert result.errors == [already_recorded("people.csv", 4, "person_ref", "P-LIVE")]
    assert not any(
        word in error
        for error in result.errors
        for word in ("another family", "Zuzanna", "Kowalska", "F-LIVE", "SASS", "child")
    )
    assert counts_are_empty(result)


def counts_are_empty(result) -> bool:
    return all(
        (count.created, count.updated, count.unchanged) == (0, 0, 0)
        for count in result.counts.values()
    )


# Records an import made, changed in DMT since --------------------------------------------


def test_an_imported_case_allocated_in_dmt_since_is_no_longer_updated_by_import(tmp_path, alice):
    run(tmp_path / "first", families=FAMILIES.replace("Team A", alice.team.name))
    family = Family.objects.get(reference="F1")
    family_allocate(
        family=family,
        social_worker=alice,
        start_date=datetime.date(2022, 3, 1),
        acting_user=alice,
    )

    errors = refused(
        tmp_path / "second",
        families=FAMILIES.replace("Team A", alice.team.name).replace("Pilot", "Renamed"),
    )

    assert errors[0] == already_recorded("families.csv", 2, "family_ref", "F1")
    assert Family.objects.get(reference="F1").cohort == "Pilot"


def test_an_imported_childs_history_changed_in_dmt_is_not_replaced_by_import(tmp_path, alice):
    run(tmp_path / "first")
    child = Person.objects.get(reference="P2")
    child_status_change(
        child=child, status="cp", start_date=datetime.date(2023, 1, 1), acting_user=alice
    )
    before = snapshot()

    errors = refused(tmp_path / "second")

    assert already_recorded("status_episodes.csv", 2, "person_ref", "P2") in errors
    assert snapshot() == before


# Records an import made and nobody changed: still never moved, closed or reopened -------


@pytest.mark.parametrize(
    "second",
    [
        FAMILIES.replace("West,Team A", "West,Team B"),
        FAMILIES.replace("West,Team A", "Chesil,Team A"),
        FAMILIES.replace("2022-03-01,,", "2022-03-01,2023-01-31,Stepped down"),
    ],
    ids=["another team", "another locality", "closed"],
)
def test_a_reimport_never_moves_or_closes_a_case(tmp_path, second):
    run(tmp_path / "first")
    before = snapshot()

    errors = refused(tmp_path / "second", families=second)

    assert errors == [already_recorded("families.csv", 2, "family_ref", "F1")]
    assert snapshot() == before


def test_a_reimport_never_reopens_a_case_closed_in_the_old_system(tmp_path):
    closed = FAMILIES.replace("2022-03-01,,", "2022-03-01,2023-01-31,Stepped down")
    run(tmp_path / "first", families=closed)
    before = snapshot()

    errors = refused(tmp_path / "second")

    assert errors == [already_recorded("families.csv", 2, "family_ref", "F1")]
    assert snapshot() == before


@pytest.mark.parametrize(
    "second",
    [
        INTERVENTIONS.replace("I1,P1,dmt", "I1,P3,dmt"),
        INTERVENTIONS.replace(",dmt,", ",substance_use,"),
        INTERVENTIONS.replace("2022-03-05,,", "2022-03-05,2022-12-31,"),
    ],
    ids=["another person", "another pathway", "closed"],
)
def test_a_reimport_never_moves_or_closes_an_intervention(tmp_path, second):
    run(tmp_path / "first")
    people = PEOPLE + "P3,F1,mother,Eve,Smith,,,,,\n"
    referral = Referral.objects.values().get(reference="I1")

    errors = refused(tmp_path / "second", people=people, interventions=second)

    assert errors == [already_recorded("interventions.csv", 2, "intervention_ref", "I1")]
    assert Referral.objects.values().get(reference="I1") == referral


def test_an_imported_intervention_changed_in_dmt_is_not_updated_by_import(tmp_path, alice):
    from referrals.services import referral_engagement_change

    run(tmp_path / "first")
    referral_engagement_change(
        referral=Referral.objects.get(reference="I1"),
        engagement="not_engaged",
        changed_on=datetime.date(2022, 4, 1),
        acting_user=alice,
    )

    errors = refused(tmp_path / "second")

    assert errors == [already_recorded("interventions.csv", 2, "intervention_ref", "I1")]
    assert Referral.objects.get(reference="I1").engagement == "not_engaged"


def test_an_imported_person_edited_in_dmt_is_not_updated_by_import(tmp_path, alice):
    from families.services import person_update

    run(tmp_path / "first")
    father = Person.objects.get(reference="P1")
    person_update(
        person=father, expected_version=1, changes={"phone": "01234 567890"}, acting_user=alice
    )

    errors = refused(tmp_path / "second", people=PEOPLE.replace("Dan,", "Daniel,"))

    # His own row, and each row naming him, is refused; nothing else in the bundle is.
    assert errors == [
        already_recorded("people.csv", 2, "person_ref", "P1"),
        already_recorded("interventions.csv", 2, "person_ref", "P1"),
    ]
    father.refresh_from_db()
    assert (father.given_name, father.phone) == ("Dan", "01234 567890")


def test_the_problem_reads_the_same_whatever_the_reason(tmp_path, live_case, alice):
    """Made in DMT, changed in DMT since an import, or a move between families: one
    sentence, so a dry run cannot tell them apart."""
    run(tmp_path / "first")
    from families.services import person_update

    person_update(
        person=Person.objects.get(reference="P1"),
        expected_version=1,
        changes={"phone": "01234 567890"},
        acting_user=alice,
    )
    families = FAMILIES + "F2,West,Team A,Pilot,2022-04-01,,\n"
    people = (
        PEOPLE.replace("P2,F1,child", "P2,F2,child")  # moved between families
        + "P-LIVE,F1,child,Someone,Else,,,,,\n"  # recorded in DMT, in another case
    )

    result = run(tmp_path / "second", dry_run=True, families=families, people=people)

    messages = {error.split(": ", 2)[2] for error in result.errors if error.startswith("people")}
    assert messages == {
        f"{ref} is already recorded in DMT; change it there, not by import"
        for ref in ("P1", "P2", "P-LIVE")
    }


# What an import may still do -----------------------------------------------------------------


def test_an_untouched_imported_record_is_updated_by_each_later_import(tmp_path):
    run(tmp_path / "first")

    second = run(tmp_path / "second", families=FAMILIES.replace("Pilot", "Pilot 2"))
    third = run(tmp_path / "third", families=FAMILIES.replace("Pilot", "Pilot 3"))

    assert second.ok and third.ok, (second.errors, third.errors)
    family = Family.objects.get(reference="F1")
    assert (family.cohort, family.version) == ("Pilot 3", 3)


def test_an_import_adds_interventions_for_an_adult_it_created(tmp_path):
    run(tmp_path / "first")
    interventions = INTERVENTIONS + "I2,P1,substance_use,2022-05-01,,,,,\n"

    result = run(tmp_path / "second", interventions=interventions)

    assert result.ok, result.errors
    assert Referral.objects.filter(person__reference="P1").count() == 2


def test_an_import_records_what_it_created_and_by_which_run(tmp_path):
    result = run(tmp_path)

    records = ImportedRecord.objects.filter(created_by_id=result.run_id)
    assert sorted(records.values_list("object_type", "reference")) == [
        ("families.family", "F1"),
        # A membership goes by its person's reference.
        ("families.membership", "P1"),
        ("families.membership", "P2"),
        ("families.person", "P1"),
        ("families.person", "P2"),
        ("referrals.referral", "I1"),
    ]


def test_a_new_episode_recorded_in_dmt_changes_the_childs_fingerprint(tmp_path, alice):
    """Episodes carry no version: the child's history is fingerprinted as a whole."""
    run(tmp_path / "first", status_episodes=None)
    child = Person.objects.get(reference="P2")
    record = ImportedRecord.objects.get(object_type="families.person", object_id=child.pk)

    child_status_change(
        child=child, status="cin", start_date=datetime.date(2022, 5, 1), acting_user=alice
    )

    assert record.fingerprint == fingerprint(Person.objects.get(pk=child.pk))
    assert record.episodes_fingerprint != episodes_fingerprint(child.status_episodes.all())


# Who may import -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.ADMIN, "is_staff": True, "is_superuser": True},
        {"role": Role.SERVICE_MANAGER},
        {"role": Role.BUSINESS_SUPPORT, "can_import_cases": True, "is_active": False},
    ],
    ids=["administrator", "service manager", "inactive holder"],
)
def test_only_an_active_holder_of_the_permission_imports(tmp_path, make_user, fields):
    user = make_user(username="someone", **fields)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        run(tmp_path, acting_user=user, dry_run=True)

    assert snapshot() == before
    assert not ImportRun.objects.exists()


def test_the_command_imports_as_a_named_holder_of_the_permission(tmp_path, make_user):
    migrator = make_user(Role.BUSINESS_SUPPORT, username="mig", can_import_cases=True)
    folder = write_bundle(tmp_path)

    call_command("import_cases", str(folder), "--as", "mig", stdout=io.StringIO())

    events = AuditEvent.objects.filter(action="create")
    assert set(events.values_list("actor", "username")) == {(migrator.pk, "mig")}


@pytest.mark.parametrize("username", ["root", "nobody"])
def test_the_command_refuses_to_import_as_anyone_without_the_permission(
    tmp_path, make_user, username
):
    make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)

    with pytest.raises(CommandError, match="not an active member of staff with the case import"):
        call_command("import_cases", str(write_bundle(tmp_path)), "--as", username)

    assert not Family.objects.exists()
