"""Tiny builders for the outcome-report spec tests (`../shared/spec/outcome-reports.md`).

Every test builds its own few families, children, interventions and episodes, then reads one
report's `data` as of a day. Dates are chosen by hand so each expected figure can be checked
on paper.
"""

import datetime
import itertools
from typing import Any

import pytest

from families.models import Family, Membership, Person, StatusEpisode
from referrals.models import EngagementChange, Pathway, Referral

from ..factories import FamilyFactory, PersonFactory

AS_OF = datetime.date(2023, 6, 30)

_references = itertools.count(1)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class Make:
    """Builds the rows a report reads: `make.family(...)`, `make.child(family)`, ..."""

    def family(
        self,
        *,
        opened_on: str | datetime.date = "2022-01-01",
        closed_on: str | datetime.date | None = None,
        cohort: str = "",
        children: int = 0,
    ) -> Family:
        family = FamilyFactory(
            reference=f"OUT-F{next(_references):06d}",
            opened_on=_date(opened_on),
            closed_on=_date(closed_on),
            cohort=cohort,
        )
        for _ in range(children):
            self.child(family)
        return family

    def child(self, family: Family, **fields: Any) -> Person:
        return PersonFactory(
            reference=f"OUT-P{next(_references):06d}",
            family=family,
            role=Membership.Role.CHILD,
            **fields,
        )

    def member(
        self,
        person: Person,
        family: Family,
        role: str = Membership.Role.CHILD,
        *,
        joined_on: str | datetime.date | None = None,
        left_on: str | datetime.date | None = None,
    ) -> Membership:
        """`person` (already in a family) joins another one too; dates as given."""
        return Membership.objects.create(
            person=person,
            family=family,
            role=role,
            joined_on=_date(joined_on),
            left_on=_date(left_on),
        )

    def leave(self, person: Person, left_on: str | datetime.date) -> None:
        """`person` leaves the family they were made in on `left_on` (their last day)."""
        Membership.objects.filter(pk=person.membership.pk).update(left_on=_date(left_on))

    def adult(self, family: Family, role: str = Membership.Role.FATHER) -> Person:
        return PersonFactory(
            reference=f"OUT-P{next(_references):06d}",
            family=family,
            role=role,
            given_name="Adult",
        )

    def referral(
        self,
        person_or_family: Person | Family,
        *,
        referred_on: str | datetime.date = "2023-01-01",
        pathway: str = "dmt",
        engagement: str = "engaged",
        allocated_on: str | datetime.date | None = None,
        closed_on: str | datetime.date | None = None,
        previously_known: bool | None = None,
        family: Family | None = None,
    ) -> Referral:
        """An intervention; given a family, for a new father in it. It names the family it
        was made in: `family`, else the one the person was made in."""
        person = (
            self.adult(person_or_family)
            if isinstance(person_or_family, Family)
            else person_or_family
        )
        return Referral.objects.create(
            reference=f"OUT-R{next(_references):06d}",
            person=person,
            family=family or person.membership.family,
            pathway=Pathway.objects.get(code=pathway),
            referred_on=_date(referred_on),
            engagement=engagement,
            allocated_on=_date(allocated_on),
            closed_on=_date(closed_on),
            previously_known=previously_known,
        )

    def engagement_change(
        self, referral: Referral, engagement: str, changed_on: str | datetime.date
    ) -> EngagementChange:
        return EngagementChange.objects.create(
            referral=referral, engagement=engagement, changed_on=_date(changed_on)
        )

    def episode(
        self,
        child: Person,
        status: str,
        start: str | datetime.date,
        end: str | datetime.date | None = None,
    ) -> StatusEpisode:
        return StatusEpisode.objects.create(
            child=child, status=status, start_date=_date(start), end_date=_date(end)
        )


def _date(value: str | datetime.date | None) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


@pytest.fixture
def make(db) -> Make:
    return Make()


@pytest.fixture
def report(db):
    """`report(name, as_of=..., pathway=..., cohort=..., date_from=..., date_to=...)`: the
    report's `data` as `compute` gives it; as_of defaults to AS_OF (30 June 2023)."""

    def run(
        name: str,
        *,
        as_of: str | datetime.date = AS_OF,
        pathway: str | None = None,
        cohort: str | None = None,
        date_from: str | datetime.date | None = None,
        date_to: str | datetime.date | None = None,
    ) -> Any:
        from outcomes.reports import ReportParameters, compute

        params = ReportParameters(
            as_of=_date(as_of),
            pathway=pathway,
            cohort=cohort,
            date_from=_date(date_from),
            date_to=_date(date_to),
        )
        result = compute(name, params)
        assert result["report"] == name
        return result["data"]

    return run
