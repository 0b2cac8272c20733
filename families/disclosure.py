"""Who may read a person's restricted contact details: the one decision, as an allowlist.

A domestic-abuse victim's address, phone and email are need-to-know (DOMAIN.md: "A leaked
refuge address can cost a life: treat the rule as an allowlist, on every surface"). They are
shown only to the people this module names; everyone else, on every page, print view,
export, API response, pack and calendar file, sees "Restricted". A denylist ("hide from the
perpetrator pathway") leaked the address to the perpetrator's other workers; here anyone not
named is refused, so a new role or pathway starts on the safe side.

Details that are not restricted follow the record's own access rules (the selectors).

Practitioners are allowed only for the people allocated to them. That fact lives with the
referrals, which this app does not know: callers that serve practitioners pass it in
(`works_with_person`, or the ids in `shield_people(worked_with=...)`); left out, it is False.
"""

from collections.abc import Collection, Iterable

from accounts.models import Role, User

from .models import Family, Person

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


def may_read_contact_details(
    user: User, person: Person, *, works_with_person: bool = False
) -> bool:
    """Whether `user` may read `person`'s address, phone and email.

    `works_with_person`: the user is a practitioner allocated to this person (an open
    referral of theirs), such as a victim's own domestic abuse worker.
    """
    if not person.contact_restricted:
        return True
    if works_with_person and user.is_active and user.role == Role.SPECIALIST:
        return True
    return holds_the_case(user, person.family)


def shield_people(
    user: User, people: Iterable[Person], *, worked_with: Collection[int] = ()
) -> None:
    """Prepare people for showing to `user`: each gets `details_visible`, and the contact
    details `user` may not read are replaced, in memory, by "Restricted", so no template,
    export or serializer can show them by mistake. A shielded person cannot be saved
    (families.models.Person.save refuses)."""
    for person in people:
        visible = may_read_contact_details(user, person, works_with_person=person.pk in worked_with)
        person.details_visible = visible
        if not visible:
            for name in CONTACT_FIELDS:
                setattr(person, name, RESTRICTED)
            person.contact_shielded = True
