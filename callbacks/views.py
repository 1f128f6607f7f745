"""The Gupshup webhook and the health endpoints.

Gupshup never reads an error body, so the webhook returns 200 for everything it has committed,
including bodies it could not parse, which are kept and quarantined for replay. It returns 404
for an unknown token, 403 for an address outside the client's allowlist (the body is still
quarantined), 413 for an oversized body and 503 when the database is unavailable, so that
Gupshup retries.
"""
import hmac
import io
import ipaddress
import logging
import time
from functools import lru_cache

import orjson
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from . import metrics
from .parsing import parse_callback
from .storage import RequestInfo, statement_cancelled, store_callback, store_unparsed
from .tokens import client_for_token

logger = logging.getLogger(__name__)

_JSON_RENDERER = JSONRenderer()


class RawBodyParser(BaseParser):
    """Accept any media type; the body is parsed by callbacks.parsing, not by DRF."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class GupshupCallbackView(APIView):
    """Receive Gupshup delivery reports for the client that owns the token in the URL.

    The view is DRF for its method handling and CSRF exemption, but skips the per-request work
    this endpoint does not need (authentication, permissions, throttles, content negotiation):
    it is the hottest path of the service.
    """

    authentication_classes = ()
    permission_classes = ()
    parser_classes = (RawBodyParser,)
    renderer_classes = (JSONRenderer,)
    throttle_classes = ()
    http_method_names = ["get", "post", "put", "head", "options"]

    def initial(self, request, *args, **kwargs):
        request.accepted_renderer = _JSON_RENDERER
        request.accepted_media_type = _JSON_RENDERER.media_type

    @property
    def default_response_headers(self):
        # DRF adds an Allow header to every response. Gupshup reads no header, so only OPTIONS,
        # the request that lists the allowed methods, gets it.
        if self.request.method == "OPTIONS":
            return super().default_response_headers
        return {}

    def get(self, request, token):
        return self._receive(request, token)

    def post(self, request, token):
        return self._receive(request, token)

    def put(self, request, token):
        return self._receive(request, token)

    def _receive(self, request, token):
        started = time.perf_counter()
        try:
            response = _handle(request._request, token)
        except Exception:  # noqa: BLE001 - Gupshup must never see a 500; the body is kept
            response = _keep_after_unexpected_error(request._request, token)
        metrics.CALLBACK_LATENCY.observe(time.perf_counter() - started)
        if response.status_code >= 400:
            metrics.CALLBACK_ERRORS.labels(str(response.status_code)).inc()
        # Django would log every 4xx and 5xx with the full path, which contains the client's
        # secret token; _handle has already logged the outcome with the client id instead.
        response._has_been_logged = True
        return response


WEBHOOK_PATH_PREFIX = "/callbacks/gupshup/"


class WebhookFastPath:
    """A WSGI wrapper that sends webhook requests straight to GupshupCallbackView.

    Gupshup's callbacks are most of the traffic, and Django's middleware, URL resolver and
    request signals cost about as much CPU as the webhook's own work (bench/webhook_profile.py).
    None of them does anything this endpoint needs: it has no session, user, CSRF token,
    redirect or static file. Every other path, and any webhook path the URLconf would not match
    as `<token>/`, goes to the wrapped Django application unchanged.

    Django's request signals never run here, so database connections stay open for reuse.
    callbacks.storage replaces a connection that fails on first use.
    """

    def __init__(self, application):
        self.application = application
        self.view = GupshupCallbackView.as_view()

    def __call__(self, environ, start_response):
        token = _webhook_token(environ.get("PATH_INFO", ""))
        if token is None or environ.get("SCRIPT_NAME"):
            return self.application(environ, start_response)

        _buffer_chunked_body(environ)
        request = WSGIRequest(environ)
        try:
            # Django's middleware would check the Host header against ALLOWED_HOSTS.
            request.get_host()
        except DisallowedHost as error:
            logger.warning("callback returned 400: %s", error)
            response = _json({"detail": "Bad request: Host header not allowed."}, status=400)
        else:
            response = self.view(request, token=token)
            # DRF's own responses (405 for an unsupported method, the OPTIONS metadata) are
            # rendered by Django's handler, which this path skips.
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        start_response(f"{response.status_code} {response.reason_phrase}",
                       list(response.items()))
        # The content, not the response: closing a Django response sends request_finished,
        # whose receivers (connection and cache recycling) this path does not want per request.
        return [response.content]


def _buffer_chunked_body(environ: dict) -> None:
    """Read a chunked body into memory and set CONTENT_LENGTH to its size.

    Django reads exactly CONTENT_LENGTH bytes and treats a missing length as an empty body, so
    a callback sent with `Transfer-Encoding: chunked` would otherwise be stored as empty. One
    byte more than the limit is read, so that an oversized body still gets 413.
    """
    if environ.get("CONTENT_LENGTH"):
        return
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    body = environ["wsgi.input"].read(settings.CALLBACK_MAX_BODY_BYTES + 1)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def _webhook_token(path: str) -> str | None:
    """Return the token of a path that the URLconf routes to the webhook, else None."""
    if not path.startswith(WEBHOOK_PATH_PREFIX):
        return None
    # The trailing slash is optional: a URL pasted without it must not be redirected, because a
    # client that follows a 301 with a GET would drop the body.
    token, _slash, rest = path[len(WEBHOOK_PATH_PREFIX):].partition("/")
    if not token or rest:
        return None
    return token


def _handle(http_request, token):
    try:
        client = client_for_token(token)
    except DatabaseError:
        logger.exception("callback returned 503: database unavailable for the token lookup")
        return _unavailable()
    if client is None:
        logger.debug("callback returned 404: token not found")
        return _json({"detail": "Not found."}, status=404)

    remote_addr = _ip_or_none(http_request.META.get("REMOTE_ADDR"))
    if not client.allows(remote_addr):
        logger.warning("callback for client %s returned 403: address %s not in the allowlist",
                       client.id, remote_addr)
        _quarantine_rejected_body(client.id, http_request, remote_addr)
        return _json({"detail": "Address not allowed."}, status=403)

    body = _read_body(http_request)
    if body is None:
        logger.warning("callback for client %s returned 413: body over %s bytes",
                       client.id, settings.CALLBACK_MAX_BODY_BYTES)
        return _json({"detail": "Body too large."}, status=413)

    info = _request_info(http_request, body, remote_addr)
    result = parse_callback(body, info.content_type, http_request.GET, info.method)
    metrics.callbacks_received(result.format).inc()
    return _store(client.id, info, result)


def _quarantine_rejected_body(client_id, http_request, remote_addr: str | None) -> None:
    """Quarantine the body of a rejected request, so that it can be replayed.

    When Gupshup's addresses change, every callback is rejected until the allowlist is updated,
    and an admin replays the quarantined bodies then.
    """
    body = _read_body(http_request)
    if body is None:
        return
    info = _request_info(http_request, body, remote_addr)
    try:
        _store_quarantined(client_id, info,
                           f"address {remote_addr} is not in the client's IP allowlist")
    except DatabaseError:
        logger.exception("rejected callback for client %s could not be quarantined", client_id)


def _request_info(http_request, body: bytes, remote_addr: str | None) -> RequestInfo:
    meta = http_request.META
    return RequestInfo(
        method=http_request.method, content_type=meta.get("CONTENT_TYPE", ""),
        query_string=meta.get("QUERY_STRING", ""), body=body, remote_addr=remote_addr,
        received_at=timezone.now(),
    )


def _store(client_id, info, result):
    try:
        stored = store_callback(client_id, info, result)
    except OperationalError as error:
        # PostgreSQL cancels a statement at the web servers' statement timeout or on an
        # administrator's request. The logged exception text names which.
        reason = "statement cancelled" if statement_cancelled(error) else "database unavailable"
        logger.exception("callback for client %s returned 503: %s", client_id, reason)
        return _unavailable()
    except DatabaseError as error:
        # A value the schema cannot hold slipped past the parser: keep the body for replay
        # instead of failing the request.
        logger.exception("callback for client %s could not be stored; quarantining the body",
                         client_id)
        return _quarantine_body(client_id, info, f"storage failed: {error}")

    _count(stored)
    if stored.rejected:
        logger.info("callback %s for client %s: %s of its events quarantined",
                    stored.raw_callback_id, client_id, stored.rejected)
    return _json({
        "status": stored.outcome, "stored": stored.stored, "duplicates": stored.duplicates,
        "quarantined": stored.rejected,
    })


def _quarantine_body(client_id, info, reason: str):
    try:
        raw_id = _store_quarantined(client_id, info, reason)
    except DatabaseError:
        logger.exception("callback for client %s returned 503: storing the quarantined body "
                         "failed", client_id)
        return _unavailable()
    return _json({"status": "quarantined", "callback": raw_id})


def _store_quarantined(client_id, info, reason: str) -> int:
    """Keep a whole body in quarantine, count and log it; raise DatabaseError if it fails."""
    raw_id = store_unparsed(client_id, info, reason)
    metrics.QUARANTINED_EVENTS.inc()
    logger.warning("callback %s for client %s quarantined whole: %s", raw_id, client_id, reason)
    return raw_id


def _keep_after_unexpected_error(http_request, token):
    """Quarantine the body of a request that hit a bug and return 200 so Gupshup stops resending."""
    logger.exception("callback hit an unexpected error; keeping the body for replay")
    try:
        client = client_for_token(token)
        body = _read_body(http_request)
        if client is None:
            return _json({"detail": "Not found."}, status=404)
        if body is None:
            return _json({"detail": "Body too large."}, status=413)
        info = _request_info(http_request, body, _ip_or_none(http_request.META.get("REMOTE_ADDR")))
        return _quarantine_body(client.id, info, "unexpected error while handling the callback")
    except Exception:  # noqa: BLE001 - the last resort must not raise either
        logger.exception("callback returned 503: keeping the body after an unexpected error failed")
        return _unavailable()


def _count(stored) -> None:
    for status, count in stored.stored_by_status.items():
        metrics.events_stored(status).inc(count)
    if stored.duplicates:
        metrics.DUPLICATE_EVENTS.inc(stored.duplicates)
    if stored.rejected:
        metrics.QUARANTINED_EVENTS.inc(stored.rejected)


def _read_body(http_request) -> bytes | None:
    """Return the body, or None when it is over the configured size."""
    max_bytes = settings.CALLBACK_MAX_BODY_BYTES
    try:
        declared = int(http_request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        return None
    try:
        body = http_request.body
    except RequestDataTooBig:
        return None
    if len(body) > max_bytes:
        return None
    return body


@lru_cache(maxsize=1024)
def _ip_or_none(remote_addr: str | None) -> str | None:
    """Return the address when it is an IP address (the column's type), else None."""
    if not remote_addr:
        return None
    try:
        return str(ipaddress.ip_address(remote_addr))
    except ValueError:
        return None


def _json(payload: dict, status: int = 200) -> HttpResponse:
    content = orjson.dumps(payload)
    response = HttpResponse(content, status=status, content_type="application/json")
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _unavailable():
    response = _json({"detail": "Temporarily unavailable, retry later."}, status=503)
    response["Retry-After"] = "30"
    return response


def healthz(request):
    """Check PostgreSQL and Redis; return 200 when the database responds, else 503."""
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
    """Serve the Prometheus metrics; with DLR_METRICS_TOKEN set, only to that bearer token."""
    if settings.METRICS_TOKEN and not _has_bearer_token(request, settings.METRICS_TOKEN):
        response = HttpResponse("Authentication required.\n", status=401,
                                content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    payload, content_type = metrics.render_latest()
    return HttpResponse(payload, content_type=content_type)


def _has_bearer_token(request, expected: str) -> bool:
    scheme, _space, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(),
                                                               expected.encode())
