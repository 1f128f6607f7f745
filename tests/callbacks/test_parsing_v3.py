"""The v3 Meta-shaped envelope: every entry, change and status in one body."""

import json
from datetime import datetime, timezone

from callbacks.parsing import ParseResult, parse_callback

APP_ID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
BUSINESS_NUMBER = "15550104477"


def status(number: int, word: str = "delivered", **fields) -> dict:
    item = {
        "id": f"wamid.HBgLMTU1NTAxMDQ0NzcVAgASGBQz{number:04d}",
        "gs_id": f"5d6e7f80-0000-4000-8000-00000000{number:04d}",
        "status": word,
        "timestamp": str(1719835200 + number),
        "recipient_id": "447700900555",
    }
    item.update(fields)
    return item


def change(statuses: list, field: str = "messages", **value_fields) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": "301000000001"},
        "statuses": statuses,
    }
    value.update(value_fields)
    return {"field": field, "value": value}


def document(*entries: dict) -> dict:
    return {"object": "whatsapp_business_account", "gs_app_id": APP_ID, "entry": list(entries)}


def entry(*changes: dict) -> dict:
    return {"id": "401000000000001", "changes": list(changes)}


def parse(body: dict) -> ParseResult:
    return parse_callback(json.dumps(body).encode(), "application/json", {}, "POST")


def test_every_level_is_iterated():
    body = document(
        entry(change([status(1, "sent"), status(2, "delivered")]), change([status(3, "read")])),
        entry(change([status(4, "sent")])),
    )

    result = parse(body)

    assert result.format == "v3"
    assert [event.status for event in result.events] == ["SENT", "SUCCESS", "READ", "SENT"]
    assert result.rejected == []


def test_read_status_fields():
    item = status(7, "read")

    event = parse(document(entry(change([item])))).events[0]

    assert event.format == "v3"
    assert event.message_id == item["gs_id"]
    assert event.wa_message_id == item["id"]
    assert event.status == "READ"
    assert event.raw_status == "read"
    assert event.event_time == datetime(2024, 7, 1, 12, 0, 7, tzinfo=timezone.utc)
    assert event.phone == "447700900555"
    assert event.sender == BUSINESS_NUMBER
    assert event.channel == "WHATSAPP"
    assert event.extra == ""
    assert event.raw == item


def test_without_gs_id_uses_whatsapp_id():
    item = status(8, "delivered")
    del item["gs_id"]

    event = parse(document(entry(change([item])))).events[0]

    assert event.message_id == item["id"]
    assert event.wa_message_id == item["id"]


def test_enqueued_timestamp_in_milliseconds_number():
    item = status(9, "enqueued", timestamp=1719835200456)

    event = parse(document(entry(change([item])))).events[0]

    assert event.status is None
    assert event.event_time == datetime(2024, 7, 1, 12, 0, 0, 456000, tzinfo=timezone.utc)


def test_failed_with_meta_error():
    item = status(10, "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])

    event = parse(document(entry(change([item])))).events[0]

    assert event.status == "UNKNOWN_SUBSCRIBER"
    assert event.error_code == "131026"
    assert event.error_title == "Message undeliverable"
    assert event.cause == "Message undeliverable"


def test_failed_with_other_meta_error_is_other():
    item = status(11, "failed", errors=[{"code": 131049, "title": "Not delivered to maintain "
                                                                   "healthy ecosystem engagement"}])

    event = parse(document(entry(change([item])))).events[0]

    assert event.status == "OTHER"


def test_failed_with_gupshup_error_is_deferred():
    item = status(12, "failed", errors=[{"code": 1003, "title": "Insufficient balance"}])

    event = parse(document(entry(change([item])))).events[0]

    assert event.status == "DEFERRED"


def test_platform_event_is_health_check():
    body = document({"id": "401000000000001", "time": 1719835200000, "changes": [
        {"field": "platform-event", "value": {"type": "connectivity-check", "initiator": "gupshup"}}
    ]})

    result = parse(body)

    assert result.format == "health_check"
    assert result.health_check is True
    assert result.events == []


def test_inbound_messages_are_ignored():
    inbound = {"messaging_product": "whatsapp",
               "contacts": [{"wa_id": "447700900555", "profile": {"name": "Ann"}}],
               "messages": [{"from": "447700900555", "id": "wamid.IN1", "type": "text",
                             "timestamp": "1719835200", "text": {"body": "hello"}}]}
    body = document(entry({"field": "messages", "value": inbound}))

    result = parse(body)

    assert result.format == "non_status"
    assert result.ignored == ["v3:value.messages"]
    assert result.events == []


def test_other_fields_are_ignored():
    body = document(entry({"field": "message_template_status_update",
                           "value": {"event": "APPROVED", "message_template_id": 1}}))

    result = parse(body)

    assert result.ignored == ["v3:field=message_template_status_update"]
    assert result.format == "non_status"


def test_statuses_and_messages_in_one_value():
    body = document(entry(change([status(13, "sent")],
                                 messages=[{"from": "447700900555", "id": "wamid.IN2"}])))

    result = parse(body)

    assert result.format == "v3"
    assert len(result.events) == 1
    assert result.ignored == ["v3:value.messages"]


def test_bad_status_is_rejected_and_others_kept():
    broken = status(15, "sent")
    del broken["timestamp"]
    body = document(entry(change([status(14, "sent"), broken, status(16, "read")])))

    result = parse(body)

    assert [event.status for event in result.events] == ["SENT", "READ"]
    assert len(result.rejected) == 1
    assert result.rejected[0].raw == broken
    assert result.rejected[0].reason == "missing timestamp"


def test_status_without_ids_is_rejected():
    item = status(17, "sent")
    del item["id"]
    del item["gs_id"]

    result = parse(document(entry(change([item]))))

    assert result.rejected[0].reason == "missing gs_id and id"


def test_entry_that_is_not_an_object_is_rejected():
    result = parse(document("not-an-entry", entry(change([status(18)]))))

    assert len(result.events) == 1
    assert result.rejected[0].reason == "entry is a JSON string, not an object"


def test_empty_entry_list_is_empty():
    result = parse(document())

    assert result.format == "empty"
