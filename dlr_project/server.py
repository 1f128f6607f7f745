"""Run the web service under granian, configured from the environment.

Run as `python -m dlr_project.server`. granian is a production HTTP server written in Rust with a
WSGI interface. Its HTTP handling costs far less CPU per request than gunicorn's, which matters
for the webhook (bench/webhook_server_ab.py compares the two). gunicorn stays usable with
dlr_project/gunicorn.conf.py.

granian's own access log is left off because it would write the webhook's secret token. This
module writes the access log itself, with the token masked.

Environment:
  DLR_BIND              IP address and port to listen on, IPv6 in brackets
                        (default 127.0.0.1:8000)
  WEB_CONCURRENCY       worker processes (default: one per CPU core, plus one)
  DLR_BLOCKING_THREADS  Python threads per worker that run requests (default 12)
  DLR_ACCESS_LOG        access log path, "-" for stdout, empty to disable (default "-")
  DLR_LOG_LEVEL         granian log level (default info)
  DATABASE_STATEMENT_TIMEOUT_MS
                        PostgreSQL statement timeout of the web workers (default 30000)
"""
import ipaddress
import logging
import logging.handlers
import os
import sys
import time
from dataclasses import dataclass

from dlr_project.env import default_web_statement_timeout
from dlr_project.log_masking import mask_callback_tokens

ACCESS_LOGGER = "dlr.access"

# Names that a WSGI server sets from the request. A process environment variable can have such a
# name too (HTTP_PROXY is common), so these are removed only while they still hold the inherited
# value, which means the request did not set them.
_REQUEST_KEY_PREFIXES = ("HTTP_", "SERVER_", "REMOTE_", "REQUEST_", "CONTENT_", "wsgi.")
_REQUEST_KEYS = frozenset({"PATH_INFO", "QUERY_STRING", "SCRIPT_NAME", "GATEWAY_INTERFACE",
                           "RAW_URI"})


def _is_request_key(key: str) -> bool:
    return key in _REQUEST_KEYS or key.startswith(_REQUEST_KEY_PREFIXES)


class ServedApplication:
    """The WSGI application as granian serves it: request environ cleaned, access log written.

    granian copies the whole process environment into every request's environ, as CGI did, so
    Django's request.META would carry DATABASE_URL and DJANGO_SECRET_KEY into anything that
    reports a request. Those keys are removed before the application runs.
    """

    def __init__(self, application, access_logger: logging.Logger | None):
        self.application = application
        self.access_logger = access_logger
        # granian 2.8 copies os.environ once per worker, after the application is built, so this
        # snapshot names every inherited key.
        inherited = dict(os.environ)
        self.inherited_keys = tuple(key for key in inherited if not _is_request_key(key))
        self.inherited_request_keys = tuple(
            (key, value) for key, value in inherited.items() if _is_request_key(key))

    def __call__(self, environ, start_response):
        for key in self.inherited_keys:
            environ.pop(key, None)
        for key, value in self.inherited_request_keys:
            if environ.get(key) == value:
                del environ[key]
        if self.access_logger is None:
            return self.application(environ, start_response)

        started = time.perf_counter()
        response_start = []

        def recording_start_response(status, headers, exc_info=None):
            response_start.append((status, headers))
            return start_response(status, headers, exc_info)

        try:
            result = self.application(environ, recording_start_response)
        except BaseException:
            self._log(environ, "500", "-", started)
            raise
        status, headers = response_start[-1] if response_start else ("500", [])
        self._log(environ, status, _response_size(headers, result), started)
        return result

    def _log(self, environ, status: str, size: str, started: float) -> None:
        """Write one access log line, in gunicorn's default layout, with the token masked."""
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING")
        target = f"{path}?{query}" if query else path
        self.access_logger.info(
            '%s %s "%s %s %s" %s %s %dms',
            environ.get("REMOTE_ADDR", "-"), time.strftime("[%d/%b/%Y:%H:%M:%S %z]"),
            environ.get("REQUEST_METHOD", "-"), mask_callback_tokens(target),
            environ.get("SERVER_PROTOCOL", "-"), status.split(" ", 1)[0], size,
            (time.perf_counter() - started) * 1000)


def _response_size(headers, result) -> str:
    """Return the body size in bytes for the access log, or "-" when it is not known yet.

    Content-Length is used when the application set it. Otherwise only a list or tuple of byte
    strings has a known size before granian sends it, so a streamed body logs "-".
    """
    for name, value in headers:
        if name.lower() == "content-length":
            return value
    if isinstance(result, (list, tuple)):
        return str(sum(len(chunk) for chunk in result))
    return "-"


def access_logger_from_environment() -> logging.Logger | None:
    """Return the access logger that DLR_ACCESS_LOG configures, or None when it is disabled."""
    destination = os.environ.get("DLR_ACCESS_LOG", "-")
    if not destination:
        return None
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not logger.handlers:
        if destination == "-":
            handler = logging.StreamHandler(sys.stdout)
        else:
            # WatchedFileHandler reopens the file after logrotate moves it.
            handler = logging.handlers.WatchedFileHandler(destination)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    return logger


def build_application() -> ServedApplication:
    """Build Django's WSGI application with the webhook fast path, as granian serves it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dlr_project.settings")
    default_web_statement_timeout()
    from django.core.wsgi import get_wsgi_application

    django_application = get_wsgi_application()
    # Imported after get_wsgi_application, which sets Django up.
    from callbacks.views import WebhookFastPath

    return ServedApplication(WebhookFastPath(django_application), access_logger_from_environment())


def __getattr__(name: str):
    # granian imports `dlr_project.server:application` in each worker; building it on first
    # access keeps Django out of the process that only supervises the workers.
    if name == "application":
        globals()["application"] = build_application()
        return globals()["application"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    workers: int
    blocking_threads: int
    log_level: str

    @classmethod
    def from_environment(cls, environ=os.environ) -> "ServerSettings":
        host, port = _parse_bind(environ.get("DLR_BIND") or "127.0.0.1:8000")
        return cls(
            host=host, port=port,
            # Each worker runs one webhook statement at a time (callbacks.commit_group). The
            # extra worker's Python runs while the others wait for their commits. In
            # bench/webhook_throughput.py on 2 cores, 3 workers stored about 5% more batch
            # events per second than 2 (three alternating rounds of 30 s).
            workers=_positive_int(environ, "WEB_CONCURRENCY", (os.cpu_count() or 1) + 1),
            # Webhook threads spend most of their time waiting for a statement, and callbacks
            # queued behind a running statement share the next one (callbacks.commit_group),
            # so a worker needs many more threads than cores.
            blocking_threads=_positive_int(environ, "DLR_BLOCKING_THREADS", 12),
            log_level=_log_level(environ.get("DLR_LOG_LEVEL") or "info"),
        )


def _parse_bind(value: str) -> tuple[str, int]:
    """Split host:port, where host is an IPv4 address or an IPv6 address in brackets.

    granian 2.8 binds one IP address only: a name such as localhost fails in granian with
    "invalid IP address syntax". Names and gunicorn's comma-separated lists are rejected here,
    with an error message that gives valid examples.
    """
    host, separator, port = value.strip().rpartition(":")
    if not separator or not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"DLR_BIND is invalid: expected IP:port such as 127.0.0.1:8000 or "
                         f"[::1]:8000 with a port from 1 to 65535, got {value!r}")
    bracketed = host.startswith("[") and host.endswith("]")
    address = host[1:-1] if bracketed else host
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        parsed = None
    if parsed is None or (parsed.version == 6) != bracketed:
        raise SystemExit(f"DLR_BIND is invalid: expected one IPv4 address, or one IPv6 address "
                         f"in brackets, and a port, such as 127.0.0.1:8000 or [::1]:8000, "
                         f"got {value!r}")
    return address, int(port)


def _log_level(value: str) -> str:
    level = value.strip().lower()
    if level not in _LOG_LEVELS:
        raise SystemExit(f"DLR_LOG_LEVEL is invalid: expected one of {', '.join(_LOG_LEVELS)}, "
                         f"got {value!r}")
    return level


_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _positive_int(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} is invalid: expected a positive integer, got {raw!r}")
    return int(raw)


def metrics_folder_warning(environ, workers: int) -> str | None:
    """Return a warning when several workers would each keep their own Prometheus counters."""
    if workers > 1 and not environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return (f"PROMETHEUS_MULTIPROC_DIR is not set, so each of the {workers} workers counts on "
                "its own and /metrics shows only the worker that serves the request. Set it to an "
                "empty folder shared by the workers.")
    return None


def main() -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    settings = ServerSettings.from_environment()
    warning = metrics_folder_warning(os.environ, settings.workers)
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    server = Granian(
        "dlr_project.server:application",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=settings.blocking_threads,
        # backpressure stays at granian's default (backlog / workers). In granian 2.8 it caps
        # the open connections of a worker, idle keep-alive ones included, not the requests in
        # flight. Set to the thread count, it made a new client wait until an idle connection
        # closed (test_idle_keepalive_connections_leave_room).
        respawn_failed_workers=True,
        log_level=LogLevels(settings.log_level),
        log_access=False,
        websockets=False,
    )
    server.serve()


if __name__ == "__main__":
    main()
