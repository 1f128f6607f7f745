"""Gunicorn settings for the web service, read from the environment.

Run as `gunicorn dlr_project.wsgi --config dlr_project/gunicorn.conf.py`. The webhook URL
/callbacks/gupshup/<token>/ contains the client's secret, so every access and error log line
passes through `mask_callback_tokens` before it is written.

Environment:
  DLR_BIND            address to listen on (default 127.0.0.1:8000)
  WEB_CONCURRENCY     worker processes (default: 2 per CPU core)
  DLR_WORKER_CLASS    gunicorn worker class (default gthread, which keeps connections alive)
  DLR_WORKER_THREADS  threads per gthread worker (default 4)
  DLR_KEEPALIVE       seconds an idle keep-alive connection stays open (default 5)
  DLR_ACCESS_LOG      access log path, "-" for stdout, empty to disable (default "-")
  DLR_ERROR_LOG       error log path (default "-", stderr)
  DLR_LOG_LEVEL       gunicorn log level (default info)
  DATABASE_STATEMENT_TIMEOUT_MS
                      PostgreSQL statement timeout of the workers (default 30000)
"""
import logging
import multiprocessing
import os

from gunicorn.glogging import Logger

from dlr_project.env import default_web_statement_timeout
from dlr_project.log_masking import MASK, mask_callback_tokens  # noqa: F401 - MASK for tests


class _MaskingFilter(logging.Filter):
    """Mask tokens in error log records, whose messages may quote the request URI."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_callback_tokens(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


class TokenMaskingLogger(Logger):
    """The gunicorn logger, with the webhook token masked in access and error lines."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_MaskingFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = mask_callback_tokens(value)
        return atoms


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} is invalid: expected an integer, got {raw!r}") from None


# Set in the master, so every worker inherits it before its settings load, as under granian.
default_web_statement_timeout()

bind = os.environ.get("DLR_BIND", "127.0.0.1:8000").split(",")
workers = _env_int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count())
worker_class = os.environ.get("DLR_WORKER_CLASS", "gthread")
threads = _env_int("DLR_WORKER_THREADS", 4)
keepalive = _env_int("DLR_KEEPALIVE", 5)
# Webhook bodies are small, so a slow client must not keep a worker busy for long.
timeout = _env_int("DLR_WORKER_TIMEOUT", 30)
graceful_timeout = 30
backlog = 2048

logger_class = TokenMaskingLogger
accesslog = os.environ.get("DLR_ACCESS_LOG", "-") or None
errorlog = os.environ.get("DLR_ERROR_LOG", "-")
loglevel = os.environ.get("DLR_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker):
    """Route webhook requests around Django's middleware (see callbacks.views.WebhookFastPath)."""
    from callbacks.views import WebhookFastPath

    worker.wsgi = WebhookFastPath(worker.wsgi)


def child_exit(server, worker):
    """Mark a dead worker's Prometheus files, so its live gauges stop counting in /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
