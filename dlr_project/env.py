"""Small readers for settings taken from the environment.

Each reader fails with ImproperlyConfigured on a value it cannot parse, so a typo in a deployment
stops the service at start instead of silently falling back to a default.
"""
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# PostgreSQL statement timeout of web processes when DATABASE_STATEMENT_TIMEOUT_MS is not set.
WEB_STATEMENT_TIMEOUT_MS = 30_000


def default_web_statement_timeout() -> None:
    """Give this web server process a statement timeout unless the environment sets one.

    Both web servers call it before Django reads its settings, so Celery tasks and migrations,
    which never call it, keep no limit.
    """
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", str(WEB_STATEMENT_TIMEOUT_MS))
