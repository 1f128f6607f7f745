"""Generated bodies of every format through the real view: never a 5xx, nothing lost.

For each body with a known number of event slots, the database must account for every slot:
stored under the request's raw callback, counted as a duplicate, or quarantined.
"""
import json
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callbacks.models import QuarantinedEvent, RawCallback, StatusEvent

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**22), 10**22),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
ids = st.one_of(st.sampled_from(["4820193746501928374-610293847561029384", "wamid.A=", " ", ""]),
                st.text(min_size=1, max_size=30), st.integers(0, 10**30), scalars)
times = st.one_of(st.integers(1_500_000_000, 1_900_000_000),
                  st.integers(1_500_000_000_000, 1_900_000_000_000),
                  st.integers(1_500_000_000, 1_900_000_000_000).map(str),
                  st.sampled_from(["", "x", "-1", "0", "1e99", "12.5"]), scalars)
phones = st.one_of(st.from_regex(r"\A(\+|00)?[0-9 ]{6,15}\Z"), st.integers(0, 10**15), scalars)
words = st.one_of(st.sampled_from(["SENT", "DELIVERED", "READ", "FAILED", " failed ", "sent",
                                   "delivered", "read", "enqueued", "deleted", "FAILURE"]),
                  st.text(max_size=10), scalars)
causes = st.one_of(st.sampled_from(["SUCCESS", " UNKNOWN_SUBSCRIBER", "defered", "OTHER", ""]),
                   scalars)
codes = st.one_of(st.sampled_from(["000", "003", "00a", "1002", "131026"]),
                  st.integers(0, 200_000), scalars)

enterprise_events = st.fixed_dictionaries(
    {"externalId": ids, "eventType": words, "eventTs": times},
    optional={"destAddr": phones, "cause": causes, "errorCode": codes, "errCode": codes,
              "srcAddr": scalars, "channel": scalars, "extra": scalars, "unknownKey": scalars},
)
# Each slot is one event: a well-formed-looking object or any other JSON value.
enterprise_slots = st.one_of(enterprise_events, enterprise_events, scalars,
                             st.lists(scalars, max_size=2))

v2_payloads = st.fixed_dictionaries(
    {"type": words},
    optional={"id": ids, "gsId": ids, "destination": phones, "ts": times,
              "payload": st.fixed_dictionaries({}, optional={"code": codes, "reason": scalars,
                                                             "whatsappMessageId": ids})},
)
v2_bodies = st.builds(
    lambda payload, timestamp: {"app": "App", "timestamp": timestamp, "version": 2,
                                "type": "message-event", "payload": payload},
    st.one_of(v2_payloads, v2_payloads, scalars), times)

v3_statuses = st.one_of(st.fixed_dictionaries(
    {"status": words, "timestamp": times},
    optional={"id": ids, "gs_id": ids, "recipient_id": phones,
              "errors": st.lists(st.fixed_dictionaries({}, optional={"code": codes,
                                                                      "title": scalars}),
                                 max_size=2)},
), scalars)


def v3_body(statuses_per_change: list[list]) -> dict:
    changes = [{"field": "messages", "value": {"statuses": statuses}}
               for statuses in statuses_per_change]
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": changes[:1]}, {"id": "2", "changes": changes[1:]}]}


def enterprise_encodings(slots: list) -> st.SearchStrategy:
    text = json.dumps(slots)
    return st.sampled_from([
        (text.encode(), "application/json"),
        (json.dumps({"response": slots}).encode(), ""),
        (urlencode({"response": text}).encode(), "application/x-www-form-urlencoded"),
        (text.encode(), "text/plain"),
    ])


@st.composite
def structured_bodies(draw) -> tuple[bytes, str, int]:
    """Return (body, content type, number of event slots)."""
    kind = draw(st.sampled_from(["enterprise", "v2", "v3"]))
    if kind == "enterprise":
        slots = draw(st.lists(enterprise_slots, min_size=1, max_size=25))
        body, content_type = draw(enterprise_encodings(slots))
        return body, content_type, len(slots)
    if kind == "v2":
        return json.dumps(draw(v2_bodies)).encode(), "application/json", 1
    per_change = draw(st.lists(st.lists(v3_statuses, min_size=1, max_size=5), min_size=1,
                               max_size=3))
    count = sum(len(statuses) for statuses in per_change)
    return json.dumps(v3_body(per_change)).encode(), "", count


def post(path: str, body: bytes, content_type: str):
    return HttpClient().generic("POST", path, data=body, content_type=content_type)


def accounted_slots(raw: RawCallback) -> int:
    new = StatusEvent.objects.filter(raw_callback_id=raw.id).count()
    quarantined = QuarantinedEvent.objects.filter(raw_callback=raw).count()
    return new + raw.duplicate_count + quarantined


@PROPERTY_SETTINGS
@given(generated=structured_bodies())
def test_every_generated_event_is_stored_or_quarantined(gupshup_client, generated):
    body, content_type, slots = generated

    response = post(gupshup_client.callback_path, body, content_type)

    assert response.status_code == 200
    raw = RawCallback.objects.order_by("-id").first()
    assert bytes(raw.body) == body
    assert accounted_slots(raw) == slots


@PROPERTY_SETTINGS
@given(body=st.one_of(st.binary(max_size=300),
                      st.text(max_size=200).map(str.encode),
                      st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                                   | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                                   max_leaves=12).map(lambda value: json.dumps(value).encode())),
       content_type=st.sampled_from(["", "application/json", "text/plain",
                                     "application/x-www-form-urlencoded"]))
def test_any_body_gets_200_and_is_kept(gupshup_client, body, content_type):
    response = post(gupshup_client.callback_path, body, content_type)

    assert response.status_code == 200
    raw = RawCallback.objects.order_by("-id").first()
    assert bytes(raw.body) == body
    stored = StatusEvent.objects.filter(raw_callback_id=raw.id).count()
    assert stored == raw.event_count


@PROPERTY_SETTINGS
@given(query=st.dictionaries(st.sampled_from(["externalId", "deliveredTS", "status", "cause",
                                              "phoneNo", "errCode", " noOfFrags", "mask", "x"]),
                             st.text(max_size=20), min_size=1))
def test_any_get_query_gets_200(gupshup_client, query):
    response = HttpClient().get(gupshup_client.callback_path, query)

    assert response.status_code == 200
