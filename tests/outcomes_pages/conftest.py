"""The cast and the council of the outcome pages' tests.

Two localities: West (alice's team "SASS West 1") and Chesil (charlie's team "SASS Chesil").
Sam manages the whole council's service, Wendy only West's; Tess manages alice's team; Lena
manages the Dads Matter Too pathway and Mona the mental health one (each reads only their
pathway's reports). alice (a social worker) and Sid (a specialist practitioner who leads
nothing) are outsiders to the outcomes.

`council(per_team=...)` builds, in each team, families of the "Pilot" and "Later" cohorts,
each with two children (one on a child protection plan) and a father referred to Dads Matter
Too who engaged: at three families a team, the figures the tests open are shown. (Every
father engaged, so the engagement counts other than those approached are hidden: "<5" for
the zeros, and "Suppressed" for those engaged, which would say the others are 0.)
"""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, SpecialistPathway, Team, User
from families.models import Family, LegalStatus, Membership, StatusEpisode
from outcomes.models import ReportRun
from outcomes.reports import ReportParameters
from outcomes.services import report_run_execute, report_run_request
from referrals.models import Engagement, Pathway, Referral

from ..factories import FamilyFactory, PersonFactory


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def sam(make_user) -> User:
    """A service manager for the whole council: the owner of the outcome pages."""
    return make_user(Role.SERVICE_MANAGER, username="sam", first_name="Sam", last_name="Lead")


@pytest.fixture
def wendy(make_user, team) -> User:
    """A service manager for West only."""
    return make_user(
        Role.SERVICE_MANAGER,
        username="wendy",
        first_name="Wendy",
        last_name="West",
        locality=team.locality,
    )


@pytest.fixture
def tess(make_user, team) -> User:
    return make_user(
        Role.TEAM_MANAGER, username="tess", first_name="Tess", last_name="Manager", team=team
    )


@pytest.fixture
def lena(make_user) -> User:
    return make_user(
        Role.SPECIALIST,
        username="lena",
        first_name="Lena",
        last_name="Pathway",
        pathway=SpecialistPathway.DMT,
        leads_pathway=True,
    )


@pytest.fixture
def mona(make_user) -> User:
    """The mental health pathway's manager: an outsider to Dads Matter Too's reports."""
    return make_user(
        Role.SPECIALIST,
        username="mona",
        first_name="Mona",
        last_name="Health",
        pathway=SpecialistPathway.MENTAL_HEALTH,
        leads_pathway=True,
    )


@pytest.fixture
def sid(make_user) -> User:
    """A specialist practitioner who leads no pathway: an outsider."""
    return make_user(
        Role.SPECIALIST,
        username="sid",
        first_name="Sid",
        last_name="Practitioner",
        pathway=SpecialistPathway.DMT,
    )


_numbers = iter(range(1, 1_000_000))


def build_family(
    team: Team,
    *,
    cohort: str,
    today: datetime.date,
    social_worker: User | None = None,
    engagement: str = Engagement.ENGAGED,
) -> Family:
    """A family open 200 days with two children, one on a CP plan, and a father referred to
    Dads Matter Too 150 days ago (allocated a week later, with the given engagement)."""
    n = next(_numbers)
    family = FamilyFactory(
        reference=f"OUTP-{n:05d}",
        team=team,
        locality=team.locality,
        social_worker=social_worker,
        cohort=cohort,
        opened_on=today - datetime.timedelta(days=200),
    )
    opened = family.opened_on
    for index in range(2):
        child = PersonFactory(
            reference=f"OUTP-C{n:05d}-{index}",
            family=family,
            role=Membership.Role.CHILD,
            given_name=f"Child{n}x{index}",
        )
        StatusEpisode.objects.create(
            child=child,
            status=LegalStatus.CP if index == 0 else LegalStatus.CIN,
            start_date=opened,
        )
    father = PersonFactory(
        reference=f"OUTP-F{n:05d}",
        family=family,
        role=Membership.Role.FATHER,
        given_name=f"Father{n}",
    )
    Referral.objects.create(
        reference=f"OUTP-R{n:05d}",
        person=father,
        family=family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=today - datetime.timedelta(days=150),
        allocated_on=today - datetime.timedelta(days=143),
        engagement=engagement,
    )
    return family


@pytest.fixture
def council(team, other_team, alice, charlie, today) -> Callable[..., list[Family]]:
    """`council(per_team=6)`: per_team families in each team, alternately Pilot and Later."""

    def build(per_team: int = 6, cohorts: tuple[str, ...] = ("Pilot", "Later")) -> list[Family]:
        families = []
        for place, worker in ((team, alice), (other_team, charlie)):
            for index in range(per_team):
                families.append(
                    build_family(
                        place,
                        cohort=cohorts[index % len(cohorts)],
                        today=today,
                        social_worker=worker,
                    )
                )
        return families

    return build


@pytest.fixture
def finished_run(today) -> Callable[..., ReportRun]:
    """`finished_run("engagement", by="cohort", standard=False, **parameters)`: a run asked
    for and computed at once, as the Celery task would (its on-commit send never fires inside
    a test's transaction)."""

    def run(
        report: str,
        *,
        by: str | None = None,
        acting_user: User | None = None,
        standard: bool = False,
        **parameters: Any,
    ) -> ReportRun:
        params = ReportParameters.parse(as_of=parameters.pop("as_of", today), **parameters)
        queued = report_run_request(
            report=report, params=params, by=by, acting_user=acting_user, standard=standard
        )
        return report_run_execute(queued)

    return run
