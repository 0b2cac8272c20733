"""The test suite: DATABASE_URL and CELERY_BROKER_URL are used when set (CI sets both)."""

import os

os.environ.setdefault("SECRET_KEY", "django-insecure-test-only-key")

from .base import *  # noqa: E402,F403
from .base import STORAGES  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Unit tests run tasks in-process whatever the environment; the worker tests start a real
# worker against the configured broker themselves.
CELERY_TASK_ALWAYS_EAGER = True
# The suite runs the sign-in production runs: two-factor required for the roles that need it.
OTP_ENFORCED = True
# The API's throttles count across the whole run in one process's memory: far above what
# any test sends, except the throttling tests, which set their own rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"token": "100000/minute", "auth": "100000/minute"},
}
