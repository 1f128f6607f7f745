"""Every request is kept raw with its outcome; bad events are quarantined, good ones stored."""
import json
from datetime import datetime, timezone

import pytest

from callbacks.models import Message, QuarantinedEvent, RawCallback, StatusEvent
from callbacks.storage import replay_raw_callback

from .conftest import BASE_MS, enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db


def test_raw_body_kept_with_metadata(post_callback, gupshup_client):
    body = json.dumps([enterprise_event(unique_message_id(), "SENT")]).encode()

    post_callback(body, content_type="text/plain", QUERY_STRING="probe=1")

    raw = RawCallback.objects.get()
    assert bytes(raw.body) == body
    assert raw.client_id == gupshup_client.id
    assert raw.received_at is not None
    assert raw.outcome == RawCallback.Outcome.STORED
    assert raw.content_type == "text/plain"
    assert raw.query_string == "probe=1"
    assert raw.remote_addr == "127.0.0.1"
    assert raw.event_count == 1


def test_events_point_at_their_raw_callback(post_callback):
    post_callback([enterprise_event(unique_message_id(), "SENT")])

    assert StatusEvent.objects.get().raw_callback_id == RawCallback.objects.get().id


def test_bad_event_quarantined_good_stored(post_callback):
    good_first = enterprise_event(unique_message_id(), "SENT")
    bad = {"eventType": "DELIVERED", "eventTs": BASE_MS}
    good_last = enterprise_event(unique_message_id(), "READ")

    response = post_callback([good_first, bad, good_last])

    assert response.status_code == 200
    assert set(StatusEvent.objects.values_list("message_id", flat=True)) == {
        good_first["externalId"], good_last["externalId"]}
    quarantined = QuarantinedEvent.objects.get()
    assert "externalId" in quarantined.reason
    assert json.loads(quarantined.raw) == bad
    raw = RawCallback.objects.get()
    assert raw.outcome == RawCallback.Outcome.PARTIAL
    assert raw.rejected_count == 1
    assert quarantined.raw_callback_id == raw.id


def test_unparseable_body_is_quarantined_whole_with_200(post_callback):
    response = post_callback(b"this is not a callback", content_type="text/plain")

    assert response.status_code == 200
    raw = RawCallback.objects.get()
    assert raw.outcome == RawCallback.Outcome.QUARANTINED
    assert QuarantinedEvent.objects.get().raw == "this is not a callback"


def test_event_with_overlong_message_id_is_quarantined(post_callback):
    good = enterprise_event(unique_message_id(), "SENT")

    post_callback([good, enterprise_event("x" * 201, "SENT")])

    assert StatusEvent.objects.get().message_id == good["externalId"]
    assert "longer than" in QuarantinedEvent.objects.get().reason


def test_replay_is_idempotent(post_callback):
    post_callback([enterprise_event(unique_message_id(), "SENT"),
                   enterprise_event(unique_message_id(), "DELIVERED")])
    original = RawCallback.objects.get()
    before = list(Message.objects.order_by("id").values())

    first = replay_raw_callback(original)
    second = replay_raw_callback(original)

    assert (first.stored, first.duplicates) == (0, 2)
    assert (second.stored, second.duplicates) == (0, 2)
    assert StatusEvent.objects.count() == 2
    assert list(Message.objects.order_by("id").values()) == before
    assert RawCallback.objects.count() == 3


def test_replay_of_a_quarantined_event_stores_it_once(post_callback):
    message_id = unique_message_id()
    post_callback([enterprise_event(message_id, "SENT"),
                   {"externalId": message_id, "eventType": "READ", "eventTs": "not a time"}])
    original = RawCallback.objects.get(replayed_at__isnull=True)

    replay_raw_callback(original)
    replay_raw_callback(original)

    assert StatusEvent.objects.filter(message_id=message_id).count() == 1
    assert QuarantinedEvent.objects.filter(raw_callback=original).count() == 1
    original.refresh_from_db()
    assert original.replayed_at is not None


def test_replay_still_invalid_shows_once(post_callback):
    post_callback(b'{"hello": "world"}')
    original = RawCallback.objects.get()

    first = replay_raw_callback(original)
    second = replay_raw_callback(original)

    unresolved = QuarantinedEvent.objects.filter(resolved_at__isnull=True)
    assert first.rejected == 1
    assert second.rejected == 1
    assert unresolved.count() == 1
    assert unresolved.get().raw_callback_id == second.raw_callback_id


def test_unknown_json_shape_is_quarantined(post_callback):
    response = post_callback(b'{"hello": "world"}')

    raw = RawCallback.objects.get()
    assert response.status_code == 200
    assert raw.outcome == RawCallback.Outcome.QUARANTINED
    assert raw.format == "unknown"
    assert "unknown shape" in QuarantinedEvent.objects.get().reason


def test_event_raw_round_trips_through_json_column(gupshup_client):
    from django.db import connection

    raw = {"externalId": "4820193746501-1", "nested": {"list": [1, "two", None]},
           "text": "नमस्ते ✓", "big": 12345678901234567890}
    event = StatusEvent.objects.create(
        client=gupshup_client, message_id="4820193746501-1", status_key="SENT",
        event_time=datetime(2024, 7, 22, tzinfo=timezone.utc), format="enterprise", raw=raw)

    event.refresh_from_db()

    assert event.raw == raw
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_typeof(raw)::text FROM callbacks_statusevent WHERE id = %s",
                       [event.id])
        assert cursor.fetchone()[0] == "json"
