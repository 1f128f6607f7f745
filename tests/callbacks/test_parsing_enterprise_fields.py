"""Fields of one enterprise event: what each ParsedEvent attribute is read from."""

import json
from datetime import datetime, timezone

from callbacks.parsing import ParsedEvent, parse_callback

MESSAGE_ID = "6019283746519283746-019283746519283746"


def parse_one(event: dict) -> ParsedEvent:
    result = parse_callback(json.dumps([event]).encode(), None, {}, "POST")
    assert result.rejected == []
    return result.events[0]


def failed_event(**changes) -> dict:
    event = {
        "externalId": MESSAGE_ID,
        "eventType": "FAILED",
        "eventTs": 1722470400000,
        "destAddr": "5511987650000",
        "srcAddr": "5511912340000",
        "cause": "BLOCKED_FOR_USER",
        "errorCode": "041",
        "channel": "WHATSAPP",
        "extra": "RIID-55102|LAUNCH-9",
    }
    event.update(changes)
    return event


def test_every_field_is_read():
    event = parse_one(failed_event())

    assert event.format == "enterprise"
    assert event.message_id == MESSAGE_ID
    assert event.wa_message_id == ""
    assert event.status == "OTHER"
    assert event.raw_status == "FAILED"
    assert event.cause == "BLOCKED_FOR_USER"
    assert event.error_code == "041"
    assert event.error_title == ""
    assert event.event_time == datetime(2024, 8, 1, tzinfo=timezone.utc)
    assert event.phone == "5511987650000"
    assert event.sender == "5511912340000"
    assert event.channel == "WHATSAPP"
    assert event.extra == "RIID-55102|LAUNCH-9"


def test_raw_is_the_event_object():
    source = failed_event(hsmTemplateId="tpl-77")

    event = parse_one(source)

    assert event.raw == source


def test_unknown_keys_are_ignored():
    event = parse_one(failed_event(noOfFrags=1, hsmTemplateId=None, vendor={"x": [1, 2]}))

    assert event.message_id == MESSAGE_ID
    assert event.status == "OTHER"


def test_channel_defaults_to_whatsapp():
    source = failed_event()
    del source["channel"]

    event = parse_one(source)

    assert event.channel == "WHATSAPP"


def test_channel_sms_is_kept():
    event = parse_one(failed_event(channel=" sms "))

    assert event.channel == "SMS"


def test_missing_optional_fields_become_empty():
    event = parse_one({"externalId": MESSAGE_ID, "eventTs": 1722470400000})

    assert event.status is None
    assert event.raw_status == ""
    assert event.cause == ""
    assert event.error_code == ""
    assert event.phone == ""
    assert event.sender == ""
    assert event.extra == ""


def test_extra_is_not_stripped():
    event = parse_one(failed_event(extra=" 12|1722470400|20240801|3|0 "))

    assert event.extra == " 12|1722470400|20240801|3|0 "


def test_event_time_is_utc_aware():
    event = parse_one(failed_event())

    assert event.event_time.tzinfo is timezone.utc


def test_unknown_event_type_is_kept_without_status():
    event = parse_one(failed_event(eventType="QUEUED"))

    assert event.status is None
    assert event.raw_status == "QUEUED"
