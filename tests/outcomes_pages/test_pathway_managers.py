"""A pathway manager reads only their own pathway's reports: they ask only for those, their
dashboard shows the standard reports narrowed to their pathway, and refreshing it computes
only those."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from outcomes.models import ReportRun
from outcomes.reports import ReportError, ReportParameters
from outcomes.selectors import runs_for
from outcomes.services import (
    dashboards_refresh,
    dashboards_refresh_nightly,
    latest_standard_runs,
    report_run_execute,
    report_run_request,
    standard_reports,
)

OWN_ONLY = "Select Dads Matter Too: pathway managers can ask only for reports of their own pathway"


def nightly() -> list[ReportRun]:
    return [report_run_execute(run) for run in dashboards_refresh_nightly()]


@pytest.mark.parametrize("pathway", ["", "mental_health"])
def test_a_pathway_manager_asking_for_every_pathway_or_another_is_told_and_nothing_is_queued(
    client_for, lena, council, today, pathway
):
    council(per_team=1)
    client = client_for(lena)
    audit_before = AuditEvent.objects.count()

    response = client.post(
        reverse("outcomes:request"),
        {"report": "engagement", "as_of": today.isoformat(), "pathway": pathway},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert OWN_ONLY in page
    assert ReportRun.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


def test_a_pathway_manager_asking_for_a_report_of_the_whole_service_is_told(
    client_for, lena, today
):
    response = client_for(lena).post(
        reverse("outcomes:request"),
        {"report": "group_supervision", "as_of": today.isoformat(), "pathway": "dmt"},
    )

    assert "The Group supervision report covers every pathway" in response.content.decode()
    assert ReportRun.objects.count() == 0


def test_a_pathway_manager_asks_for_their_own_pathways_report(client_for, lena, today):
    client = client_for(lena)
    form = client.get(reverse("outcomes:request")).content.decode()

    response = client.post(
        reverse("outcomes:request"),
        {"report": "engagement", "as_of": today.isoformat(), "pathway": "dmt", "by": "cohort"},
    )

    run = ReportRun.objects.get()
    assert response["Location"] == reverse("outcomes:run", args=[run.pk])
    assert run.parameters["pathway"] == "dmt" and run.requested_by == lena
    assert '<option value="dmt" selected>' in form
    assert 'value="group_supervision"' not in form and 'value="mi_training"' not in form
    assert '<input type="hidden" name="pathway" value="dmt">' in form  # compare cohorts


def test_a_service_manager_still_asks_for_any_pathway_or_every_one(client_for, sam, today):
    client = client_for(sam)

    for pathway in ("", "mental_health"):
        client.post(
            reverse("outcomes:request"),
            {"report": "engagement", "as_of": today.isoformat(), "pathway": pathway},
        )

    assert sorted(str(run.parameters["pathway"]) for run in ReportRun.objects.all()) == [
        "None",
        "mental_health",
    ]


def test_the_service_refuses_a_pathway_managers_request_beyond_their_pathway(lena, today):
    for report, pathway in (
        ("engagement", None),
        ("engagement", "mental_health"),
        ("mi_training", "dmt"),
    ):
        with pytest.raises(ReportError, match="pathway managers can ask only"):
            report_run_request(
                report=report,
                params=ReportParameters.parse(as_of=today, pathway=pathway),
                acting_user=lena,
            )

    assert ReportRun.objects.count() == 0


def test_the_service_refuses_a_request_from_someone_who_reads_no_outcomes(alice, sid, today):
    for asker in (alice, sid):
        with pytest.raises(ReportError, match="Only service, team and pathway managers"):
            report_run_request(
                report="pathways", params=ReportParameters.parse(as_of=today), acting_user=asker
            )

    assert ReportRun.objects.count() == 0


def test_a_pathway_managers_runs_are_those_of_their_pathway_only(
    sam, lena, mona, council, finished_run
):
    council(per_team=1)
    dmt = finished_run("engagement", pathway="dmt")
    finished_run("engagement", pathway="mental_health")
    finished_run("engagement")
    finished_run("mi_training", pathway="dmt")

    assert list(runs_for(lena)) == [dmt]
    assert list(runs_for(mona).values_list("parameters__pathway", flat=True)) == ["mental_health"]
    assert runs_for(sam).count() == 4


def test_a_pathway_managers_dashboard_shows_their_pathways_figures_only(
    client_for, sam, lena, council
):
    council(per_team=6)
    nightly()
    own = runs_for(lena)

    page = client_for(lena).get(reverse("outcomes:dashboard")).content.decode()

    assert "Your pathway's headline figures" in page
    assert "Fathers approached" in page and "Cases stepped down" in page
    for title in ("Group supervision", "Motivational interviewing training"):
        assert f">{title}</h2>" not in page
    opened = {int(pk) for pk in re.findall(r"/outcomes/runs/(\d+)/", page)}
    assert opened and opened <= set(own.values_list("pk", flat=True))
    assert page.count("No figures yet") == 0


def test_the_service_dashboard_keeps_showing_every_pathways_figures(client_for, sam, lena, council):
    council(per_team=6)
    nightly()

    sections = latest_standard_runs()

    for name, options in standard_reports():
        _, shown = sections[name]
        assert shown.parameters["pathway"] == options.get("pathway"), name
    page = client_for(sam).get(reverse("outcomes:dashboard")).content.decode()
    assert ">Group supervision</h2>" in page


def test_the_nightly_refresh_computes_each_led_pathways_dashboard_once(lena, mona, sid, db):
    runs = dashboards_refresh_nightly()

    pathways = {(run.report, run.parameters["pathway"]) for run in runs}
    assert len(pathways) == len(runs)
    assert {p for _, p in pathways} == {None, "dmt", "mental_health"}
    assert ("child_status", "dmt") in pathways and ("mi_training", "dmt") not in pathways


def test_a_pathway_managers_refresh_computes_only_their_pathways_figures(client_for, lena):
    response = client_for(lena).post(reverse("outcomes:refresh"))

    assert response.status_code == 302
    runs = ReportRun.objects.all()
    assert runs.count() == len(standard_reports("dmt"))
    assert {run.parameters["pathway"] for run in runs} == {"dmt"}
    assert all(run.standard and run.requested_by == lena for run in runs)


def test_a_pathway_managers_dashboard_costs_the_same_queries_as_the_services(
    client_for, lena, council, django_assert_max_num_queries
):
    council(per_team=2)
    for run in dashboards_refresh(acting_user=None, pathway="dmt"):
        report_run_execute(run)
    client = client_for(lena)

    with django_assert_max_num_queries(7):
        assert client.get(reverse("outcomes:dashboard")).status_code == 200
