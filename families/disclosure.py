"""Who may read a person's restricted contact details: the one decision, as an allowlist.

A domestic-abuse victim's address, phone and email are need-to-know (DOMAIN.md: "A leaked
refuge address can cost a life: treat the rule as an allowlist, on every surface"). They are
shown only to the people this module names; everyone else, on every page, print view,
export, API response, pack and calendar file, sees "Restricted". A denylist ("hide from the
perpetrator pathway") leaked the address to the perpetrator's other workers; here anyone not
named is refused, so a new role or pathway starts on the safe side.

Details that are not restricted follow the record's own access rules (the selectors).

The rule is the person's, wherever they appear: someone who lives in two households is one
record, and whoever holds the case of either household where they live now may read their
details, on either family's page. A household they have left does not count: a victim who
left the perpetrator's household keeps her new address from that household's workers.

Practitioners are allowed only for the people allocated to them. That fact lives with the
referrals, which this app does not know: callers that serve practitioners pass it in
(`works_with_person`, or the ids in `shield_people(worked_with=...)`); left out, it is False.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from accounts.models import Role, User

from .models import Family, Membership, Person

RESTRICTED = "Restricted"
CONTACT_FIELDS = ("address", "phone", "email")


def holds_the_case(user: User, family: Family) -> bool:
    """The family's own social worker and team manager, the service managers over the
    family (their locality, or the whole council), and auditors."""
    if not user.is_active:
        return False
    if user.role == Role.SOCIAL_WORKER:
        return family.social_worker_id is not None and family.social_worker_id == user.pk
    if user.role == Role.TEAM_MANAGER:
        return user.team_id is not None and user.team_id == family.team_id
    if user.role == Role.SERVICE_MANAGER:
        return user.locality_id is None or user.locality_id == family.locality_id
    return user.role == Role.AUDITOR


def _current_families(people: Iterable[Person]) -> dict[int, list[Family]]:
    """The families each person lives in now, by person id, in one query."""
    families: dict[int, list[Family]] = defaultdict(list)
    memberships = Membership.objects.current().filter(person__in=[person.pk for person in people])
    for membership in memberships.select_related("family").order_by():
        families[membership.person_id].append(membership.family)
    return families


def may_read_contact_details(
    user: User,
    person: Person,
    *,
    works_with_person: bool = False,
    families: Sequence[Family] | None = None,
) -> bool:
    """Whether `user` may read `person`'s address, phone and email.

    `works_with_person`: the user is a practitioner allocated to this person (an open
    referral of theirs), such as a victim's own domestic abuse worker. `families`: the
    families the person lives in now, when the caller has them (read here otherwise).
    """
    if not person.contact_restricted:
        return True
    if works_with_person and user.is_active and user.role == Role.SPECIALIST:
        return True
    if families is None:
        families = _current_families([person])[person.pk]
    if not families:  # they live in none of the families now: auditors still read the file
        return user.is_active and user.role == Role.AUDITOR
    return any(holds_the_case(user, family) for family in families)


def shield_people(
    user: User, people: Iterable[Person], *, worked_with: Collection[int] = ()
) -> None:
    """Prepare people for showing to `user`: each gets `details_visible`, and the contact
    details `user` may not read are replaced, in memory, by "Restricted", so no template,
    export or serializer can show them by mistake. A shielded person cannot be saved
    (families.models.Person.save refuses)."""
    people = list(people)
    # Their households are read only for the restricted, all of them in one query.
    families = _current_families(person for person in people if person.contact_restricted)
    for person in people:
        visible = may_read_contact_details(
            user,
            person,
            works_with_person=person.pk in worked_with,
            families=families[person.pk],
        )
        person.details_visible = visible
        if not visible:
            for name in CONTACT_FIELDS:
                setattr(person, name, RESTRICTED)
            person.contact_shielded = True
