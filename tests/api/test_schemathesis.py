"""The partner API tried against its own live schema, as each kind of user a partner's
system could hold a token for (issue 13, "Proof").

The schema is read from the app (GET /api/schema/, in-process through WSGI: no server), so
every operation it documents is tried, whatever resources have been added since this file
was written; nothing here lists them. Each operation is called as a social worker, a DMT
worker, a domestic-abuse perpetrator worker and a service manager, against the security
world (tests/security/world.py), where each of them has records to see. Every response must
be one the schema documents: no server error, a documented status code and content type
(errors are application/problem+json), a body and headers that match the schema. Inputs are
both valid and invalid ones (invalid input must be refused with a 4xx); the edge cases of
every parameter and field (schemathesis's coverage phase) are sent once, as the social
worker, since they are the same whoever sends them. Credentials are a bearer token from
POST /api/auth/token/ when the schema has it, a signed-in session until then
(credentials_for). Without credentials, every operation but that one is refused.

Links between operations (a list's `results` lead to the detail, a 201's body to the record
made), as the schema documents them or schemathesis infers them, are followed in a stateful
run per role.

And for the users who may not read a domestic-abuse victim's restricted contact details,
no response carries them: checked on every response of the run, and by a walk of every GET
operation as the perpetrator worker (every page of every list, every record named).

The world is built once for the module inside a transaction rolled back at the end; each
test runs in a savepoint of its own, so what one operation's examples write is gone before
the next. Examples are derandomized, so CI runs the same cases every time. The number of
examples per operation shrinks as operations are added, to keep the run within its budget
(EXAMPLE_BUDGET); DMT_SCHEMATHESIS_EXAMPLES sets it for a deeper run by hand.
"""

import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from accounts.models import User
from dmt.api.problems import PROBLEM_CONTENT_TYPE
from families.disclosure import RESTRICTED

from ..conftest import signed_in
from ..factories import PASSWORD
from ..security.world import RESTRICTED_ADDRESS, RESTRICTED_VALUES, World, build_world
from ..services import reseed_reference_data
from ..two_factor import authenticator_for, code_for

HANDLER = WSGIHandler()


def APP(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """DMT as a WSGI app, called in this process, on the test's own database connection.

    Django closes a connection it finds inside a transaction when a request starts or ends
    (close_old_connections), which would close the world's; its test client stops that for
    the duration of a request, and so does this.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    return HANDLER(environ, start_response)


SCHEMA_PATH = "/api/schema/?format=json"
TOKEN_PATH = "/api/auth/token/"

# The roles, each a member of the security world's cast with records of their own to see.
ROLES = {
    "social worker": "alice",  # SEC-1's social worker: reads Rachel's restricted details
    "DMT worker": "dan",  # Frank's DMT worker: may not read them
    "DA-perpetrator worker": "owen",  # Frank's perpetrator programme worker: may not
    "service manager": "sian",  # West's service manager: reads them
}


def _load(*, coverage: bool) -> Any:
    """The live schema, with schemathesis set up for this run."""
    return schemathesis.openapi.from_wsgi(
        SCHEMA_PATH,
        APP,
        config=schemathesis.Config.from_dict(
            {
                # Valid and invalid input both; data outside the schema must be refused (4xx).
                # The credentials are each role's own (below), never generated.
                "generation": {
                    "mode": "all",
                    "deterministic": True,
                    "with-security-parameters": False,
                },
                "phases": {"coverage": {"enabled": coverage}, "stateful": {"max-steps": 8}},
            }
        ),
    )


# Every phase: the schema's examples, the edges of every parameter and body field (missing,
# empty, too long, the wrong type...: about 25 calls an operation), and generated input.
schema = _load(coverage=True)
# Generated input only, for the roles after the first: the edges are the same whoever sends
# them, what each role is shown is not.
generated = _load(coverage=False)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
EDGES_ROLE = "social worker"

# Generated calls per operation and role: a budget shared by every operation, so the run
# stays within about four minutes on CI's two cores however many operations there are,
# between 5 and 30 each.
EXAMPLE_BUDGET = 3600
MAX_EXAMPLES = int(
    os.environ.get("DMT_SCHEMATHESIS_EXAMPLES")
    or max(5, min(30, EXAMPLE_BUDGET // max(1, len(OPERATIONS) * len(ROLES))))
)
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)
# Linked sequences per role, and the most steps in one.
STATEFUL_SCENARIOS = 15
STATEFUL_STEPS = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


# Credentials -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What a request as one user carries: headers (a bearer token) or cookies (a session)."""

    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def client(self) -> Client:
        """A Django test client sending these credentials with every request."""
        client = Client(headers=self.headers)
        for name, value in self.cookies.items():
            client.cookies[name] = value
        return client


# A CSRF secret of our own: a session may POST only with the cookie and header matching.
CSRF_SECRET = "proofproofproofproofproofproof12"


def session_credentials(user: User) -> Credentials:
    """A signed-in session past two-factor, as the pages have (tests.conftest.signed_in)."""
    client = signed_in(user)
    return Credentials(
        headers={"X-CSRFToken": CSRF_SECRET},
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_SECRET},
    )


def bearer_credentials(user: User) -> Credentials:
    """A bearer token, got as a partner's system gets one: POST /api/auth/token/ with the
    password (the world's cast all have tests.factories.PASSWORD) and a two-factor code."""
    body = {"username": user.username, "password": PASSWORD}
    device = authenticator_for(user)
    body["otp"] = code_for(device)
    response = Client().post(TOKEN_PATH, body, content_type="application/json")
    assert response.status_code == 201, response.content
    return Credentials(headers={"Authorization": f"Bearer {response.json()['token']}"})


def credentials_for(user: User) -> Credentials:
    """How the API is called as `user`: with a bearer token once the API issues them (a
    partner's system has nothing else), with a session until then."""
    if TOKEN_PATH in schema.raw_schema.get("paths", {}):
        return bearer_credentials(user)
    return session_credentials(user)


# The world ---------------------------------------------------------------------------------


@dataclass
class ApiWorld:
    world: World
    credentials: dict[str, Credentials]

    def readers(self) -> set[str]:
        """The roles whose user may read the victim's restricted details."""
        return {
            role for role, username in ROLES.items() if username in self.world.restricted_readers
        }


@pytest.fixture(scope="module")
def api_world(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[ApiWorld]:
    """The security world and each role's credentials, made once for the module and rolled
    back at its end; the figures of the run are printed then."""
    started = time.monotonic()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            reseed_reference_data()  # a transactional test elsewhere may have flushed it
            world = build_world()
            credentials = {
                role: credentials_for(world.user(username)) for role, username in ROLES.items()
            }
            yield ApiWorld(world=world, credentials=credentials)
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        _report(request.config, time.monotonic() - started)


CALLS: Counter[str] = Counter()  # requests sent, by role
FAILED: Counter[str] = Counter()  # responses that failed a check, by role (shrinking repeats)
STATEFUL: Counter[str] = Counter()  # requests sent by the stateful runs, by role
WALKED: Counter[str] = Counter()  # GETs of the restricted-details walk


def _report(config: pytest.Config, seconds: float) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        _write_figures(reporter, seconds)


def _write_figures(reporter: Any, seconds: float) -> None:
    reporter.write_line("")
    reporter.write_line(
        f"schemathesis: {len(OPERATIONS)} operations, up to {MAX_EXAMPLES} generated examples "
        f"per operation and role, {seconds:.0f} s"
    )
    for role in ROLES:
        reporter.write_line(
            f"  {role:<22} {CALLS[role]:>6} calls, {STATEFUL[role]:>5} in linked sequences, "
            f"{FAILED[role]} failed checks"
        )
    for role, count in WALKED.items():
        reporter.write_line(f"  restricted-details walk as the {role}: {count} GETs")


# Every operation as every role -------------------------------------------------------------


def no_restricted_details(
    ctx: Any, response: schemathesis.Response, case: schemathesis.Case
) -> bool:
    """For a user outside the allowlist of families.disclosure: no response carries any of
    the victim's restricted contact details, in its body or its headers, unless the request
    sent it (a 404's `instance` names the path asked for, and schemathesis draws inputs
    from the constants of the code it tests, this module's among them)."""
    text = _shown(response.text) + "\n" + json.dumps(dict(response.headers))
    request = response.request
    body = (
        request.body.decode(errors="replace")
        if isinstance(request.body, bytes)
        else str(request.body)
    )
    sent = unquote(str(request.url)) + "\n" + _shown(body)
    leaked = [value for value in RESTRICTED_VALUES if value in text and value not in sent]
    if leaked:
        raise AssertionError(
            f"A restricted detail was sent to a user who may not read it: {leaked}"
        )
    return True


def _shown(text: str) -> str:
    """A JSON body with its escapes decoded (so "Refuge House" is found however written)."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def _checks_for(role: str, api_world: ApiWorld) -> list[Any]:
    if role in api_world.readers():
        return CHECKS
    return [*CHECKS, no_restricted_details]


def _call_and_check(case: schemathesis.Case, role: str, api_world: ApiWorld) -> None:
    credentials = api_world.credentials[role]
    response = case.call(headers=credentials.headers, cookies=credentials.cookies)
    CALLS[role] += 1
    try:
        case.validate_response(response, checks=_checks_for(role, api_world))
    except BaseException:
        FAILED[role] += 1
        raise


@pytest.mark.django_db
@schema.parametrize()
@HYPOTHESIS
def test_every_operation_answers_any_input_as_its_schema_says(
    case: schemathesis.Case, api_world: ApiWorld
) -> None:
    """Every phase, as the social worker (who holds the world's families, so requests get
    past the access checks to the input's)."""
    _call_and_check(case, EDGES_ROLE, api_world)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [role for role in ROLES if role != EDGES_ROLE])
@generated.parametrize()
@HYPOTHESIS
def test_every_operation_answers_each_role_as_its_schema_says(
    case: schemathesis.Case, role: str, api_world: ApiWorld
) -> None:
    _call_and_check(case, role, api_world)


# Links between operations ------------------------------------------------------------------

# Checks of a sequence: a record just made can be read, a record deleted can no longer be.
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_linked_operations_answer_as_their_schema_says(role: str, api_world: ApiWorld) -> None:
    """Sequences that follow the schema's links (a list's results to their details, a new
    record to reading or changing it), with every response checked as above."""
    credentials = api_world.credentials[role]
    checks = [*STATEFUL_CHECKS, *_checks_for(role, api_world)[len(CHECKS) :]]
    machine = schema.as_state_machine()
    assert machine.bundles, "the schema has no links between operations to follow"

    class Workflow(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": credentials.headers, "cookies": credentials.cookies}

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            STATEFUL[role] += 1

        def validate_response(
            self,
            response: schemathesis.Response,
            case: schemathesis.Case,
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            try:
                case.validate_response(
                    response,
                    checks=checks,
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
            except BaseException:
                FAILED[role] += 1
                raise

    Workflow.run(
        settings=settings(
            HYPOTHESIS, max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS
        )
    )


# Without credentials -----------------------------------------------------------------------


def _open_to_anyone(operation: Any) -> bool:
    """Whether the schema lets anyone call it (no security scheme, or "none" among them)."""
    security = operation.definition.raw.get("security", schema.raw_schema.get("security"))
    return not security or {} in security


def test_only_getting_a_token_is_open_to_anyone() -> None:
    assert [op.label for op in OPERATIONS if _open_to_anyone(op)] == ["POST /api/auth/token/"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "operation",
    [operation for operation in OPERATIONS if not _open_to_anyone(operation)],
    ids=lambda operation: operation.label,
)
def test_every_operation_refuses_a_request_without_credentials(operation: Any) -> None:
    """Every operation but those anyone may call (getting a token) answers a request with no
    credentials with a documented problem, not data."""
    path = operation.path
    for parameter in operation.path_parameters:
        value = _valid_looking(parameter.definition.get("schema", {}))
        path = path.replace("{" + parameter.name + "}", value)
    response = Client().generic(operation.method.upper(), path, "{}", "application/json")
    assert response.status_code in (401, 403), response.content
    assert str(response.status_code) in operation.definition.raw["responses"]
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"] == "/api/#problem-not-authenticated"


def _valid_looking(parameter: dict[str, Any]) -> str:
    """A value the route takes (so the request reaches the view), not a real record's."""
    pattern = parameter.get("pattern")
    for value in ("999999", "X-999999"):
        if pattern is None or re.search(pattern, value):
            return value
    raise AssertionError(f"no sample value matches {pattern}")


# Restricted details, walked ----------------------------------------------------------------

PARAMETER = re.compile(r"\{([^}]+)\}")
# Enough requests for every record of the world through every GET operation, and a stop if
# the walk ever runs away.
WALK_LIMIT = 5000


@dataclass
class Walked:
    """What a walk of the API saw: each URL's status and the text it showed."""

    responses: dict[str, tuple[int, str]]

    def showing(self, value: str) -> list[str]:
        return [url for url, (_, text) in self.responses.items() if value in text]


def walk(
    client: Client, templates: list[str], seeds: dict[str, set[str]], until: str | None = None
) -> Walked:
    """GET every operation with every value each path parameter could take, until no
    response shows a new one (or one shows `until`); every list is read to its last page.

    A path's first parameter takes the world's own references or ids (records the walker
    may not see among them) and every value of that field any response has shown; a later
    one (the contact of a family) takes what the list above it showed, or, where no list is
    above it, every value of that field shown anywhere."""
    found: dict[str, set[str]] = {}
    listed: dict[str, dict[str, set[str]]] = {}
    responses: dict[str, tuple[int, str]] = {}
    while True:
        fresh = [
            url
            for template in templates
            for url in _urls(template, set(templates), seeds, found, listed)
            if url not in responses
        ]
        if not fresh:
            return Walked(responses)
        while fresh:
            url = fresh.pop()
            if url in responses:
                continue
            assert len(responses) < WALK_LIMIT, "the walk ran away"
            response = client.get(url)
            text = _shown(response.content.decode(errors="replace"))
            headers = json.dumps(dict(response.items()))
            responses[url] = (response.status_code, text + "\n" + headers)
            if until is not None and until in text:
                return Walked(responses)
            if "json" not in response.get("Content-Type", ""):
                continue
            body = response.json()
            _collect(body, found)
            if isinstance(body, dict) and isinstance(body.get("results"), list):
                _collect_listed(body["results"], listed.setdefault(urlsplit(url).path, {}))
            if isinstance(body, dict) and isinstance(body.get("next"), str):
                parts = urlsplit(body["next"])
                fresh.append(parts.path + ("?" + parts.query if parts.query else ""))


def _field(parameter: str) -> str:
    """The field a path parameter names: `family_reference` is a family's `reference`."""
    for name in ("reference", "id"):
        if parameter == name or parameter.endswith("_" + name):
            return name
    return parameter


def _urls(
    template: str,
    templates: set[str],
    seeds: dict[str, set[str]],
    found: dict[str, set[str]],
    listed: dict[str, dict[str, set[str]]],
) -> list[str]:
    partial = [""]
    position = 0
    for index, match in enumerate(PARAMETER.finditer(template)):
        name, field = match.group(1), _field(match.group(1))
        above = template[: match.start()]
        expanded = []
        for base in partial:
            parent = base + template[position : match.start()]
            if index == 0 or above not in templates:
                values = seeds.get(field, set()) | found.get(name, set()) | found.get(field, set())
            else:
                values = listed.get(parent, {}).get(name, set()) | listed.get(parent, {}).get(
                    field, set()
                )
            expanded += [parent + quote(value, safe="") for value in sorted(values)]
        partial = expanded
        position = match.end()
    return [base + template[position:] for base in partial]


def _collect_listed(results: list[Any], fields: dict[str, set[str]]) -> None:
    """The fields of a list's own records (not of records nested in them)."""
    for item in results:
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                    fields.setdefault(key, set()).add(str(value))


def _collect(data: Any, pool: dict[str, set[str]]) -> None:
    """Every scalar field of a response, by name, as a value a path parameter could take."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                pool.setdefault(key, set()).add(str(value))
            else:
                _collect(value, pool)
    elif isinstance(data, list):
        for item in data:
            _collect(item, pool)


def _seeds(world: World) -> dict[str, set[str]]:
    """Every record of the world by its reference and id, whether the walker may see it or
    not: a record a list does not name must not be readable by asking for it."""
    records: list[Any] = [
        world.family,
        world.other_family,
        world.outside_family,
        world.mother,
        world.father,
        world.child,
        world.second_child,
        world.waiting_referral,
        world.group,
        world.past_meeting,
        world.next_meeting,
        world.discussion,
        world.supervision_action,
        world.programme,
        world.run,
        *world.referrals.values(),
        *world.objects.values(),
    ]
    seeds: dict[str, set[str]] = {"id": set(), "reference": set()}
    for record in records:
        seeds["id"].add(str(record.pk))
        if getattr(record, "reference", None):
            seeds["reference"].add(record.reference)
    return seeds


def _get_templates() -> list[str]:
    return sorted(operation.path for operation in OPERATIONS if operation.method.upper() == "GET")


@pytest.mark.django_db
def test_the_perpetrator_workers_token_never_receives_a_restricted_detail(
    api_world: ApiWorld,
) -> None:
    """Owen works with Frank on the perpetrator programme; Frank's partner Rachel, a victim
    of his abuse, lives at a refuge. Whatever Owen's system asks of the API, through every
    GET operation, every page of every list and every record named anywhere (or guessed from
    the world's own references), no response carries her address, phone or email."""
    world = api_world.world
    templates = _get_templates()
    perpetrator_worker = api_world.credentials["DA-perpetrator worker"].client()
    seen = walk(perpetrator_worker, templates, _seeds(world))
    WALKED["DA-perpetrator worker"] = len(seen.responses)

    for value in RESTRICTED_VALUES:
        assert seen.showing(value) == [], f"{value!r} was sent to the perpetrator worker"
    errors = {url: status for url, (status, _) in seen.responses.items() if status >= 500}
    assert errors == {}
    # The walk reached Rachel: her record was shown to him, shielded.
    assert seen.showing(world.mother.reference), "the walk never reached Rachel"
    assert seen.showing(RESTRICTED), "no response showed a shielded detail"

    # And the walk would have found them: her own social worker's walk does.
    social_worker = api_world.credentials["social worker"].client()
    assert walk(social_worker, templates, _seeds(world), until=RESTRICTED_ADDRESS).showing(
        RESTRICTED_ADDRESS
    )
