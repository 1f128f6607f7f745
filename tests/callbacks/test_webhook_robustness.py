"""Oversized bodies get 413, and no input makes the webhook return 500."""
import pytest

from callbacks.models import QuarantinedEvent, RawCallback, StatusEvent

from .conftest import enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db

NASTY_BODIES = {
    "invalid-utf8": b'[{"externalId": "\xff\xfe", "eventType": "SENT", "eventTs": 1721650000000}]',
    "lone-surrogate": b'[{"externalId": "a\\ud800b", "eventType": "SENT", "eventTs": 1721650000}]',
    "surrogate-in-cause": (b'[{"externalId": "m-s", "eventType": "FAILED", "eventTs": 1721650000,'
                           b' "cause": "\\udfff"}]'),
    "nul-escape": b'[{"externalId": "m\\u0000n", "eventType": "SENT", "eventTs": 1721650000}]',
    "deep-nesting": b"[" * 5000 + b"]" * 5000,
    "unclosed": b'[{"externalId": "m-1", "eventType": ',
    "nan-time": b'[{"externalId": "m-1", "eventType": "SENT", "eventTs": NaN}]',
    "huge-exponent": b'[{"externalId": 1e999999, "eventType": "SENT", "eventTs": 1e400}]',
    "float-time": b'[{"externalId": "m-f", "eventType": "SENT", "eventTs": 1721650000.5}]',
    "year-9999": b'[{"externalId": "m-y", "eventType": "SENT", "eventTs": 253402300799999}]',
    "negative-time": b'[{"externalId": "m-n", "eventType": "SENT", "eventTs": -5}]',
    "scalar": b"42",
    "string": b'"hello"',
    "null": b"null",
    "array-of-scalars": b"[1, null, true, \"x\"]",
    "binary": bytes(range(256)),
    "form-garbage": b"response=%ZZ&&&==",
    "response-number": b'{"response": 5}',
    "v3-wrong-shapes": (b'{"object": "whatsapp_business_account", "entry": [1, {"changes": 2},'
                        b' {"changes": [{"value": {"statuses": "x"}}]}]}'),
    "v2-payload-list": b'{"type": "message-event", "version": 2, "payload": [1, {"type": "sent"}]}',
    "long-text": ('[{"externalId": "m-l", "eventType": "FAILED", "eventTs": 1721650000, '
                  '"cause": "%s", "errorCode": "%s", "srcAddr": "%s", "destAddr": "%s"}]'
                  % ("c" * 5000, "e" * 500, "s" * 500, "9" * 500)).encode(),
}


@pytest.mark.parametrize("body", NASTY_BODIES.values(), ids=NASTY_BODIES.keys())
def test_nasty_body_never_gets_a_server_error(post_callback, body):
    response = post_callback(body)

    assert response.status_code == 200
    raw = RawCallback.objects.get()
    assert bytes(raw.body) == body
    assert raw.event_count + raw.rejected_count == (
        StatusEvent.objects.count() + QuarantinedEvent.objects.count())


@pytest.mark.parametrize("content_type", ["application/json; charset=latin-1",
                                          "application/x-www-form-urlencoded; charset=bogus",
                                          "text/plain; charset=utf-16"])
def test_odd_charsets_never_get_a_server_error(post_callback, content_type):
    response = post_callback(b"response=%5B%5D&x=\xff", content_type=content_type)

    assert response.status_code == 200


def test_odd_query_string_never_gets_a_server_error(client, gupshup_client):
    response = client.get(gupshup_client.callback_path + "?externalId=%FF%00&deliveredTS=x&%%")

    assert response.status_code == 200


def test_unparseable_remote_address_never_gets_a_server_error(post_callback):
    response = post_callback([enterprise_event(unique_message_id(), "SENT")], REMOTE_ADDR="")

    assert response.status_code == 200
    assert RawCallback.objects.get().remote_addr is None


def test_oversized_body_returns_413(post_callback, settings):
    settings.CALLBACK_MAX_BODY_BYTES = 1000
    body = b"[" + b" " * 1000 + b"]"

    response = post_callback(body)

    assert response.status_code == 413
    assert RawCallback.objects.count() == 0


def test_body_at_the_limit_is_accepted(post_callback, settings):
    settings.CALLBACK_MAX_BODY_BYTES = 1000
    body = b"[" + b" " * 998 + b"]"

    response = post_callback(body)

    assert response.status_code == 200


def test_declared_length_over_the_limit_gets_413(post_callback, settings):
    settings.CALLBACK_MAX_BODY_BYTES = 1000

    response = post_callback(b"[]", CONTENT_LENGTH="5000")

    assert response.status_code == 413


def test_unknown_token_gets_404_and_stores_nothing(client, gupshup_client):
    response = client.post("/callbacks/gupshup/not-a-token/", data=b"[]",
                           content_type="application/json")

    assert response.status_code == 404
    assert RawCallback.objects.count() == 0


def test_unexpected_error_quarantines_the_body(post_callback, monkeypatch):
    from callbacks import views

    def broken_parser(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(views, "parse_callback", broken_parser)
    body = b'[{"externalId": "m-bug", "eventType": "SENT", "eventTs": 1721650000}]'

    response = post_callback(body)

    assert response.status_code == 200
    raw = RawCallback.objects.get()
    assert bytes(raw.body) == body
    assert raw.outcome == RawCallback.Outcome.QUARANTINED
    assert "unexpected error" in QuarantinedEvent.objects.get(raw_callback=raw).reason
