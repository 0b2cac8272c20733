import datetime

import factory
from django.utils import timezone

from accounts.models import Locality, PartnerAgency, Role, Team, User
from families.models import Family, Membership, Person, Relationship

PASSWORD = "correct-horse-battery-staple"


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Locality {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    locality = factory.SubFactory(LocalityFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class PartnerAgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAgency

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = PartnerAgency.Kind.CHARITY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Worker"
    role = Role.SOCIAL_WORKER
    password = factory.django.Password(PASSWORD)


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    reference = factory.Sequence(lambda n: f"FAM-{n:05d}")
    team = factory.SubFactory(TeamFactory)
    locality = factory.SelfAttribute("team.locality")
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100))


class PersonFactory(factory.django.DjangoModelFactory):
    """A person and their membership of `family` as `role` (a child unless told); with
    `father=`, a birth-parent link from that father to them."""

    class Meta:
        model = Person

    # Not Person's fields: _create turns them into a membership and a parent link.
    family = factory.SubFactory(FamilyFactory)
    role = Membership.Role.CHILD
    father = None
    joined_on = None

    reference = factory.Sequence(lambda n: f"PER-{n:06d}")
    given_name = factory.Sequence(lambda n: f"Child{n}")
    family_name = "Testfamily"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        family = kwargs.pop("family")
        role = kwargs.pop("role")
        father = kwargs.pop("father")
        joined_on = kwargs.pop("joined_on")
        person = super()._create(model_class, *args, **kwargs)
        person.membership = Membership.objects.create(
            person=person, family=family, role=role, joined_on=joined_on
        )
        person.role = role
        if father is not None:
            Relationship.objects.create(
                person=father,
                relative=person,
                kind=Relationship.Kind.PARENT,
                parent_type=Relationship.ParentType.BIRTH,
            )
        return person
