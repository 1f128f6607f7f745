"""Settings read from the environment, and the refusal to run in production with the dev key."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import dlr_project.settings in a fresh interpreter with only `env` set; return the run."""
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("DJANGO_", "DLR_", "DATABASE_", "REDIS_", "CELERY_"))}
    clean.update(env)
    code = ("import dlr_project.settings as s; "
            "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['NAME'], s.CALLBACK_MAX_BODY_BYTES)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                          capture_output=True, text=True)


def test_debug_off_rejects_development_key():
    result = load_settings(DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_on_accepts_development_key():
    result = load_settings(DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True")


def test_environment_overrides_defaults():
    result = load_settings(
        DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="dlr.example.com, api.example.com",
        DATABASE_URL="postgres://someone@db.example.com:5432/reports",
        DLR_CALLBACK_MAX_BODY_BYTES="2048",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 1)[0] == "False"
    assert "['dlr.example.com', 'api.example.com']" in result.stdout
    assert "reports" in result.stdout
    assert result.stdout.strip().endswith("2048")


def test_invalid_boolean_is_reported():
    result = load_settings(DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr
