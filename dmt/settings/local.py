"""Development on a laptop: `make run`. Debug on, an insecure key allowed, SQLite by default."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "django-insecure-local-development-only-key-not-for-production")
# The demo signs straight in with a password; anyone may still set up two-factor to try it.
os.environ.setdefault("OTP_ENFORCED", "false")

from .base import *  # noqa: E402,F403
from .base import STORAGES  # noqa: E402

# Serve assets straight from static/ without a collectstatic step.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
