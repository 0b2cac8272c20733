"""Who may read outcomes, and the records behind a figure narrowed to what they may see."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.models import Role, SpecialistPathway, User
from families.models import Family, Membership
from families.selectors import family_list_for
from referrals.models import Referral
from referrals.selectors import referral_list_for

from .models import ReportRun
from .reports import REPORTS, ReportError, ReportParameters, members
from .tables import disclosure, suppress_threshold

OUTCOME_ROLES = (Role.SERVICE_MANAGER, Role.TEAM_MANAGER)


def can_read_outcomes(user: User) -> bool:
    """Service and team managers read the outcomes, and pathway managers theirs: the figures
    are aggregates; the records behind them stay behind each record's own access rules."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.role in OUTCOME_ROLES or (user.role == Role.SPECIALIST and user.leads_pathway))
    )


def reader_pathway(user: User) -> str | None:
    """The pathway a pathway manager reads the outcomes of; None for a service or team
    manager, who reads every report."""
    if user.role == Role.SPECIALIST and user.leads_pathway:
        return user.pathway or None
    return None


def pathway_reports() -> tuple[str, ...]:
    """The reports that narrow to one pathway when asked for it."""
    return tuple(name for name, report in REPORTS.items() if report.pathway_scoped)


def request_refusal(user: User, report: str, pathway: str | None) -> str | None:
    """Why `user` may not ask for `report` for `pathway` (None meaning every pathway), in
    words fit for the form; None when they may. Only outcomes readers ask, and a pathway
    manager only for reports that narrow to a pathway, for their own."""
    if not can_read_outcomes(user):
        return "Only service, team and pathway managers can ask for outcome reports"
    own = reader_pathway(user)
    if own is None:
        return None
    if report not in pathway_reports():
        title = REPORTS[report].title if report in REPORTS else report
        return (
            f"The {title} report covers every pathway: pathway managers can ask only for "
            "reports of their own pathway"
        )
    if pathway != own:
        return (
            f"Select {SpecialistPathway(own).label}: pathway managers can ask only for "
            "reports of their own pathway"
        )
    return None


def runs_for(user: User) -> QuerySet[ReportRun]:
    """The runs an outcomes reader may open (they hold aggregates only): every run for a
    service or team manager; for a pathway manager, only runs of their pathway."""
    if not can_read_outcomes(user):
        return ReportRun.objects.none()
    runs = ReportRun.objects.select_related("requested_by")
    pathway = reader_pathway(user)
    if pathway is not None:
        runs = runs.filter(report__in=pathway_reports(), parameters__pathway=pathway)
    return runs


@dataclass(frozen=True)
class MembersPage:
    # "families" (Family rows), "children" (Membership rows: a child in the family they were
    # counted in) or "referrals" (Referral rows)
    kind: str
    visible: QuerySet[Any]
    total: int

    @property
    def hidden_count(self) -> int:
        return self.total - self.visible.count()


def _group_values(run: ReportRun) -> set[str]:
    groups = ((run.result or {}).get("breakdown") or {}).get("groups") or []
    return {str(group["value"]) for group in groups}


def members_for(
    user: User, run: ReportRun, key: str, group: str | None = None
) -> MembersPage | None:
    """The records behind figure `key` of a finished run (in one group of its breakdown),
    as they stand now under the run's rules and date, narrowed to those `user` may see.
    None when the figure cannot be opened: only a count the run's pages show opens, as
    `outcomes.tables.disclosure` decides for them, for a hidden one ("<5", "Suppressed")
    would give itself away by its records, their number or their pages."""
    if run.status != ReportRun.Status.SUCCEEDED or not run.result:
        return None
    if not disclosure(run.result, suppress_below=suppress_threshold()).shows(key, group):
        return None
    parameters = dict(run.parameters)
    by = parameters.pop("by", None)
    params = ReportParameters.from_json(parameters)
    if group is not None:
        if by is None or group not in _group_values(run):
            return None
        params = params.narrowed(by, group)
    try:
        found = members(run.report, params, key)
    except (ReportError, KeyError):
        return None
    if found is None:
        return None
    kind, records = found
    ids = records.values("pk")
    if kind == "families":
        visible: QuerySet[Any] = family_list_for(user).filter(pk__in=ids)
        total = Family.objects.filter(pk__in=ids).count()
    elif kind == "children":
        # Each child with the family they were counted in: shown where the reader may see
        # that family (a child's other household stays behind its own permissions).
        counted = Membership.objects.filter(pk__in=records.values("membership_id"))
        visible = counted.filter(family__in=family_list_for(user)).select_related(
            "person", "family", "family__team", "family__social_worker"
        )
        total = counted.count()
    else:
        visible = (
            referral_list_for(user).filter(pk__in=ids).select_related("person", "pathway", "family")
        )
        total = Referral.objects.filter(pk__in=ids).count()
    return MembersPage(kind=kind, visible=visible.order_by("pk"), total=total)
