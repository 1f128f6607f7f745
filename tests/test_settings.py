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


def database_options(**env) -> str:
    code = ("import dlr_project.settings as s; "
            "print(s.DATABASES['default']['OPTIONS'].get('options', '<none>'))")
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("DJANGO_", "DLR_", "DATABASE_", "REDIS_", "CELERY_"))}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={**clean, "DJANGO_DEBUG": "true", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_statement_timeout_off_by_default():
    assert database_options() == "<none>"


def test_statement_timeout_becomes_server_option():
    assert database_options(DATABASE_STATEMENT_TIMEOUT_MS="1500") == "-c statement_timeout=1500"


def test_statement_timeout_keeps_url_options():
    options = database_options(
        DATABASE_STATEMENT_TIMEOUT_MS="1500",
        DATABASE_URL="postgres://root@127.0.0.1:5432/dlr?options=-c%20search_path%3Dreports")

    assert options == "-c search_path=reports -c statement_timeout=1500"
