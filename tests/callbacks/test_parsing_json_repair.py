"""Invalid JSON in Gupshup's documented shape is repaired, and anything else is kept whole."""

from callbacks.callback_json import quote_bare_tokens
from callbacks.parsing import parse_callback

# Written the way Gupshup's enterprise documentation prints its sample: the message id and
# the error code are bare tokens, which is not JSON.
BARE_TOKEN_BODY = """response=[
  {"externalId": 3301928374650192837-650192837465019283, "eventType": "DELIVERED",
   "eventTs": 1719835200000, "destAddr": 919812345678, "srcAddr": "ACMEIN",
   "cause": "SUCCESS", "errorCode": 000, "channel": "WHATSAPP"}
]"""


def test_unquoted_external_id_is_repaired():
    result = parse_callback(BARE_TOKEN_BODY.encode(), None, {}, "POST")

    assert result.rejected == []
    assert result.events[0].message_id == "3301928374650192837-650192837465019283"


def test_bare_zero_padded_error_code_keeps_zeros():
    result = parse_callback(BARE_TOKEN_BODY.encode(), None, {}, "POST")

    assert result.events[0].error_code == "000"


def test_repair_keeps_valid_numbers_as_numbers():
    result = parse_callback(BARE_TOKEN_BODY.encode(), None, {}, "POST")

    assert result.events[0].raw["eventTs"] == 1719835200000
    assert result.events[0].raw["destAddr"] == 919812345678


def test_repaired_body_is_flagged():
    result = parse_callback(BARE_TOKEN_BODY.encode(), None, {}, "POST")

    assert result.repaired_json is True


def test_valid_body_is_not_flagged():
    body = b'[{"externalId": "a-1", "eventTs": 1719835200000}]'

    result = parse_callback(body, None, {}, "POST")

    assert result.repaired_json is False


def test_repair_of_bare_json_array():
    body = b'[{"externalId": 12-34, "eventTs": 1719835200000, "errCode": 00b}]'

    result = parse_callback(body, None, {}, "POST")

    assert result.events[0].message_id == "12-34"
    assert result.events[0].error_code == "00b"


def test_repair_quotes_unquoted_keys():
    body = b'[{externalId: "a-1", eventTs: 1719835200000}]'

    result = parse_callback(body, None, {}, "POST")

    assert result.events[0].message_id == "a-1"


def test_repair_leaves_strings_with_escaped_quotes_alone():
    text = '{"cause": "say \\"hi\\" 000", "code": 000}'

    repaired = quote_bare_tokens(text)

    assert repaired == '{"cause": "say \\"hi\\" 000", "code": "000"}'


def test_repair_leaves_literals_alone():
    repaired = quote_bare_tokens("[true, false, null, -1.5e3, 0]")

    assert repaired == "[true, false, null, -1.5e3, 0]"


def test_repair_gives_up_on_unterminated_string():
    assert quote_bare_tokens('[{"externalId": "a-1}]') is None


def test_irreparable_body_is_rejected_whole():
    body = b'[{"externalId": "a-1", "eventTs": 1719835200000'

    result = parse_callback(body, None, {}, "POST")

    assert result.format == "invalid"
    assert result.events == []
    assert len(result.rejected) == 1
    assert result.rejected[0].raw == body.decode()


def test_irreparable_body_reason_is_the_json_error():
    body = b'[{"externalId": "a-1", "eventTs": 1719835200000'

    result = parse_callback(body, None, {}, "POST")

    assert result.rejected[0].reason.startswith("invalid JSON: ")
    assert "line 1 column" in result.rejected[0].reason


def test_unterminated_string_is_rejected_whole():
    body = b'{"response": [{"externalId": "a-1, "eventTs": 1}]'

    result = parse_callback(body, None, {}, "POST")

    assert result.format == "invalid"
    assert len(result.rejected) == 1


def test_deeply_nested_body_is_rejected_whole():
    body = b"[" * 100_000 + b"]" * 100_000

    result = parse_callback(body, None, {}, "POST")

    assert result.format == "invalid"
    assert len(result.rejected) == 1
    assert result.rejected[0].reason.startswith("invalid JSON: ")


def test_byte_order_mark_is_skipped():
    body = b'\xef\xbb\xbf[{"externalId": "a-1", "eventTs": 1719835200000}]'

    result = parse_callback(body, None, {}, "POST")

    assert result.events[0].message_id == "a-1"
