"""A figure the run's page hides ("<5", or "Suppressed" because it would give a hidden one
away) cannot be opened by typing its drill-down address, and the exports hide it too."""

import pytest
from django.urls import reverse

from outcomes.display import shown_tables
from outcomes.selectors import members_for
from outcomes.tables import suppress_threshold

from .test_members import members_url

NOT_FOUND = "Page not found"


def test_a_figure_shown_as_less_than_five_cannot_be_opened_by_typing_its_address(
    client_for, sam, council, finished_run
):
    families = council(per_team=1)
    run = finished_run("engagement", pathway="dmt")
    client = client_for(sam)
    run_page = client.get(reverse("outcomes:run", args=[run.pk])).content.decode()
    assert "&lt;5" in run_page
    assert "?key=approached" not in run_page

    for address in (members_url(run, "approached"), members_url(run, "approached", page="2")):
        response = client.get(address)

        assert response.status_code == 404
        page = response.content.decode()
        assert NOT_FOUND in page
        assert "you may see" not in page and "Page 1 of" not in page
        assert not any(family.reference in page for family in families)


def test_a_small_group_of_a_breakdown_cannot_be_opened_either(
    client_for, sam, council, finished_run
):
    council(per_team=3)  # Pilot: 4 fathers, Later: 2
    run = finished_run("engagement", pathway="dmt", by="cohort")

    response = client_for(sam).get(members_url(run, "approached", group="Later"))

    assert response.status_code == 404
    assert "you may see" not in response.content.decode()


def test_a_figure_hidden_so_that_a_small_one_cannot_be_worked_out_cannot_be_opened(
    client_for, sam, council, finished_run
):
    council(per_team=3)  # all six fathers engaged: 6 - 6 would say none were anything else
    run = finished_run("engagement", pathway="dmt")
    client = client_for(sam)

    run_page = client.get(reverse("outcomes:run", args=[run.pk])).content.decode()
    csv = client.get(reverse("outcomes:export_csv", args=[run.pk])).content.decode()

    assert "Suppressed" in run_page
    assert "?key=engaged" not in run_page
    assert "Engaged,Suppressed" in csv and "Approached,6" in csv
    assert client.get(members_url(run, "engaged")).status_code == 404
    assert client.get(members_url(run, "approached")).status_code == 200


def test_a_figure_the_run_never_had_cannot_be_opened(client_for, sam, council, finished_run):
    council(per_team=3)
    run = finished_run("pathways")  # only Dads Matter Too has referrals

    client = client_for(sam)

    assert client.get(members_url(run, "dmt.referrals")).status_code == 200
    assert client.get(members_url(run, "mental_health.referrals")).status_code == 404


@pytest.mark.parametrize(
    ("report", "parameters"),
    [
        ("engagement", {"pathway": "dmt", "by": "cohort"}),
        ("step_down", {"pathway": "dmt", "by": "team"}),
        ("child_status", {"by": "cohort"}),
        ("pathways", {"by": "locality"}),
    ],
)
def test_every_figure_the_page_links_opens_and_none_it_hides_does(
    sam, council, finished_run, report, parameters
):
    council(per_team=6)
    run = finished_run(report, **parameters)
    linked = hidden = 0

    for table in shown_tables(run, run.result, suppress_below=suppress_threshold()):
        for position, row in enumerate(table.rows):
            group = table.table.group_values[position] if table.table.group_by else None
            for shown in row:
                cell = shown.cell
                if cell.kind != "count" or cell.key is None:
                    continue
                opened = members_for(sam, run, cell.key, group)
                if shown.href:
                    linked += 1
                    assert opened is not None, (cell.key, group)
                if cell.suppressed:
                    hidden += 1
                    assert opened is None, (cell.key, group)

    assert linked and hidden
