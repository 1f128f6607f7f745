"""Values as Gupshup sends them arrive intact in Message and StatusEvent through HTTP."""
import json
from datetime import datetime, timezone

import pytest

from callbacks.models import Message, StatusEvent

from .conftest import BASE_MS, enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db

BASE_TIME = datetime.fromtimestamp(BASE_MS / 1000, tz=timezone.utc)


def post_one(post_callback, body: str | list) -> tuple[Message, StatusEvent]:
    response = post_callback(body)
    assert response.status_code == 200
    return Message.objects.get(), StatusEvent.objects.get()


def test_numeric_message_id_is_kept_as_its_digits(post_callback):
    body = '[{"externalId": 4820193746501, "eventType": "SENT", "eventTs": %d}]' % BASE_MS

    message, event = post_one(post_callback, body)

    assert message.message_id == "4820193746501"
    assert event.message_id == "4820193746501"


def test_id_beyond_2_53_is_exact(post_callback):
    huge = 2**53 + 1
    body = '[{"externalId": %d, "eventType": "SENT", "eventTs": %d}]' % (huge, BASE_MS)

    message, _event = post_one(post_callback, body)

    assert message.message_id == "9007199254740993"


def test_message_id_beyond_64_bits_is_exact(post_callback):
    huge = 123456789012345678901234567890
    body = '[{"externalId": %d, "eventType": "SENT", "eventTs": %d}]' % (huge, BASE_MS)

    message, _event = post_one(post_callback, body)

    assert message.message_id == "123456789012345678901234567890"


def test_unquoted_enterprise_id_with_dash_is_kept(post_callback):
    body = ('[{"externalId": 5012345678901234567-123456789012345678, "eventType": "DELIVERED", '
            '"eventTs": %d, "errorCode": 000}]' % BASE_MS)

    message, _event = post_one(post_callback, body)

    assert message.message_id == "5012345678901234567-123456789012345678"
    assert message.error_code == "000"


def test_phone_as_number_is_stored_as_digits(post_callback):
    body = ('[{"externalId": "m-1", "eventType": "SENT", "eventTs": %d, "destAddr": 447700900123}]'
            % BASE_MS)

    message, event = post_one(post_callback, body)

    assert message.phone == "447700900123"
    assert event.phone == "447700900123"


@pytest.mark.parametrize("spelling", ["+447700900123", "00447700900123", "+44 7700 900123",
                                      "447700900123"])
def test_phone_spellings_are_normalised(post_callback, spelling):
    message, _event = post_one(post_callback, [
        enterprise_event(unique_message_id(), "SENT", destAddr=spelling)])

    assert message.phone == "447700900123"


@pytest.mark.parametrize("timestamp", [BASE_MS, str(BASE_MS), BASE_MS // 1000,
                                       str(BASE_MS // 1000)],
                         ids=["ms-number", "ms-string", "s-number", "s-string"])
def test_timestamp_units_and_types(post_callback, timestamp):
    message, event = post_one(post_callback, [
        enterprise_event(unique_message_id(), "DELIVERED", eventTs=timestamp)])

    assert event.event_time == BASE_TIME
    assert message.status_time == BASE_TIME


def test_err_code_spelling_is_accepted(post_callback):
    event = enterprise_event(unique_message_id(), "FAILED", cause="", errCode="003")
    del event["errorCode"]

    message, stored = post_one(post_callback, [event])

    assert stored.error_code == "003"
    assert message.status == "UNKNOWN_SUBSCRIBER"


def test_error_code_as_number_keeps_leading_zeros(post_callback):
    message, _event = post_one(post_callback, [
        enterprise_event(unique_message_id(), "FAILED", cause="", errorCode=3)])

    assert message.error_code == "003"
    assert message.status == "UNKNOWN_SUBSCRIBER"


def test_cause_with_spaces_is_trimmed_and_matched(post_callback):
    message, event = post_one(post_callback, [
        enterprise_event(unique_message_id(), "FAILED", cause=" UNKNOWN_SUBSCRIBER ",
                         errorCode="")])

    assert message.status == "UNKNOWN_SUBSCRIBER"
    assert event.cause == "UNKNOWN_SUBSCRIBER"


def test_cause_in_other_case_is_matched(post_callback):
    message, _event = post_one(post_callback, [
        enterprise_event(unique_message_id(), "failed", cause="dnd_fail", errorCode="")])

    assert message.status == "DEFERRED"


def test_misspelt_defered_cause_is_deferred(post_callback):
    message, event = post_one(post_callback, [
        enterprise_event(unique_message_id(), "FAILED", cause="DEFERED", errorCode="")])

    assert message.status == "DEFERRED"
    assert event.cause == "DEFERED"


def test_raw_values_are_kept_beside_the_mapped_status(post_callback):
    sent = enterprise_event(unique_message_id(), " delivered ", cause=" success ", errorCode="000")

    _message, event = post_one(post_callback, [sent])

    assert event.status == "SUCCESS"
    assert event.raw_status == "delivered"
    assert event.raw["eventType"] == " delivered "


def test_bare_000_body_kept_verbatim(post_callback):
    from callbacks.models import RawCallback

    body = ('[{"externalId": "m-000", "eventType": "DELIVERED", "eventTs": %d, '
            '"cause": "SUCCESS", "errorCode": 000}]' % BASE_MS)

    message, _event = post_one(post_callback, body)

    assert message.error_code == "000"
    assert bytes(RawCallback.objects.get().body) == body.encode()


def test_extra_is_kept_unchanged(post_callback):
    extra = "RIID-000123|CAMP-42|a=b c"

    message, event = post_one(post_callback, [
        enterprise_event(unique_message_id(), "SENT", extra=extra)])

    assert message.extra == extra
    assert event.extra == extra


def test_non_ascii_and_nul_text_is_stored(post_callback):
    body = json.dumps([enterprise_event(unique_message_id(), "FAILED", cause="caus\u00e9\u0000x",
                                        errorCode="")])

    message, event = post_one(post_callback, body)

    assert event.cause == "caus\u00e9x"
    assert message.status == "OTHER"
