"""Duplicates are stored once and counted; the current status follows the rank rules."""
from datetime import datetime, timezone

import pytest

from callbacks.models import Message, RawCallback, StatusEvent

from .conftest import BASE_MS, enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db


def at(offset_s: int) -> datetime:
    return datetime.fromtimestamp(BASE_MS / 1000 + offset_s, tz=timezone.utc)


def failed(message_id: str, offset_s: int) -> dict:
    return enterprise_event(message_id, "FAILED", offset_s, cause="UNKNOWN_SUBSCRIBER",
                            errorCode="003")


def current(message_id: str) -> tuple[str, datetime]:
    message = Message.objects.get(message_id=message_id)
    return message.status, message.status_time


def test_repeated_event_stored_once(post_callback):
    event = enterprise_event(unique_message_id(), "DELIVERED")

    post_callback([event])
    response = post_callback([event])

    assert response.json() == {"status": "duplicate", "stored": 0, "duplicates": 1,
                               "quarantined": 0}
    assert StatusEvent.objects.count() == 1
    assert RawCallback.objects.order_by("id").last().duplicate_count == 1


def test_duplicate_within_one_body_is_stored_once(post_callback):
    event = enterprise_event(unique_message_id(), "DELIVERED")

    response = post_callback([event, dict(event)])

    assert response.json()["stored"] == 1
    assert response.json()["duplicates"] == 1
    assert StatusEvent.objects.count() == 1


def test_duplicate_does_not_bump_the_status_version(post_callback):
    event = enterprise_event(unique_message_id(), "DELIVERED")
    post_callback([event])
    version = Message.objects.get().status_version

    post_callback([event])

    assert Message.objects.get().status_version == version


def test_same_status_later_is_new_event(post_callback):
    message_id = unique_message_id()

    post_callback([enterprise_event(message_id, "SENT", 0),
                   enterprise_event(message_id, "SENT", 9)])

    assert StatusEvent.objects.count() == 2
    assert current(message_id) == ("SENT", at(9))


def test_late_sent_never_hides_a_failure(post_callback):
    message_id = unique_message_id()

    post_callback([failed(message_id, 10)])
    post_callback([enterprise_event(message_id, "SENT", 0)])

    assert current(message_id) == ("UNKNOWN_SUBSCRIBER", at(10))


def test_late_success_never_hides_read(post_callback):
    message_id = unique_message_id()

    post_callback([enterprise_event(message_id, "READ", 20)])
    post_callback([enterprise_event(message_id, "DELIVERED", 10)])

    assert current(message_id) == ("READ", at(20))


def test_success_after_a_failure_wins(post_callback):
    message_id = unique_message_id()

    post_callback([failed(message_id, 10)])
    post_callback([enterprise_event(message_id, "DELIVERED", 30)])

    assert current(message_id) == ("SUCCESS", at(30))
    assert StatusEvent.objects.filter(message_id=message_id).count() == 2


def test_equal_rank_later_event_time_wins(post_callback):
    message_id = unique_message_id()
    deferred = enterprise_event(message_id, "FAILED", 40, cause="DEFERRED", errorCode="010")

    post_callback([deferred])
    post_callback([failed(message_id, 20)])

    assert current(message_id) == ("DEFERRED", at(40))


def test_reversed_batch_ends_at_highest_rank(post_callback):
    message_id = unique_message_id()
    in_order = [enterprise_event(message_id, "SENT", 0),
                enterprise_event(message_id, "DELIVERED", 5),
                enterprise_event(message_id, "READ", 9)]

    post_callback(list(reversed(in_order)))

    message = Message.objects.get(message_id=message_id)
    assert (message.status, message.status_time) == ("READ", at(9))
    assert message.sent_at == at(0)
    assert message.delivered_at == at(5)
    assert message.read_at == at(9)
    assert message.first_event_at == at(0)


def test_batch_failure_beats_late_sent(post_callback):
    message_id = unique_message_id()

    post_callback([failed(message_id, 10), enterprise_event(message_id, "SENT", 0)])

    assert current(message_id) == ("UNKNOWN_SUBSCRIBER", at(10))


def test_status_timestamp_is_the_event_time_not_arrival(post_callback):
    message_id = unique_message_id()

    post_callback([enterprise_event(message_id, "DELIVERED", 3600)])

    assert current(message_id)[1] == at(3600)


def test_enqueued_only_message_has_no_status_yet(post_callback):
    from .conftest import v2_event

    body = v2_event("gs-enqueued", "enqueued")
    body["payload"] = {"id": "gs-enqueued", "type": "enqueued", "destination": "447700900123",
                       "payload": {"whatsappMessageId": "wamid.abc", "type": "template"}}

    post_callback(body)

    message = Message.objects.get(message_id="gs-enqueued")
    assert message.status is None
    assert message.status_version == 0
    assert StatusEvent.objects.get().status_key == "enqueued"


def test_dlr_without_gs_id_joins_by_wamid(post_callback):
    from .conftest import v2_event

    enqueued = v2_event("gs-join", "enqueued")
    enqueued["payload"] = {"id": "gs-join", "type": "enqueued", "destination": "447700900123",
                           "payload": {"whatsappMessageId": "wamid.join", "type": "template"}}
    late = v2_event("unused", "read")
    late["payload"] = {"id": "wamid.join", "type": "read", "destination": "447700900123",
                       "ts": 1_721_650_100}

    post_callback(enqueued)
    post_callback(late)

    assert Message.objects.count() == 1
    assert Message.objects.get().status == "READ"
