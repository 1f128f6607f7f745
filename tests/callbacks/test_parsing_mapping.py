"""The mapping of every Gupshup status word, cause and error code to the six statuses."""

import json

import pytest

from callbacks.parsing import STATUS_RANK, STATUSES, parse_callback


def enterprise_status(event_type: str, cause: str = "", error_code: str = "") -> str | None:
    event = {"externalId": "m-1", "eventTs": 1719835200000, "eventType": event_type,
             "cause": cause, "errorCode": error_code}
    result = parse_callback(json.dumps([event]).encode(), None, {}, "POST")
    return result.events[0].status


def query_status(status: str, cause: str = "", error_code: str = "") -> str | None:
    query = {"externalId": "m-1", "deliveredTS": "1719835200000", "status": status,
             "cause": cause, "errCode": error_code}
    return parse_callback(b"", None, query, "GET").events[0].status


def v2_status(word: str, code: int | None = None, gs_id: str | None = "gs-1",
              message_id: str = "wamid.ABC") -> str | None:
    payload = {"id": message_id, "type": word, "ts": 1719835200}
    if gs_id:
        payload["gsId"] = gs_id
    if code is not None:
        payload["payload"] = {"code": code, "reason": "r"}
    body = {"app": "a", "timestamp": 1719835200000, "version": 2, "type": "message-event",
            "payload": payload}
    return parse_callback(json.dumps(body).encode(), None, {}, "POST").events[0].status


def v3_status(word: str, code: int | None = None, whatsapp_id: str = "wamid.ABC") -> str | None:
    item = {"id": whatsapp_id, "gs_id": "gs-1", "status": word, "timestamp": "1719835200"}
    if code is not None:
        item["errors"] = [{"code": code, "title": "t"}]
    body = {"object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"statuses": [item]}}]}]}
    return parse_callback(json.dumps(body).encode(), None, {}, "POST").events[0].status


def test_statuses_and_ranks_agree():
    assert set(STATUS_RANK) == set(STATUSES)
    assert STATUS_RANK["READ"] > STATUS_RANK["SUCCESS"] > STATUS_RANK["OTHER"] > STATUS_RANK["SENT"]


@pytest.mark.parametrize(
    ("event_type", "cause", "error_code", "expected"),
    [
        ("SENT", "SENT", "", "SENT"),
        ("DELIVERED", "SUCCESS", "000", "SUCCESS"),
        ("READ", "READ", "026", "READ"),
        ("FAILED", "UNKNOWN_SUBSCRIBER", "003", "UNKNOWN_SUBSCRIBER"),
        ("FAILED", "DEFERRED", "010", "DEFERRED"),
        ("FAILED", "DEFERED", "", "DEFERRED"),
        ("FAILED", "OTHER", "00a", "OTHER"),
        ("FAILED", "BLOCKED_FOR_USER", "", "OTHER"),
        ("FAILED", "", "", "OTHER"),
        ("FAILED", "SOMETHING_NEW", "", "OTHER"),
        ("FAILED", "ABSENT_SUBSCRIBER", "001", "OTHER"),
        ("FAILED", "DND_FAIL", "006", "DEFERRED"),
        ("FAILED", "BLOCKED_MASK", "00b", "DEFERRED"),
        ("FAILED", "MSG_DOES_NOT_MATCH_TEMPLATE", "038", "DEFERRED"),
        ("FAILED", "SMSCTIMEDOUT", "00c", "OTHER"),
        ("FAILED", "", "003", "UNKNOWN_SUBSCRIBER"),
        ("FAILED", "", "00B", "DEFERRED"),
        ("FAILED", "", "999", "OTHER"),
        (" failed ", " unknown_subscriber ", "", "UNKNOWN_SUBSCRIBER"),
        ("Delivered", "success", "", "SUCCESS"),
        ("ENQUEUED", "", "", None),
        ("QUEUED", "UNKNOWN_SUBSCRIBER", "", None),
        ("", "", "", None),
    ],
)
def test_enterprise_mapping(event_type, cause, error_code, expected):
    assert enterprise_status(event_type, cause, error_code) == expected


@pytest.mark.parametrize(
    ("status", "cause", "error_code", "expected"),
    [
        ("SUCCESS", "SUCCESS", "000", "SUCCESS"),
        ("FAILURE", "UNKNOWN_SUBSCRIBER", "003", "UNKNOWN_SUBSCRIBER"),
        ("FAILURE", "DEFERED", "010", "DEFERRED"),
        ("FAILURE", "CONGESTION", "012", "OTHER"),
        ("UNKNOWN", "", "", "OTHER"),
        ("UNKNOWN", "DND_TIMEOUT", "008", "DEFERRED"),
        ("success", "", "", "SUCCESS"),
    ],
)
def test_get_status_mapping(status, cause, error_code, expected):
    assert query_status(status, cause, error_code) == expected


@pytest.mark.parametrize(
    ("word", "code", "gs_id", "message_id", "expected"),
    [
        ("sent", None, "gs-1", "wamid.ABC", "SENT"),
        ("delivered", None, "gs-1", "wamid.ABC", "SUCCESS"),
        ("read", None, "gs-1", "wamid.ABC", "READ"),
        ("enqueued", None, None, "gs-1", None),
        ("deleted", None, "gs-1", "wamid.ABC", None),
        ("mismatch", None, "gs-1", "wamid.ABC", None),
        ("failed", 1002, None, "gs-1", "UNKNOWN_SUBSCRIBER"),
        ("failed", 1002, "gs-1", "wamid.ABC", "UNKNOWN_SUBSCRIBER"),
        ("failed", 131026, "gs-1", "wamid.ABC", "UNKNOWN_SUBSCRIBER"),
        ("failed", 1001, None, "gs-1", "DEFERRED"),
        ("failed", 1005, None, "gs-1", "DEFERRED"),
        ("failed", 1012, None, "gs-1", "DEFERRED"),
        ("failed", 4003, None, "gs-1", "DEFERRED"),
        ("failed", 500, None, "gs-1", "DEFERRED"),
        ("failed", 1099, None, "gs-1", "DEFERRED"),
        ("failed", 131047, "gs-1", "wamid.ABC", "OTHER"),
        ("failed", 131049, "gs-1", "wamid.ABC", "OTHER"),
        ("failed", 131050, "gs-1", "wamid.ABC", "OTHER"),
        ("failed", None, "gs-1", "wamid.ABC", "OTHER"),
        ("FAILED", None, None, "gs-1", "DEFERRED"),
    ],
)
def test_v2_mapping(word, code, gs_id, message_id, expected):
    assert v2_status(word, code, gs_id, message_id) == expected


@pytest.mark.parametrize(
    ("word", "code", "whatsapp_id", "expected"),
    [
        ("sent", None, "wamid.ABC", "SENT"),
        ("delivered", None, "wamid.ABC", "SUCCESS"),
        ("read", None, "wamid.ABC", "READ"),
        ("enqueued", None, "wamid.ABC", None),
        ("deleted", None, "wamid.ABC", None),
        ("warning", None, "wamid.ABC", None),
        ("failed", 131026, "wamid.ABC", "UNKNOWN_SUBSCRIBER"),
        ("failed", 1002, "wamid.ABC", "UNKNOWN_SUBSCRIBER"),
        ("failed", 131047, "wamid.ABC", "OTHER"),
        ("failed", 131000, "wamid.ABC", "OTHER"),
        ("failed", 4001, "wamid.ABC", "DEFERRED"),
        ("failed", 9999, "gs-1", "DEFERRED"),
        (" Read ", None, "wamid.ABC", "READ"),
    ],
)
def test_v3_mapping(word, code, whatsapp_id, expected):
    assert v3_status(word, code, whatsapp_id) == expected
