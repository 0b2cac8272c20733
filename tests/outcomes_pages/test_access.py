"""Who may open the outcome pages: service and team managers read every report; a pathway
manager only their own pathway's; nobody else any, on any page."""

import pytest
from django.urls import reverse

from outcomes.models import ReportRun


def run_pages(run: ReportRun, figure: str | None = "approached") -> list[str]:
    """Every page of one finished run (the drill-down into `figure`, when it has one)."""
    pages = [
        reverse("outcomes:run", args=[run.pk]),
        reverse("outcomes:run_status", args=[run.pk]),
        reverse("outcomes:export_csv", args=[run.pk]),
        reverse("outcomes:export_xlsx", args=[run.pk]),
        reverse("outcomes:print", args=[run.pk]),
    ]
    if figure:
        pages.append(reverse("outcomes:members", args=[run.pk]) + f"?key={figure}")
    return pages


def every_page(run: ReportRun) -> list[tuple[str, str]]:
    """(method, url) of every outcome page, for a finished run."""
    return [
        ("get", reverse("outcomes:dashboard")),
        ("post", reverse("outcomes:refresh")),
        ("get", reverse("outcomes:request")),
        ("post", reverse("outcomes:request")),
        ("get", reverse("outcomes:runs")),
        *(("get", url) for url in run_pages(run)),
    ]


def ask_for(today: str) -> dict[str, str]:
    return {"report": "engagement", "as_of": today, "pathway": "dmt"}


@pytest.mark.parametrize("reader", ["sam", "tess", "lena"])
def test_service_team_and_dads_matter_too_managers_open_every_page_of_its_report(
    request, client_for, council, finished_run, today, reader
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt")
    client = client_for(request.getfixturevalue(reader))

    for method, url in every_page(run):
        if method == "get":
            assert client.get(url).status_code == 200, url
        else:
            assert client.post(url, ask_for(today.isoformat())).status_code == 302, url
    assert f'href="{reverse("outcomes:run", args=[run.pk])}"' in (
        client.get(reverse("outcomes:runs")).content.decode()
    )


def test_another_pathways_manager_finds_no_page_of_the_report_and_cannot_ask_for_it(
    client_for, mona, council, finished_run, today
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt")
    client = client_for(mona)

    for method, url in every_page(run):
        if method == "post":
            response = client.post(url, ask_for(today.isoformat()))
        else:
            response = client.get(url)
        if url in run_pages(run):
            assert response.status_code == 404, url
            assert "Approached" not in response.content.decode()
        elif url == reverse("outcomes:request") and method == "post":
            assert response.status_code == 200
            assert "Select Mental health: pathway managers can ask only" in (
                response.content.decode()
            )
        else:
            assert response.status_code in (200, 302), url
            assert reverse("outcomes:run", args=[run.pk]) not in response.content.decode()
    assert not ReportRun.objects.filter(requested_by=mona, parameters__pathway="dmt").exists()


@pytest.mark.parametrize(
    ("report", "parameters", "figure"),
    [
        ("child_status", {}, "families"),  # every family, whatever its pathways
        ("engagement", {}, "approached"),  # every pathway's fathers
        ("mi_training", {"pathway": "dmt"}, None),  # staff, whatever pathway is asked
        ("group_supervision", {"pathway": "dmt"}, None),
    ],
)
def test_a_pathway_manager_finds_no_page_of_a_report_beyond_their_pathway(
    client_for, sam, lena, council, finished_run, report, parameters, figure
):
    council(per_team=3)
    run = finished_run(report, acting_user=sam, **parameters)
    owner, outsider = client_for(sam), client_for(lena)

    for url in run_pages(run, figure):
        assert owner.get(url).status_code == 200, url
        assert outsider.get(url).status_code == 404, url
    assert reverse("outcomes:run", args=[run.pk]) not in (
        outsider.get(reverse("outcomes:runs")).content.decode()
    )


@pytest.mark.parametrize("outsider", ["alice", "sid", "charlie"])
def test_a_social_worker_or_specialist_practitioner_gets_403_on_every_outcome_page(
    request, client_for, council, finished_run, outsider
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt")
    client = client_for(request.getfixturevalue(outsider))
    runs_before = ReportRun.objects.count()

    for method, url in every_page(run):
        response = client.get(url) if method == "get" else client.post(url, {"report": "pathways"})
        assert response.status_code == 403, url
    assert ReportRun.objects.count() == runs_before


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("outcomes:dashboard"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("who", "sees"),
    [("sam", True), ("tess", True), ("lena", True), ("alice", False), ("sid", False)],
)
def test_the_outcomes_navigation_item_shows_only_to_those_who_may_read_outcomes(
    request, client_for, who, sees
):
    page = client_for(request.getfixturevalue(who)).get(reverse("home")).content.decode()

    assert (f'href="{reverse("outcomes:dashboard")}"' in page) == sees


def test_the_service_managers_home_page_points_at_the_outcomes_dashboard(client_for, sam):
    page = client_for(sam).get(reverse("home")).content.decode()

    assert "Open the outcomes dashboard" in page
