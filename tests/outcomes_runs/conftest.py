"""A small DMT cohort for the run, comparison and drill-down tests.

Two cohorts of fathers referred to Dads Matter Too: "Pilot" (in alice's team, SASS West 1)
with 4 engaged and 1 not engaged, and "Later" (in charlie's team, another locality) with 1
engaged and 3 not engaged. Each father's family has one child.
"""

import datetime
import itertools

import pytest

from families.models import Membership
from referrals.models import Engagement, Pathway, Referral

from ..factories import FamilyFactory, PersonFactory

AS_OF = datetime.date(2024, 6, 30)
_refs = itertools.count(1)


def add_father(team, cohort: str, engagement: str) -> Referral:
    family = FamilyFactory(team=team, cohort=cohort, opened_on=datetime.date(2024, 1, 1))
    PersonFactory(family=family, role=Membership.Role.CHILD)
    father = PersonFactory(family=family, role=Membership.Role.FATHER, given_name="Dad")
    return Referral.objects.create(
        reference=f"R-{next(_refs):05d}",
        person=father,
        family=family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=datetime.date(2024, 2, 1),
        engagement=engagement,
    )


@pytest.fixture
def cohorts(team, other_team):
    pilot = [add_father(team, "Pilot", Engagement.ENGAGED) for _ in range(4)]
    pilot.append(add_father(team, "Pilot", Engagement.NOT_ENGAGED))
    later = [add_father(other_team, "Later", Engagement.ENGAGED)]
    later += [add_father(other_team, "Later", Engagement.NOT_ENGAGED) for _ in range(3)]
    return {"Pilot": pilot, "Later": later}
