"""Settings for the delivery-report service.

Every deployment-specific value comes from the environment. The defaults suit a development
machine with PostgreSQL and Redis on localhost. `make run` writes a generated secret key to
var/run.env, so the demo runs with DEBUG off.
"""
import base64
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -----------------------------------------------------------------------------------

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG", False)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set and DJANGO_DEBUG is off: set DJANGO_SECRET_KEY to a long "
        "random value (for example `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Public origin used to show each client's full callback URL in the admin.
PUBLIC_BASE_URL = env_str("DLR_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "callbacks",
    "responsys_sync",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dlr_project.urls"
WSGI_APPLICATION = "dlr_project.wsgi.application"

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
            ],
        },
    },
]

# --- Database and cache ------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://root@127.0.0.1:5432/dlr"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"].setdefault("OPTIONS", {})
# A request that cannot reach PostgreSQL within this time gets 503 instead of hanging.
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
# PostgreSQL cancels a statement that runs or waits for a lock longer than this (0: no limit).
# Both web servers default it to 30 s (env.default_web_statement_timeout), so that a
# webhook statement stuck behind a lock returns 503 and Gupshup retries. Celery tasks and
# migrations keep no limit.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 0)
if DATABASE_STATEMENT_TIMEOUT_MS > 0:
    _server_options = DATABASES["default"]["OPTIONS"].get("options", "")
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"{_server_options} -c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}".strip())
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("CACHE_URL", "redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "dlr"),
    }
}

# --- Authentication and sessions ---------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reporting:overview"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

# Key for encrypting Responsys passwords at rest (Fernet). Defaults to a key derived from
# SECRET_KEY; set it explicitly so that rotating SECRET_KEY does not make stored passwords
# unreadable.
FIELD_ENCRYPTION_KEY = env_str(
    "DLR_FIELD_ENCRYPTION_KEY",
    base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode(),
)

# --- Internationalisation and static files -----------------------------------------------------

# Admin URL fields treat a bare host as https://, the Django 6 default.
FORMS_URLFIELD_ASSUME_HTTPS = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST framework ------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gupshup WhatsApp delivery reports API",
    "DESCRIPTION": "Read-only access to delivery reports and their aggregates.",
    "VERSION": "1.0.0",
}

# --- Webhook -------------------------------------------------------------------------------------

# Bodies above this size get 413. Gupshup batches hold at most 20 events (a few kB).
CALLBACK_MAX_BODY_BYTES = env_int("DLR_CALLBACK_MAX_BODY_BYTES", 1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = CALLBACK_MAX_BODY_BYTES
# After a token rotation, the previous token keeps working for this many hours.
CALLBACK_TOKEN_GRACE_HOURS = env_int("DLR_CALLBACK_TOKEN_GRACE_HOURS", 72)
# Callbacks that arrive together in one web process share one statement and commit
# (callbacks.commit_group), up to this many events per statement. A larger statement delays
# every request in it. 0 stores each callback on its own.
CALLBACK_GROUP_MAX_EVENTS = env_int("DLR_CALLBACK_GROUP_MAX_EVENTS", 200)
# When set, /metrics serves only requests with `Authorization: Bearer <this token>`.
METRICS_TOKEN = env_str("DLR_METRICS_TOKEN", "")

# --- Celery --------------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 3 * 3600 - 60)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")

# --- Sync ---------------------------------------------------------------------------------------

SYNC_BATCH_SIZE = 200
SYNC_FAILURES_BEFORE_FLAG = env_int("DLR_SYNC_FAILURES_BEFORE_FLAG", 3)
RESPONSYS_TIMEOUT_SECONDS = env_int("DLR_RESPONSYS_TIMEOUT_SECONDS", 30)

# --- Logging -------------------------------------------------------------------------------------

LOG_LEVEL = env_str("DLR_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django logs every 4xx with the full path, which contains the client's secret token.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- Reporting (dashboards, aggregates, API docs) ----------------------------------------------

# The dashboards read reporting.MessageBucket. A frequent task recomputes the buckets of changed
# messages and re-reads some seconds before its watermark for transactions that committed late.
# A slower reconcile recomputes the last few days in full.
REPORTING_REFRESH_SECONDS = env_int("DLR_REPORTING_REFRESH_SECONDS", 60)
REPORTING_REFRESH_OVERLAP_SECONDS = env_int("DLR_REPORTING_REFRESH_OVERLAP_SECONDS", 300)
REPORTING_RECONCILE_DAYS = env_int("DLR_REPORTING_RECONCILE_DAYS", 3)
REPORTING_RECONCILE_MINUTES = env_int("DLR_REPORTING_RECONCILE_MINUTES", 30)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "refresh-message-buckets": {
        "task": "reporting.tasks.refresh_message_buckets",
        "schedule": float(REPORTING_REFRESH_SECONDS),
    },
    "reconcile-message-buckets": {
        "task": "reporting.tasks.reconcile_message_buckets",
        "schedule": float(REPORTING_RECONCILE_MINUTES * 60),
    },
}
# Swagger UI and Redoc served from the app itself, never from a CDN.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS.update({
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
})

# --- Sync pipeline and retention (responsys_sync) -----------------------------------------------

# Merge calls of one run in flight at once; the run's thread reads and marks meanwhile.
SYNC_MERGES_IN_FLIGHT = env_int("DLR_SYNC_MERGES_IN_FLIGHT", 4)
# Merge calls per minute the pacer allows; 0 reads the account's limit from Responsys.
SYNC_MERGE_CALLS_PER_MINUTE = env_int("DLR_SYNC_MERGE_CALLS_PER_MINUTE", 0)
# Rows deleted per short transaction by the retention purge, and the daily hour (UTC) it runs.
RETENTION_BATCH_SIZE = env_int("DLR_RETENTION_BATCH_SIZE", 1000)
RETENTION_HOUR_UTC = env_int("DLR_RETENTION_HOUR_UTC", 3)
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "purge-expired-delivery-reports": {
        "task": "responsys_sync.tasks.purge_expired_data",
        "schedule": crontab(hour=RETENTION_HOUR_UTC, minute=17),
    },
}
