"""Bodies without status events: empty, health checks, unknown shapes and non-JSON text."""

import pytest

from callbacks.parsing import parse_callback


@pytest.mark.parametrize(
    "body",
    [b"", b"   \r\n", b"[]", b"{}", b" [ ] ", b'{"response": []}', b"response=", b"response=[]",
     b'{"response": ""}'],
)
def test_empty_bodies(body):
    result = parse_callback(body, None, {}, "POST")

    assert result.format == "empty"
    assert result.events == []
    assert result.rejected == []
    assert result.health_check is False


def test_empty_get_without_enterprise_parameters():
    result = parse_callback(b"", None, {"token": "abc"}, "GET")

    assert result.format == "empty"


def test_none_body_and_none_query():
    result = parse_callback(None, None, None, "GET")

    assert result.format == "empty"


def test_v3_health_check_without_statuses():
    body = (b'{"object":"whatsapp_business_account","gs_app_id":"x","entry":[{"id":"1",'
            b'"time":1719835200000,"changes":[{"field":"platform-event","value":'
            b'{"type":"connectivity-check","initiator":"gupshup"}}]}]}')

    result = parse_callback(body, "application/json", {}, "POST")

    assert result.format == "health_check"
    assert result.health_check is True
    assert result.ignored == []


def test_v2_health_check():
    body = (b'{"app":"acme","timestamp":1719835200000,"version":2,"type":"platform-event",'
            b'"payload":{"type":"connectivity-check"}}')

    result = parse_callback(body, "application/json", {}, "POST")

    assert result.format == "health_check"
    assert result.health_check is True


def test_unknown_object_shape_quarantined():
    result = parse_callback(b'{"hello": "world"}', None, {}, "POST")

    assert result.format == "unknown"
    assert result.events == []
    assert len(result.rejected) == 1
    assert "unknown shape (top-level keys: hello)" in result.rejected[0].reason


@pytest.mark.parametrize("body", [b'"just text"', b"null", b"true", b"12345"])
def test_json_scalar_is_invalid(body):
    result = parse_callback(body, None, {}, "POST")

    assert result.format == "invalid"
    assert len(result.rejected) == 1


def test_json_scalar_reason_names_the_type():
    result = parse_callback(b'"just text"', None, {}, "POST")

    assert result.rejected[0].reason == "body is a JSON string, not an object or array"


def test_plain_text_is_invalid_and_kept():
    result = parse_callback(b"hello gupshup", "text/plain", {}, "POST")

    assert result.format == "invalid"
    assert result.rejected[0].raw == "hello gupshup"
    assert "neither a JSON object or array nor a form" in result.rejected[0].reason


def test_response_that_is_not_an_array():
    result = parse_callback(b'{"response": 42}', None, {}, "POST")

    assert result.format == "invalid"
    assert result.rejected[0].reason == "response is a JSON number, not an array of events"


def test_bare_json_number_is_quarantined_as_not_object():
    result = parse_callback(b"42", "application/json", {}, "POST")

    assert result.format == "invalid"
    assert "neither a JSON object or array" in result.rejected[0].reason
