"""Enterprise delivery reports in every body encoding and transport Gupshup uses."""

import json
from urllib.parse import quote, urlencode

import pytest

from callbacks.parsing import parse_callback

FIRST_ID = "4820193746501928374-610293847561029384"
SECOND_ID = "4820193746501928999-610293847561020000"


def enterprise_events() -> list[dict]:
    return [
        {
            "externalId": FIRST_ID,
            "eventType": "DELIVERED",
            "eventTs": 1721650000000,
            "destAddr": "+447700900123",
            "srcAddr": "447700900999",
            "cause": "SUCCESS",
            "errorCode": "000",
            "channel": "WHATSAPP",
            "extra": "riid=88231&campaign=7+summer",
        },
        {
            "externalId": SECOND_ID,
            "eventType": "READ",
            "eventTs": 1721650060000,
            "destAddr": "447700900124",
            "cause": "READ",
            "errorCode": "026",
        },
    ]


def message_ids(result) -> list[str]:
    return [event.message_id for event in result.events]


def test_bare_json_array():
    body = json.dumps(enterprise_events()).encode()

    result = parse_callback(body, "application/json", {}, "POST")

    assert result.format == "enterprise"
    assert message_ids(result) == [FIRST_ID, SECOND_ID]
    assert result.rejected == []


def test_object_with_response_array():
    body = json.dumps({"response": enterprise_events()}).encode()

    result = parse_callback(body, "application/json", {}, "POST")

    assert result.format == "enterprise"
    assert message_ids(result) == [FIRST_ID, SECOND_ID]


def test_object_with_response_as_json_string():
    body = json.dumps({"response": json.dumps(enterprise_events())}).encode()

    result = parse_callback(body, "application/json", {}, "POST")

    assert message_ids(result) == [FIRST_ID, SECOND_ID]


def test_form_encoded_response_field():
    body = urlencode({"response": json.dumps(enterprise_events())}).encode()

    result = parse_callback(body, "application/x-www-form-urlencoded", {}, "POST")

    assert result.format == "enterprise"
    assert message_ids(result) == [FIRST_ID, SECOND_ID]
    assert result.events[0].phone == "447700900123"
    assert result.events[0].extra == "riid=88231&campaign=7+summer"


def test_form_encoded_response_after_other_field():
    body = ("source=gupshup&" + urlencode({"response": json.dumps(enterprise_events())})).encode()

    result = parse_callback(body, None, {}, "POST")

    assert message_ids(result) == [FIRST_ID, SECOND_ID]


def test_unencoded_response_field_keeps_plus_and_ampersand():
    body = ("response=" + json.dumps(enterprise_events())).encode()

    result = parse_callback(body, "application/x-www-form-urlencoded", {}, "POST")

    assert result.format == "enterprise"
    assert message_ids(result) == [FIRST_ID, SECOND_ID]
    assert result.events[0].extra == "riid=88231&campaign=7+summer"


def test_unencoded_response_followed_by_other_field():
    body = ("response=" + json.dumps(enterprise_events()) + "&retry=1").encode()

    result = parse_callback(body, None, {}, "POST")

    assert message_ids(result) == [FIRST_ID, SECOND_ID]


def test_half_encoded_response_field_is_recovered():
    # Brackets left raw but quotes and colons percent-encoded, as a careless relay might send.
    encoded = quote(json.dumps(enterprise_events()), safe="[]{},")
    body = ("response=" + encoded).encode()

    result = parse_callback(body, None, {}, "POST")

    assert message_ids(result) == [FIRST_ID, SECOND_ID]


def test_get_query_parameters():
    query = {
        "externalId": FIRST_ID,
        "deliveredTS": "1721650000000",
        "status": "SUCCESS",
        "cause": "SUCCESS",
        "phoneNo": "447700900123",
        "errCode": "000",
        "noOfFrags": "1",
        "mask": "ACMEUK",
    }

    result = parse_callback(b"", None, query, "GET")

    assert result.format == "enterprise"
    assert len(result.events) == 1
    event = result.events[0]
    assert event.message_id == FIRST_ID
    assert event.status == "SUCCESS"
    assert event.raw_status == "SUCCESS"
    assert event.error_code == "000"
    assert event.phone == "447700900123"
    assert event.sender == "ACMEUK"
    assert event.channel == "WHATSAPP"
    assert event.raw == query


def test_get_query_with_list_values_uses_last_value():
    query = {
        "externalId": [FIRST_ID],
        "deliveredTS": ["1721650000000"],
        "status": ["FAILURE", "SUCCESS"],
        "phoneNo": ["447700900123"],
    }

    result = parse_callback(b"", None, query, "GET")

    assert result.events[0].message_id == FIRST_ID
    assert result.events[0].status == "SUCCESS"


def test_get_query_parameter_name_with_stray_space():
    query = {
        "externalId": FIRST_ID,
        "deliveredTS": "1721650000000",
        "status": "SUCCESS",
        " noOfFrags": "1",
    }

    result = parse_callback(b"", None, query, "GET")

    assert "noOfFrags" in result.events[0].raw


def test_get_query_plus_in_phone_decoded_as_space():
    query = {"externalId": FIRST_ID, "deliveredTS": "1721650000000", "phoneNo": " 447700900123"}

    result = parse_callback(b"", None, query, "GET")

    assert result.events[0].phone == "447700900123"


def test_post_form_fields_in_get_style():
    body = urlencode(
        {
            "externalId": FIRST_ID,
            "deliveredTS": "1721650000000",
            "status": "FAILURE",
            "cause": "UNKNOWN_SUBSCRIBER",
            "phoneNo": "+447700900123",
            "errCode": "003",
        }
    ).encode()

    result = parse_callback(body, "application/x-www-form-urlencoded", {}, "POST")

    assert result.format == "enterprise"
    assert result.events[0].message_id == FIRST_ID
    assert result.events[0].status == "UNKNOWN_SUBSCRIBER"
    assert result.events[0].phone == "447700900123"


def test_query_ignored_when_body_present():
    body = json.dumps(enterprise_events()).encode()
    query = {"externalId": "query-id", "deliveredTS": "1721650000000"}

    result = parse_callback(body, None, query, "POST")

    assert message_ids(result) == [FIRST_ID, SECOND_ID]


def test_single_event_object_without_array():
    body = json.dumps(enterprise_events()[0]).encode()

    result = parse_callback(body, None, {}, "POST")

    assert result.format == "enterprise"
    assert message_ids(result) == [FIRST_ID]


def test_batch_of_twenty_five_events_keeps_order():
    events = []
    for number in range(25):
        event = dict(enterprise_events()[0])
        event["externalId"] = f"{FIRST_ID}-{number}"
        event["eventTs"] = 1721650000000 + number
        events.append(event)
    body = json.dumps(events).encode()

    result = parse_callback(body, None, {}, "POST")

    assert len(result.events) == 25
    assert message_ids(result) == [f"{FIRST_ID}-{number}" for number in range(25)]
    assert result.rejected == []


def test_body_with_surrounding_whitespace():
    body = b"\r\n  " + json.dumps(enterprise_events()).encode() + b"\n\n"

    result = parse_callback(body, None, {}, "POST")

    assert message_ids(result) == [FIRST_ID, SECOND_ID]


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/json",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
    ],
)
@pytest.mark.parametrize("encoding", ["bare", "wrapped", "form", "raw_form"])
def test_content_type_does_not_steer_parsing(content_type, encoding):
    document = json.dumps(enterprise_events())
    bodies = {
        "bare": document,
        "wrapped": json.dumps({"response": enterprise_events()}),
        "form": urlencode({"response": document}),
        "raw_form": "response=" + document,
    }

    result = parse_callback(bodies[encoding].encode(), content_type, {}, "POST")

    assert message_ids(result) == [FIRST_ID, SECOND_ID]
