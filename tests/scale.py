"""Many families in a few statements, for the query-count guards at 10 and 1,000 families.

Factories write a family in a dozen queries; a thousand of them would cost the suite a
minute. These are plain bulk inserts of the same shapes the services write: each family has
a mother, a father (a birth-parent link to each child) and two children on a child in need
plan, a recent contact; and each family shares a child and the father with its neighbour, so
people live in two households as they do on the demo council.
"""

import datetime
from collections.abc import Sequence

from django.utils import timezone

from accounts.models import Team, User
from families.models import (
    Contact,
    ContactKind,
    Family,
    LegalStatus,
    Membership,
    Person,
    Relationship,
    StatusEpisode,
)

adults = ("mother", "father")


def households(
    count: int, *, team: Team, workers: Sequence[User], prefix: str = "SCALE"
) -> list[Family]:
    today = timezone.localdate()
    opened = today - datetime.timedelta(days=200)
    families = Family.objects.bulk_create(
        Family(
            reference=f"{prefix}-{number:05d}",
            team=team,
            locality=team.locality,
            social_worker=workers[number % len(workers)],
            opened_on=opened,
        )
        for number in range(count)
    )
    people = Person.objects.bulk_create(
        Person(
            reference=f"{prefix}-P{number:05d}-{part}",
            given_name=f"{part.title()}{number}",
            family_name=f"Surname{number}",
            date_of_birth=today - datetime.timedelta(days=365 * (30 if part in adults else 6)),
        )
        for number in range(count)
        for part in ("mother", "father", "elder", "younger")
    )
    Role = Membership.Role
    roles = (Role.MOTHER, Role.FATHER, Role.CHILD, Role.CHILD)
    memberships = [
        Membership(person=person, family=families[index // 4], role=roles[index % 4])
        for index, person in enumerate(people)
    ]
    relationships = []
    episodes = []
    for number in range(count):
        mother, father, elder, younger = people[number * 4 : number * 4 + 4]
        for child in (elder, younger):
            relationships.append(
                Relationship(
                    person=father,
                    relative=child,
                    kind=Relationship.Kind.PARENT,
                    parent_type=Relationship.ParentType.BIRTH,
                )
            )
            episodes.append(StatusEpisode(child=child, status=LegalStatus.CIN, start_date=opened))
        if number:  # the father and the elder child also live in the neighbouring household
            neighbour = families[number - 1]
            memberships.append(Membership(person=father, family=neighbour, role=Role.FATHER))
            memberships.append(Membership(person=elder, family=neighbour, role=Role.CHILD))
    Membership.objects.bulk_create(memberships)
    Relationship.objects.bulk_create(relationships)
    StatusEpisode.objects.bulk_create(episodes)
    Contact.objects.bulk_create(
        Contact(
            family=family,
            occurred_at=timezone.now() - datetime.timedelta(days=number % 40),
            kind=ContactKind.HOME_VISIT,
            note="Visited.",
            recorded_by=family.social_worker,
        )
        for number, family in enumerate(families)
    )
    return families
