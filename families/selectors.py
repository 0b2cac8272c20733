"""Reads of case records, already narrowed to what the asking user may see."""

import datetime
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role, User

from .models import (
    LEVEL_OF_STATUS,
    ClosureRequest,
    Contact,
    Family,
    FamilyQuerySet,
    InvolvementPeriod,
    Membership,
    Person,
    PersonName,
    Plan,
    PlanAction,
    ReferralSource,
    Relationship,
    StatusEpisode,
    is_re_referral,
    level_labels,
    long_date,
)

# Roles that record casework on their team's families.
RECORDING_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)


class CaseloadFigures(TypedDict):
    """What caseload_for annotates on each family."""

    current_level: int  # 0 when no child has an open status episode
    last_contact_at: datetime.datetime | None
    children_count: int
    previous_closed_on: datetime.date | None  # when the previous period closed


class EpisodesLoaded(TypedDict):
    """A child's status episodes, oldest first, prefetched for the family page."""

    episodes: list[StatusEpisode]


if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

    CaseloadFamily = WithAnnotations[Family, CaseloadFigures]
    CaseloadQuerySet = FamilyQuerySet[CaseloadFamily, CaseloadFamily]
    PersonWithEpisodes = WithAnnotations[Person, EpisodesLoaded]


# Names that only say a child is not born yet: shown as "unborn baby".
_UNBORN_PLACEHOLDERS = {"", "baby", "unborn", "unborn baby", "unborn child"}
# The order adults are named in when a family has no children.
_ADULT_ORDER: dict[str, int] = {
    Membership.Role.MOTHER: 0,
    Membership.Role.FATHER: 1,
    Membership.Role.FATHER_FIGURE: 2,
    Membership.Role.CARER: 3,
    Membership.Role.OTHER_ADULT: 4,
}


def _child_name(child: Person) -> str:
    if not child.is_unborn:
        return child.given_name
    if child.given_name.strip().lower() in _UNBORN_PLACEHOLDERS:
        return "unborn baby"
    return f"{child.given_name} (unborn)"


def _named(memberships: list[Membership], reference: str) -> str:
    """One family's display name from its members on the day: its children, grouped by their
    family name, eldest first ("Wellstead — Darius, Riley; Okafor — Tom"); with no children,
    its adults' family names; with nobody, its reference."""
    children = [m.person for m in memberships if m.role == Membership.Role.CHILD]
    if children:
        children.sort(
            key=lambda child: (
                child.date_of_birth or child.expected_on or datetime.date.max,
                child.given_name,
                child.pk,
            )
        )
        groups: dict[str, list[str]] = {}
        for child in children:
            groups.setdefault(child.family_name.strip(), []).append(_child_name(child))
        return "; ".join(
            f"{surname} — {', '.join(names)}" if surname else ", ".join(names)
            for surname, names in groups.items()
        )
    adults = sorted(
        (m for m in memberships if m.role != Membership.Role.CHILD),
        key=lambda m: (_ADULT_ORDER.get(m.role, 9), m.person.family_name, m.person.pk),
    )
    surnames = [
        name for name in dict.fromkeys(m.person.family_name.strip() for m in adults) if name
    ]
    return " and ".join(surnames) if surnames else reference


def display_name_from(
    memberships: Iterable[Membership], reference: str, *, on: datetime.date | None = None
) -> str:
    """A family's display name from its memberships (with their people) already loaded by a
    page that reads them anyway: those in force on `on` (today) count, as for display_names."""
    day = on or timezone.localdate()
    return _named(
        [
            membership
            for membership in memberships
            if (membership.joined_on is None or membership.joined_on <= day)
            and (membership.left_on is None or membership.left_on >= day)
        ],
        reference,
    )


def name_family_from(family: Family, memberships: Iterable[Membership]) -> None:
    """Give `family` its display name from its memberships a page has already read (with
    their people): no query of its own."""
    family._display_name = display_name_from(memberships, family.reference)


def display_names(
    families: Iterable[Family],
    *,
    on: datetime.date | None = None,
    within: QuerySet[Family] | None = None,
) -> dict[int, str]:
    """The name people know each family by, keyed by family id, from its members on `on`
    (today): one query however many families. The only place a family's name is decided.

    With `within` (the families the viewer may read, e.g. family_list_for(user)), a family
    outside it keeps its reference: a page naming families the viewer cannot open (an agenda,
    a report's drill-down) shows no one's name."""
    references = {family.pk: family.reference for family in families}
    if not references:
        return {}
    day = on or timezone.localdate()
    memberships = Membership.objects.on(day).filter(family_id__in=references)
    if within is not None:
        memberships = memberships.filter(family__in=within.values("pk"))
    members: dict[int, list[Membership]] = {pk: [] for pk in references}
    for membership in memberships.select_related("person").order_by("family_id", "id"):
        members[membership.family_id].append(membership)
    return {pk: _named(members[pk], references[pk]) for pk in references}


def name_families(
    families: Iterable[Family],
    *,
    on: datetime.date | None = None,
    within: QuerySet[Family] | None = None,
) -> None:
    """Give each family its display name (family.display_name) with one query, for a page
    that lists them (the same family may appear as several objects; `within` as for
    display_names). Families already named are left as they are."""
    unnamed = [family for family in families if family.pk and family._display_name is None]
    names = display_names({family.pk: family for family in unnamed}.values(), on=on, within=within)
    for family in unnamed:
        family._display_name = names[family.pk]


def members_of(family: Family, *, on: datetime.date | None = None) -> list[Person]:
    """The people of `family`, each with their role there (person.role, person.membership):
    its current members, or its members on the day `on`."""
    memberships = Membership.objects.filter(family=family).select_related("person")
    memberships = memberships.on(on) if on is not None else memberships.current()
    return _as_members(memberships)


def _as_members(memberships: Iterable[Membership]) -> list[Person]:
    """The people of `memberships`, each with their role and membership (person.role,
    person.membership)."""
    people = []
    for membership in memberships:
        person = membership.person
        person.role, person.membership = membership.role, membership
        people.append(person)
    return people


def _current_and_former(memberships: Sequence[Membership]) -> tuple[list[Person], list[Person]]:
    """From all of one family's memberships: its current members, and those who have left
    and are not back (most recent first, with the membership that ended)."""
    current = [membership for membership in memberships if membership.left_on is None]
    here = {membership.person_id for membership in current}
    ended = sorted(
        (m for m in memberships if m.left_on is not None and m.person_id not in here),
        key=lambda membership: (membership.left_on, membership.pk),
        reverse=True,
    )
    last: dict[int, Membership] = {}
    for membership in ended:
        last.setdefault(membership.person_id, membership)
    return _as_members(current), _as_members(last.values())


def member_of(
    family: Family, person_id: int, *, children_only: bool = False, former_too: bool = False
) -> Person:
    """One person of `family`, with their role and membership there (as members_of sets
    them): a current member (a child, with `children_only`), or with `former_too` someone
    who has left; Http404 otherwise, so a person is never reached through a family that is
    not theirs."""
    memberships = Membership.objects.filter(family=family, person_id=person_id)
    if not former_too:
        memberships = memberships.current()
    if children_only:
        memberships = memberships.children()
    membership = (
        memberships.select_related("person")
        .order_by(F("left_on").desc(nulls_first=True), "-id")
        .first()
    )
    if membership is None:
        raise Http404
    person = membership.person
    person.role, person.membership = membership.role, membership
    return person


def people_in(family: Family, *, roles: Collection[str] = ()) -> QuerySet[Person]:
    """The current members of `family` (in one of `roles`, when given) as a queryset, for a
    form's choices, in the order members_of lists them."""
    here = Q(memberships__family=family, memberships__left_on__isnull=True)
    if roles:
        here &= Q(memberships__role__in=roles)
    return Person.objects.filter(here).order_by(
        "memberships__role", "date_of_birth", "given_name", "id"
    )


def families_of(person: Person) -> FamilyQuerySet:
    """The families `person` belongs to now."""
    return Family.objects.filter(
        memberships__person=person, memberships__left_on__isnull=True
    ).distinct()


def father_links_of(children: Sequence[Person]) -> dict[int, Relationship]:
    """The parent link naming each child's father (the first current one from a father or
    father figure), by the child's id; a child with none is missing."""
    links = (
        Relationship.objects.current()
        .fathers()
        .filter(relative__in=[child.pk for child in children])
        .select_related("person")
        .order_by("relative_id", "id")
    )
    found: dict[int, Relationship] = {}
    for link in links:
        found.setdefault(link.relative_id, link)
    return found


def fathers_of(children: Sequence[Person]) -> dict[int, Person]:
    """Each child's father (a current parent link from a father or father figure), by the
    child's id; a child with none is missing ("Father not named")."""
    return {child_id: link.person for child_id, link in father_links_of(children).items()}


def family_list_for(user: User) -> FamilyQuerySet:
    """The families `user` may see.

    Team staff see their team's families; a service manager sees their locality, or the whole
    council when they have none; auditors see all, to grade files. Specialists see families
    only through the adults allocated to them (the referrals issue), and administrators, who
    run the system rather than casework, see none.
    """
    families = Family.objects.select_related("locality", "team", "social_worker")
    if user.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT):
        return families.filter(team_id=user.team_id) if user.team_id else families.none()
    if user.role == Role.SERVICE_MANAGER:
        return families.filter(locality_id=user.locality_id) if user.locality_id else families
    if user.role == Role.AUDITOR:
        return families
    return families.none()


def can_record_on(user: User, family: Family) -> bool:
    """Social workers and team managers record on their own team's open cases."""
    return (
        family.is_open
        and user.role in RECORDING_ROLES
        and user.team_id is not None
        and user.team_id == family.team_id
    )


def _current_level_subquery() -> Subquery:
    """The highest current level among a family's children (0 when none is open)."""
    return Subquery(
        StatusEpisode.objects.filter(
            child__memberships__family=OuterRef("pk"),
            child__memberships__role=Membership.Role.CHILD,
            child__memberships__left_on__isnull=True,
            end_date__isnull=True,
        )
        .annotate(status_level=LEVEL_OF_STATUS)
        .order_by("-status_level")
        .values("status_level")[:1],
        output_field=IntegerField(),
    )


def _last_contact_subquery() -> Subquery:
    return Subquery(
        Contact.objects.filter(family=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1],
        output_field=DateTimeField(),
    )


def _children_count_subquery() -> Subquery:
    return Subquery(
        Membership.objects.current()
        .children()
        .filter(family=OuterRef("pk"))
        .order_by()
        .values("family")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class CaseloadFilters:
    mine_only: bool = False
    team_id: int | None = None
    level: int | None = None
    no_contact_for_days: int | None = None


def caseload_for(user: User, filters: CaseloadFilters | None = None) -> "CaseloadQuerySet":
    """The caseload page's families: visible to `user`, filtered, with the figures it shows,
    longest since last contact first (never contacted first of all)."""
    filters = filters or CaseloadFilters()
    families = family_list_for(user)
    families = families.open()
    if filters.mine_only:
        families = families.filter(social_worker=user)
    if filters.team_id:
        families = families.filter(team_id=filters.team_id)
    families = with_caseload_figures(families)
    if filters.level is not None:
        families = families.filter(current_level=filters.level)
    if filters.no_contact_for_days:
        cutoff = timezone.now() - datetime.timedelta(days=filters.no_contact_for_days)
        families = families.filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=cutoff))
    return families.order_by(_never_contacted_first(), "last_contact_at", "reference")


def with_caseload_figures(families: FamilyQuerySet) -> "CaseloadQuerySet":
    """`families` with the figures the caseload shows of each (CaseloadFigures), computed in
    the same query: the caseload page and the API's family list read them alike."""
    return families.annotate(
        current_level=Coalesce(_current_level_subquery(), Value(0)),
        last_contact_at=_last_contact_subquery(),
        children_count=Coalesce(_children_count_subquery(), Value(0)),
        previous_closed_on=previous_closure_subquery(),
    )


def _never_contacted_first() -> Case:
    return Case(
        When(last_contact_at__isnull=True, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def caseload_counts(families: "CaseloadQuerySet") -> dict[str, Any]:
    """Counts over an already-filtered caseload, by the families' current level, in one query."""
    labels = level_labels()
    rows = families.order_by().values("current_level").annotate(families=Count("id"))
    by_level = {row["current_level"]: row["families"] for row in rows}
    return {
        "total": sum(by_level.values()),
        "by_level": [
            {"level": level, "label": labels[level], "families": by_level[level]}
            for level in sorted(by_level, reverse=True)
        ],
    }


def family_for(user: User, pk: int) -> Family:
    """One family, if `user` may see it; Http404 otherwise, so existence is not revealed."""
    return get_object_or_404(family_list_for(user), pk=pk)


def family_page_data(family: Family) -> dict[str, Any]:
    """Everything the family page shows, in a fixed number of queries: its current members
    (children and adults by their role here), those who have left, and each child's father
    (by relationship: he may live in another household)."""
    memberships = list(
        Membership.objects.filter(family=family).select_related("person__father_inclusion")
    )
    members, former_members = _current_and_former(memberships)
    # Its display name from the memberships already here, as display_names would decide it.
    name_family_from(family, memberships)
    people = cast("list[PersonWithEpisodes]", members)
    prefetch_related_objects(
        people,
        Prefetch(
            "status_episodes",
            queryset=StatusEpisode.objects.order_by("start_date"),
            to_attr="episodes",
        ),
    )
    # The names they were known by before ("Previously known as"), for everyone shown.
    prefetch_related_objects([*members, *former_members], "former_names")
    children = [person for person in people if person.is_child]
    adults = [person for person in people if not person.is_child]
    for child in children:
        child.current_episode = next(
            (episode for episode in child.episodes if episode.end_date is None), None
        )
    fathers = fathers_of(children)
    contacts = list(
        family.contacts.select_related("recorded_by").prefetch_related(
            "people_seen", "children_seen_alone"
        )[:50]
    )
    plans = list(
        Plan.objects.filter(child__in=[child.pk for child in children])
        .select_related("child")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=PlanAction.objects.select_related("owner_worker", "owner_person"),
            )
        )
        .order_by("child__given_name", "-started_on")
    )
    actions = [action for plan in plans for action in plan.actions.all()]
    pending_closure = (
        ClosureRequest.objects.filter(family=family, decision="pending")
        .select_related("requested_by")
        .first()
    )
    return {
        "children": children,
        "children_with_fathers": [(child, fathers.get(child.pk)) for child in children],
        "adults": adults,
        "former_members": former_members,
        "contacts": contacts,
        "actions": actions,
        "plans": plans,
        "father_prompts": father_prompts(children, fathers),
        "timeline": timeline(children, contacts, actions),
        "pending_closure": pending_closure,
        "today": timezone.localdate(),
    }


def father_prompts(children: Sequence[Person], fathers: dict[int, Person]) -> list[str]:
    """Plain prompts that keep fathers visible, e.g. "Father not named for Amy". `fathers`:
    each child's father by the child's id (fathers_of)."""
    prompts = []
    for child in children:
        father = fathers.get(child.pk)
        if father is None:
            prompts.append(f"Father not named for {child.given_name}")
            continue
        if not father.has_contact_details:
            prompts.append(
                f"No contact details for {father.given_name}, {child.given_name}'s father"
            )
        inclusion = getattr(child, "father_inclusion", None)
        on_cp = child.current_episode is not None and child.current_episode.status == "cp"
        if on_cp and (inclusion is None or inclusion.invited_to_initial_conference is None):
            prompts.append(
                f"Record whether {father.given_name} was invited to "
                f"{child.given_name}'s child protection conference"
            )
    return prompts


@dataclass(frozen=True)
class TimelineItem:
    day: datetime.date
    at: datetime.datetime | None
    kind: str
    title: str
    text: str
    by: str


def timeline(
    children: "Sequence[PersonWithEpisodes]", contacts: list[Contact], actions: list[PlanAction]
) -> list[TimelineItem]:
    """Status episodes, contacts and plan actions, newest first. Built from rows already
    loaded for the page, so it costs no queries."""
    items: list[TimelineItem] = []
    for child in children:
        for episode in child.episodes:
            items.append(
                TimelineItem(
                    day=episode.start_date,
                    at=None,
                    kind="status",
                    title=f"{child.given_name}: {episode.get_status_display()}",
                    text=f"Until {long_date(episode.end_date)}" if episode.end_date else "Current",
                    by="",
                )
            )
    for contact in contacts:
        seen = ", ".join(person.given_name for person in contact.people_seen.all())
        items.append(
            TimelineItem(
                day=timezone.localtime(contact.occurred_at).date(),
                at=contact.occurred_at,
                kind="contact",
                title=contact.get_kind_display(),
                text=(f"Seen: {seen}. " if seen else "") + contact.note,
                by=str(contact.recorded_by),
            )
        )
    for action in actions:
        items.append(
            TimelineItem(
                day=action.due_on,
                at=None,
                kind="action",
                title=f"Plan action due ({action.get_status_display()})",
                text=f"{action.description} (owner: {action.owner})",
                by="",
            )
        )
    items.sort(
        key=lambda item: (item.day, item.at or datetime.datetime.min.replace(tzinfo=datetime.UTC)),
        reverse=True,
    )
    return items


def _memberships_shown_to(user: User) -> QuerySet[Membership]:
    """Memberships, current and past, of the families `user` may see: through them a person
    is seen, and each one is a family to show them in."""
    return (
        Membership.objects.filter(family__in=family_list_for(user))
        .select_related("family")
        .order_by(F("left_on").desc(nulls_first=True), "family__reference")
    )


def _people_seen_through(memberships: QuerySet[Membership]) -> QuerySet[Person]:
    """People with one of `memberships`, each with those memberships (person.memberships_shown,
    families first that they still live in)."""
    return Person.objects.filter(
        Exists(memberships.filter(person=OuterRef("pk")))
    ).prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="memberships_shown"))


def families_shown_with(people: Iterable[Person]) -> list[Family]:
    """The families each of `people` was shown with (person.memberships_shown, set by
    search_people_for and possible_duplicates_for), to name them for the page."""
    return [
        membership.family
        for person in people
        for membership in getattr(person, "memberships_shown", [])
    ]


def search_people_for(user: User, *, query: str) -> list[Person]:
    """People in families `user` may see, by a name they have or have had, a person's or
    family's reference, or date of birth; each with the families of theirs `user` may see
    (person.memberships_shown)."""
    query = query.strip()
    if not query:
        return []
    shown = _memberships_shown_to(user)
    people = _people_seen_through(shown)
    day = parse_search_date(query)
    if day is not None:
        people = people.filter(date_of_birth=day)
    else:
        in_family = Exists(shown.filter(person=OuterRef("pk"), family__reference__iexact=query))
        name, former_name = Q(), Q()
        for term in query.split():
            name &= Q(given_name__icontains=term) | Q(family_name__icontains=term)
            former_name &= Q(given_name__icontains=term) | Q(family_name__icontains=term)
        by_former_name = Exists(PersonName.objects.filter(former_name, person=OuterRef("pk")))
        people = people.filter(Q(reference__iexact=query) | in_family | name | by_former_name)
    return list(
        people.prefetch_related("former_names").order_by(
            "family_name", "given_name", "date_of_birth", "id"
        )[:100]
    )


def parse_search_date(text: str) -> datetime.date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def possible_duplicates_for(
    user: User, *, given_name: str, family_name: str, date_of_birth: datetime.date | None
) -> tuple[list[Person], int]:
    """People who may already be recorded: same date of birth and a similar name.

    Returns the matches `user` may see (in a family they may see, now or before; each with
    those families, person.memberships_shown), and how many more exist only in families they
    cannot see (a number only, so nothing about those families is revealed).
    """
    if date_of_birth is None or not given_name.strip():
        return [], 0
    similar = Person.objects.filter(date_of_birth=date_of_birth).filter(
        Q(given_name__iexact=given_name.strip())
        | (Q(family_name__iexact=family_name.strip()) & ~Q(family_name=""))
        | Q(given_name__istartswith=given_name.strip()[:3])
    )
    shown = _memberships_shown_to(user)
    visible = list(_people_seen_through(shown).filter(pk__in=similar.values("pk"))[:20])
    hidden = similar.exclude(Exists(shown.filter(person=OuterRef("pk")))).count()
    return visible, hidden


def pending_closures_for(user: User) -> list[ClosureRequest]:
    """Closures waiting for `user` to decide: a team manager's team, or a service manager's
    area; never the user's own requests."""
    if user.role not in (Role.TEAM_MANAGER, Role.SERVICE_MANAGER):
        return []
    scope = (
        Q(family__team_id=user.team_id)
        if user.role == Role.TEAM_MANAGER
        else Q(family__in=family_list_for(user))
    )
    return list(
        ClosureRequest.objects.filter(scope, decision="pending")
        .exclude(requested_by=user)
        .select_related("family", "requested_by")
        .order_by("requested_at")
    )


def open_family_counts_for(user: User) -> dict[str, int]:
    """Headline counts over the families `user` may see, in one query."""
    return (
        family_list_for(user)
        .open()
        .aggregate(
            open_families=Count("id"),
            unallocated=Count("id", filter=Q(social_worker__isnull=True)),
        )
    )


class ChildrenByStatus(TypedDict):
    status_episodes__status: str
    children: int


def children_by_status_for(user: User) -> list[ChildrenByStatus]:
    """Children in `user`'s scope by their current legal status, for the managers' home pages:
    a child living in two of its families counts once."""
    child_here = (
        Membership.objects.current()
        .children()
        .filter(person=OuterRef("pk"), family__in=family_list_for(user).open())
    )
    return list(
        # A child without any status episode is in none (its join row's end date is empty).
        Person.objects.filter(
            Exists(child_here),
            status_episodes__isnull=False,
            status_episodes__end_date__isnull=True,
        )
        .values("status_episodes__status")
        .annotate(children=Count("id", distinct=True))
        .order_by("status_episodes__status")
    )


class FamiliesOfWorker(TypedDict):
    social_worker__first_name: str
    social_worker__last_name: str
    families: int


def allocation_by_worker_for(user: User) -> list[FamiliesOfWorker]:
    """Open families per allocated worker in `user`'s scope (a team manager's view)."""
    return list(
        family_list_for(user)
        .open()
        .filter(social_worker__isnull=False)
        .values("social_worker__first_name", "social_worker__last_name")
        .annotate(families=Count("id"))
        .order_by("social_worker__last_name", "social_worker__first_name")
    )


def previous_closure_subquery() -> Subquery:
    """When the family's previous period of involvement closed (None if this is its first):
    with its opened_on, models.is_re_referral says whether it came back within 12 months."""
    return Subquery(
        InvolvementPeriod.objects.filter(family=OuterRef("pk"))
        .order_by("-closed_on")
        .values("closed_on")[:1],
        output_field=DateField(),
    )


@dataclass(frozen=True)
class Period:
    """One period of involvement with a family, for its page and timeline."""

    opened_on: datetime.date
    closed_on: datetime.date | None
    referral_source: str
    referral_reason: str
    closure_reason: str
    re_referral: bool  # opened within 12 months of the previous period's closure

    @property
    def current(self) -> bool:
        return self.closed_on is None


def involvement_periods(family: Family) -> list[Period]:
    """The family's periods of involvement, earliest first, the current (or last) one last."""
    earlier = list(family.earlier_periods.order_by("opened_on"))
    source_labels = dict(ReferralSource.choices)
    periods: list[Period] = []
    previous_closed_on: datetime.date | None = None
    rows: list[tuple[datetime.date, datetime.date | None, str, str, str]] = [
        (p.opened_on, p.closed_on, p.referral_source, p.referral_reason, p.closure_reason)
        for p in earlier
    ]
    rows.append(
        (
            family.opened_on,
            family.closed_on,
            family.referral_source,
            family.referral_reason,
            family.closure_reason,
        )
    )
    for opened_on, closed_on, source, reason, closure_reason in rows:
        periods.append(
            Period(
                opened_on=opened_on,
                closed_on=closed_on,
                referral_source=source_labels.get(source, ""),
                referral_reason=reason,
                closure_reason=closure_reason,
                re_referral=is_re_referral(opened_on, previous_closed_on),
            )
        )
        previous_closed_on = closed_on
    return periods


def family_movements(family: Family) -> dict[str, Any]:
    """The family's periods of involvement and its transfers, for its page (two queries)."""
    periods = involvement_periods(family)
    return {
        "periods": periods,
        "re_referred": periods[-1].re_referral,
        "transfers": list(
            family.transfers.select_related(
                "from_team", "to_team", "from_worker", "to_worker", "transferred_by"
            ).order_by("-on", "-id")
        ),
    }


def people_seen_by(user: User) -> QuerySet[Person]:
    """The people `user` may see (a member, now or before, of a family they may see), each
    with those families (person.memberships_shown)."""
    return _people_seen_through(_memberships_shown_to(user))


def person_seen_by(user: User, person_id: int) -> Person | None:
    """One person, if `user` may see them (a member, now or before, of a family they may see),
    with those families (person.memberships_shown); None otherwise."""
    return people_seen_by(user).filter(pk=person_id).first()
