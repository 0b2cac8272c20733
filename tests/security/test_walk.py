"""One walk of every URL of the site as every member of the world's staff (and as nobody),
and what it must show:

- a domestic-abuse victim's restricted address, phone and email reach only the allowlist, on
  every surface: pages, print views, CSV and XLSX exports, the API, agenda packs, calendar
  files and the audit trail;
- every response that shows case data writes a view (or export) audit row for its reader;
- nobody meets a server error;
- who may open what matches the permission matrix in docs/permissions.md.

Rachel (the world's mother) may be read by: the social workers and team managers of the
families she lives in (alice and tina for SEC-1; charlie and chris for SEC-9, her sister's
household in Chesil: the rule is hers, wherever she appears), the service managers over
them (sian for West, simon for Chesil, sue for the council), the auditor (audrey), and the
practitioners allocated to her (rosa, her victims' worker; maya, her mental health worker).
Everyone else sees "Restricted": above all anyone working with Frank, the perpetrator, on
any pathway (dan for DMT, owen for the perpetrator programme, kieran for substance use) and
the DMT pathway manager (nadia).
"""

import os
from urllib.parse import unquote

import pytest

from . import permissions_doc
from .catalogue import ACCESS, CATALOGUE
from .walk import Visit, visit_everything
from .world import CAST, RESTRICTED_VALUES

USERNAMES = [username for username, _role, _extra in CAST]
ANONYMOUS = "(nobody)"

# The walks are made once per module and shared by its tests (the permission matrix reads
# every one): when `make test` runs the suite in several processes, this module's tests
# all run in one of them rather than each process walking the whole site again.
pytestmark = pytest.mark.xdist_group("security_walk")


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


# Pages that show records' references without writing a row naming each: the audit trail
# (its rows are about reads, and reading it writes its own row) and the calendar feed (a
# calendar app fetches it every few minutes: one row names the feed each time).
AUDITED_AS_A_WHOLE = {"accounts:audit_events", "supervision_feed:ics"}


@pytest.mark.parametrize("username", USERNAMES)
def test_every_record_a_response_shows_is_audited_for_its_reader(world_db, walk_of, username):
    """Each family, person or referral a response shows has a view (or export) row naming
    it, or its family, person or referral, for the person who read it."""
    coverage = world_db.coverage()
    unaudited = []
    for visit in walk_of(username):
        if visit.status != 200:
            continue
        # A search box shows what the reader typed (a reference, say): that is not a record.
        typed = unquote(visit.path)
        shown = [marker for marker in coverage if marker in visit.text and marker not in typed]
        if visit.name in AUDITED_AS_A_WHOLE:
            missing = shown if shown and not visit.audited else []
        else:
            missing = [m for m in shown if not coverage[m] & visit.audited_references]
        if missing:
            unaudited.append((visit.path, missing[:3]))
    assert not unaudited, f"{username} saw records unaudited: {unaudited}"


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
    "accounts:draft_save",
    "accounts:draft_discard",
    "api-referral-list",
    "api-family-list",
    "api-meeting-list",
    "api-action-list",
    "api-report-list",
    "api-home",
    "api-schema",
    "api-docs",
    "api-auth:token",  # the API's sign-in
    "api-auth:tokens",  # one's own tokens (an administrator's: everyone's)
}


def test_every_page_and_action_has_an_owner_a_colleague_and_an_outsider(walk_of):
    """Every URL pattern that opens a record names who owns it, a colleague and an outsider
    (catalogue.ACCESS): the owner may use it and the outsider may not. A new pattern fails
    here until someone has decided who those are."""
    undecided = sorted(set(CATALOGUE) - NOT_RECORD_PAGES - set(ACCESS))
    assert not undecided, f"Add to catalogue.ACCESS (owner, colleague, outsider): {undecided}"
    problems = []
    for name, (owner, colleague, outsider) in ACCESS.items():
        first = {
            username: next(v.outcome for v in walk_of(username) if v.name == name)
            for username in (owner, colleague, outsider)
        }
        if first[owner] != "✓":
            problems.append(f"{name}: the owner {owner} got {first[owner]}")
        if first[outsider] not in ("✗", "·"):
            problems.append(f"{name}: the outsider {outsider} got {first[outsider]}")
    assert not problems, problems
    for visit in walk_of(ANONYMOUS):
        # The API's landing page, schema and docs hold no records: public, like sign-in.
        public = {"api-home", "api-schema", "api-docs"}
        if visit.name not in {"healthz", "accounts:login", "supervision_feed:ics", *public}:
            assert visit.outcome != "✓", (visit.path, visit.status)
