"""Every response carries the security headers, and no page carries inline script or style.

Case data must never be kept by a browser cache, a proxy or a shared computer, and a script
that slipped into a page must not run. So each user of the demo council walks every page they
can reach by following links (and the exports, API and JSON behind them), and every response
must say `Cache-Control: no-store`, send a Content-Security-Policy with no 'unsafe-inline',
and a Permissions-Policy; every HTML page must hold no inline script, style element, style
attribute or event handler. The templates are read too, so a new page cannot bring one back.
"""

import re
from collections import Counter, deque
from collections.abc import Iterator
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from outcomes.models import ReportRun
from referrals.models import Referral
from supervision.models import CalendarFeed, Meeting

from .conftest import signed_in

pytestmark = pytest.mark.django_db

# Each kind of page (URL pattern) is opened this many times per user: enough to meet some of
# its variants without reading the whole council.
PAGES_PER_PATTERN = 2

WALKERS = [
    "social.worker",
    "team.manager",
    "business.support",
    "service.manager",
    "auditor",
    "admin",
    "dmt.worker",
    "dmt.manager",
    "da.victim",
]

# What a browser asks for, so the walk gets the HTML a person would (the API included).
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# Surfaces the walk must have opened (200) at least once, or it proves nothing about them.
MUST_REACH = {
    "accounts:login",
    "home",
    "families:caseload",
    "families:caseload_export",
    "families:detail",
    "families:chronology",
    "referrals:detail",
    "referrals:caseload_export",
    "supervision:meeting",
    "supervision_feed:meeting_ics",
    "supervision_feed:ics",
    "outcomes:dashboard",
    "outcomes:run",
    "outcomes:run_status",
    "outcomes:export_csv",
    "outcomes:export_xlsx",
    "api-referral-list",
    "api-referral-detail",
    "accounts:audit_events",
    "admin:index",
}


@pytest.fixture
def demo_council(settings, django_capture_on_commit_callbacks) -> None:
    settings.DEBUG = True
    # The seed's report runs are queued on commit: run them, so there are results to export.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--families", "12", stdout=StringIO())
    settings.DEBUG = False


class _Markup(HTMLParser):
    """Collects links, and anything the Content-Security-Policy would refuse to run or apply."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        # A JSON <script> (json_script) is data the browser never runs.
        if tag == "script" and "src" not in found and found.get("type") != "application/json":
            self.inline.append(self.get_starttag_text() or tag)
        if tag == "style":
            self.inline.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.inline.append(f"<{tag} {name}={value!r}>")


def _policy(response: HttpResponse) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def _problems(url: str, response: HttpResponse) -> list[str]:
    problems = []
    policy = _policy(response)
    if not policy:
        problems.append(f"{url}: no Content-Security-Policy")
    elif (
        policy.get("script-src") != ["'self'"]
        or policy.get("style-src") != ["'self'"]
        or policy.get("object-src") != ["'none'"]
        or policy.get("frame-ancestors") != ["'none'"]
        or "'unsafe-inline'" in response.headers["Content-Security-Policy"]
    ):
        problems.append(f"{url}: weak policy {response.headers['Content-Security-Policy']}")
    if "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"{url}: Cache-Control {response.headers.get('Cache-Control')!r}")
    if "camera=()" not in response.headers.get("Permissions-Policy", ""):
        problems.append(f"{url}: Permissions-Policy {response.headers.get('Permissions-Policy')!r}")
    return problems


def _walk(client: Client, start: list[str]) -> Iterator[tuple[str, str, HttpResponse, _Markup]]:
    """GET every page reachable by links from `start`, each URL pattern a few times."""
    queue, seen, per_pattern = deque(start), set(), Counter()
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc or url in seen or parts.path.startswith(settings.STATIC_URL):
            continue
        seen.add(url)
        try:
            match = resolve(parts.path)
        except Resolver404:
            continue
        if per_pattern[match.route] >= PAGES_PER_PATTERN:
            continue
        per_pattern[match.route] += 1
        response = client.get(url, headers={"Accept": BROWSER_ACCEPT})
        markup = _Markup()
        if response.get("Content-Type", "").startswith("text/html"):
            markup.feed(response.content.decode())
            queue.extend(urljoin(url, link.split("#")[0]) for link in markup.links)
        yield url, match.view_name, response, markup


def test_every_page_export_and_api_answer_carries_the_security_headers(demo_council):
    run = ReportRun.objects.filter(status=ReportRun.Status.SUCCEEDED).first()
    referral = Referral.objects.filter(practitioner__username="dmt.worker").first()
    feed = CalendarFeed.objects.create(user=User.objects.get(username="social.worker"))
    # Reached by scripts, API clients or calendar apps rather than by links.
    extra = [
        reverse("outcomes:run_status", args=[run.pk]),
        reverse("api-referral-list"),
        reverse("api-referral-detail", args=[referral.reference]),
        reverse("supervision_feed:meeting_ics", args=[Meeting.objects.first().pk]),
        reverse("supervision_feed:ics", args=[feed.token]),
    ]
    reached: set[str] = set()
    problems: list[str] = []
    for username in WALKERS:
        client = signed_in(User.objects.get(username=username))
        for url, view_name, response, markup in _walk(client, ["/", *extra]):
            if response.status_code == 200:
                reached.add(view_name)
            problems += _problems(f"{username} {url}", response)
            problems += [f"{username} {url}: inline {found}" for found in markup.inline]
    anonymous = Client()
    for url in ["/", reverse("accounts:login"), reverse("healthz")]:
        response = anonymous.get(url)
        if response.status_code == 200:
            reached.add(resolve(url).view_name)
        problems += _problems(f"anonymous {url}", response)

    assert not problems, "\n".join(problems)
    assert not MUST_REACH - reached, f"never reached: {sorted(MUST_REACH - reached)}"


def test_static_files_keep_their_own_cache_headers(client):
    response = client.get(f"{settings.STATIC_URL}js/drafts.js")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# A template may not hold code or styling the policy refuses: scripts live in static/js/ and
# take their data from `json_script`; styling lives in static/scss/.
_INLINE_IN_TEMPLATES = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "a <script> without src"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_holds_inline_script_or_style():
    templates = Path(settings.BASE_DIR, "templates")
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{text[: match.start()].count(chr(10)) + 1}: {what}"
        for path in sorted(templates.rglob("*.html"))
        for text in [path.read_text()]
        for pattern, what in _INLINE_IN_TEMPLATES
        for match in pattern.finditer(text)
    ]

    assert not found, "\n".join(found)
