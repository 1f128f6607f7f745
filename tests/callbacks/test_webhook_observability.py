"""/healthz reports the database and Redis; /metrics counters move with the traffic."""
import socket

import pytest
from prometheus_client import REGISTRY

from .conftest import enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_reports_redis_unavailable(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["redis"] == "unavailable"


def test_events_stored_are_counted_exactly_by_status(post_callback):
    first, second = unique_message_id(), unique_message_id()
    before = {status: sample("dlr_events_stored_total", status=status)
              for status in ("SENT", "SUCCESS", "READ", "none")}
    duplicates_before = sample("dlr_duplicate_events_total")
    post_callback([enterprise_event(first, "SENT")])

    post_callback([enterprise_event(first, "SENT"), enterprise_event(first, "DELIVERED", 5),
                   enterprise_event(second, "READ", 9), enterprise_event(second, "DELIVERED", 4),
                   enterprise_event(second, "DELIVERED", 4)])

    assert sample("dlr_events_stored_total", status="SENT") - before["SENT"] == 1
    assert sample("dlr_events_stored_total", status="SUCCESS") - before["SUCCESS"] == 2
    assert sample("dlr_events_stored_total", status="READ") - before["READ"] == 1
    assert sample("dlr_duplicate_events_total") - duplicates_before == 2


def test_unmapped_events_counted_as_none(post_callback):
    before = sample("dlr_events_stored_total", status="none")

    post_callback([enterprise_event(unique_message_id(), "QUEUED")])

    assert sample("dlr_events_stored_total", status="none") - before == 1


def test_callbacks_received_are_counted_by_format(post_callback):
    from .conftest import v2_event

    enterprise_before = sample("dlr_callbacks_received_total", format="enterprise")
    v2_before = sample("dlr_callbacks_received_total", format="v2")
    empty_before = sample("dlr_callbacks_received_total", format="empty")

    post_callback([enterprise_event(unique_message_id(), "SENT")])
    post_callback(v2_event("gs-metrics", "sent"))
    post_callback(b"")

    assert sample("dlr_callbacks_received_total", format="enterprise") - enterprise_before == 1
    assert sample("dlr_callbacks_received_total", format="v2") - v2_before == 1
    assert sample("dlr_callbacks_received_total", format="empty") - empty_before == 1


def test_quarantined_events_are_counted(post_callback):
    before = sample("dlr_quarantined_events_total")

    post_callback([{"eventType": "SENT"}, {"externalId": "x", "eventTs": "never"}])

    assert sample("dlr_quarantined_events_total") - before == 2


def test_latency_and_errors_are_recorded(post_callback, client):
    latency_before = sample("dlr_callback_latency_seconds_count")
    not_found_before = sample("dlr_callback_errors_total", status="404")

    post_callback([])
    client.post("/callbacks/gupshup/unknown/", data=b"[]", content_type="application/json")

    assert sample("dlr_callback_latency_seconds_count") - latency_before == 2
    assert sample("dlr_callback_errors_total", status="404") - not_found_before == 1


def test_metrics_endpoint_exposes_the_counters(post_callback, client):
    post_callback([enterprise_event(unique_message_id(), "READ")])

    text = client.get("/metrics").content.decode()

    assert 'dlr_events_stored_total{status="READ"}' in text
    assert "dlr_callbacks_received_total" in text
    assert "dlr_duplicate_events_total" in text
    assert "dlr_quarantined_events_total" in text
    assert "dlr_callback_latency_seconds_bucket" in text


def test_metrics_token_required_when_configured(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"

    missing = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")

    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert "dlr_callback_latency_seconds" in right.content.decode()
