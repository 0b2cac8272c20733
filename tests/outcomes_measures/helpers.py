"""Tiny record builders for the measures reports' tests, and the report runner."""

import datetime
import itertools
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, Team, User
from families.models import Family, Membership, Person, StatusEpisode
from outcomes.reports import REPORTS, ReportParameters
from referrals.models import MeasureReading, OutcomeMeasure, Pathway, Referral

from ..factories import FamilyFactory, PersonFactory, UserFactory

AS_OF = datetime.date(2024, 6, 30)
_references = itertools.count(1)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def params(**fields: Any) -> ReportParameters:
    fields.setdefault("as_of", AS_OF)
    return ReportParameters(**fields)


def run(name: str, **fields: Any) -> dict[str, Any]:
    return REPORTS[name].compute(params(**fields))


def queries_to_run(name: str, **fields: Any) -> int:
    with CaptureQueriesContext(connection) as context:
        run(name, **fields)
    return len(context.captured_queries)


def recorder() -> User:
    return UserFactory(username="recorder", role=Role.SOCIAL_WORKER)


def family(team: Team, opened_on: str, **fields: Any) -> Family:
    return FamilyFactory(team=team, opened_on=day(opened_on), **fields)


def child(family: Family, **fields: Any) -> Person:
    return PersonFactory(family=family, role=Membership.Role.CHILD, **fields)


def adult(family: Family, role: str = Membership.Role.FATHER, **fields: Any) -> Person:
    fields.setdefault("given_name", "Adult")
    return PersonFactory(family=family, role=role, **fields)


def refer(person: Person, pathway: str, referred_on: str, **fields: Any) -> Referral:
    fields.setdefault("family", person.membership.family)
    return Referral.objects.create(
        reference=f"REF-{next(_references):05d}",
        person=person,
        pathway=Pathway.objects.get(code=pathway),
        referred_on=day(referred_on),
        **fields,
    )


def episode(child: Person, status: str, start: str, end: str | None = None) -> StatusEpisode:
    return StatusEpisode.objects.create(
        child=child, status=status, start_date=day(start), end_date=day(end) if end else None
    )


def star(person: Person, taken_on: str, everywhere: int, **areas: int) -> MeasureReading:
    """A Recovery Star reading scoring every area `everywhere`, but `star_N=score`."""
    scores = {f"star_{n}": everywhere for n in range(1, 11)} | areas
    return _reading(person, "recovery-star", taken_on, scores=scores, total=None)


def mood(person: Person, code: str, taken_on: str, total: int) -> MeasureReading:
    """A PHQ-9 or GAD-7 reading with that total (the reports read only the total)."""
    return _reading(person, code, taken_on, scores={}, total=total)


def _reading(person: Person, code: str, taken_on: str, **fields: Any) -> MeasureReading:
    return MeasureReading.objects.create(
        person=person,
        measure=OutcomeMeasure.objects.get(code=code),
        taken_on=day(taken_on),
        recorded_by=recorder(),
        **fields,
    )
