"""Values as they really arrive: numbers for ids, phone spellings, timestamp units, code keys."""

import json
from datetime import datetime, timezone
from decimal import Decimal

from callbacks.parsing import ParsedEvent, parse_callback

MESSAGE_ID = "7102938475610293847-102938475610293847"
JULY_FIRST = datetime(2024, 7, 1, 12, 0, tzinfo=timezone.utc)
JULY_FIRST_SECONDS = 1719835200


def parse_text(body: str) -> ParsedEvent:
    result = parse_callback(body.encode(), None, {}, "POST")
    assert result.rejected == []
    return result.events[0]


def parse_one(**fields) -> ParsedEvent:
    event = {"externalId": MESSAGE_ID, "eventType": "SENT", "eventTs": JULY_FIRST_SECONDS * 1000}
    event.update(fields)
    return parse_text(json.dumps([event]))


def test_id_as_json_number():
    event = parse_text('[{"externalId": 123456789, "eventTs": 1719835200000}]')

    assert event.message_id == "123456789"


def test_id_beyond_two_to_the_53_keeps_digits():
    event = parse_text('[{"externalId": 9007199254740993123, "eventTs": 1719835200000}]')

    assert event.message_id == "9007199254740993123"


def test_id_beyond_64_bits_keeps_digits():
    digits = "501234567890123456789012345678"

    event = parse_text(f'[{{"externalId": {digits}, "eventTs": 1719835200000}}]')

    assert event.message_id == digits


def test_id_with_surrounding_spaces():
    event = parse_one(externalId=f"  {MESSAGE_ID} ")

    assert event.message_id == MESSAGE_ID


def test_phone_as_json_number():
    event = parse_text(
        '[{"externalId": "a-1", "eventTs": 1719835200000, "destAddr": 919812345678}]'
    )

    assert event.phone == "919812345678"


def test_phone_with_plus():
    event = parse_one(destAddr="+919812345678")

    assert event.phone == "919812345678"


def test_phone_with_leading_double_zero():
    event = parse_one(destAddr="00919812345678")

    assert event.phone == "919812345678"


def test_phone_with_spaces_and_dashes():
    event = parse_one(destAddr=" +91 98123-45678 ")

    assert event.phone == "919812345678"


def test_timestamp_milliseconds_number():
    event = parse_one(eventTs=JULY_FIRST_SECONDS * 1000 + 250)

    assert event.event_time == JULY_FIRST.replace(microsecond=250_000)


def test_timestamp_seconds_number():
    event = parse_one(eventTs=JULY_FIRST_SECONDS)

    assert event.event_time == JULY_FIRST


def test_timestamp_milliseconds_string():
    event = parse_one(eventTs=f" {JULY_FIRST_SECONDS * 1000} ")

    assert event.event_time == JULY_FIRST


def test_timestamp_seconds_string():
    event = parse_one(eventTs=str(JULY_FIRST_SECONDS))

    assert event.event_time == JULY_FIRST


def test_timestamp_with_fraction_of_second():
    event = parse_text(f'[{{"externalId": "a-1", "eventTs": {JULY_FIRST_SECONDS}.5}}]')

    assert event.event_time == JULY_FIRST.replace(microsecond=500_000)


def test_timestamp_iso_with_offset():
    event = parse_one(eventTs="2024-07-01T17:30:00+05:30")

    assert event.event_time == JULY_FIRST


def test_error_code_key_error_code():
    event = parse_one(errorCode="026")

    assert event.error_code == "026"


def test_error_code_key_err_code():
    event = parse_one(errCode="00a")

    assert event.error_code == "00a"


def test_error_code_number_gets_leading_zeros():
    event = parse_one(errorCode=3)

    assert event.error_code == "003"


def test_cause_with_stray_spaces_is_stripped():
    event = parse_one(eventType="FAILED", cause=" UNKNOWN_SUBSCRIBER ")

    assert event.cause == "UNKNOWN_SUBSCRIBER"
    assert event.status == "UNKNOWN_SUBSCRIBER"


def test_cause_in_lower_case_is_matched():
    event = parse_one(eventType="FAILED", cause="deferred")

    assert event.status == "DEFERRED"
    assert event.cause == "deferred"


def test_event_type_in_lower_case_with_spaces():
    event = parse_one(eventType=" delivered ")

    assert event.status == "SUCCESS"
    assert event.raw_status == "delivered"


def test_fraction_elsewhere_in_event_is_decimal_in_raw():
    body = '[{"externalId": "a-1", "eventTs": 1719835200000, "price": 0.0042}]'

    event = parse_text(body)

    assert event.raw["price"] == Decimal("0.0042")
    assert type(event.raw["price"]) is Decimal


def test_huge_integer_elsewhere_in_event_keeps_digits_in_raw():
    body = '[{"externalId": "a-1", "eventTs": 1719835200000, "ref": 123456789012345678901234}]'

    event = parse_text(body)

    assert event.raw["ref"] == 123456789012345678901234


def test_non_utf8_bytes_do_not_lose_the_event():
    body = b'[{"externalId": "a-1", "eventTs": 1719835200000, "srcAddr": "Caf\xe9"}]'

    result = parse_callback(body, None, {}, "POST")

    assert result.events[0].message_id == "a-1"
    assert result.events[0].sender == "Caf\ufffd"


def test_empty_error_code_falls_back_to_err_code():
    event = parse_one(errorCode="", errCode="003")

    assert event.error_code == "003"
