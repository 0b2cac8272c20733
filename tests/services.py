"""Reaching the real services the suite needs, and refusing to skip when CI demands them.

CI (.ci/run) sets DMT_REQUIRE_SERVICES=1: then a missing Redis or Chromium fails the test
instead of skipping it, so a green CI always means the real parts ran.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def services_required() -> bool:
    return os.environ.get("DMT_REQUIRE_SERVICES", "") == "1"


def unavailable(reason: str) -> None:
    """Skip with a printed reason, or fail when CI requires every service."""
    if services_required():
        pytest.fail(f"{reason} (DMT_REQUIRE_SERVICES=1, so this fails instead of skipping)")
    pytest.skip(reason=reason)


def redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL") or DEFAULT_REDIS_URL
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            pass
    except OSError as error:
        unavailable(f"Redis is not reachable at {url}: {error}")
    return url


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        unavailable(f"Chromium is not installed at {path} (make test installs it with apt-get)")
    return path


# Migrations seed the pathways, their stages, DMT's eligibility rules and the outcome
# measures; a transactional test's flush empties those tables, so tests that commit (browser
# journeys, real workers) seed them again with the migrations' own (idempotent) functions.
SEEDS = [
    ("referrals.migrations.0002_seed_pathways", "create_pathways"),
    ("referrals.migrations.0004_seed_outcome_measures", "create_measures"),
    ("referrals.migrations.0006_seed_stages_and_dmt_rules", "seed"),
]


def reseed_reference_data() -> None:
    import importlib

    from django.apps import apps

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
