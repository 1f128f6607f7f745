"""Find the client a callback token belongs to, in constant time and with a short cache.

The webhook is hit thousands of times a second, so the token-to-client mapping is cached in
each process for a few seconds. A rotated or deleted token therefore stops working after at
most CLIENT_CACHE_SECONDS.
"""
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass

from django.db import OperationalError, connection
from django.utils import timezone

from .models import Client, token_digest

CLIENT_CACHE_SECONDS = 5.0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackClient:
    id: int
    name: str
    networks: tuple

    def allows(self, remote_addr: str | None) -> bool:
        if not self.networks:
            return True
        if not remote_addr:
            return False
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


_cache: dict[str, tuple[float, CallbackClient | None]] = {}


def client_for_token(token: str) -> CallbackClient | None:
    """Return the client whose current or still-valid previous token is `token`, else None."""
    digest = token_digest(token)
    now = time.monotonic()
    cached = _cache.get(digest)
    if cached and cached[0] > now:
        return cached[1]

    try:
        found = _lookup(digest)
    except OperationalError as error:
        # The webhook's fast path skips Django's per-request connection checks, so a connection
        # that the server closed while idle fails here first. One retry gets a new connection.
        if connection.in_atomic_block:
            raise
        logger.warning("token lookup failed on a stale database connection (%s); retrying once",
                       str(error).strip())
        connection.close()
        found = _lookup(digest)
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[digest] = (now + CLIENT_CACHE_SECONDS, found)
    return found


def _lookup(digest: str) -> CallbackClient | None:
    client = Client.objects.filter(callback_token_digest=digest).first()
    if client is not None:
        # The digest matched through an index; compare once more in constant time so that the
        # decision does not depend on how many leading characters matched.
        if not hmac.compare_digest(client.callback_token_digest, digest):
            return None
    else:
        client = Client.objects.filter(
            previous_token_digest=digest, previous_token_valid_until__gt=timezone.now(),
        ).first()
        if client is None or not hmac.compare_digest(client.previous_token_digest, digest):
            return None
    return CallbackClient(client.id, client.name, tuple(client.allowed_networks()))


def clear_cache() -> None:
    _cache.clear()
