"""Outcome report runs in the API: asking for a report (202 with the run's address, or 303 to
the run of the same request already queued), polling it, its result as the spec's JSON and
links to the page's exports, and the refusals of the pages (403 in their words, 400 with a
pointer, nothing queued).

The cast and council are the outcome pages' tests' (tests/outcomes_pages/conftest.py): Sam
is a service manager, Lena manages the Dads Matter Too pathway and Mona the mental health
one, alice is a social worker.
"""

import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from dmt.api.problems import PROBLEM_CONTENT_TYPE
from outcomes.models import ReportRun
from outcomes.reports import ReportParameters, compute

from ..conftest import signed_in
from ..outcomes_pages import conftest as outcomes

pytestmark = pytest.mark.django_db

# The outcome pages' tests' cast and council (see the module docstring).
today = outcomes.today
sam = outcomes.sam
lena = outcomes.lena
mona = outcomes.mona
council = outcomes.council
finished_run = outcomes.finished_run

EAGER = override_settings(CELERY_TASK_ALWAYS_EAGER=True)


def _post(client, body):
    return client.post("/api/reports/", body, content_type="application/json")


@EAGER
def test_asking_for_a_report_queues_it_and_the_run_gives_the_specs_json(
    sam, council, today, django_capture_on_commit_callbacks
):
    council(per_team=3)
    client = signed_in(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, {"report": "engagement", "pathway": "dmt"})

    run = ReportRun.objects.get()
    assert response.status_code == 202
    assert response["Location"].endswith(f"/api/reports/{run.pk}/")
    assert run.requested_by == sam and run.parameters["pathway"] == "dmt"
    assert run.parameters["as_of"] == today.isoformat()

    polled = client.get(response["Location"])
    assert polled.status_code == 200 and polled["ETag"]
    body = polled.json()
    assert body["status"] == "succeeded" and body["progress"] == 100
    expected = compute("engagement", ReportParameters.parse(as_of=today, pathway="dmt"))
    result = body["result"]
    assert set(result) == set(expected) == {"report", "as_of", "parameters", "data"}
    assert set(result["data"]) == set(expected["data"])
    assert result["data"]["approached"] == expected["data"]["approached"] == 6
    # What the run's page hides is null here: every father engaged, so "engaged" would give
    # the others away ("Suppressed" there), and "new" is 0 ("<5" there).
    assert expected["data"]["engaged"] == 6 and result["data"]["engaged"] is None
    assert expected["data"]["new"] == 0 and result["data"]["new"] is None
    page = client.get(reverse("outcomes:run", args=[run.pk])).content.decode()
    assert "Suppressed" in page and "&lt;5" in page
    assert body["links"]["csv"].endswith(reverse("outcomes:export_csv", args=[run.pk]))
    assert body["links"]["xlsx"].endswith(reverse("outcomes:export_xlsx", args=[run.pk]))
    assert client.get(reverse("outcomes:export_csv", args=[run.pk])).status_code == 200
    assert AuditEvent.objects.filter(
        actor=sam, action=AuditEvent.Action.CREATE, object_type="outcomes.reportrun"
    ).exists()
    assert AuditEvent.objects.filter(
        actor=sam,
        action=AuditEvent.Action.VIEW,
        object_type="outcomes.reportrun",
        object_id=str(run.pk),
    ).exists()


@override_settings(OUTCOMES_SUPPRESS_BELOW=0)
def test_with_nothing_to_suppress_the_result_is_exactly_the_specs_json(
    sam, council, finished_run, today
):
    council(per_team=3)
    for report, by in (("engagement", "team"), ("child_status", None), ("pathways", "cohort")):
        run = finished_run(report, by=by, acting_user=sam)
        body = signed_in(sam).get(f"/api/reports/{run.pk}/").json()
        assert body["result"] == compute(report, ReportParameters.parse(as_of=today), by=by)


def test_a_queued_run_has_no_result_yet_and_asking_again_points_at_it(sam, council):
    council(per_team=1)
    client = signed_in(sam)
    first = _post(client, {"report": "engagement", "pathway": "dmt", "by": "team"})
    assert first.status_code == 202
    body = client.get(first["Location"]).json()
    assert body["status"] == "queued" and body["result"] is None
    assert body["links"]["csv"] is None and body["links"]["xlsx"] is None

    again = _post(client, {"report": "engagement", "pathway": "dmt", "by": "team"})
    assert again.status_code == 303
    assert again["Location"] == first["Location"]
    assert again.json()["id"] == first.json()["id"]
    assert ReportRun.objects.count() == 1


def test_the_list_holds_the_runs_a_reader_may_open(sam, lena, mona, finished_run, council):
    council(per_team=1)
    dmt = finished_run("engagement", pathway="dmt", acting_user=sam)
    every = finished_run("child_status", acting_user=sam)
    assert [row["id"] for row in signed_in(sam).get("/api/reports/").json()["results"]] == [
        str(dmt.pk),
        str(every.pk),
    ]
    assert [row["id"] for row in signed_in(lena).get("/api/reports/").json()["results"]] == [
        str(dmt.pk)
    ]
    assert signed_in(mona).get("/api/reports/").json()["results"] == []
    assert signed_in(mona).get(f"/api/reports/{dmt.pk}/").status_code == 404
    mine = signed_in(lena).get("/api/reports/?mine=true").json()["results"]
    assert mine == []
    filtered = signed_in(sam).get("/api/reports/?report=child_status").json()["results"]
    assert [row["id"] for row in filtered] == [str(every.pk)]


def test_someone_who_reads_no_outcomes_is_refused_in_the_pages_words(alice, finished_run):
    run = finished_run("engagement", pathway="dmt")
    client = signed_in(alice)
    for response in (
        client.get("/api/reports/"),
        client.get(f"/api/reports/{run.pk}/"),
        _post(client, {"report": "engagement"}),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
        assert "Only service, team and pathway managers" in response.json()["detail"]
    assert ReportRun.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"report": "engagement", "pathway": "mental_health"}, "Select Dads Matter Too"),
        ({"report": "engagement"}, "Select Dads Matter Too"),
        ({"report": "mi_training"}, "covers every pathway"),
    ],
)
def test_a_pathway_manager_asking_beyond_her_pathway_is_refused(lena, body, words):
    response = _post(signed_in(lena), body)
    assert response.status_code == 403
    assert words in response.json()["detail"]
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("body", "pointer", "words"),
    [
        ({"report": "nope"}, "#/report", ""),
        ({}, "#/report", ""),
        ({"report": "engagement", "as_of": "2026-02-30"}, "#/as_of", "YYYY-MM-DD"),
        ({"report": "engagement", "as_of": "future"}, "#/as_of", "today or in the past"),
        ({"report": "engagement", "by": "shoe_size"}, "#/by", ""),
        ({"report": "pathways", "by": "pathway"}, "#/by", "cannot be broken down by pathway"),
        (
            {"report": "engagement", "date_from": "2026-03-02", "date_to": "2026-03-01"},
            "#/date_to",
            "same as or after the from date",
        ),
        ({"report": "engagement", "cohort": "Nobody's"}, "#/cohort", "Select a cohort"),
    ],
)
def test_bad_input_is_a_problem_with_a_pointer_and_nothing_is_queued(
    sam, today, body, pointer, words
):
    if body.get("as_of") == "future":
        body = {**body, "as_of": (today + datetime.timedelta(days=1)).isoformat()}
    response = _post(signed_in(sam), body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["pointer"] for error in errors] == [pointer]
    assert words in errors[0]["detail"]
    assert not ReportRun.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).exists()


def test_the_list_reads_as_often_for_2_runs_as_for_20(sam, today):
    client = signed_in(sam)
    counts = []
    for size in (2, 20):
        ReportRun.objects.all().delete()
        ReportRun.objects.bulk_create(
            ReportRun(
                report="engagement",
                parameters={"as_of": today.isoformat(), "pathway": None, "n": n},
                key=f"{size}-{n}",
                requested_by=sam,
                status=ReportRun.Status.SUCCEEDED,
                result={"report": "engagement", "data": {}},
            )
            for n in range(size)
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/reports/?page_size=50")
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
