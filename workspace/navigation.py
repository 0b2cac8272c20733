"""What each role sees in the service navigation. Later issues add their pages here."""

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Role, SpecialistPathway, User


@dataclass(frozen=True)
class NavItem:
    text: str
    url_name: str

    @property
    def href(self) -> str:
        return reverse(self.url_name)


_HOME = NavItem("Home", "home")
_CASELOAD = NavItem("Caseload", "families:caseload")
_SEARCH = NavItem("Search", "families:search")
_AUDIT = NavItem("Audit trail", "accounts:audit_events")
_ADMIN = NavItem("Administration", "admin:index")
_PATHWAYS = NavItem("Waiting lists", "referrals:pathways")
_DMT_WORK = NavItem("DMT work", "referrals:dmt_work")
_SUPERVISION = NavItem("Group supervision", "supervision:index")
_OUTCOMES = NavItem("Outcomes", "outcomes:dashboard")
_IMPORT = NavItem("Import cases", "caseimport:import")

NAVIGATION: dict[str, list[NavItem]] = {
    Role.SOCIAL_WORKER: [_HOME, _CASELOAD, _SEARCH, _SUPERVISION],
    Role.TEAM_MANAGER: [_HOME, _CASELOAD, _SEARCH, _SUPERVISION],
    Role.SERVICE_MANAGER: [_HOME, _CASELOAD, _SEARCH, _PATHWAYS, _SUPERVISION],
    Role.BUSINESS_SUPPORT: [_HOME, _CASELOAD, _SEARCH, _SUPERVISION],
    Role.SPECIALIST: [_HOME],
    Role.AUDITOR: [_HOME, _CASELOAD, _SEARCH, _AUDIT],
    Role.ADMIN: [_HOME, _AUDIT, _ADMIN],
}


def navigation_for(user: User) -> list[NavItem]:
    from outcomes.selectors import can_read_outcomes

    outcomes = [_OUTCOMES] if can_read_outcomes(user) else []
    # A permission of its own, whatever the role (see User.can_import_cases).
    extra = [*outcomes, _IMPORT] if user.may_import_cases else outcomes
    if user.role == Role.SPECIALIST:
        items = [_HOME, _PATHWAYS] if user.leads_pathway else [_HOME]
        if user.pathway == SpecialistPathway.DMT:
            items.append(_DMT_WORK)
        return [*items, _SUPERVISION, *extra]
    return [*NAVIGATION.get(user.role, [_HOME]), *extra]
