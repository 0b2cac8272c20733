"""Who may open the outcome pages: service and team managers and pathway managers; nobody
else, on any page."""

import pytest
from django.urls import reverse

from outcomes.models import ReportRun


def every_page(run: ReportRun) -> list[tuple[str, str]]:
    """(method, url) of every outcome page, for a finished run."""
    return [
        ("get", reverse("outcomes:dashboard")),
        ("post", reverse("outcomes:refresh")),
        ("get", reverse("outcomes:request")),
        ("post", reverse("outcomes:request")),
        ("get", reverse("outcomes:runs")),
        ("get", reverse("outcomes:run", args=[run.pk])),
        ("get", reverse("outcomes:run_status", args=[run.pk])),
        ("get", reverse("outcomes:export_csv", args=[run.pk])),
        ("get", reverse("outcomes:export_xlsx", args=[run.pk])),
        ("get", reverse("outcomes:print", args=[run.pk])),
        ("get", reverse("outcomes:members", args=[run.pk]) + "?key=approached"),
    ]


@pytest.mark.parametrize("reader", ["sam", "tess", "lena"])
def test_service_team_and_pathway_managers_open_every_outcome_page(
    request, client_for, council, finished_run, reader
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt")
    client = client_for(request.getfixturevalue(reader))

    for method, url in every_page(run):
        if method == "get":
            response = client.get(url)
            assert response.status_code == 200, url


@pytest.mark.parametrize("outsider", ["alice", "sid", "charlie"])
def test_a_social_worker_or_specialist_practitioner_gets_403_on_every_outcome_page(
    request, client_for, council, finished_run, outsider
):
    council(per_team=2)
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
