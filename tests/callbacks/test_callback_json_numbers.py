"""callbacks.callback_json.load_json keeps every number exact, whichever parser reads it."""
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callbacks.callback_json import contains_float, load_json

# Integers on both sides of the 64-bit limits, past which orjson 3.13 returns floats, and
# decimal numbers in the forms JSON allows.
BOUNDARY_INTEGERS = st.sampled_from([
    2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 1, -(2**63), -(2**63) - 1, 10**30,
])
DECIMAL_TEXTS = st.sampled_from(["0.5", "-1.25", "1e5", "1E+5", "2.5e-3", "1234567890.0"])


class RawNumber(str):
    """A JSON number kept as written, so that json.dumps does not turn it into a float."""


def to_json(value) -> str:
    if isinstance(value, RawNumber):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(key)}:{to_json(item)}"
                              for key, item in value.items()) + "}"
    return json.dumps(value)


scalars = st.one_of(
    st.integers(), BOUNDARY_INTEGERS, DECIMAL_TEXTS.map(RawNumber), st.text(max_size=30),
    st.booleans(), st.none(),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(st.text(max_size=10), children, max_size=5)),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.booleans())
def test_load_json_never_returns_float(document, as_bytes):
    text = to_json(document)
    body = text.encode() if as_bytes else text

    value, repaired = load_json(body)

    assert not contains_float(value)
    assert value == json.loads(text, parse_float=Decimal)
    assert repaired is False


@pytest.mark.parametrize("number", ["18446744073709551616", "-9223372036854775809", "1.5",
                                    "3e2"])
def test_number_that_orjson_reads_as_float_stays_exact(number):
    value, _repaired = load_json(f'{{"eventTs": {number}}}'.encode())

    assert value["eventTs"] == json.loads(number, parse_float=Decimal)
    assert type(value["eventTs"]) in (int, Decimal)


def test_decimal_text_inside_a_string_keeps_integers():
    value, _repaired = load_json(b'{"text": "version 1.5", "eventTs": 1719835200000}')

    assert value == {"text": "version 1.5", "eventTs": 1719835200000}
    assert type(value["eventTs"]) is int
