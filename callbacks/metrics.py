"""Prometheus metrics of the webhook.

Both web servers (granian and gunicorn) run several worker processes, so PROMETHEUS_MULTIPROC_DIR
must point to an empty folder shared by the workers (`make run` sets it); /metrics then adds up
all workers.
"""
import os
from functools import lru_cache

from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess,
)

CALLBACKS_RECEIVED = Counter(
    "dlr_callbacks_received_total", "Webhook requests received, by detected format.", ["format"],
)
EVENTS_STORED = Counter(
    "dlr_events_stored_total", "Status events stored, by mapped status.", ["status"],
)
DUPLICATE_EVENTS = Counter("dlr_duplicate_events_total", "Status events dropped as duplicates.")
QUARANTINED_EVENTS = Counter(
    "dlr_quarantined_events_total", "Events or bodies that could not be parsed.",
)
CALLBACK_ERRORS = Counter(
    "dlr_callback_errors_total", "Webhook requests answered with an error, by HTTP status.",
    ["status"],
)
CALLBACK_LATENCY = Histogram(
    "dlr_callback_latency_seconds", "Time from request to response in the webhook.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


@lru_cache(maxsize=64)
def callbacks_received(format_name: str):
    """Return the CALLBACKS_RECEIVED child for a format; `labels()` takes a lock per call."""
    return CALLBACKS_RECEIVED.labels(format_name)


@lru_cache(maxsize=64)
def events_stored(status: str):
    """Return the EVENTS_STORED child for a status."""
    return EVENTS_STORED.labels(status)


def render_latest() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
