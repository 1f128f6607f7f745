"""The Gupshup webhook and the health endpoints.

Gupshup never reads an error body, so the webhook answers 200 for everything it has committed,
including bodies it could not parse (they are kept and quarantined for replay). It answers 404
for an unknown token, 403 for an address outside the client's allowlist, 413 for an oversized
body and 503 when the database is unavailable, so that Gupshup retries.
"""
import logging
import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from . import metrics
from .parsing import parse_callback
from .storage import RequestInfo, store_callback, store_unparsed
from .tokens import client_for_token

logger = logging.getLogger(__name__)


class RawBodyParser(BaseParser):
    """Accept any media type; the body is parsed by callbacks.parsing, not by DRF."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class GupshupCallbackView(APIView):
    """Receive Gupshup delivery reports for the client that owns the token in the URL."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [RawBodyParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = []

    def get(self, request, token):
        return self._receive(request, token)

    def post(self, request, token):
        return self._receive(request, token)

    def put(self, request, token):
        return self._receive(request, token)

    def _receive(self, request, token):
        started = time.perf_counter()
        response = self._handle(request._request, token)
        metrics.CALLBACK_LATENCY.observe(time.perf_counter() - started)
        if response.status_code >= 400:
            metrics.CALLBACK_ERRORS.labels(str(response.status_code)).inc()
        return response

    def _handle(self, http_request, token):
        try:
            client = client_for_token(token)
        except DatabaseError:
            logger.exception("callback rejected with 503: database unavailable for token lookup")
            return _unavailable()
        if client is None:
            return Response({"detail": "Not found."}, status=404)

        remote_addr = http_request.META.get("REMOTE_ADDR")
        if not client.allows(remote_addr):
            logger.warning("callback for client %s rejected: address %s not in allowlist",
                           client.id, remote_addr)
            return Response({"detail": "Address not allowed."}, status=403)

        body = _read_body(http_request)
        if body is None:
            logger.warning("callback for client %s rejected: body over %s bytes",
                           client.id, settings.CALLBACK_MAX_BODY_BYTES)
            return Response({"detail": "Body too large."}, status=413)

        info = RequestInfo(
            method=http_request.method,
            content_type=http_request.META.get("CONTENT_TYPE", ""),
            query_string=http_request.META.get("QUERY_STRING", ""),
            body=body, remote_addr=remote_addr, received_at=timezone.now(),
        )
        result = parse_callback(body, info.content_type, http_request.GET, info.method)
        metrics.CALLBACKS_RECEIVED.labels(result.format).inc()
        return _store(client.id, info, result)


def _store(client_id, info, result):
    try:
        stored = store_callback(client_id, info, result)
    except OperationalError:
        logger.exception("callback for client %s answered 503: database unavailable", client_id)
        return _unavailable()
    except DatabaseError as error:
        # A value the schema cannot hold slipped past the parser: keep the body for replay
        # instead of failing the request.
        logger.exception("callback for client %s could not be stored; quarantining the body",
                         client_id)
        try:
            raw_id = store_unparsed(client_id, info, f"storage failed: {error}")
        except DatabaseError:
            logger.exception("callback for client %s answered 503: quarantine failed", client_id)
            return _unavailable()
        metrics.QUARANTINED_EVENTS.inc()
        return Response({"status": "quarantined", "callback": raw_id})

    _count(result, stored)
    return Response({
        "status": stored.outcome, "stored": stored.stored, "duplicates": stored.duplicates,
        "quarantined": stored.rejected,
    })


def _count(result, stored) -> None:
    if stored.stored:
        statuses: dict[str, int] = {}
        for event in result.events:
            key = event.status or "none"
            statuses[key] = statuses.get(key, 0) + 1
        # Duplicates are spread over statuses unknown here; count per status only new bodies.
        if stored.duplicates == 0:
            for status, count in statuses.items():
                metrics.EVENTS_STORED.labels(status).inc(count)
        else:
            metrics.EVENTS_STORED.labels("mixed").inc(stored.stored)
    if stored.duplicates:
        metrics.DUPLICATE_EVENTS.inc(stored.duplicates)
    if stored.rejected:
        metrics.QUARANTINED_EVENTS.inc(stored.rejected)


def _read_body(http_request) -> bytes | None:
    """Return the body, or None when it is over the configured size."""
    try:
        declared = int(http_request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.CALLBACK_MAX_BODY_BYTES:
        return None
    try:
        body = http_request.body
    except RequestDataTooBig:
        return None
    if len(body) > settings.CALLBACK_MAX_BODY_BYTES:
        return None
    return body


def _unavailable():
    response = Response({"detail": "Temporarily unavailable, retry later."}, status=503)
    response["Retry-After"] = "30"
    return response


def healthz(request):
    """Report whether PostgreSQL and Redis answer; 200 when the database does."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    status = 200 if checks["database"] == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "unavailable", **checks},
                        status=status)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as error:
        logger.warning("health check: database unavailable: %s", error)
        return "unavailable"


def _check_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        return "ok"
    except redis.RedisError as error:
        logger.warning("health check: redis unavailable: %s", error)
        return "unavailable"


def prometheus_metrics(request):
    payload, content_type = metrics.render_latest()
    return HttpResponse(payload, content_type=content_type)
