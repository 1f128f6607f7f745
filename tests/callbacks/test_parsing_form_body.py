"""The `response` form field: where it is found and how its value is decoded."""

from urllib.parse import quote_plus, unquote_to_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callbacks.form_body import find_response_field, unquote_plus_bytes


def urllib_unquote_plus(value: bytes) -> bytes:
    return unquote_to_bytes(value.replace(b"+", b" "))


def test_field_at_start():
    assert find_response_field(b"response=%5B%5D") == (b"%5B%5D", False)


def test_field_after_other_field():
    assert find_response_field(b"a=1&response=%5B%5D&b=2") == (b"%5B%5D", False)


def test_unencoded_field_runs_to_end():
    assert find_response_field(b'response=[{"x":"a&b"}]') == (b'[{"x":"a&b"}]', True)


def test_no_response_field():
    assert find_response_field(b"externalId=1&myresponse=2") is None


@pytest.mark.parametrize(
    "value",
    [b"plain", b"a+b", b"%5B%7B%22a%22%3A1%7D%5D", b"%3D%3d", b"%zz", b"a%", b"a%4", b"%%41",
     b"x=%41", b"line%0Abreak", b"raw\nline%41", b"%e9%C3%A9", b"_under_score_"],
)
def test_decoding_matches_urllib(value):
    assert unquote_plus_bytes(value) == urllib_unquote_plus(value)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_encoded_text_round_trips(text):
    encoded = quote_plus(text).encode()

    assert unquote_plus_bytes(encoded) == text.encode("utf-8")


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from([b"%", b"=", b"+", b"\n", b"\r", b"3", b"D", b"d", b"a", b"G",
                                 b"%3D", b"%41", b"%e9", b" ", b"\xff"]), max_size=30))
def test_malformed_escapes_match_urllib(parts):
    value = b"".join(parts)

    assert unquote_plus_bytes(value) == urllib_unquote_plus(value)
