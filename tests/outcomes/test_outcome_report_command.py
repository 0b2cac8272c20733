"""`python manage.py outcome_report NAME [--pathway P] [--cohort LABEL] [--from DATE] [--to DATE]
[--as-of DATE] [--format json|csv|table]`: the spec's JSON object, or the same figures as CSV
or a table; unknown names and bad parameters exit non-zero with a one-line message."""

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from caseimport.importer import import_bundle, read_bundle

pytestmark = pytest.mark.django_db

PILOT = Path(__file__).resolve().parent.parent / "fixtures" / "dmt-pilot"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("outcome_report", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--format", "json"))


def three_interventions(make) -> None:
    """Two engaged (one family of two children) and one not engaged: a rate of 2/3."""
    family = make.family(cohort="Pilot", children=2)
    make.referral(family, referred_on="2023-01-10", allocated_on="2023-01-20")
    make.referral(family, referred_on="2023-02-10", allocated_on="2023-02-20")
    make.referral(make.family(cohort="Pilot"), referred_on="2023-03-10", engagement="not_engaged")


# --- JSON ----------------------------------------------------------------------------------


def test_json_is_one_object_with_the_report_its_day_parameters_and_data(make):
    three_interventions(make)

    result = run_json("engagement", "--as-of", "2023-06-30")

    assert result == {
        "report": "engagement",
        "as_of": "2023-06-30",
        "parameters": {"pathway": None, "cohort": None, "from": None, "to": None},
        "data": {
            "approached": 3,
            "engaged": 2,
            "inconsistent": 0,
            "not_engaged": 1,
            "new": 0,
            "engagement_rate": pytest.approx(2 / 3),
            "engagement_rate_ci95": pytest.approx([0.2076596008020477, 0.9385080552796037]),
            "children": 2,
        },
    }


def test_json_echoes_every_option(make):
    three_interventions(make)

    result = run_json(
        "engagement",
        "--as-of",
        "2023-06-30",
        "--pathway",
        "dmt",
        "--cohort",
        "Pilot",
        "--from",
        "2023-01-10",
        "--to",
        "2023-02-10",
    )

    assert result["as_of"] == "2023-06-30"
    assert result["parameters"] == {
        "pathway": "dmt",
        "cohort": "Pilot",
        "from": "2023-01-10",
        "to": "2023-02-10",
    }
    assert result["data"]["approached"] == 2
    assert result["data"]["engagement_rate"] == 1


def test_the_options_narrow_the_figures_as_the_spec_says(make):
    three_interventions(make)
    make.referral(make.family(cohort="Other"), referred_on="2023-01-10")

    assert run_json("engagement", "--as-of", "2023-06-30")["data"]["approached"] == 4
    assert (
        run_json("engagement", "--as-of", "2023-06-30", "--cohort", "Pilot")["data"]["approached"]
        == 3
    )
    assert run_json("engagement", "--as-of", "2023-02-10")["data"]["approached"] == 3
    assert (
        run_json("engagement", "--as-of", "2023-06-30", "--from", "2023-02-10")["data"][
            "approached"
        ]
        == 2
    )
    assert (
        run_json("engagement", "--as-of", "2023-06-30", "--pathway", "mental_health")["data"][
            "approached"
        ]
        == 0
    )


def test_as_of_defaults_to_today(make):
    result = run_json("engagement")

    assert result["as_of"] == timezone.localdate().isoformat()


@pytest.mark.parametrize("name", ["engagement", "step_down", "child_status", "pathways"])
def test_every_spec_report_prints_its_json(make, name):
    three_interventions(make)

    result = run_json(name, "--as-of", "2023-06-30")

    assert result["report"] == name
    assert result["as_of"] == "2023-06-30"
    assert isinstance(result["data"], dict)


def test_the_pathways_json_has_the_spec_shape(make):
    three_interventions(make)

    result = run_json("pathways", "--as-of", "2023-06-30")

    assert result["data"] == {
        "dmt": {
            "referrals": 3,
            "waiting": 1,
            "open": 2,
            "closed": 0,
            "previously_known": {"referrals": 0, "open": 0},
            "median_days_to_allocation": 10.0,
        }
    }


def test_the_step_down_json_has_the_spec_shape(make):
    three_interventions(make)

    result = run_json("step_down", "--as-of", "2023-06-30")

    assert result["data"] == {
        "cases": 1,
        "children": 2,
        "stepped_down": {"cases": 0, "children": 0, "closed": {"cases": 0, "children": 0}},
        "same": {"cases": 1, "children": 2},
        "increased": {"cases": 0, "children": 0},
    }


# --- CSV and table ---------------------------------------------------------------------------


def _has_line_with(text: str, label: str, *figures: str) -> bool:
    """A line naming the figure (as its key or in words, any case) and showing its value."""
    words = label.replace("_", " ").lower()
    patterns = [re.compile(rf"(?<![\w.]){re.escape(figure)}(?![\w.])") for figure in figures]
    return any(
        words in line.replace("_", " ").lower() and all(p.search(line) for p in patterns)
        for line in text.splitlines()
    )


def test_csv_prints_the_figures(make):
    three_interventions(make)

    text = run("engagement", "--as-of", "2023-06-30", "--format", "csv")

    rows = list(csv.reader(io.StringIO(text)))
    assert rows
    assert _has_line_with(text, "approached", "3")
    assert _has_line_with(text, "engaged", "2")
    assert _has_line_with(text, "not_engaged", "1")
    assert _has_line_with(text, "children", "2")


def test_csv_prints_nested_figures(make):
    three_interventions(make)

    text = run("pathways", "--as-of", "2023-06-30", "--format", "csv")

    assert "referrals" in text.lower()
    assert "waiting" in text.lower()
    assert _has_line_with(text, "dmt", "3", "1", "2") or _has_line_with(
        text, "Dads Matter Too", "3", "1", "2"
    )


def test_table_prints_the_figures(make):
    three_interventions(make)

    text = run("engagement", "--as-of", "2023-06-30", "--format", "table")

    assert _has_line_with(text, "approached", "3")
    assert _has_line_with(text, "engaged", "2")
    assert _has_line_with(text, "children", "2")


def test_table_prints_the_step_down_groups(make):
    three_interventions(make)

    text = run("step_down", "--as-of", "2023-06-30", "--format", "table")

    assert "stepped down" in text.replace("_", " ").lower()
    assert _has_line_with(text, "cases", "1")


# --- Errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["nosuch"],
        ["engagement", "--as-of", "2023-02-30"],
        ["engagement", "--as-of", "30/06/2023"],
        ["engagement", "--from", "not-a-date"],
        ["engagement", "--to", "2023-13-01"],
        ["engagement", "--from", "2023-03-01", "--to", "2023-02-01"],
        ["engagement", "--pathway", "yoga"],
        ["engagement", "--format", "xml"],
    ],
    ids=[
        "unknown-report",
        "impossible-as-of",
        "as-of-not-iso",
        "from-not-a-date",
        "to-bad-month",
        "from-after-to",
        "unknown-pathway",
        "unknown-format",
    ],
)
def test_unknown_names_and_bad_parameters_are_a_one_line_command_error(args):
    with pytest.raises(CommandError) as raised:
        run(*args)

    message = str(raised.value)
    assert message.strip()
    assert "\n" not in message.strip()


def test_an_unknown_report_exits_non_zero_with_a_one_line_message(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dmt.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'throwaway.sqlite3'}",
    }
    completed = subprocess.run(
        [sys.executable, "manage.py", "outcome_report", "nosuch", "--format", "json"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode != 0
    assert completed.stdout.strip() == ""
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr
    assert "nosuch" in lines[0]


# --- The published pilot table ----------------------------------------------------------------


def test_dmt_pilot_fixture_reproduces_the_published_table():
    result = import_bundle(read_bundle(PILOT), acting_user=None)
    assert result.ok, result.errors
    expected = json.loads((PILOT / "expected.json").read_text())
    assert expected

    for name, published in expected.items():
        words = shlex.split(published["command"])
        assert words[:3] == ["python", "manage.py", "outcome_report"], words
        output = io.StringIO()
        call_command(*words[2:], stdout=output)
        printed = json.loads(output.getvalue())

        assert printed["report"] == name
        assert printed["data"] == published["data"], name
