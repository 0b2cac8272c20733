"""child_status over families closed and referred again in DMT (issue 12).

An imported family that came back is a closed family whose children have episodes after it
closed; a family closed and re-referred in DMT is one record whose closed period is kept as an
earlier period of involvement. The report reads each earlier period as the closed family it
was, so it agrees with the import's reading, and a re-referral recorded in DMT counts even
before anyone records a new status for the children. Nothing changes for a family with no
earlier period (every other test of the report).
"""

import pytest

from accounts.models import Role
from families.services import family_rerefer
from outcomes.reports import ReportParameters, compute, members

from ..factories import UserFactory
from .conftest import AS_OF, day

pytestmark = pytest.mark.django_db


def closed_then_rereferred(make, *, referred_again_on: str):
    """Open 1 March to 31 December 2022, a child on a CIN plan all that time; then the team
    records a re-referral on `referred_again_on`. No new status is recorded."""
    family = make.family(opened_on="2022-03-01", closed_on="2022-12-31")
    child = make.child(family, given_name="Cai")
    make.episode(child, "cin", "2022-03-01", "2022-12-31")
    worker = UserFactory(role=Role.SOCIAL_WORKER, team=family.team)
    family_rerefer(
        family=family,
        referred_on=day(referred_again_on),
        referral_source="2A",
        referral_reason="School worried again.",
        expected_version=family.version,
        acting_user=worker,
    )
    return family, child


def test_a_re_referral_recorded_within_a_year_counts_though_no_new_status_is_recorded(make, report):
    closed_then_rereferred(make, referred_again_on="2023-03-01")

    data = report("child_status")

    # The closed period and the open one: two families' worth, one child.
    assert data["families"] == 2
    assert data["children"] == 1
    assert data["closed"] == {"families": 1, "children": 1}
    assert data["re_referred_within_12_months"] == 1


def test_a_re_referral_after_more_than_a_year_does_not_count(make, report):
    closed_then_rereferred(make, referred_again_on="2024-01-01")

    data = report("child_status", as_of="2024-06-30")

    assert data["closed"] == {"families": 1, "children": 1}
    assert data["re_referred_within_12_months"] == 0


def test_a_report_as_of_a_day_before_the_re_referral_reads_the_family_as_it_was(make, report):
    closed_then_rereferred(make, referred_again_on="2023-03-01")
    twin = make.family(opened_on="2022-03-01", closed_on="2022-12-31")
    make.episode(make.child(twin), "cin", "2022-03-01", "2022-12-31")

    data = report("child_status", as_of="2023-02-28")

    # Both families closed at the end of 2022, as a report on that day said then.
    assert data["families"] == 2
    assert data["closed"] == {"families": 2, "children": 2}
    assert data["re_referred_within_12_months"] == 0


def test_the_date_range_reads_each_period_by_its_own_opening_day(make, report):
    closed_then_rereferred(make, referred_again_on="2023-03-01")

    assert report("child_status", date_from="2022-01-01", date_to="2022-12-31")["families"] == 1
    assert report("child_status", date_from="2023-01-01", date_to="2023-12-31")["families"] == 1
    assert report("child_status", date_from="2021-01-01", date_to="2021-12-31")["families"] == 0


def test_the_children_behind_the_figure_are_listed_with_their_family(make):
    family, child = closed_then_rereferred(make, referred_again_on="2023-03-01")
    params = ReportParameters(as_of=AS_OF)

    kind, children = members("child_status", params, "re_referred_within_12_months")
    assert kind == "children"
    assert [person.pk for person in children] == [child.pk]
    kind, closed = members("child_status", params, "closed.families")
    assert [row.pk for row in closed] == [family.pk]


def test_a_status_recorded_after_the_re_referral_counts_the_child_once(make, report):
    family, child = closed_then_rereferred(make, referred_again_on="2023-03-01")
    make.episode(child, "cp", "2023-03-10")

    data = report("child_status")

    assert data["children"] == 1
    assert data["re_referred_within_12_months"] == 1
    assert data["cp_while_open"]["children"] == 1
    assert data["cp_while_open"]["became_cp_after_start"] == 1


def test_a_breakdown_by_month_offers_the_month_each_period_opened(make):
    closed_then_rereferred(make, referred_again_on="2023-03-01")

    data = compute("child_status", ReportParameters(as_of=AS_OF), by="month")

    groups = {group["label"]: group["data"]["families"] for group in data["breakdown"]["groups"]}
    assert groups == {"March 2022": 1, "March 2023": 1}
