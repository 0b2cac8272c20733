"""The records behind a figure: only those the reader may see, with how many more there are,
every family shown audited in one insert, fifty to a page, at a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import Person
from outcomes.models import ReportRun
from outcomes.reports import ReportParameters
from outcomes.services import report_run_request
from referrals.models import Referral

from ..factories import PersonFactory


def members_url(run: ReportRun, key: str, **query: str) -> str:
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return f"{reverse('outcomes:members', args=[run.pk])}?key={key}{extra}"


def test_a_figure_of_families_lists_each_with_its_social_worker_and_team(
    client_for, sam, council, finished_run
):
    families = council(per_team=3)
    run = finished_run("step_down", pathway="dmt")

    page = client_for(sam).get(members_url(run, "cases")).content.decode()

    for family in families:
        assert f'href="{reverse("families:detail", args=[family.pk])}"' in page
        assert family.reference in page
    assert "SASS West 1" in page and "SASS Chesil" in page
    assert "Alice Worker" in page
    assert "6 families you may see" in page
    assert "outside what you may see" not in page


def test_a_figure_of_children_names_each_child_and_links_their_family(
    client_for, sam, council, finished_run
):
    families = council(per_team=3)
    run = finished_run("child_status")

    page = client_for(sam).get(members_url(run, "cp_while_open.children")).content.decode()

    for family in families:
        child = Person.objects.get(memberships__family=family, given_name__endswith="x0")
        assert child.full_name in page
        assert f'href="{reverse("families:detail", args=[family.pk])}"' in page
    assert "6 children you may see" in page


def test_a_service_manager_for_one_locality_sees_only_its_records_and_that_some_are_hidden(
    client_for, wendy, council, finished_run
):
    families = council(per_team=3)
    run = finished_run("child_status")

    page = client_for(wendy).get(members_url(run, "families")).content.decode()

    west = [family for family in families if family.locality_id == wendy.locality_id]
    chesil = [family for family in families if family.locality_id != wendy.locality_id]
    assert all(family.reference in page for family in west)
    assert not any(family.reference in page for family in chesil)
    assert "3 families you may see" in page
    assert "Some records behind this figure are outside what you may see." in page
    # Never how many: that could give back another locality's suppressed figure.
    assert "3 further records" not in page


def test_a_pathway_manager_sees_their_pathways_interventions_without_family_links(
    client_for, lena, council, finished_run
):
    families = council(per_team=3)
    run = finished_run("engagement", pathway="dmt")

    page = client_for(lena).get(members_url(run, "approached")).content.decode()

    for family in families:
        referral = Referral.objects.get(family=family, person__memberships__role="father")
        assert f'href="{reverse("referrals:detail", args=[referral.pk])}"' in page
        assert family.reference in page
        assert f'href="{reverse("families:detail", args=[family.pk])}"' not in page


def test_the_drill_down_names_families_only_to_those_who_may_open_them(
    client_for, sam, lena, council, finished_run
):
    families = council(per_team=3)
    for family in families:
        PersonFactory(family=family, given_name="Zephyr", family_name="Wellstead")

    families_page = client_for(sam).get(
        members_url(finished_run("step_down", pathway="dmt"), "cases")
    )
    interventions_page = client_for(lena).get(
        members_url(finished_run("engagement", pathway="dmt"), "approached")
    )

    # Sam (a service manager for the whole council) may open them: each is named.
    assert families_page.content.decode().count("Zephyr") == len(families)
    # Lena (a pathway manager) may open none: references only.
    assert "Zephyr" not in interventions_page.content.decode()
    for family in families:
        assert family.reference in interventions_page.content.decode()


def test_the_families_shown_are_audited_in_one_insert(client_for, wendy, council, finished_run):
    families = council(per_team=3)
    run = finished_run("child_status")
    client = client_for(wendy)

    with CaptureQueriesContext(connection) as queries:
        client.get(members_url(run, "children"))

    inserts = [
        q for q in queries.captured_queries if 'INSERT INTO "accounts_auditevent"' in q["sql"]
    ]
    assert len(inserts) == 1
    events = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, actor=wendy)
    west = {str(f.pk) for f in families if f.locality_id == wendy.locality_id}
    assert {event.object_id for event in events} == west
    assert events.count() == len(west)
    assert all(event.object_type == "families.family" for event in events)
    assert all(event.detail["run"] == run.pk for event in events)


def test_a_breakdown_group_opens_only_that_groups_records(client_for, sam, council, finished_run):
    families = council(per_team=6)
    run = finished_run("engagement", pathway="dmt", by="cohort")

    page = client_for(sam).get(members_url(run, "approached", group="Pilot")).content.decode()

    for family in families:
        assert (family.reference in page) == (family.cohort == "Pilot")
    assert "Approached (Pilot)" in page


@pytest.mark.parametrize(
    "query", ["", "?key=nonsense", "?key=engagement_rate", "?key=approached&group=Nobody"]
)
def test_a_figure_that_cannot_be_opened_is_404(client_for, sam, council, finished_run, query):
    council(per_team=1)
    run = finished_run("engagement", pathway="dmt", by="cohort")

    response = client_for(sam).get(reverse("outcomes:members", args=[run.pk]) + query)

    assert response.status_code == 404


def test_the_figures_of_a_run_not_yet_finished_cannot_be_opened(client_for, sam):
    params = ReportParameters.parse(as_of=timezone.localdate())
    run = report_run_request(report="engagement", params=params, acting_user=sam)

    assert client_for(sam).get(members_url(run, "approached")).status_code == 404


def test_records_come_fifty_to_a_page(client_for, sam, council, finished_run):
    council(per_team=30)
    run = finished_run("child_status")
    client = client_for(sam)

    first = client.get(members_url(run, "families")).content.decode()
    second = client.get(members_url(run, "families", page="2")).content.decode()

    assert len(re.findall(r'href="/families/\d+/"', first)) == 50
    assert len(re.findall(r'href="/families/\d+/"', second)) == 10
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in second and 'rel="prev"' in second


@pytest.mark.parametrize("per_team", [3, 30])
@pytest.mark.parametrize("key", ["cases", "children"])
def test_the_drill_downs_query_count_does_not_grow_with_the_records(
    client_for, sam, council, finished_run, django_assert_max_num_queries, per_team, key
):
    council(per_team=per_team)
    run = finished_run("step_down", pathway="dmt")
    client = client_for(sam)

    # Session, user, the two-factor device the session was verified with, the run, the total,
    # the count and page of records the reader may see, the audit insert, which families may
    # be opened, their display names, and the session's save (3 statements).
    with django_assert_max_num_queries(13):
        assert client.get(members_url(run, key)).status_code == 200


def test_the_interventions_drill_downs_query_count_does_not_grow_with_the_records(
    client_for, sam, council, finished_run, django_assert_max_num_queries
):
    council(per_team=30)
    run = finished_run("engagement", pathway="dmt")
    client = client_for(sam)

    with django_assert_max_num_queries(13):
        assert client.get(members_url(run, "approached")).status_code == 200
