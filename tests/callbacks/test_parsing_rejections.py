"""One bad element never rejects the batch; each rejection carries its own reason."""

import json

import pytest

from callbacks import parsing
from callbacks.parsing import parse_callback


def good_event(number: int) -> dict:
    return {"externalId": f"ext-{number}", "eventType": "DELIVERED", "eventTs": 1719835200000,
            "destAddr": "919812345678", "cause": "SUCCESS", "errorCode": "000"}


def parse_batch(events: list) -> parsing.ParseResult:
    return parse_callback(json.dumps(events).encode(), None, {}, "POST")


def test_batch_with_one_bad_element_keeps_the_rest():
    bad = {"eventType": "DELIVERED", "eventTs": 1719835200000}
    events = [good_event(1), good_event(2), bad, good_event(4)]

    result = parse_batch(events)

    assert result.format == "enterprise"
    assert [event.message_id for event in result.events] == ["ext-1", "ext-2", "ext-4"]
    assert len(result.rejected) == 1
    assert result.rejected[0].raw == bad
    assert result.rejected[0].reason == "missing externalId"


def test_empty_external_id_is_missing():
    event = good_event(1)
    event["externalId"] = "   "

    result = parse_batch([event])

    assert result.rejected[0].reason == "missing externalId"


def test_missing_timestamp():
    event = good_event(1)
    del event["eventTs"]

    result = parse_batch([event])

    assert result.rejected[0].reason == "missing eventTs"


def test_timestamp_that_is_not_a_number():
    event = good_event(1)
    event["eventTs"] = "abc"

    result = parse_batch([event])

    assert result.rejected[0].reason == "eventTs is not a number: 'abc'"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (0, "eventTs is not a positive epoch time: 0"),
        (-5, "eventTs is not a positive epoch time: -5"),
        (True, "eventTs is not a number: True"),
        ([1], "eventTs is not a number: [1]"),
        (10**30, f"eventTs is out of range: {10**30}"),
        ("2024-07-01T12:00:00", "eventTs has no UTC offset: '2024-07-01T12:00:00'"),
        ("", "missing eventTs"),
    ],
)
def test_invalid_timestamps(value, reason):
    event = good_event(1)
    event["eventTs"] = value

    result = parse_batch([event])

    assert result.events == []
    assert result.rejected[0].reason == reason


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        ("ext-1", "event is a JSON string, not an object"),
        (17, "event is a JSON number, not an object"),
        (None, "event is a JSON null, not an object"),
        ([good_event(1)], "event is a JSON array, not an object"),
    ],
)
def test_element_that_is_not_an_object(element, reason):
    result = parse_batch([good_event(1), element])

    assert len(result.events) == 1
    assert result.rejected[0].raw == element
    assert result.rejected[0].reason == reason


def test_id_that_is_an_object():
    event = good_event(1)
    event["externalId"] = {"id": 1}

    result = parse_batch([event])

    assert result.rejected[0].reason == "externalId is not a string or integer: {'id': 1}"


def test_cause_that_is_an_array():
    event = good_event(1)
    event["cause"] = ["SUCCESS"]

    result = parse_batch([event])

    assert result.rejected[0].reason == "cause is a JSON array, not text"


def test_all_elements_bad_still_enterprise():
    result = parse_batch([1, 2, 3])

    assert result.format == "enterprise"
    assert len(result.rejected) == 3


def test_get_without_external_id_is_rejected():
    query = {"deliveredTS": "1719835200000", "status": "SUCCESS"}

    result = parse_callback(b"", None, query, "GET")

    assert result.format == "enterprise"
    assert result.rejected[0].reason == "missing externalId"
    assert result.rejected[0].raw == query


def test_internal_error_becomes_whole_body_rejection(monkeypatch):
    def broken(items):
        raise KeyError("simulated bug")

    monkeypatch.setattr(parsing, "_parse_enterprise_batch", broken)
    body = json.dumps([good_event(1)]).encode()

    result = parse_callback(body, None, {}, "POST")

    assert result.format == "invalid"
    assert result.events == []
    assert result.rejected[0].raw == body.decode()
    assert result.rejected[0].reason == "internal parser error: KeyError: 'simulated bug'"
