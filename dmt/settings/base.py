"""Settings shared by every environment. Values that differ come from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address staff reach the service at, for links read outside it (calendar invitations
# and feeds).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "accounts.apps.AccountsConfig",
    "accounts.apps.DmtAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "csp",
    "rest_framework",
    "django_filters",
    "families.apps.FamiliesConfig",
    "referrals.apps.ReferralsConfig",
    "supervision.apps.SupervisionConfig",
    "outcomes.apps.OutcomesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Response headers (see "Response headers" below). After WhiteNoise, so static files
    # keep their long cache; before the rest, so redirects and error pages get them too.
    "csp.middleware.CSPMiddleware",
    "dmt.middleware.ResponseHeadersMiddleware",
    "accounts.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dmt.urls"
WSGI_APPLICATION = "dmt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# Every form field renders through templates/django/forms/field.html (GOV.UK markup).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# The embedded default is a SQLite file in the project, so `make run` needs no server.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A practitioner's session lasts a working day; drafts (issue 3) protect notes beyond it.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
# Sliding expiry: a worker typing a long note (autosaved) is never signed out mid-sentence.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["dmt.formats"]

STATIC_URL = "/static/"
# Where collectstatic writes (the CI smoke test collects into a temporary folder).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "dmt.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# Celery: with no broker configured, tasks run in-process and their errors propagate, so the
# embedded `make run` needs neither Redis nor a worker. With a broker, a real worker runs them.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "health-heartbeat": {
        "task": "dmt.celery.health",
        "schedule": crontab(minute="*/15"),
    },
    # Agenda packs for group supervision, two working days before each meeting.
    "supervision-build-due-packs": {
        "task": "supervision.build_due_packs",
        "schedule": crontab(hour=6, minute=0),
    },
    # The outcome dashboards' standard reports, recomputed overnight as of the new day.
    "outcomes-refresh-dashboards": {
        "task": "outcomes.refresh_dashboards",
        "schedule": crontab(hour=2, minute=30),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Statistical disclosure control for outcome reports shown or exported to people: a count
# below this number is shown as "<N" (0 included), and a rate or mean built on one is hidden.
# The command line shows everything.
OUTCOMES_SUPPRESS_BELOW = env.int("OUTCOMES_SUPPRESS_BELOW", default=5)

# --- Response headers (issue 11) -------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts, styles, fonts and fetches from this site only,
# and nothing inline. Pages keep every script in static/js/ and pass data to it with
# `json_script` (a JSON <script> is data, which script-src does not govern); charts size their
# bars with classes, not style attributes. tests/test_response_headers.py keeps it so.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The API answers JSON only. DRF's browsable API is an HTML page with an inline <style> the
# policy refuses, and a second way to browse case data that the pages already serve.
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
# Browser features DMT never uses, refused for the page and anything it could embed.
# dmt.middleware.ResponseHeadersMiddleware sends it, with `Cache-Control: no-store`.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# The demo council's password when `seed_demo` is not given one.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="dmt-demo-password")
