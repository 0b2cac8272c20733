"""Asking for a report: a valid request queues a run (computed at once here, as Celery runs
eagerly) and shows its page; a bad one says what is wrong and creates nothing."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditEvent
from outcomes import services
from outcomes.models import ReportRun
from outcomes.reports import ReportError

EAGER = override_settings(CELERY_TASK_ALWAYS_EAGER=True)


@EAGER
def test_asking_for_a_report_creates_a_run_computes_it_and_shows_its_page(
    client_for, sam, council, today, django_capture_on_commit_callbacks
):
    council(per_team=3)
    client = client_for(sam)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("outcomes:request"),
            {"report": "engagement", "as_of": today.isoformat(), "pathway": "dmt"},
        )

    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:run", args=[run.pk])
    assert run.report == "engagement"
    assert run.requested_by == sam
    assert run.parameters["pathway"] == "dmt"
    assert run.status == ReportRun.Status.SUCCEEDED
    assert run.result["data"]["approached"] == 6
    page = client.get(response["Location"]).content.decode()
    assert "Finished" in page
    assert "Dads Matter Too" in page


@EAGER
def test_a_cohort_report_shows_each_cohorts_rate_and_the_plain_sentence(
    client_for, sam, council, today, django_capture_on_commit_callbacks
):
    council(per_team=6)
    client = client_for(sam)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("outcomes:request"),
            {"report": "child_status", "as_of": today.isoformat(), "by": "cohort"},
        )
    page = client.get(response["Location"]).content.decode()

    assert "Comparison by cohort" in page
    assert "Children on a child protection plan while open" in page
    assert "is within noise" in page
    assert "Later" in page and "Pilot" in page


@EAGER
def test_the_compare_cohorts_shortcut_asks_for_a_breakdown_by_cohort(
    client_for, sam, council, today, django_capture_on_commit_callbacks
):
    council(per_team=2)
    client = client_for(sam)
    form = client.get(reverse("outcomes:request")).content.decode()
    assert 'id="compare"' in form

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("outcomes:request"),
            {"report": "engagement", "as_of": today.isoformat(), "by": "cohort"},
        )

    run = ReportRun.objects.get()
    assert run.parameters["by"] == "cohort"
    assert [g["value"] for g in run.result["breakdown"]["groups"]] == ["Later", "Pilot"]


def test_the_form_offers_every_report_with_its_description_and_today_as_the_date(
    client_for, sam, council, today
):
    council(per_team=1)

    page = client_for(sam).get(reverse("outcomes:request")).content.decode()

    assert "Adults approached and how many engaged" in page
    assert "Recovery Star change" in page
    assert f'value="{today.isoformat()}"' in page
    assert '<option value="Pilot">Pilot</option>' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"as_of": "2024-06-30"}, "Select a report"),
        ({"report": "nonsense", "as_of": "2024-06-30"}, "Select a report from the list"),
        ({"report": "engagement", "as_of": "31/02/2024"}, "Enter a real date"),
        ({"report": "engagement", "as_of": ""}, "Enter the date the report is as of"),
        ({"report": "engagement", "as_of": "2199-01-01"}, "must be today or in the past"),
        ({"report": "engagement", "as_of": "9999-12-31"}, "Enter a date between 1 January 1900"),
        (
            {
                "report": "engagement",
                "as_of": "2024-06-30",
                "date_from": "2024-05-01",
                "date_to": "2024-01-01",
            },
            "The to date must be the same as or after the from date",
        ),
        (
            {"report": "mi_training", "as_of": "2024-06-30", "by": "cohort"},
            "cannot be broken down by cohort",
        ),
        ({"report": "engagement", "as_of": "2024-06-30", "cohort": "Nobody"}, "Select a cohort"),
        ({"report": "engagement", "as_of": "2024-06-30", "pathway": "x"}, "Select a pathway"),
    ],
)
def test_a_bad_request_says_what_is_wrong_and_creates_nothing(
    client_for, sam, council, data, message
):
    council(per_team=1)
    client = client_for(sam)
    audit_before = AuditEvent.objects.count()

    response = client.post(reverse("outcomes:request"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: " in page
    assert ReportRun.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


def test_a_report_the_service_refuses_is_shown_as_a_form_error_and_creates_nothing(
    client_for, sam, monkeypatch
):
    def refuse(**kwargs):
        raise ReportError("The engagement report cannot be run like that.")

    monkeypatch.setattr(services, "report_run_request", refuse)

    response = client_for(sam).post(
        reverse("outcomes:request"), {"report": "engagement", "as_of": "2024-06-30"}
    )

    assert response.status_code == 200
    assert "The engagement report cannot be run like that." in response.content.decode()
    assert ReportRun.objects.count() == 0


def test_asking_twice_for_the_same_report_while_it_runs_opens_the_same_run(client_for, sam, today):
    client = client_for(sam)
    data = {"report": "pathways", "as_of": (today - datetime.timedelta(days=1)).isoformat()}

    first = client.post(reverse("outcomes:request"), data)
    second = client.post(reverse("outcomes:request"), data)

    assert first["Location"] == second["Location"]
    assert ReportRun.objects.count() == 1
