"""Settings shared by every environment. Values that differ come from the environment."""

from datetime import timedelta
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
# Our own reverse proxies (addresses or networks). Only a request from one of them may say,
# in X-Forwarded-For and X-Request-ID, who the client was and which request this is
# (accounts.middleware.client_ip). Empty: the peer's address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Sign-in: lockout and two-factor (accounts.lockout, accounts.two_factor).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "families.apps.FamiliesConfig",
    "referrals.apps.ReferralsConfig",
    "supervision.apps.SupervisionConfig",
    "caseimport.apps.CaseImportConfig",
    "outcomes.apps.OutcomesConfig",
    "workspace.apps.WorkspaceConfig",
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
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.session_limits.SessionLimitsMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it turns a sign-in that axes refused into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "workspace.context_processors.navigation",
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

# Sessions: see "Sign-in" below for how long they last.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# ---- Sign-in: lockout, two-factor authentication, session limits (README "Sign-in") ----
# django-axes refuses sign-in to a username from one address after AXES_FAILURE_LIMIT failed
# attempts (wrong password or wrong two-factor code) for AXES_COOLOFF_TIME, the right
# password included, and says the same whether or not the username exists.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, refusing service accounts (a partner's system uses the API only).
    "accounts.backends.StaffBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The lockout runs its full cool-off from the failure that caused it; attempts during it are
# refused and audited but do not extend it, so "wait 15 minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures are forgotten when sign-in is complete (after two-factor, when needed), by
# accounts.lockout.clear_failures; axes' own reset would come at the password step.
AXES_RESET_ON_SUCCESS = False
# The same client address as the audit trail's.
AXES_CLIENT_IP_CALLABLE = "accounts.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The audit trail records sign-ins and sign-outs; axes keeps only its failure counters, which
# are not shown in the admin (where edits would go unaudited) and expire by themselves.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# A flood of failures from one address writes at most this many audit rows per cool-off.
SIGN_IN_FAILURES_AUDITED_PER_ADDRESS = env.int("SIGN_IN_FAILURES_AUDITED_PER_ADDRESS", default=50)

# Two-factor authentication (django-otp): an authenticator app's 6-digit code, or a one-time
# recovery code. Required for these roles (or everyone) when OTP_ENFORCED; anyone may enrol.
OTP_ENFORCED = env.bool("OTP_ENFORCED", default=True)
OTP_REQUIRED_ROLES = env.list(
    "OTP_REQUIRED_ROLES", default=["team_manager", "service_manager", "auditor", "admin"]
)
OTP_REQUIRED_FOR_ALL = env.bool("OTP_REQUIRED_FOR_ALL", default=False)
# The name the authenticator app shows beside the code.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="DMT")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# A session ends after SESSION_IDLE_TIMEOUT seconds unused (any request counts, the contact
# form's autosave included) or SESSION_ABSOLUTE_TIMEOUT seconds after sign-in, whichever
# comes first (accounts.session_limits).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT

# API tokens (accounts.api_auth): a member of staff's token lasts DMT_API_TOKEN_HOURS from
# sign-in at POST /api/auth/token/; a service account's, issued or rotated by an
# administrator, DMT_SERVICE_TOKEN_DAYS.
DMT_API_TOKEN_HOURS = env.int("DMT_API_TOKEN_HOURS", default=8)
DMT_SERVICE_TOKEN_DAYS = env.int("DMT_SERVICE_TOKEN_DAYS", default=365)
# ---- end of sign-in ----

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

# The partner API's conventions live in dmt.api (README, "The partner API").
REST_FRAMEWORK = {
    # Bearer first: a request with no credentials gets 401 and `WWW-Authenticate: Bearer`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dmt.api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["dmt.api.filters.ApiFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "dmt.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "dmt.api.schema.ApiSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "dmt.api.throttling.TokenRateThrottle",
        "dmt.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("DMT_API_RATE", default="600/minute"),
        "auth": env("DMT_API_AUTH_RATE", default="20/minute"),
    },
    "DATE_INPUT_FORMATS": ["iso-8601"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DMT partner API",
    "DESCRIPTION": (
        "The families, referrals, supervision and outcome reports of DMT, for partner "
        "agencies' systems and councils' data teams. Everything a token sees is what its "
        "owner would see on the pages, and every read and change is audited. Start at /api/."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "LegalStatusEnum": "families.models.LegalStatus",
        "ContactKindEnum": "families.models.ContactKind",
        "RelationshipKindEnum": "families.models.Relationship.Kind",
        "PlanActionStatusEnum": "families.models.PlanAction.Status",
        "FamilyStatusEnum": "families.api.FamilyStatus",
        "StatusChangeEnum": "families.api.STATUS_CHANGE_CHOICES",
        "RagEnum": "referrals.models.Rag",
        "MeetingStatusEnum": "supervision.models.Meeting.Status",
        "ReportRunStatusEnum": "outcomes.models.ReportRun.Status",
        "ClosureReasonEnum": "referrals.models.ClosureReason",
    },
}
# The default cache holds the API's throttle counts: shared by every web process when
# CACHE_URL names Redis (docker-compose does), local memory under `make run`.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}
        if env("CACHE_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
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
    # axes logs every sign-in at INFO; its warnings (failures, lockouts) are the useful part.
    "loggers": {"axes": {"level": "WARNING"}},
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
PERMISSIONS_POLICY: dict[str, list[str]] = {
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
