import datetime
import itertools

import pytest

from accounts.models import Locality, Role, SpecialistPathway, User
from outcomes.reports import wilson

from ..factories import TeamFactory
from .helpers import run

pytestmark = pytest.mark.django_db

JANUARY_2024 = datetime.date(2024, 1, 31)
TRAINED = datetime.date(2023, 10, 2)
_names = itertools.count(1)


def rate(n, d):
    return {"numerator": n, "denominator": d, "rate": n / d if d else None, "ci95": wilson(n, d)}


def staff(role, count, trained, *, team=None, locality=None, trained_on=TRAINED, **fields):
    """`count` members of staff of `role`, the first `trained` of them trained in MI."""
    User.objects.bulk_create(
        User(
            username=f"staff{next(_names)}",
            role=role,
            team=team,
            locality=locality,
            mi_trained_on=trained_on if n < trained else None,
            pathway=SpecialistPathway.SUBSTANCE_USE if role == Role.SPECIALIST else "",
            **fields,
        )
        for n in range(count)
    )


@pytest.fixture
def dorset():
    """Dorset in January 2024: 77 of 102 social care staff trained (Chesil 49/58,
    Dorchester 13/25, West 15/19) and 12 of 12 specialists."""
    chesil = TeamFactory(name="SASS Chesil", locality__name="Chesil")
    dorchester = TeamFactory(name="SASS Dorchester", locality__name="Dorchester")
    west = TeamFactory(name="SASS West", locality__name="West")
    staff(Role.SOCIAL_WORKER, 52, 45, team=chesil)
    staff(Role.TEAM_MANAGER, 4, 3, team=chesil)
    staff(Role.SERVICE_MANAGER, 2, 1, locality=chesil.locality)
    staff(Role.SOCIAL_WORKER, 24, 13, team=dorchester)
    # Trained after the report date: not yet trained then.
    staff(Role.SOCIAL_WORKER, 1, 1, team=dorchester, trained_on=datetime.date(2024, 2, 5))
    staff(Role.SOCIAL_WORKER, 18, 15, team=west)
    staff(Role.SOCIAL_WORKER, 1, 0, locality=west.locality)  # placed by locality, no team
    for team in (chesil, dorchester, west):
        staff(Role.SPECIALIST, 4, 4, locality=team.locality)
    # Not counted: staff who have left, and roles outside social care and the pathways.
    staff(Role.SOCIAL_WORKER, 3, 3, team=chesil, is_active=False)
    staff(Role.BUSINESS_SUPPORT, 2, 2, team=chesil)
    staff(Role.AUDITOR, 1, 1)
    return chesil.locality, dorchester.locality, west.locality


def test_it_reproduces_dorsets_published_figures(dorset):
    chesil, dorchester, west = dorset

    data = run("mi_training", as_of=JANUARY_2024)

    assert data["social_care"] == rate(77, 102)
    assert data["social_care"]["rate"] == pytest.approx(0.7549, abs=1e-4)
    assert data["specialists"] == rate(12, 12)
    assert data["by_locality"] == [
        {
            "locality": "Chesil",
            "locality_id": chesil.pk,
            "social_care": rate(49, 58),
            "specialists": rate(4, 4),
        },
        {
            "locality": "Dorchester",
            "locality_id": dorchester.pk,
            "social_care": rate(13, 25),
            "specialists": rate(4, 4),
        },
        {
            "locality": "West",
            "locality_id": west.pk,
            "social_care": rate(15, 19),
            "specialists": rate(4, 4),
        },
    ]


def test_roles_are_listed_by_name(dorset):
    assert run("mi_training", as_of=JANUARY_2024)["by_role"] == [
        {"role": "Adult specialist practitioner", **rate(12, 12)},
        {"role": "Service manager", **rate(1, 2)},
        {"role": "Social worker", **rate(73, 96)},
        {"role": "Team manager", **rate(3, 4)},
    ]


def test_training_after_the_report_date_does_not_count_yet(dorset):
    before_anyone = run("mi_training", as_of=TRAINED - datetime.timedelta(days=1))
    later = run("mi_training", as_of=datetime.date(2024, 2, 5))

    assert before_anyone["social_care"] == rate(0, 102)
    assert later["social_care"] == rate(78, 102)


def test_a_user_placed_in_both_a_team_and_a_locality_counts_in_their_own_locality():
    team = TeamFactory(name="SASS Purbeck", locality__name="Purbeck")
    elsewhere = Locality.objects.create(name="Chesil")
    staff(Role.SERVICE_MANAGER, 1, 1, team=team, locality=elsewhere)

    rows = run("mi_training")["by_locality"]

    assert [(row["locality"], row["social_care"]["numerator"]) for row in rows] == [("Chesil", 1)]
