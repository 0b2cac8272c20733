"""The Celery app. Configuration lives in Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dmt.settings.local")

app = Celery("dmt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="dmt.celery.health")
def health() -> str:
    """Answers "ok": beat sends it every 15 minutes so a stalled worker shows in the logs."""
    return "ok"
