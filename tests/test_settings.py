import datetime
import os
import subprocess
import sys

from django.conf import settings
from django.template import Context, Template

from dmt.celery import app, health


def test_dates_are_written_out_the_british_way():
    rendered = Template("{{ day|date }}").render(Context({"day": datetime.date(2024, 3, 3)}))

    assert rendered == "3 March 2024"


def test_the_council_runs_on_london_time_in_british_english():
    assert (settings.TIME_ZONE, settings.LANGUAGE_CODE) == ("Europe/London", "en-gb")


def test_tasks_run_in_process_and_propagate_errors_in_unit_tests():
    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is True
    assert health.delay().get() == "ok"


def _settings_value(module: str, expression: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG")
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='{module}'; django.setup(); "
            f"from django.conf import settings; print({expression})",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_with_no_variables_the_local_settings_run_embedded():
    result = _settings_value(
        "dmt.settings.local",
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.DEBUG",
    )

    assert result.stdout.strip() == "django.db.backends.sqlite3 True True", result.stderr


def test_a_broker_url_switches_tasks_to_a_real_worker():
    result = _settings_value(
        "dmt.settings.local",
        "settings.CELERY_TASK_ALWAYS_EAGER",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )

    assert result.stdout.strip() == "False", result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _settings_value(
        "dmt.settings.production", "settings.SECRET_KEY", ALLOWED_HOSTS="dmt.example.org"
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_beat_schedule_lives_in_settings():
    assert "dmt.celery.health" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_suite_runs_on_the_database_it_was_given():
    from django.db import connection

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected


def test_the_health_check_answers_without_signing_in(client, db):
    response = client.get("/healthz")

    assert (response.status_code, response.content) == (200, b"ok")
