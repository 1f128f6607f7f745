"""The self-serve v2 `message-event` envelope and the other v2 event types."""

import json
from datetime import datetime, timezone

import pytest

from callbacks.parsing import ParseResult, parse_callback

GUPSHUP_ID = "3c7e1f20-5a4b-4c1d-9e8f-0a1b2c3d4e5f"
WHATSAPP_ID = "wamid.HBgLOTE5ODc2NTQzMjEwFQIAERgSQUJDREVGMDEyMzQ1Njc4OQA="


def envelope(payload: object, kind: str = "message-event", timestamp: int = 1719835200123) -> dict:
    return {"app": "acme-notify", "timestamp": timestamp, "version": 2, "type": kind,
            "payload": payload}


def parse(document: dict) -> ParseResult:
    return parse_callback(json.dumps(document).encode(), "application/json", {}, "POST")


def test_delivered_with_gs_id():
    document = envelope({"id": WHATSAPP_ID, "gsId": GUPSHUP_ID, "type": "delivered",
                         "destination": "919812345678", "ts": 1719835260})

    result = parse(document)

    assert result.format == "v2"
    event = result.events[0]
    assert event.format == "v2"
    assert event.message_id == GUPSHUP_ID
    assert event.wa_message_id == WHATSAPP_ID
    assert event.status == "SUCCESS"
    assert event.raw_status == "delivered"
    assert event.event_time == datetime(2024, 7, 1, 12, 1, tzinfo=timezone.utc)
    assert event.phone == "919812345678"
    assert event.sender == "acme-notify"
    assert event.channel == "WHATSAPP"
    assert event.raw == document


def test_enqueued_joins_both_ids():
    document = envelope({"id": GUPSHUP_ID, "type": "enqueued", "destination": "919812345678",
                         "payload": {"whatsappMessageId": WHATSAPP_ID, "type": "template"}})

    event = parse(document).events[0]

    assert event.message_id == GUPSHUP_ID
    assert event.wa_message_id == WHATSAPP_ID
    assert event.status is None
    assert event.raw_status == "enqueued"


def test_enqueued_time_falls_back_to_envelope_milliseconds():
    document = envelope({"id": GUPSHUP_ID, "type": "enqueued", "destination": "919812345678",
                         "payload": {"whatsappMessageId": WHATSAPP_ID}})

    event = parse(document).events[0]

    assert event.event_time == datetime(2024, 7, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)


def test_ts_inside_inner_payload():
    document = envelope({"id": WHATSAPP_ID, "gsId": GUPSHUP_ID, "type": "sent",
                         "destination": "919812345678", "payload": {"ts": 1719835230}})

    event = parse(document).events[0]

    assert event.event_time == datetime(2024, 7, 1, 12, 0, 30, tzinfo=timezone.utc)


def test_late_dlr_without_gs_id_uses_whatsapp_id():
    document = envelope({"id": WHATSAPP_ID, "type": "read", "destination": "919812345678",
                         "ts": 1719835290})

    event = parse(document).events[0]

    assert event.message_id == WHATSAPP_ID
    assert event.wa_message_id == WHATSAPP_ID
    assert event.status == "READ"


def test_sync_failure_not_on_whatsapp():
    document = envelope({"id": GUPSHUP_ID, "type": "failed", "destination": "919812345678",
                         "payload": {"code": 1002, "reason": "Number does not exist on WhatsApp"}})

    event = parse(document).events[0]

    assert event.message_id == GUPSHUP_ID
    assert event.wa_message_id == ""
    assert event.status == "UNKNOWN_SUBSCRIBER"
    assert event.error_code == "1002"
    assert event.error_title == "Number does not exist on WhatsApp"
    assert event.cause == "Number does not exist on WhatsApp"


def test_sync_failure_with_unlisted_code_is_deferred():
    document = envelope({"id": GUPSHUP_ID, "type": "failed", "destination": "919812345678",
                         "payload": {"code": 1099, "reason": "Something went wrong"}})

    event = parse(document).events[0]

    assert event.status == "DEFERRED"


def test_async_failure_from_whatsapp_is_other():
    document = envelope({"id": WHATSAPP_ID, "gsId": GUPSHUP_ID, "type": "failed",
                         "destination": "919812345678", "ts": 1719835300,
                         "payload": {"code": 131047, "reason": "Re-engagement message"}})

    event = parse(document).events[0]

    assert event.message_id == GUPSHUP_ID
    assert event.status == "OTHER"
    assert event.error_code == "131047"


def test_deleted_has_no_status():
    document = envelope({"id": WHATSAPP_ID, "gsId": GUPSHUP_ID, "type": "deleted",
                         "destination": "919812345678", "ts": 1719835300})

    event = parse(document).events[0]

    assert event.status is None
    assert event.raw_status == "deleted"


def test_platform_event_is_health_check():
    document = envelope({"type": "connectivity-check", "initiator": "gupshup"}, kind="platform-event")

    result = parse(document)

    assert result.format == "health_check"
    assert result.health_check is True
    assert result.events == []
    assert result.rejected == []


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("message", {"id": "in-1", "source": "919812345678", "type": "text",
                     "payload": {"text": "STOP"}}),
        ("user-event", {"phone": "919812345678", "type": "opted-in"}),
        ("template-event", {"id": "tpl-1", "status": "APPROVED"}),
        ("account-event", {"type": "status-update"}),
        ("billing-event", {"deductions": {"type": "marketing", "model": "CBP"}}),
    ],
)
def test_other_event_types_are_ignored(kind, payload):
    result = parse(envelope(payload, kind=kind))

    assert result.format == "non_status"
    assert result.ignored == [f"v2:{kind}"]
    assert result.events == []
    assert result.rejected == []


def test_payload_that_is_not_an_object_is_rejected():
    document = envelope("delivered")

    result = parse(document)

    assert result.format == "v2"
    assert result.rejected[0].reason == "payload is a JSON string, not an object"


def test_missing_ids_are_rejected():
    document = envelope({"type": "sent", "destination": "919812345678", "ts": 1719835300})

    result = parse(document)

    assert result.events == []
    assert result.rejected[0].reason == "missing payload.gsId and payload.id"


def test_missing_every_timestamp_is_rejected():
    document = envelope({"id": GUPSHUP_ID, "type": "enqueued"})
    del document["timestamp"]

    result = parse(document)

    assert result.rejected[0].reason == "missing timestamp"


def test_payload_list_gives_one_event_each():
    document = envelope([
        {"id": WHATSAPP_ID, "gsId": GUPSHUP_ID, "type": "sent", "ts": 1719835300},
        {"id": WHATSAPP_ID, "gsId": GUPSHUP_ID, "type": "read", "ts": 1719835400},
    ])

    result = parse(document)

    assert [event.status for event in result.events] == ["SENT", "READ"]
    assert result.events[1].raw["payload"]["type"] == "read"


def test_status_word_case_and_spaces():
    document = envelope({"id": WHATSAPP_ID, "gsId": GUPSHUP_ID, "type": " Delivered ",
                         "ts": 1719835300})

    event = parse(document).events[0]

    assert event.status == "SUCCESS"
    assert event.raw_status == "Delivered"
