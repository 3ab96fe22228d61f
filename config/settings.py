"""Retain settings.

Every value comes from the environment (see `.env.example` and the README's
configuration table). Unset means the embedded default used by `make run`: a
SQLite file and Celery's filesystem broker under `var/`, so no server is
needed. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
"""

from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_currency,
    env_decimal,
    env_int,
    env_list,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RETAIN_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Core ---------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the environment variable SECRET_KEY (at least 50 random characters); "
            "only DEBUG=true runs without one."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated host names) in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_bootstrap5",
    "phonenumber_field",
    "django_countries",
    "axes",
    "auditlog",
    "crm",
    "loyalty",
    "surveys",
    "analytics",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    # Before anything reads a body: 413 in the API's shape or a page.
    "config.errors.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Who changed what, from which address (django-auditlog; crm/history.py).
    "config.history.HistoryMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "config.context_processors.retain",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'retain.sqlite3'}")
try:
    _db = environ.Env.db_url_config(DATABASE_URL)
except (ImproperlyConfigured, ValueError, KeyError) as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r} is not a database URL "
        "(postgres://user:password@host:5432/name or sqlite:////absolute/path): " + str(exc)
    ) from None
if not _db.get("ENGINE"):
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r} is not a database URL "
        "(postgres://user:password@host:5432/name or sqlite:////absolute/path)."
    )
if _db["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite.")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Unicode-aware lower(), upper() and LIKE (config/db/sqlite3/base.py).
    _db["ENGINE"] = "config.db.sqlite3"
    # WAL lets the web process read while the worker writes; IMMEDIATE makes a
    # writing transaction take the lock up front instead of failing half-way.
    _db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    _db["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery --------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis:// or rediss://.")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "retain",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # The embedded default: a file cache and Celery's filesystem broker, which
    # several processes (web, worker, beat) share without any server.
    _broker_dir = VAR_DIR / "celery" / "broker"
    _results_dir = VAR_DIR / "celery" / "results"
    _control_dir = VAR_DIR / "celery" / "control"
    for _path in (_broker_dir, _results_dir, _control_dir):
        _path.mkdir(parents=True, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The business-time hour (0-23) of the nightly recompute of the metric snapshots; it
# starts at half past.
ANALYTICS_RECOMPUTE_HOUR = env_int("ANALYTICS_RECOMPUTE_HOUR", 2, minimum=0)
if ANALYTICS_RECOMPUTE_HOUR > 23:
    raise ImproperlyConfigured(
        f"ANALYTICS_RECOMPUTE_HOUR={ANALYTICS_RECOMPUTE_HOUR} must be an hour from 0 to 23."
    )
# Nightly and periodic jobs live here, in code (STYLE.md rule 4).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "retain.heartbeat", "schedule": 60.0},
    "cases-close-resolved": {
        "task": "crm.cases_close_resolved",
        "schedule": crontab(hour=2, minute=15),
    },
    # Loyalty: catch up on lost order events, then expire, then tiers (after expiry, so
    # a night's downgrades see the same ledger), and the day's birthdays.
    "loyalty-order-events-sweep": {
        "task": "loyalty.order_events_sweep",
        "schedule": crontab(hour=1, minute=30),
    },
    "loyalty-points-expire": {
        "task": "loyalty.points_expire",
        "schedule": crontab(hour=1, minute=45),
    },
    "loyalty-tiers-recompute": {
        "task": "loyalty.tiers_recompute",
        "schedule": crontab(hour=2, minute=0),
    },
    "surveys-first-order-invitations": {
        "task": "surveys.first_order_invitations",
        "schedule": crontab(hour=9, minute=0),
    },
    "surveys-reminders": {"task": "surveys.reminders_send", "schedule": crontab(hour=10, minute=0)},
    "loyalty-birthday-bonuses": {
        "task": "loyalty.birthday_bonuses",
        "schedule": crontab(hour=6, minute=0),
    },
    # After the loyalty and case jobs, so the night's figures include them.
    "analytics-recompute-nightly": {
        "task": "analytics.recompute_nightly",
        "schedule": crontab(hour=ANALYTICS_RECOMPUTE_HOUR, minute=30),
    },
}

# --- Auth and security --------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crm:customer-list"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Reverse proxies in front of the app; each appends the address it saw to
# X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"

# Request bodies (JSON, forms, multipart) up to REQUEST_BODY_MAX_BYTES, Django's
# in-memory limit too; larger ones are answered 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# The largest CSV file the import page takes (the command line has no limit).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 100 * 1024 * 1024, minimum=1024)
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    if PROXY_COUNT:
        # Only a proxy we were told about may vouch that the client spoke HTTPS.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Email --------------------------------------------------------------------------------

# Production must say where mail goes: printing password-reset links to the log
# would hand accounts to anyone who reads it.
_email_url = env_str("EMAIL_URL", None if not DEBUG else "consolemail://", required=not DEBUG)
try:
    vars().update(environ.Env.email_url_config(_email_url))
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(
        f"EMAIL_URL is not an email URL (smtp://user:pass@host:587): {exc}"
    ) from None
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Retain <retain@localhost>")
# Where customers reach the public survey pages (links in survey emails).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation and business settings -------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("lv", _("Latvian")),
    ("lt", _("Lithuanian")),
    ("pl", _("Polish")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
# The business time zone: dates are stored in UTC and shown, and business days
# counted (docs/metrics.md), in this zone.
TIME_ZONE = env_time_zone("TIME_ZONE", "Europe/Riga")
CELERY_TIMEZONE = TIME_ZONE  # crontab schedules run on business days
CURRENCY = env_currency("CURRENCY", "EUR")
# docs/metrics.md "Activity window W": None means the contractual model.
ACTIVITY_WINDOW_DAYS = env_int("ACTIVITY_WINDOW_DAYS", 90, minimum=1, allow_none=True)
# The earliest year an order, interaction or acquisition date may have: older dates are
# typing or import mistakes. The latest is today (business time zone).
# The retention goal drawn on the dashboards' retention charts, in percent.
RETENTION_GOAL = env_decimal("RETENTION_GOAL", Decimal(85))
if RETENTION_GOAL > 100:
    raise ImproperlyConfigured(f"RETENTION_GOAL={RETENTION_GOAL} must be a percentage (0-100).")
# Predictive retention (docs/metrics.md "Predictive retention"): P(alive) below these
# percentages is high / medium churn risk; the 12-month CLV counts CLV_MARGIN percent of
# the expected spend, discounted at CLV_DISCOUNT_RATE percent a year; the holdout check
# fits on all but the last PREDICTIVE_HOLDOUT_WEEKS weeks.
CHURN_RISK_HIGH_BELOW = env_decimal("CHURN_RISK_HIGH_BELOW", Decimal(30))
CHURN_RISK_MEDIUM_BELOW = env_decimal("CHURN_RISK_MEDIUM_BELOW", Decimal(60))
if not CHURN_RISK_HIGH_BELOW <= CHURN_RISK_MEDIUM_BELOW <= 100:
    raise ImproperlyConfigured(
        f"CHURN_RISK_HIGH_BELOW={CHURN_RISK_HIGH_BELOW} and CHURN_RISK_MEDIUM_BELOW="
        f"{CHURN_RISK_MEDIUM_BELOW} must be percentages with high <= medium <= 100."
    )
CLV_MARGIN = env_decimal("CLV_MARGIN", Decimal(100))
if CLV_MARGIN > 100:
    raise ImproperlyConfigured(f"CLV_MARGIN={CLV_MARGIN} must be a percentage (0-100).")
CLV_DISCOUNT_RATE = env_decimal("CLV_DISCOUNT_RATE", Decimal(10))
if CLV_DISCOUNT_RATE > 100:
    raise ImproperlyConfigured(f"CLV_DISCOUNT_RATE={CLV_DISCOUNT_RATE} must be 0-100 percent.")
PREDICTIVE_HOLDOUT_WEEKS = env_int("PREDICTIVE_HOLDOUT_WEEKS", 26, minimum=4)
if PREDICTIVE_HOLDOUT_WEEKS > 156:
    raise ImproperlyConfigured(
        f"PREDICTIVE_HOLDOUT_WEEKS={PREDICTIVE_HOLDOUT_WEEKS} must be 4 to 156 weeks."
    )
EARLIEST_YEAR = env_int("EARLIEST_YEAR", 2000, minimum=1900)
if EARLIEST_YEAR > 2100:
    raise ImproperlyConfigured(f"EARLIEST_YEAR={EARLIEST_YEAR} must be a past year.")
# Support cases: a customer's answer or a staff reopen within this many days of the
# resolution reopens the case; later, it starts a new one. Resolved cases close
# themselves after the same number of days (nightly).
CASE_REOPEN_DAYS = env_int("CASE_REOPEN_DAYS", 7, minimum=1)
# Replies to a case go to the customer by email (EMAIL_URL) when this is true;
# otherwise they are only recorded, for teams that answer from another tool.
CASE_REPLY_EMAIL = env_bool("CASE_REPLY_EMAIL", True)
PHONENUMBER_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "LV").upper()
PHONENUMBER_DB_FORMAT = "E164"

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

BOOTSTRAP5 = {
    # Local files only (no CDN); a submitted form marks its errors, not its valid fields.
    "css_url": None,
    "javascript_url": None,
    "success_css_class": "",
    "field_renderers": {"default": "config.bootstrap.FieldRenderer"},
}

# History of staff changes (django-auditlog): a changed owner is stored by name, so
# reading the history needs no lookup per row.
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

# --- REST API -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.permissions.RolePermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "config.api.StrictOrderingFilter",
    ],
    # Every answer under /api/ is JSON (config.errors covers what DRF never sees).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # "auth": the token endpoint, per client address (axes locks per username and address).
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "1200/min", "auth": "30/min"},
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Retain API",
    "DESCRIPTION": "Customers, orders, interactions and tags of the Retain retention CRM.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would send the schema to validator.swagger.io for a badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Redoc's default fonts come from Google; system fonts need no request.
    "REDOC_UI_SETTINGS": {
        "hideDownloadButton": False,
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif"},
            }
        },
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Group operations by resource (customers, orders, ...) rather than under "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "crm.models.Order.Status",
        "OrderStatusChangeEnum": ["refunded", "cancelled"],
        "CustomerStatusEnum": "crm.filters.STATUS_CHOICES",
        "OrderChannelEnum": "crm.models.Order.Channel",
        "InvitationChannelEnum": "surveys.models.Invitation.Channel",
        "InvitationTriggerEnum": "surveys.models.Invitation.Trigger",
        "SurveyTriggerEnum": "surveys.models.Survey.Trigger",
        "SurveyStatusEnum": "surveys.models.Survey.Status",
        "QuestionKindEnum": "surveys.models.Question.Kind",
        "InteractionKindEnum": "crm.models.Interaction.Kind",
        "CaseStatusEnum": "crm.models.Case.Status",
        "CaseStatusFilterEnum": "crm.filters.CASE_STATUS_CHOICES",
        "CaseCommentKindEnum": "crm.api.serializers.COMMENT_KINDS",
        "CaseCommentChannelEnum": "crm.api.serializers.COMMENT_CHANNELS",
    },
}

# --- Logging ------------------------------------------------------------------------------

# One line per event on stderr, times in UTC ("...Z", as `make run` prints honcho's),
# tracebacks only for real errors: a 403 or 404 is a warning line, not a stack.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_without_traceback": {"()": "config.logs.ClientErrorsWithoutTraceback"}
    },
    "formatters": {
        "plain": {
            "()": "config.logs.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors_without_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    # Django's own handlers (a DEBUG-only console, mail_admins, runserver's) printed
    # every request warning a second time; everything goes through the root handler.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
if not REDIS_URL:
    # The filesystem broker has no host by design; kombu warns about it at every start.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
# The worker and beat log through the same handler instead of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
