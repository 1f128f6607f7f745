"""Settings for the test suite: the production settings with test-only secrets and Redis DBs.

Tests use their own Redis databases so that they never take jobs from, or give jobs to, a
`make run` demo running on the same machine.
"""
import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-secret-key-not-for-production")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/6")
os.environ.setdefault("CACHE_KEY_PREFIX", "dlr-test")
# Each test session sends tasks to its own queue, which only its own worker consumes, so two
# suites running at once on one machine cannot take each other's tasks.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"dlr-test-{os.getpid()}")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost", "[::1]"]

# Serve static files from the apps' folders, so tests need no collectstatic run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Two suites running at once on one machine need different test databases.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DLR_TEST_DATABASE", "test_dlr")}  # noqa: F405
