"""Generated bodies of every format: parse_callback never raises and loses no input event."""

import json
from datetime import timezone
from decimal import Decimal
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callbacks.parsing import STATUSES, ParseResult, parse_callback

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
id_values = st.one_of(
    st.text(min_size=1, max_size=40),
    st.integers(min_value=0, max_value=10**30),
    st.sampled_from(["4820193746501928374-610293847561029384", "wamid.ABC=", "  ", ""]),
)
time_values = st.one_of(
    st.integers(min_value=1_500_000_000, max_value=1_900_000_000),
    st.integers(min_value=1_500_000_000_000, max_value=1_900_000_000_000),
    st.integers(min_value=1_500_000_000, max_value=1_900_000_000_000).map(str),
    st.sampled_from(["abc", "", "-1", "0", "1e99", "2024-07-01T12:00:00+00:00", "12.5"]),
    json_scalars,
)
phone_values = st.one_of(
    st.from_regex(r"\A(\+|00)?[0-9 ]{6,15}\Z"),
    st.integers(min_value=0, max_value=10**15),
    json_scalars,
)
words = st.one_of(
    st.sampled_from(["SENT", "DELIVERED", "READ", "FAILED", " failed ", "enqueued", "sent",
                     "delivered", "read", "deleted", "UNKNOWN", "FAILURE", "SUCCESS"]),
    st.text(max_size=12),
)


def optional_fields(fields: dict) -> st.SearchStrategy[dict]:
    """Draw a dict holding any subset of the given field strategies."""
    return st.fixed_dictionaries({}, optional=fields)


enterprise_objects = optional_fields({
    "externalId": id_values,
    "eventType": words,
    "eventTs": time_values,
    "destAddr": phone_values,
    "srcAddr": json_scalars,
    "cause": st.one_of(words, st.sampled_from(["UNKNOWN_SUBSCRIBER", " DEFERED", "OTHER"])),
    "errorCode": st.one_of(st.sampled_from(["000", "003", "00a"]), json_scalars),
    "errCode": json_scalars,
    "channel": json_scalars,
    "extra": json_values,
    "surprise": json_values,
})
valid_enterprise_objects = st.fixed_dictionaries(
    {"externalId": st.text(min_size=1, max_size=30).filter(str.strip), "eventTs": time_values},
    optional={"eventType": words, "destAddr": phone_values, "errorCode": st.just("000")},
)
enterprise_elements = st.one_of(valid_enterprise_objects, enterprise_objects, json_values)

v2_payloads = optional_fields({
    "id": id_values,
    "gsId": id_values,
    "type": words,
    "destination": phone_values,
    "ts": time_values,
    "payload": st.one_of(
        optional_fields({"whatsappMessageId": id_values, "code": json_scalars,
                         "reason": json_scalars, "ts": time_values}),
        json_values,
    ),
})
v2_elements = st.one_of(v2_payloads, json_values)

v3_statuses = optional_fields({
    "id": id_values,
    "gs_id": id_values,
    "status": words,
    "timestamp": time_values,
    "recipient_id": phone_values,
    "errors": st.one_of(
        st.lists(optional_fields({"code": json_scalars, "title": json_scalars}), max_size=2),
        json_values,
    ),
    "conversation": json_values,
})
v3_elements = st.one_of(v3_statuses, json_values)


def encode_enterprise(elements: list, encoding: str) -> bytes:
    document = json.dumps(elements)
    if encoding == "bare":
        return document.encode()
    if encoding == "wrapped":
        return json.dumps({"response": elements}).encode()
    if encoding == "form":
        return urlencode({"response": document}).encode()
    return ("response=" + document).encode()


def assert_well_formed(result: ParseResult) -> None:
    for rejected in result.rejected:
        assert not rejected.reason.startswith("internal parser error"), rejected.reason
    for event in result.events:
        assert event.status in STATUSES or event.status is None
        assert event.message_id
        assert event.event_time.tzinfo is timezone.utc
        assert event.phone.isdigit() or event.phone == ""
        assert not event.phone.startswith("00")


def assert_no_float(value: object) -> None:
    assert type(value) is not float
    if type(value) is dict:
        for item in value.values():
            assert_no_float(item)
    elif type(value) is list:
        for item in value:
            assert_no_float(item)


@PROPERTY_SETTINGS
@given(
    elements=st.lists(enterprise_elements, max_size=25),
    encoding=st.sampled_from(["bare", "wrapped", "form", "raw_form"]),
    content_type=st.sampled_from([None, "application/json", "text/plain",
                                  "application/x-www-form-urlencoded"]),
)
def test_enterprise_batches_lose_no_event(elements, encoding, content_type):
    result = parse_callback(encode_enterprise(elements, encoding), content_type, {}, "POST")

    assert len(result.events) + len(result.rejected) == len(elements)
    assert_well_formed(result)
    for event in result.events:
        assert_no_float(event.raw)


@PROPERTY_SETTINGS
@given(
    query=st.fixed_dictionaries(
        {"deliveredTS": st.one_of(time_values.map(str), st.text(max_size=15))},
        optional={"externalId": st.text(max_size=30), "status": words, "cause": words,
                  "phoneNo": st.text(max_size=16), "errCode": st.text(max_size=4),
                  "mask": st.text(max_size=8)},
    ),
    as_form=st.booleans(),
)
def test_enterprise_query_gives_one_event_or_rejection(query, as_form):
    if as_form:
        result = parse_callback(urlencode(query).encode(), None, {}, "POST")
    else:
        result = parse_callback(b"", None, query, "GET")

    assert len(result.events) + len(result.rejected) == 1
    assert_well_formed(result)


@PROPERTY_SETTINGS
@given(
    payload=st.one_of(v2_elements, st.lists(v2_elements, max_size=5)),
    timestamp=time_values,
)
def test_v2_message_events_lose_no_event(payload, timestamp):
    body = {"app": "acme", "timestamp": timestamp, "version": 2, "type": "message-event",
            "payload": payload}
    expected = len(payload) if type(payload) is list else 1

    result = parse_callback(json.dumps(body).encode(), "application/json", {}, "POST")

    assert len(result.events) + len(result.rejected) == expected
    assert_well_formed(result)


@PROPERTY_SETTINGS
@given(
    entries=st.lists(
        st.lists(
            st.tuples(st.sampled_from(["messages", "statuses-only"]),
                      st.lists(v3_elements, max_size=4)),
            max_size=3,
        ),
        max_size=3,
    )
)
def test_v3_statuses_lose_no_event(entries):
    body = {"object": "whatsapp_business_account", "gs_app_id": "app", "entry": [
        {"id": "1", "changes": [
            {"field": field_name, "value": {"metadata": {"display_phone_number": "1555"},
                                            "statuses": statuses}}
            for field_name, statuses in changes
        ]}
        for changes in entries
    ]}
    expected = sum(len(statuses) for changes in entries for _, statuses in changes)

    result = parse_callback(json.dumps(body).encode(), "application/json", {}, "POST")

    assert len(result.events) + len(result.rejected) == expected
    assert_well_formed(result)


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=300), query=st.dictionaries(st.text(max_size=12),
                                                           st.text(max_size=12), max_size=4))
def test_arbitrary_bytes_never_raise(body, query):
    result = parse_callback(body, None, query, "POST")

    assert_well_formed(result)


@PROPERTY_SETTINGS
@given(document=json_values)
def test_arbitrary_json_never_raises(document):
    result = parse_callback(json.dumps(document).encode(), None, {}, "POST")

    assert_well_formed(result)


@PROPERTY_SETTINGS
@given(
    elements=st.lists(valid_enterprise_objects, min_size=1, max_size=5),
    cut=st.integers(min_value=0, max_value=10_000),
    junk=st.text(alphabet='{}[]",:0123456789abc -+%&=\\', max_size=6),
)
def test_corrupted_bodies_never_raise(elements, cut, junk):
    text = "response=" + json.dumps(elements)
    position = cut % (len(text) + 1)
    corrupted = (text[:position] + junk + text[position + len(junk):]).encode()

    result = parse_callback(corrupted, None, {}, "POST")

    assert_well_formed(result)


def test_decimal_is_the_only_fraction_type():
    body = b'[{"externalId": "a-1", "eventTs": 1719835200000, "rate": 1.25, "big": 1e400}]'

    result = parse_callback(body, None, {}, "POST")

    assert result.events[0].raw["rate"] == Decimal("1.25")
    assert result.events[0].raw["big"] == Decimal("1e400")
