"""Places where the Responsys client keeps its auth token between calls and between processes.

A Responsys token is valid for about two hours and the login function has its own low per-minute
limit, so every client of one account should reuse one token instead of logging in per call.
"""

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class CachedToken:
    """One successful Responsys login.

    `account` ("username@login_url") ties the token to the credentials that produced it, so a
    store key shared by mistake never sends one account's data with another account's token.
    `obtained_at` is the local Unix time when the login response arrived. The client measures
    the token's age from it because Responsys' `issuedAt` comes from another clock.
    """

    auth_token: str = field(repr=False)
    end_point: str
    issued_at_ms: int
    obtained_at: float
    account: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "CachedToken | None":
        """Build a token from `to_dict` output, or return None for anything malformed."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                auth_token=str(data["auth_token"]),
                end_point=str(data["end_point"]),
                issued_at_ms=int(data["issued_at_ms"]),
                obtained_at=float(data["obtained_at"]),
                account=str(data["account"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class TokenStore(Protocol):
    """Storage for one account's current token."""

    def get(self) -> CachedToken | None: ...

    def set(self, token: CachedToken) -> None: ...

    def clear(self) -> None: ...


class MemoryTokenStore:
    """Token storage inside this process. Clients that share one instance share the token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: CachedToken | None = None

    def get(self) -> CachedToken | None:
        with self._lock:
            return self._token

    def set(self, token: CachedToken) -> None:
        with self._lock:
            self._token = token

    def clear(self) -> None:
        with self._lock:
            self._token = None


class CacheTokenStore:
    """Token storage in a Django cache (Redis in production), shared by every worker process.

    `cache` is a Django cache object or the alias of one in `settings.CACHES`. The entry expires
    after `timeout` seconds. The default of 7200 s is the two-hour token lifetime stated in
    Oracle's performance guide, so the cache drops a token no later than Responsys does.
    The token itself is stored, so the cache must be as private as the Responsys password.
    """

    def __init__(self, cache: Any, key: str, *, timeout: float = 7200.0) -> None:
        if isinstance(cache, str):
            from django.core.cache import caches

            cache = caches[cache]
        self._cache = cache
        self._key = key
        self._timeout = timeout

    def get(self) -> CachedToken | None:
        return CachedToken.from_dict(self._cache.get(self._key))

    def set(self, token: CachedToken) -> None:
        self._cache.set(self._key, token.to_dict(), self._timeout)

    def clear(self) -> None:
        self._cache.delete(self._key)
