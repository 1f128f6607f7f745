"""Enterprise callbacks posted as multipart/form-data, recognised from the body alone."""
import json

from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from callbacks.parsing import parse_callback

EVENTS = [
    {"externalId": "5012345678901234567-123456789012345678", "eventType": "READ",
     "eventTs": 1718000090000, "destAddr": "919812345678", "cause": "READ", "errorCode": "026"},
    {"externalId": "5012345678901234567-123456789012345679", "eventType": "FAILED",
     "eventTs": 1718000091000, "destAddr": "919812345679", "cause": "DEFERED", "errorCode": "005"},
]


def test_multipart_response_field_parsed():
    body = encode_multipart(BOUNDARY, {"response": json.dumps(EVENTS)})

    result = parse_callback(body, MULTIPART_CONTENT, {}, "POST")

    assert result.format == "enterprise"
    assert [event.status for event in result.events] == ["READ", "DEFERRED"]
    assert result.rejected == []


def test_multipart_without_content_type():
    body = encode_multipart(BOUNDARY, {"response": json.dumps(EVENTS)})

    result = parse_callback(body, None, {}, "POST")

    assert len(result.events) == 2


def test_multipart_query_style_fields():
    body = encode_multipart(BOUNDARY, {
        "externalId": "5012345678901234567-123456789012345678", "deliveredTS": "1718000004000",
        "status": "SUCCESS", "cause": "SUCCESS", "phoneNo": "919812345678", "errCode": "000",
    })

    result = parse_callback(body, MULTIPART_CONTENT, {}, "POST")

    assert [event.status for event in result.events] == ["SUCCESS"]
    assert result.events[0].phone == "919812345678"


def test_multipart_unknown_fields_rejected():
    body = encode_multipart(BOUNDARY, {"something": "else"})

    result = parse_callback(body, MULTIPART_CONTENT, {}, "POST")

    assert result.format == "invalid"
    assert len(result.rejected) == 1
    assert "neither a response field" in result.rejected[0].reason
