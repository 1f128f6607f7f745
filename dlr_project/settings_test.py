"""Settings for the test suite: the production settings with a fixed test secret key."""
import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-secret-key-not-for-production")
os.environ.setdefault("CACHE_KEY_PREFIX", "dlr-test")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
