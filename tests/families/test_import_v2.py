"""Case import version 2: one person in several families (a row per person and family), and
an intervention naming the family its referral was made in."""

import datetime
from pathlib import Path

import pytest

from accounts.models import AuditEvent
from caseimport.importer import import_bundle, read_bundle
from families.models import Family, ImportedRecord, Membership, Person, StatusEpisode
from families.services import family_allocate, family_create, membership_add, membership_end
from referrals.models import Referral

from .test_import_cases import counts, families_of, refused, run, stored

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "dmt-v2"

FAMILIES = """\
family_ref,locality,team,cohort,opened_on,closed_on,closure_reason
F1,West,Team A,Pilot,2022-03-01,,
F2,West,Team A,Pilot,2022-04-01,,
"""
# Dan is Amy's father in F1 and Kai's father figure in F2; his second row leaves his
# family name and date of birth empty, and gives his ethnicity.
PEOPLE = """\
person_ref,family_ref,role,given_name,family_name,date_of_birth,sex,ethnicity,care_experienced,previous_child_removal
P1,F1,father,Dan,Smith,1990-01-02,male,,yes,no
P2,F1,child,Amy,Smith,2015-05-05,female,,,
P1,F2,father_figure,Dan,,,,White British,,
P3,F2,mother,Zoe,Jones,,female,,,
P4,F2,child,Kai,Jones,2019-01-01,male,,,
"""
EPISODES = """\
person_ref,status,start_date,end_date
P2,cp,2022-03-01,
P4,cin,2022-04-01,
"""
INTERVENTIONS = """\
intervention_ref,person_ref,family_ref,pathway,referred_on,engagement,allocated_on,closed_on,closure_reason,previously_known
I1,P1,F1,dmt,2022-03-02,engaged,2022-03-05,,,no
I2,P1,F2,substance_use,2022-04-02,,,,,
I3,P3,,mental_health,2022-05-01,,,,,
"""
V2 = {
    "families": FAMILIES,
    "people": PEOPLE,
    "status_episodes": EPISODES,
    "interventions": INTERVENTIONS,
}


def run_v2(folder: Path, **files: str | None):
    return run(folder, **{**V2, **files})


def refused_v2(folder: Path, **files: str | None) -> list[str]:
    return refused(folder, **{**V2, **files})


def already_recorded(file: str, line: int, column: str, reference: str) -> str:
    return (
        f"{file}:{line}: {column}: {reference} is already recorded in DMT; change it there, "
        "not by import"
    )


def memberships() -> list[tuple]:
    return list(
        Membership.objects.order_by("id").values_list(
            "id", "person__reference", "family__reference", "role", "left_on", "version"
        )
    )


# One person, several families ----------------------------------------------------------------


def test_a_person_on_two_rows_is_one_person_in_two_families(tmp_path):
    result = run_v2(tmp_path)

    assert result.ok, result.errors
    # people.csv counts people, not rows.
    assert counts(result)["people.csv"] == (4, 0, 0)
    assert Person.objects.count() == 4
    assert families_of("P1") == [("F1", "father"), ("F2", "father_figure")]
    assert families_of("P4") == [("F2", "child")]
    assert all(joined is None for joined in Membership.objects.values_list("joined_on", flat=True))


def test_an_empty_cell_agrees_with_anything_and_the_filled_one_wins(tmp_path):
    run_v2(tmp_path)

    dan = Person.objects.get(reference="P1")
    assert (
        dan.given_name,
        dan.family_name,
        dan.date_of_birth,
        dan.sex,
        dan.ethnicity,
        dan.care_experienced,
        dan.previous_child_removal,
    ) == ("Dan", "Smith", datetime.date(1990, 1, 2), "male", "White British", True, False)


def test_a_child_may_be_a_child_in_two_families(tmp_path):
    people = PEOPLE + "P2,F2,child,Amy,Smith,,,,,\n"

    result = run_v2(tmp_path, people=people)

    assert result.ok, result.errors
    assert families_of("P2") == [("F1", "child"), ("F2", "child")]


@pytest.mark.parametrize(
    ("column", "first", "second", "shown"),
    [
        ("given_name", "Dan", "Daniel", "Dan"),
        ("family_name", "Smith", "Smyth", "Smith"),
        ("date_of_birth", "1990-01-02", "1990-02-01", "1990-01-02"),
        ("sex", "male", "unknown", "male"),
        ("ethnicity", "White British", "White other", "White British"),
        ("care_experienced", "yes", "no", "yes"),
        ("previous_child_removal", "no", "yes", "no"),
    ],
)
def test_a_persons_rows_must_agree_on_who_they_are(tmp_path, column, first, second, shown):
    header = PEOPLE.splitlines()[0]
    columns = header.split(",")

    def row(family: str, role: str, value: str) -> str:
        cells = dict.fromkeys(columns, "")
        cells.update(person_ref="P1", family_ref=family, role=role, given_name="Dan")
        cells[column] = value
        return ",".join(cells[name] for name in columns)

    people = "\n".join(
        [header, row("F1", "father", first), "P2,F1,child,Amy,,,,,,", row("F2", "father", second)]
    )

    assert refused_v2(tmp_path, people=people + "\n", status_episodes=None, interventions=None) == [
        f"people.csv:4: {column}: differs from P1's row on line 2 ({shown})"
    ]


def test_the_same_person_twice_in_one_family_is_refused(tmp_path):
    people = PEOPLE + "P1,F1,father_figure,Dan,,,,,,\n"

    assert refused_v2(tmp_path, people=people) == [
        "people.csv:7: person_ref: P1 in F1 is already on line 2"
    ]


def test_a_child_in_one_family_cannot_be_an_adult_in_another(tmp_path):
    people = PEOPLE + "P2,F2,other_adult,Amy,,,,,,\n"

    assert refused_v2(tmp_path, people=people) == [
        "people.csv:7: role: P2 is a child on line 3: a child is a child in every family"
    ]


def test_an_adult_in_one_family_cannot_be_a_child_in_another(tmp_path):
    people = PEOPLE.replace("P1,F2,father_figure,", "P1,F2,child,")

    errors = refused_v2(tmp_path, people=people)

    assert errors[0] == (
        "people.csv:4: role: P1 is an adult (father) on line 2: a child is a child in every family"
    )


# interventions.csv: family_ref ---------------------------------------------------------------


def test_each_referral_is_in_the_family_its_row_names_or_the_persons_only_family(tmp_path):
    run_v2(tmp_path)

    assert dict(Referral.objects.values_list("reference", "family__reference")) == {
        "I1": "F1",
        "I2": "F2",
        "I3": "F2",  # Zoe is in F2 only
    }


def test_a_version_1_interventions_file_puts_each_referral_in_its_persons_family(tmp_path):
    """No family_ref column at all: everyone is in one family."""
    from .test_import_cases import INTERVENTIONS as V1_INTERVENTIONS

    result = run(tmp_path)

    assert result.ok, result.errors
    assert "family_ref" not in V1_INTERVENTIONS
    assert Referral.objects.get(reference="I1").family.reference == "F1"


def test_family_ref_is_required_for_someone_in_more_than_one_family(tmp_path):
    interventions = INTERVENTIONS.replace("I2,P1,F2,", "I2,P1,,")

    assert refused_v2(tmp_path, interventions=interventions) == [
        "interventions.csv:3: family_ref: a value is required: P1 is in more than one family "
        "(F1, F2)"
    ]


def test_family_ref_must_be_a_family_in_the_bundle_or_recorded(tmp_path):
    interventions = INTERVENTIONS.replace("I3,P3,,", "I3,P3,F404,")

    assert refused_v2(tmp_path, interventions=interventions) == [
        "interventions.csv:4: family_ref: no family F404 in families.csv or already recorded"
    ]


def test_family_ref_must_be_one_of_the_persons_families(tmp_path):
    interventions = INTERVENTIONS.replace("I3,P3,,", "I3,P3,F1,")

    assert refused_v2(tmp_path, interventions=interventions) == [
        "interventions.csv:4: family_ref: P3 is not in family F1"
    ]


def test_a_later_bundle_may_add_an_intervention_in_a_family_an_import_made(tmp_path):
    run_v2(tmp_path / "first")
    interventions = INTERVENTIONS + "I4,P1,F2,dmt,2022-06-01,,,,,\n"

    result = run(
        tmp_path / "second",
        people="person_ref,family_ref,role,given_name\n",
        families="family_ref,locality,opened_on\n",
        status_episodes=None,
        interventions=interventions,
    )

    assert result.ok, result.errors
    assert counts(result)["interventions.csv"] == (1, 0, 3)
    assert Referral.objects.get(reference="I4").family.reference == "F2"


def test_a_later_bundle_of_interventions_alone_finds_the_persons_only_family(tmp_path):
    run_v2(tmp_path / "first")
    interventions = "intervention_ref,person_ref,pathway,referred_on\nI5,P3,dmt,2022-07-01\n"

    result = run(
        tmp_path / "second",
        families="family_ref,locality,opened_on\n",
        people="person_ref,family_ref,role,given_name\n",
        status_episodes=None,
        interventions=interventions,
    )

    assert result.ok, result.errors
    assert Referral.objects.get(reference="I5").family.reference == "F2"


def test_an_intervention_in_a_case_changed_in_dmt_since_is_refused(tmp_path, alice):
    run_v2(tmp_path / "first", families=FAMILIES.replace("Team A", alice.team.name))
    family_allocate(
        family=Family.objects.get(reference="F2"),
        social_worker=alice,
        start_date=datetime.date(2022, 4, 1),
        acting_user=alice,
    )
    interventions = INTERVENTIONS + "I4,P1,F2,dmt,2022-06-01,,,,,\n"

    errors = refused(
        tmp_path / "second",
        families="family_ref,locality,opened_on\n",
        people="person_ref,family_ref,role,given_name\n",
        status_episodes=None,
        interventions=interventions,
    )

    # I2 and I3 are already in F2: unchanged, but a referral in a live case all the same.
    assert errors == [
        already_recorded("interventions.csv", 3, "family_ref", "F2"),
        already_recorded("interventions.csv", 4, "person_ref", "P3"),
        already_recorded("interventions.csv", 5, "family_ref", "F2"),
    ]
    assert not Referral.objects.filter(reference="I4").exists()


# Importing again -----------------------------------------------------------------------------


def test_importing_a_version_2_bundle_again_changes_nothing(tmp_path):
    run_v2(tmp_path / "first")
    before = stored(), memberships(), list(ImportedRecord.objects.values_list())

    result = run_v2(tmp_path / "second")

    assert result.ok, result.errors
    assert counts(result) == {
        "families.csv": (0, 0, 2),
        "people.csv": (0, 0, 4),
        "status_episodes.csv": (0, 0, 2),
        "interventions.csv": (0, 0, 3),
    }
    assert (stored(), memberships(), list(ImportedRecord.objects.values_list())) == before


def test_a_reimport_may_add_a_family_to_a_person_it_created(tmp_path):
    run_v2(
        tmp_path / "first",
        people=PEOPLE.replace("P1,F2,father_figure,Dan,,,,White British,,\n", ""),
        interventions=INTERVENTIONS.replace("I1,P1,F1,", "I1,P1,,").replace(
            "I2,P1,F2,substance_use", "I2,P1,F1,substance_use"
        ),
    )
    assert families_of("P1") == [("F1", "father")]

    result = run_v2(
        tmp_path / "second",
        interventions=INTERVENTIONS.replace("I2,P1,F2,substance_use", "I2,P1,F1,substance_use"),
    )

    assert result.ok, result.errors
    assert families_of("P1") == [("F1", "father"), ("F2", "father_figure")]
    # Dan's ethnicity came with his new row; he is one person updated.
    assert counts(result)["people.csv"] == (0, 1, 3)
    created = AuditEvent.objects.filter(
        action="create", object_type="families.membership", detail__import_run=result.run_id
    )
    assert created.count() == 1


def test_a_reimport_may_change_a_persons_role_in_one_family(tmp_path):
    run_v2(tmp_path / "first")
    membership = Membership.objects.get(person__reference="P1", family__reference="F2")

    result = run_v2(
        tmp_path / "second", people=PEOPLE.replace("P1,F2,father_figure,", "P1,F2,father,")
    )

    assert result.ok, result.errors
    assert counts(result)["people.csv"] == (0, 1, 3)
    membership.refresh_from_db()
    assert (membership.role, membership.version) == ("father", 2)
    assert AuditEvent.objects.filter(
        action="update", object_type="families.membership", object_id=str(membership.pk)
    ).exists()


def test_a_reimport_that_leaves_a_person_out_of_a_family_is_refused(tmp_path):
    """Leaving a family is recorded in DMT (membership_end), not by dropping a row."""
    run_v2(tmp_path / "first")
    before = memberships()
    people = PEOPLE.replace("P1,F2,father_figure,Dan,,,,White British,,\n", "")
    interventions = INTERVENTIONS.replace("I2,P1,F2,", "I2,P1,F1,")

    errors = refused_v2(tmp_path / "second", people=people, interventions=interventions)

    assert errors[0] == already_recorded("people.csv", 2, "person_ref", "P1")
    assert memberships() == before


def test_a_person_who_left_a_family_in_dmt_is_no_longer_updated_by_import(tmp_path, alice):
    run_v2(tmp_path / "first")
    membership_end(
        membership=Membership.objects.get(person__reference="P1", family__reference="F2"),
        left_on=datetime.date(2022, 9, 30),
        expected_version=1,
        acting_user=alice,
    )
    before = memberships()

    errors = refused_v2(tmp_path / "second")

    assert errors == [
        already_recorded("people.csv", 2, "person_ref", "P1"),
        already_recorded("people.csv", 4, "person_ref", "P1"),
        already_recorded("interventions.csv", 2, "person_ref", "P1"),
        already_recorded("interventions.csv", 3, "person_ref", "P1"),
    ]
    assert memberships() == before


def test_a_person_who_joined_a_family_in_dmt_is_no_longer_updated_by_import(tmp_path, alice):
    run_v2(tmp_path / "first")
    live = family_create(
        reference="F-LIVE",
        locality=alice.team.locality,
        team=alice.team,
        social_worker=alice,
        opened_on=datetime.date(2023, 1, 10),
        acting_user=alice,
    )
    membership_add(
        person=Person.objects.get(reference="P3"),
        family=live,
        role=Membership.Role.MOTHER,
        joined_on=datetime.date(2023, 1, 10),
        acting_user=alice,
    )

    errors = refused_v2(tmp_path / "second", people=PEOPLE.replace("Zoe,", "Zoë,"))

    assert errors == [
        already_recorded("people.csv", 5, "person_ref", "P3"),
        already_recorded("interventions.csv", 4, "person_ref", "P3"),
    ]
    assert Person.objects.get(reference="P3").given_name == "Zoe"


def test_a_reimport_never_moves_an_intervention_to_another_family(tmp_path):
    run_v2(tmp_path / "first")

    errors = refused_v2(
        tmp_path / "second", interventions=INTERVENTIONS.replace("I1,P1,F1,", "I1,P1,F2,")
    )

    assert errors == [already_recorded("interventions.csv", 2, "intervention_ref", "I1")]
    assert Referral.objects.get(reference="I1").family.reference == "F1"


def test_a_child_in_two_families_stays_a_child_in_both(tmp_path):
    """A child with episodes would become an adult in both families: refused, once."""
    people = PEOPLE + "P2,F2,child,Amy,,,,,,\n"
    run_v2(tmp_path / "first", people=people)
    before = memberships()
    as_adult = people.replace("P2,F1,child,", "P2,F1,other_adult,").replace(
        "P2,F2,child,", "P2,F2,other_adult,"
    )

    errors = refused_v2(tmp_path / "second", people=as_adult, status_episodes=None)

    assert errors == [already_recorded("people.csv", 3, "person_ref", "P2")]
    assert memberships() == before


# The fixture ---------------------------------------------------------------------------------


def test_the_v2_fixture_imports_a_father_in_two_households(tmp_path):
    result = import_bundle(read_bundle(FIXTURE), acting_user=None)

    assert result.ok, result.errors
    assert counts(result) == {
        "families.csv": (2, 0, 0),
        "people.csv": (6, 0, 0),
        "status_episodes.csv": (4, 0, 0),
        "interventions.csv": (3, 0, 0),
    }
    assert families_of("V-DAD") == [("V-ASH", "father"), ("V-BRK", "father")]
    assert list(
        Referral.objects.filter(person__reference="V-DAD")
        .order_by("referred_on")
        .values_list("pathway__code", "family__reference", "closed_on")
    ) == [("dmt", "V-ASH", datetime.date(2023, 7, 28)), ("dmt", "V-BRK", None)]
    assert Referral.objects.get(reference="V-I3").family.reference == "V-BRK"
    assert StatusEpisode.objects.filter(child__memberships__family__reference="V-ASH").count() == 3

    again = import_bundle(read_bundle(FIXTURE), acting_user=None)

    assert again.ok, again.errors
    assert {name: count.created + count.updated for name, count in again.counts.items()} == {
        "families.csv": 0,
        "people.csv": 0,
        "status_episodes.csv": 0,
        "interventions.csv": 0,
    }


def test_reimporting_looks_rows_up_in_bulk_not_one_by_one(django_assert_max_num_queries):
    import_bundle(read_bundle(FIXTURE), acting_user=None)

    with django_assert_max_num_queries(30):
        import_bundle(read_bundle(FIXTURE), acting_user=None)
