import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuditEvent, Locality, Team
from caseimport.importer import BundleError, ImportResult, import_bundle, read_bundle
from families.models import Family, Membership, Person, PersonName, StatusEpisode
from referrals.models import Referral

from ..factories import FamilyFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

PILOT = Path(__file__).resolve().parent.parent / "fixtures" / "dmt-pilot"

FAMILIES = """\
family_ref,locality,team,cohort,opened_on,closed_on,closure_reason
F1,West,Team A,Pilot,2022-03-01,,
"""
PEOPLE = """\
person_ref,family_ref,role,given_name,family_name,date_of_birth,sex,ethnicity,care_experienced,previous_child_removal
P1,F1,father,Dan,Smith,1990-01-02,male,,yes,no
P2,F1,child,Amy,Smith,2015-05-05,female,,,
"""
EPISODES = """\
person_ref,status,start_date,end_date
P2,cp,2022-03-01,2022-09-08
P2,cin,2022-09-09,
"""
INTERVENTIONS = """\
intervention_ref,person_ref,pathway,referred_on,engagement,allocated_on,closed_on,closure_reason,previously_known
I1,P1,dmt,2022-03-02,engaged,2022-03-05,,,no
"""
BUNDLE = {
    "families": FAMILIES,
    "people": PEOPLE,
    "status_episodes": EPISODES,
    "interventions": INTERVENTIONS,
}


def write_bundle(folder: Path, **files: str | None) -> Path:
    """The small bundle above, with some files replaced (or left out, given None)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**BUNDLE, **files}.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def run(folder: Path, *, acting_user=None, dry_run=False, **files: str | None) -> ImportResult:
    return import_bundle(
        read_bundle(write_bundle(folder, **files)), acting_user=acting_user, dry_run=dry_run
    )


def stored() -> dict[str, int]:
    return {
        "families": Family.objects.count(),
        "people": Person.objects.count(),
        "episodes": StatusEpisode.objects.count(),
        "referrals": Referral.objects.count(),
        "localities": Locality.objects.count(),
        "teams": Team.objects.count(),
        # About records: every run, preview or refusal, leaves its own ImportRun row.
        "audit": AuditEvent.objects.exclude(object_type="families.importrun").count(),
    }


def counts(result: ImportResult) -> dict[str, tuple[int, int, int]]:
    return {
        name: (count.created, count.updated, count.unchanged)
        for name, count in result.counts.items()
    }


def refused(folder: Path, **files: str | None) -> list[str]:
    """Run an import that must fail; check nothing was written and return the problems."""
    before = stored()
    result = run(folder, **files)
    assert not result.ok
    assert stored() == before
    return result.errors


def families_of(person_ref: str) -> list[tuple[str, str]]:
    """The person's memberships as (family_ref, role), current and past."""
    return list(
        Membership.objects.filter(person__reference=person_ref)
        .order_by("family__reference")
        .values_list("family__reference", "role")
    )


def zip_of(folder: Path, *, inside: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.glob("*.csv")):
            archive.write(file, f"{inside}/{file.name}" if inside else file.name)
    return buffer.getvalue()


# The pilot bundle ----------------------------------------------------------------------------


def test_the_pilot_bundle_imports_cleanly():
    result = import_bundle(read_bundle(PILOT), acting_user=None)

    assert result.ok, result.errors
    assert counts(result) == {
        "families.csv": (50, 0, 0),
        "people.csv": (125, 0, 0),
        "status_episodes.csv": (118, 0, 0),
        "interventions.csv": (50, 0, 0),
    }
    assert (
        Family.objects.count(),
        Person.objects.count(),
        StatusEpisode.objects.count(),
        Referral.objects.count(),
    ) == (50, 125, 118, 50)
    assert sorted(Team.objects.values_list("locality__name", "name")) == [
        ("South", "Team A"),
        ("West", "Team A"),
    ]
    assert Family.objects.filter(cohort="DMT pilot 2022-23").count() == 50


def test_importing_the_pilot_bundle_again_changes_nothing():
    import_bundle(read_bundle(PILOT), acting_user=None)
    before = stored()
    episode_ids = set(StatusEpisode.objects.values_list("pk", flat=True))

    result = import_bundle(read_bundle(PILOT), acting_user=None)

    assert counts(result) == {
        "families.csv": (0, 0, 50),
        "people.csv": (0, 0, 125),
        "status_episodes.csv": (0, 0, 118),
        "interventions.csv": (0, 0, 50),
    }
    assert stored() == before
    assert set(StatusEpisode.objects.values_list("pk", flat=True)) == episode_ids
    assert set(Family.objects.values_list("version", flat=True)) == {1}


def test_the_import_looks_rows_up_in_bulk_not_one_by_one(django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        import_bundle(read_bundle(PILOT), acting_user=None)


@pytest.mark.parametrize("inside", ["", "dmt-pilot"])
def test_a_zip_holds_the_files_at_its_root_or_in_one_folder(tmp_path, inside):
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(zip_of(PILOT, inside=inside))

    result = import_bundle(read_bundle(archive), acting_user=None)

    assert result.ok, result.errors
    assert Person.objects.count() == 125


def test_a_zip_with_files_in_two_folders_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("one/families.csv", FAMILIES)
        archive.writestr("two/people.csv", PEOPLE)
    buffer.seek(0)

    with pytest.raises(BundleError, match="more than one folder"):
        read_bundle(buffer)


def test_a_path_that_is_neither_a_folder_nor_a_zip_is_refused(tmp_path):
    text_file = tmp_path / "families.csv"
    text_file.write_text(FAMILIES)

    with pytest.raises(BundleError, match="not a folder or a .zip"):
        read_bundle(text_file)


# Files, headers and cells --------------------------------------------------------------------


def test_a_byte_order_mark_any_column_order_and_extra_columns_are_accepted(tmp_path):
    families = (
        "\ufeffnotes,opened_on,locality,family_ref\r\nanything,2022-03-01,West,F1\r\n"
        "\r\n"  # a blank line is skipped
    )
    people = "given_name,role,family_ref,person_ref,shoe_size\nDan,father,F1,P1,44\n"

    result = run(
        tmp_path, families=families, people=people, status_episodes=None, interventions=None
    )

    assert result.ok, result.errors
    family = Family.objects.get(reference="F1")
    assert (family.locality.name, family.team, family.opened_on) == (
        "West",
        None,
        datetime.date(2022, 3, 1),
    )
    assert Person.objects.get(reference="P1").given_name == "Dan"


def test_a_missing_required_column_is_reported_on_the_header_line(tmp_path):
    people = "person_ref,family_ref,role\nP1,F1,father\n"

    assert refused(tmp_path, people=people) == ["people.csv:1: given_name: missing required column"]


@pytest.mark.parametrize("missing", ["families", "people"])
def test_families_and_people_are_required_files(tmp_path, missing):
    errors = refused(tmp_path, **{missing: None})

    assert f"{missing}.csv:1: -: missing from the bundle" in errors


def test_status_episodes_and_interventions_may_be_left_out(tmp_path):
    result = run(tmp_path, status_episodes=None, interventions=None)

    assert result.ok, result.errors
    assert counts(result)["status_episodes.csv"] == (0, 0, 0)
    assert (Person.objects.count(), StatusEpisode.objects.count(), Referral.objects.count()) == (
        2,
        0,
        0,
    )


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    write_bundle(tmp_path)
    (tmp_path / "people.csv").write_bytes(PEOPLE.replace("Amy", "Zoë").encode("latin-1"))
    before = stored()

    result = import_bundle(read_bundle(tmp_path), acting_user=None)

    assert result.errors == ["people.csv:3: -: not UTF-8 text (save the file as UTF-8 CSV)"]
    assert stored() == before


def test_a_required_value_left_empty_is_refused(tmp_path):
    families = FAMILIES + "F2,,,,2022-03-01,,\n"

    assert refused(tmp_path, families=families) == ["families.csv:3: locality: a value is required"]


def test_a_value_too_long_for_the_record_is_refused(tmp_path):
    families = FAMILIES + f"{'F' * 41},West,,,2022-03-01,,\n"

    assert refused(tmp_path, families=families) == [
        "families.csv:3: family_ref: longer than 40 characters"
    ]


def test_a_row_with_more_values_than_the_header_is_refused(tmp_path):
    families = FAMILIES + "F2,West,Team A,Pilot,2022-03-01,,,surprise\n"

    assert refused(tmp_path, families=families) == [
        "families.csv:3: -: 8 values but the header names 7 columns"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("01/03/2022", "not a date (use YYYY-MM-DD)"),
        ("2022-3-1", "not a date (use YYYY-MM-DD)"),
        ("20220301", "not a date (use YYYY-MM-DD)"),
        ("2022-02-30", "not a real date (use YYYY-MM-DD)"),
        # Dates every form refuses (dmt.parsing): no import brings them in by the back door.
        ("9999-12-31", "not between 1900-01-01 and 2200-12-31"),
        ("0001-01-01", "not between 1900-01-01 and 2200-12-31"),
    ],
)
def test_dates_must_be_real_iso_dates(tmp_path, value, message):
    families = FAMILIES.replace("2022-03-01", value)

    assert refused(tmp_path, families=families) == [f"families.csv:2: opened_on: {message}"]


def test_problems_name_the_file_line_and_column_counting_the_header_as_line_1(tmp_path):
    people = PEOPLE + "P3,F1,child,Bea,Smith,05/05/2016,,,,\n"

    assert refused(tmp_path, people=people) == [
        "people.csv:4: date_of_birth: not a date (use YYYY-MM-DD)"
    ]


def test_a_date_of_birth_cannot_be_in_the_future(tmp_path):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    people = PEOPLE + f"P3,F1,child,Bea,Smith,{tomorrow},,,,\n"

    assert refused(tmp_path, people=people) == ["people.csv:4: date_of_birth: in the future"]


@pytest.mark.parametrize("value", ["true", "Yes", "y", "1", "unknown"])
def test_a_boolean_is_yes_no_or_empty(tmp_path, value):
    people = PEOPLE.replace("yes,no", f"{value},no")

    assert refused(tmp_path, people=people) == [
        "people.csv:2: care_experienced: not yes, no or empty"
    ]


def test_an_empty_boolean_is_stored_as_unknown(tmp_path):
    run(tmp_path, people=PEOPLE.replace("yes,no", ","))

    father = Person.objects.get(reference="P1")
    assert (father.care_experienced, father.previous_child_removal) == (None, None)


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        (
            "people",
            PEOPLE.replace(",father,", ",Father,"),
            "people.csv:2: role: not one of child, mother, father, father_figure, carer, "
            "other_adult",
        ),
        (
            "people",
            PEOPLE.replace(",male,", ",m,"),
            "people.csv:2: sex: not one of female, male, other, unknown",
        ),
        (
            "status_episodes",
            EPISODES.replace(",cin,", ",CIN,"),
            "status_episodes.csv:3: status: not one of early_help, cin, cp, pre_proceedings, "
            "care_proceedings, looked_after",
        ),
        (
            "interventions",
            INTERVENTIONS.replace(",dmt,", ",dads,"),
            "interventions.csv:2: pathway: not one of dmt, substance_use, domestic_abuse_victim, "
            "domestic_abuse_perpetrator, mental_health",
        ),
        (
            "interventions",
            INTERVENTIONS.replace(",engaged,", ",engaging,"),
            "interventions.csv:2: engagement: not one of new, engaged, inconsistent, not_engaged",
        ),
    ],
)
def test_enumerations_take_exactly_the_listed_values(tmp_path, file, text, expected):
    assert refused(tmp_path, **{file: text}) == [expected]


def test_empty_sex_is_not_known_and_empty_engagement_is_new(tmp_path):
    run(
        tmp_path,
        people=PEOPLE.replace(",male,", ",,"),
        interventions=INTERVENTIONS.replace(",engaged,", ",,"),
    )

    assert Person.objects.get(reference="P1").sex == "unknown"
    assert Referral.objects.get(reference="I1").engagement == "new"


def test_at_most_100_problems_are_listed_with_the_total(tmp_path):
    families = FAMILIES + "".join(f"F{n},West,,,not-a-date,,\n" for n in range(2, 152))

    result = run(tmp_path, families=families)

    assert (len(result.errors), result.error_count, result.hidden_error_count) == (100, 150, 50)
    assert result.errors[0] == "families.csv:3: opened_on: not a date (use YYYY-MM-DD)"
    assert Family.objects.count() == 0


def test_problems_are_listed_in_file_and_line_order(tmp_path):
    families = FAMILIES + "F1,West,,,2022-03-01,,\n"
    people = PEOPLE + "P3,F9,child,Cat,,bad,,,,\n"

    assert refused(tmp_path, families=families, people=people) == [
        "families.csv:3: family_ref: F1 is already on line 2",
        "people.csv:4: date_of_birth: not a date (use YYYY-MM-DD)",
        "people.csv:4: family_ref: no family F9 in families.csv or already recorded",
    ]


# families.csv --------------------------------------------------------------------------------


def test_a_repeated_family_ref_is_refused_on_its_second_line(tmp_path):
    families = FAMILIES + "F2,West,,,2022-03-01,,\nF1,South,,,2022-04-01,,\n"

    assert refused(tmp_path, families=families) == [
        "families.csv:4: family_ref: F1 is already on line 2"
    ]


def test_a_family_closed_before_it_opened_is_refused(tmp_path):
    families = FAMILIES.replace("2022-03-01,,", "2022-03-01,2022-02-28,Moved away")

    assert refused(tmp_path, families=families) == [
        "families.csv:2: closed_on: before opened_on (2022-03-01)"
    ]


def test_a_team_is_found_or_created_within_the_familys_locality(tmp_path):
    west_team = TeamFactory(name="Team A", locality__name="West")
    families = FAMILIES + "F2,Chesil,Team A,,2022-03-01,,\n"

    result = run(tmp_path, families=families)

    assert Family.objects.get(reference="F1").team == west_team
    chesil_team = Family.objects.get(reference="F2").team
    assert (chesil_team.locality.name, chesil_team.name) == ("Chesil", "Team A")
    assert chesil_team != west_team
    assert (result.new_localities, result.new_teams) == (["Chesil"], ["Team A (Chesil)"])


# people.csv ----------------------------------------------------------------------------------


def test_a_repeated_person_ref_in_the_same_family_is_refused(tmp_path):
    people = PEOPLE + "P1,F1,mother,Eve,Smith,,,,,\n"

    assert refused(tmp_path, people=people) == [
        "people.csv:4: person_ref: P1 in F1 is already on line 2"
    ]


def test_a_person_in_an_unknown_family_is_refused(tmp_path):
    people = PEOPLE + "P3,F404,mother,Eve,Smith,,,,,\n"

    assert refused(tmp_path, people=people) == [
        "people.csv:4: family_ref: no family F404 in families.csv or already recorded"
    ]


def test_a_person_may_join_a_family_an_earlier_import_created(tmp_path):
    run(tmp_path / "first")
    people = PEOPLE + "P3,F1,mother,Eve,Smith,,,,,\n"

    result = run(tmp_path / "second", people=people)

    assert result.ok, result.errors
    assert families_of("P3") == [("F1", "mother")]


def test_a_person_cannot_join_a_family_recorded_in_dmt(tmp_path):
    FamilyFactory(reference="F-OLD")
    people = PEOPLE + "P3,F-OLD,mother,Eve,Smith,,,,,\n"

    assert refused(tmp_path, people=people) == [
        "people.csv:4: family_ref: F-OLD is already recorded in DMT; change it there, not by import"
    ]


@pytest.mark.parametrize("column", ["care_experienced", "previous_child_removal"])
def test_care_history_is_for_adults_and_refused_on_a_child(tmp_path, column):
    values = "yes," if column == "care_experienced" else ",no"
    people = PEOPLE.replace("female,,,", f"female,,{values}")

    assert refused(tmp_path, people=people) == [
        f"people.csv:3: {column}: for adults only: leave it empty for a child"
    ]


def test_a_child_with_status_episodes_cannot_become_an_adult(tmp_path):
    run(tmp_path / "first")

    errors = refused(
        tmp_path / "second",
        people=PEOPLE.replace("P2,F1,child", "P2,F1,mother"),
        status_episodes=None,
    )

    assert errors == [
        "people.csv:3: person_ref: P2 is already recorded in DMT; change it there, not by import"
    ]


def test_an_adult_with_an_intervention_cannot_become_a_child(tmp_path):
    run(tmp_path / "first")

    errors = refused(
        tmp_path / "second",
        people=PEOPLE.replace(
            "P1,F1,father,Dan,Smith,1990-01-02,male,,yes,no", "P1,F1,child,Dan,Smith,,,,,"
        ),
        interventions=None,
    )

    assert errors == [
        "people.csv:2: person_ref: P1 is already recorded in DMT; change it there, not by import"
    ]


# status_episodes.csv -------------------------------------------------------------------------


def test_an_episode_for_an_adult_is_refused(tmp_path):
    episodes = EPISODES + "P1,cp,2022-03-01,\n"

    assert refused(tmp_path, status_episodes=episodes) == [
        "status_episodes.csv:4: person_ref: P1 is an adult (father): status episodes are for "
        "children only"
    ]


def test_an_episode_for_an_unknown_person_is_refused(tmp_path):
    episodes = EPISODES + "P404,cp,2022-03-01,\n"

    assert refused(tmp_path, status_episodes=episodes) == [
        "status_episodes.csv:4: person_ref: no person P404 in people.csv or already recorded"
    ]


def test_an_episode_ending_before_it_starts_is_refused(tmp_path):
    episodes = EPISODES.replace("2022-09-08", "2022-02-28")

    assert refused(tmp_path, status_episodes=episodes) == [
        "status_episodes.csv:2: end_date: before start_date (2022-03-01)"
    ]


def test_episodes_sharing_a_day_overlap_and_are_refused_on_the_later_line(tmp_path):
    # Both dates are inclusive: an episode ending on 9 September overlaps one starting then.
    episodes = EPISODES.replace("2022-09-08", "2022-09-09")

    assert refused(tmp_path, status_episodes=episodes) == [
        "status_episodes.csv:3: start_date: overlaps the cp episode on line 2 "
        "(2022-03-01 to 2022-09-09)"
    ]


def test_an_overlap_is_reported_on_the_later_line_even_when_it_starts_first(tmp_path):
    episodes = EPISODES + "P2,early_help,2021-01-01,2022-03-01\n"

    assert refused(tmp_path, status_episodes=episodes) == [
        "status_episodes.csv:4: start_date: overlaps the cp episode on line 2 "
        "(2022-03-01 to 2022-09-08)"
    ]


def test_two_current_episodes_for_one_child_overlap(tmp_path):
    episodes = EPISODES + "P2,looked_after,2023-01-01,\n"

    assert refused(tmp_path, status_episodes=episodes) == [
        "status_episodes.csv:4: start_date: overlaps the cin episode on line 3 (2022-09-09 to now)"
    ]


def test_reimported_episodes_replace_the_childs_stored_history(tmp_path):
    run(tmp_path / "first")
    child = Person.objects.get(reference="P2")
    kept = StatusEpisode.objects.get(child=child, status="cp")
    # The old system rewrote history: cp ended later and cin was followed by early help.
    episodes = """\
person_ref,status,start_date,end_date
P2,cp,2022-03-01,2022-10-31
P2,early_help,2022-11-01,
"""

    result = run(tmp_path / "second", status_episodes=episodes)

    assert result.ok, result.errors
    assert list(child.status_episodes.values_list("status", "start_date", "end_date")) == [
        ("cp", datetime.date(2022, 3, 1), datetime.date(2022, 10, 31)),
        ("early_help", datetime.date(2022, 11, 1), None),
    ]
    assert StatusEpisode.objects.get(child=child, status="cp").pk == kept.pk
    episode_counts = result.counts["status_episodes.csv"]
    assert (episode_counts.created, episode_counts.updated, episode_counts.deleted) == (1, 1, 1)
    assert AuditEvent.objects.filter(
        action="update", object_type="families.person", object_id=str(child.pk)
    ).exists()


def test_a_new_history_that_overlaps_the_stored_one_replaces_it(tmp_path):
    # Stored: cp from March. New: early help from January, then cp from June. Written in the
    # wrong order these would overlap, which PostgreSQL's exclusion constraint refuses.
    run(
        tmp_path / "first",
        status_episodes="person_ref,status,start_date,end_date\nP2,cp,2022-03-01,\n",
    )
    episodes = """\
person_ref,status,start_date,end_date
P2,early_help,2022-01-01,2022-05-31
P2,cp,2022-06-01,
"""

    result = run(tmp_path / "second", status_episodes=episodes)

    assert result.ok, result.errors
    assert list(
        StatusEpisode.objects.filter(child__reference="P2").values_list("status", "start_date")
    ) == [("early_help", datetime.date(2022, 1, 1)), ("cp", datetime.date(2022, 6, 1))]


def test_a_child_left_out_of_status_episodes_keeps_the_stored_episodes(tmp_path):
    run(tmp_path / "first")

    result = run(tmp_path / "second", status_episodes="person_ref,status,start_date,end_date\n")

    assert result.ok, result.errors
    assert StatusEpisode.objects.filter(child__reference="P2").count() == 2


def test_episodes_may_be_given_to_a_child_an_earlier_import_created(tmp_path):
    run(tmp_path / "first", status_episodes=None)
    episodes = "person_ref,status,start_date,end_date\nP2,cin,2022-01-01,\n"

    result = run(tmp_path / "second", status_episodes=episodes)

    assert result.ok, result.errors
    assert Person.objects.get(reference="P2").status_episodes.get().status == "cin"


def test_episodes_cannot_be_given_to_a_child_recorded_in_dmt(tmp_path):
    PersonFactory(reference="P-OLD")
    episodes = EPISODES + "P-OLD,cin,2022-01-01,\n"

    assert refused(tmp_path, status_episodes=episodes) == [
        "status_episodes.csv:4: person_ref: P-OLD is already recorded in DMT; change it there, "
        "not by import"
    ]


# interventions.csv ---------------------------------------------------------------------------


def test_an_intervention_is_linked_to_its_pathway_by_code(tmp_path):
    run(tmp_path, interventions=INTERVENTIONS.replace(",dmt,", ",substance_use,"))

    referral = Referral.objects.get(reference="I1")
    assert (referral.pathway.code, referral.person.reference) == ("substance_use", "P1")
    assert (referral.engagement, referral.allocated_on, referral.previously_known) == (
        "engaged",
        datetime.date(2022, 3, 5),
        False,
    )


def test_a_repeated_intervention_ref_is_refused(tmp_path):
    interventions = INTERVENTIONS + "I1,P1,substance_use,2022-04-01,,,,,\n"

    assert refused(tmp_path, interventions=interventions) == [
        "interventions.csv:3: intervention_ref: I1 is already on line 2"
    ]


def test_an_intervention_for_a_child_is_refused(tmp_path):
    interventions = INTERVENTIONS + "I2,P2,dmt,2022-04-01,,,,,\n"

    assert refused(tmp_path, interventions=interventions) == [
        "interventions.csv:3: person_ref: P2 is a child: interventions are for adults"
    ]


@pytest.mark.parametrize("column", ["allocated_on", "closed_on"])
def test_an_intervention_cannot_be_allocated_or_closed_before_its_referral(tmp_path, column):
    dates = "2022-03-01,," if column == "allocated_on" else ",2022-03-01,"
    interventions = INTERVENTIONS.replace("2022-03-05,,", dates)

    assert refused(tmp_path, interventions=interventions) == [
        f"interventions.csv:2: {column}: before referred_on (2022-03-02)"
    ]


def test_previously_known_is_a_boolean(tmp_path):
    interventions = INTERVENTIONS.replace(",,,no", ",,,maybe")

    assert refused(tmp_path, interventions=interventions) == [
        "interventions.csv:2: previously_known: not yes, no or empty"
    ]


# Re-importing, auditing, dry runs ------------------------------------------------------------


def test_a_changed_value_on_reimport_updates_the_row_and_audits_it(tmp_path):
    run(tmp_path / "first")
    father = Person.objects.get(reference="P1")

    result = run(tmp_path / "second", people=PEOPLE.replace("Dan,", "Daniel,"))

    assert counts(result)["people.csv"] == (0, 1, 1)
    assert counts(result)["families.csv"] == (0, 0, 1)
    father.refresh_from_db()
    assert (father.given_name, father.version) == ("Daniel", 2)
    update = AuditEvent.objects.get(action="update")
    assert (update.object_type, update.object_id) == ("families.person", str(father.pk))
    assert update.detail == {"source": "import_cases", "import_run": result.run_id}


def test_a_person_renamed_by_a_reimport_keeps_the_name_they_had(tmp_path):
    run(tmp_path / "first")
    father = Person.objects.get(reference="P1")

    run(tmp_path / "second", people=PEOPLE.replace("Dan,", "Daniel,"))

    [former] = PersonName.objects.filter(person=father)
    assert former.given_name == "Dan"
    assert AuditEvent.objects.filter(
        action="create", object_type="families.personname", object_id=str(former.pk)
    ).exists()
    # Unchanged on a third run: no second former name.
    run(tmp_path / "third", people=PEOPLE.replace("Dan,", "Daniel,"))
    assert PersonName.objects.filter(person=father).count() == 1


def test_a_family_closed_in_the_old_system_is_imported_closed(tmp_path):
    families = FAMILIES.replace("2022-03-01,,", "2022-03-01,2023-01-31,Stepped down")

    result = run(tmp_path, families=families)

    assert counts(result)["families.csv"] == (1, 0, 0)
    family = Family.objects.get(reference="F1")
    assert (family.closed_on, family.closure_reason) == (datetime.date(2023, 1, 31), "Stepped down")


def test_the_command_line_import_is_audited_as_import_cases(tmp_path):
    run(tmp_path)

    events = AuditEvent.objects.filter(action="create")
    assert sorted(events.values_list("object_type", flat=True)) == [
        "families.family",
        "families.importrun",
        "families.membership",
        "families.membership",
        "families.person",
        "families.person",
        "referrals.referral",
    ]
    assert {(event.actor, event.username, event.detail["source"]) for event in events} == {
        (None, "import_cases", "import_cases")
    }


def test_an_import_by_a_user_is_audited_as_that_user(tmp_path, alice):
    alice.can_import_cases = True
    alice.save(update_fields=["can_import_cases"])

    run(tmp_path, acting_user=alice)

    assert set(AuditEvent.objects.values_list("actor__username", "username")) == {
        ("alice", "alice")
    }


def test_a_dry_run_counts_the_changes_and_writes_nothing(tmp_path):
    before = stored()

    result = run(tmp_path, dry_run=True)

    assert result.ok
    assert counts(result)["people.csv"] == (2, 0, 0)
    assert result.new_localities == ["West"]
    assert stored() == before


# The command ---------------------------------------------------------------------------------


def test_the_command_prints_counts_per_file():
    out = io.StringIO()

    call_command("import_cases", str(PILOT), stdout=out)

    assert "families.csv: 50 created, 0 updated, 0 unchanged" in out.getvalue()
    assert "status_episodes.csv: 118 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Family.objects.count() == 50


def test_the_command_dry_run_writes_nothing():
    out = io.StringIO()

    call_command("import_cases", str(PILOT), "--dry-run", stdout=out)

    assert "Dry run: nothing was written" in out.getvalue()
    assert "people.csv: 125 created" in out.getvalue()
    assert Family.objects.count() == 0


def test_the_command_prints_every_problem_and_fails(tmp_path):
    families = FAMILIES + "".join(f"F{n},West,,,not-a-date,,\n" for n in range(2, 105))
    write_bundle(tmp_path, families=families)
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported: 103 problems"):
        call_command("import_cases", str(tmp_path), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0] == "families.csv:3: opened_on: not a date (use YYYY-MM-DD)"
    assert len(lines) == 101
    assert lines[-1] == "... and 3 more problems not shown."
    assert Family.objects.count() == 0


def test_the_command_refuses_a_path_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_cases", str(tmp_path / "nowhere"))


def test_the_command_reads_a_zip(tmp_path):
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(zip_of(PILOT, inside="export"))

    call_command("import_cases", str(archive), stdout=io.StringIO())

    assert Referral.objects.count() == 50


def test_a_person_already_recorded_cannot_be_moved_to_another_family(tmp_path):
    run(tmp_path / "first")
    families = FAMILIES + "F2,West,Team B,Pilot,2022-04-01,,\n"

    errors = refused(
        tmp_path / "second",
        families=families,
        people=PEOPLE.replace("P2,F1,child", "P2,F2,child"),
    )

    assert errors == [
        "people.csv:3: person_ref: P2 is already recorded in DMT; change it there, not by import"
    ]
    assert families_of("P2") == [("F1", "child")]
