"""A figure opens onto the records behind it, but only those the reader may see."""

import pytest

from accounts.models import Role
from families.models import Membership
from outcomes.reports import ReportParameters
from outcomes.selectors import can_read_outcomes, members_for
from outcomes.services import report_run_execute, report_run_request
from referrals.models import Engagement

from ..factories import FamilyFactory
from .conftest import AS_OF, add_father

pytestmark = pytest.mark.django_db


def finished(by=None, **options):
    run = report_run_request(
        report="engagement",
        params=ReportParameters.parse(as_of=AS_OF, pathway="dmt", **options),
        by=by,
        acting_user=None,
    )
    return report_run_execute(run)


def test_managers_and_pathway_leads_read_outcomes_and_others_do_not(make_user, alice, team):
    assert can_read_outcomes(make_user(Role.SERVICE_MANAGER))
    assert can_read_outcomes(make_user(Role.TEAM_MANAGER, team=team))
    assert can_read_outcomes(make_user(Role.SPECIALIST, pathway="dmt", leads_pathway=True))
    assert not can_read_outcomes(make_user(Role.SPECIALIST, pathway="dmt"))
    assert not can_read_outcomes(alice)
    assert not can_read_outcomes(make_user(Role.AUDITOR))


def test_a_council_wide_manager_sees_every_engaged_father(make_user, cohorts):
    page = members_for(make_user(Role.SERVICE_MANAGER), finished(), "engaged")

    assert page.kind == "referrals"
    assert page.visible.count() == 5
    assert page.hidden_count == 0


def test_a_locality_manager_sees_only_their_localitys_records_and_the_number_hidden(
    make_user, cohorts, team
):
    manager = make_user(Role.SERVICE_MANAGER, locality=team.locality)

    page = members_for(manager, finished(), "engaged")

    assert {r.family.cohort for r in page.visible} == {"Pilot"}
    assert (page.visible.count(), page.hidden_count) == (4, 1)


def test_a_team_manager_of_another_team_sees_none_of_them(make_user, cohorts, other_team):
    outsider = make_user(Role.TEAM_MANAGER, team=other_team)

    page = members_for(outsider, finished(), "children")

    assert page.kind == "children"
    assert {c.family.cohort for c in page.visible} == {"Later"}
    assert page.hidden_count == 4


def test_a_child_is_shown_with_the_family_counted_not_another_household_the_reader_sees(
    make_user, cohorts, other_team
):
    """The Pilot children also belong to a household of the other team, which has no
    intervention: its manager still sees only the child counted through a family of theirs."""
    elsewhere = FamilyFactory(team=other_team, cohort="Later", opened_on=AS_OF)
    for referral in cohorts["Pilot"]:
        child = referral.family.memberships.get(role=Membership.Role.CHILD).person
        Membership.objects.create(person=child, family=elsewhere, role=Membership.Role.CHILD)
    engaged_later = cohorts["Later"][0].family

    page = members_for(make_user(Role.TEAM_MANAGER, team=other_team), finished(), "children")

    assert [child.family for child in page.visible] == [engaged_later]
    assert page.hidden_count == 4


def test_a_group_of_the_breakdown_narrows_the_records(make_user, cohorts, team, other_team):
    for _ in range(2):
        add_father(team, "Pilot", Engagement.NOT_ENGAGED)
        add_father(other_team, "Later", Engagement.NOT_ENGAGED)
    run = finished(by="cohort")

    page = members_for(make_user(Role.SERVICE_MANAGER), run, "not_engaged", group="Later")

    assert page.visible.count() == 5
    assert {r.family.cohort for r in page.visible} == {"Later"}


def test_a_figure_the_run_suppresses_opens_nothing_whoever_asks(make_user, cohorts):
    manager = make_user(Role.SERVICE_MANAGER)
    run = finished(by="cohort")  # Later: 1 engaged and 3 not engaged, each shown as "<5"

    assert members_for(manager, run, "not_engaged", group="Later") is None
    assert members_for(manager, run, "engaged", group="Later") is None
    assert members_for(manager, run, "not_engaged") is None  # 4 in all
    assert members_for(manager, run, "engaged") is not None  # 5 in all


def test_a_group_not_in_the_run_or_an_unknown_figure_opens_nothing(make_user, cohorts):
    manager = make_user(Role.SERVICE_MANAGER)
    run = finished(by="cohort")

    assert members_for(manager, run, "engaged", group="Nonesuch") is None
    assert members_for(manager, run, "engagement_rate") is None
    assert members_for(manager, finished(), "engaged", group="Pilot") is None
