"""The production build: collectstatic under the production settings hashes every file the
pages load, and every file those refer to (the Docker image runs the same command)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

DIST = Path(settings.BASE_DIR, "static", "dist")


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    if not (DIST / "app.css").exists():
        pytest.skip("static/dist is not built: `make setup` (or `npm run build`) builds it")
    root = tmp_path_factory.mktemp("staticfiles")
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "dmt.settings.production",
            "SECRET_KEY": "collectstatic-test-only",
            "ALLOWED_HOSTS": "localhost",
            "STATIC_ROOT": str(root),
        },
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return root


def _manifest(root: Path) -> dict[str, str]:
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def test_collectstatic_under_the_production_settings_hashes_the_css_and_what_it_refers_to(
    collected,
):
    manifest = _manifest(collected)
    css = (collected / manifest["dist/app.css"]).read_text()
    referred = re.findall(r"url\(\"?(/static/[^\")]+)", css)

    assert referred, "app.css refers to no images: is the build the one in static/build.mjs?"
    for url in referred:
        assert (collected / url.removeprefix("/static/")).is_file(), url
        # Hashed, so a new release's image is never read from an old cache.
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url


def test_the_govuk_frontend_import_points_at_the_hashed_module(collected):
    manifest = _manifest(collected)
    init = (collected / manifest["js/govuk-init.js"]).read_text()

    hashed = Path(manifest["dist/govuk-frontend.min.js"]).name
    assert f'from "../dist/{hashed}"' in init
