"""Reads of case records, already narrowed to what the asking user may see."""

from django.db.models import Count, Q

from accounts.models import Role, User

from .models import Family, FamilyQuerySet, Person


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


def caseload_for(user: User) -> FamilyQuerySet:
    """Open families allocated to `user`, with the counts the home page shows."""
    return (
        family_list_for(user)
        .open()
        .filter(social_worker=user)
        .annotate(
            children_count=Count("people", filter=Q(people__role=Person.Role.CHILD), distinct=True),
            cp_children_count=Count(
                "people",
                filter=Q(
                    people__role=Person.Role.CHILD,
                    people__status_episodes__status="cp",
                    people__status_episodes__end_date__isnull=True,
                ),
                distinct=True,
            ),
        )
        .order_by("opened_on", "reference")
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


def children_by_status_for(user: User) -> list[dict[str, object]]:
    """Children in `user`'s scope by their current legal status, for the managers' home pages."""
    return list(
        Person.objects.filter(
            family__in=family_list_for(user).open(),
            role=Person.Role.CHILD,
            status_episodes__end_date__isnull=True,
        )
        .values("status_episodes__status")
        .annotate(children=Count("id", distinct=True))
        .order_by("status_episodes__status")
    )


def allocation_by_worker_for(user: User) -> list[dict[str, object]]:
    """Open families per allocated worker in `user`'s scope (a team manager's view)."""
    return list(
        family_list_for(user)
        .open()
        .filter(social_worker__isnull=False)
        .values("social_worker__first_name", "social_worker__last_name")
        .annotate(families=Count("id"))
        .order_by("social_worker__last_name", "social_worker__first_name")
    )
