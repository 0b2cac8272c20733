"""One walk of every URL of the site as every member of the world's staff (and as nobody),
and what it must show:

- a domestic-abuse victim's restricted address, phone and email reach only the allowlist, on
  every surface: pages, print views, CSV and XLSX exports, the API, agenda packs, calendar
  files and the audit trail;
- every response that shows case data writes a view (or export) audit row for its reader;
- nobody meets a server error;
- who may open what matches the permission matrix in docs/permissions.md.

Rachel (the world's mother) may be read by: her family's social worker (alice) and team
manager (tina), the service managers over the family (sian for West, sue for the council),
the auditor (audrey), and the practitioners allocated to her (rosa, her victims' worker;
maya, her mental health worker). Everyone else sees "Restricted": above all anyone working
with Frank, the perpetrator, on any pathway (dan for DMT, owen for the perpetrator
programme, kieran for substance use) and the DMT pathway manager (nadia).
"""

import os

import pytest

from . import permissions_doc
from .walk import Visit, visit_everything
from .world import CAST, RESTRICTED_VALUES

USERNAMES = [username for username, _role, _extra in CAST]
ANONYMOUS = "(nobody)"


@pytest.fixture(scope="module")
def walks() -> dict[str, list[Visit]]:
    """Each user's walk, made once per module by the first test that needs it."""
    return {}


@pytest.fixture
def walk_of(world_db, walks):
    def walk(username: str) -> list[Visit]:
        if username not in walks:
            user = None if username == ANONYMOUS else world_db.user(username)
            walks[username] = visit_everything(world_db, user)
        return walks[username]

    return walk


def leaks(text: str) -> list[str]:
    return [value for value in RESTRICTED_VALUES if value in text]


@pytest.mark.parametrize("username", [*USERNAMES, ANONYMOUS])
def test_nobody_meets_a_server_error(walk_of, username):
    errors = [(visit.method, visit.path, visit.status) for visit in walk_of(username)]
    assert not [error for error in errors if error[2] >= 500]


@pytest.mark.parametrize("username", [*USERNAMES, ANONYMOUS])
def test_restricted_details_reach_only_the_allowlist_on_every_surface(world_db, walk_of, username):
    visits = walk_of(username)
    seen = [(visit.path, leaks(visit.text)) for visit in visits if leaks(visit.text)]
    in_audit = [
        (visit.path, leaks(visit.audit_text)) for visit in visits if leaks(visit.audit_text)
    ]
    assert not in_audit, f"audit rows hold restricted details: {in_audit}"
    if username in world_db.restricted_readers:
        # The positive control: the rule is not so tight that the people who need the
        # details lose them (else this test could pass by hiding everything).
        assert seen, f"{username} should read Rachel's details"
    else:
        assert not seen, f"{username} read restricted details: {seen}"


@pytest.mark.parametrize("username", USERNAMES)
def test_every_response_showing_case_data_is_audited(world_db, walk_of, username):
    unaudited = [
        (visit.path, [marker for marker in world_db.case_markers if marker in visit.text][:3])
        for visit in walk_of(username)
        if visit.status == 200
        and not visit.audited
        and any(marker in visit.text for marker in world_db.case_markers)
    ]
    assert not unaudited, f"{username} saw case data unaudited: {unaudited}"


def all_walks(walk_of) -> dict[str, list[Visit]]:
    return {username: walk_of(username) for username in [*USERNAMES, ANONYMOUS]}


def test_the_permission_matrix_is_what_the_code_does(walk_of):
    written = permissions_doc.render(all_walks(walk_of))
    if os.environ.get("DMT_WRITE_PERMISSIONS") == "1":
        permissions_doc.PATH.write_text(written, encoding="utf-8")
    documented = permissions_doc.PATH.read_text(encoding="utf-8")
    assert documented == written, (
        "docs/permissions.md no longer says what the code does: run `make permissions`, "
        "then read the diff, which is the change of access rules."
    )


# Pages every member of staff has (their own home, settings and drafts), lists already
# narrowed to what the reader may see, and what is reached without a session (sign-in, the
# health check, a calendar feed's secret link).
NOT_RECORD_PAGES = {
    "home",
    "healthz",
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:recovery_codes",
    "accounts:two_factor_off",
    "supervision_feed:ics",
    "supervision_feed:feed",
    "supervision:availability",
    "families:draft_save",
    "families:draft_discard",
    "api-referral-list",
}


def test_every_page_and_action_lets_its_owner_in_and_keeps_an_outsider_out(walk_of):
    """For each URL pattern, someone of the world may use it and someone may not: the matrix
    holds an owner, a colleague and an outsider for every page, and this makes sure none of
    the rows is "everyone" by accident."""
    outcomes: dict[str, set[str]] = {}
    for username in USERNAMES:
        for visit in walk_of(username):
            outcomes.setdefault(visit.name, set()).add(visit.outcome)
    wide_open = sorted(
        name
        for name, seen in outcomes.items()
        if name not in NOT_RECORD_PAGES and not ({"✗", "·"} & seen)
    )
    shut = sorted(
        name for name, seen in outcomes.items() if name not in NOT_RECORD_PAGES and "✓" not in seen
    )
    assert not wide_open, f"every member of staff may use: {wide_open}"
    assert not shut, f"nobody may use: {shut}"
    for visit in walk_of(ANONYMOUS):
        if visit.name not in {"healthz", "accounts:login", "supervision_feed:ics"}:
            assert visit.outcome != "✓", (visit.path, visit.status)
