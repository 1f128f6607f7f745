"""Every Gupshup encoding reaches storage through the real webhook view."""
import json
from urllib.parse import urlencode

import pytest

from callbacks.models import Message, RawCallback, StatusEvent

from .conftest import (
    BASE_MS, enterprise_event, unique_message_id, v2_event, v3_document, v3_status,
)

pytestmark = pytest.mark.django_db


def stored_ids() -> set[str]:
    return set(StatusEvent.objects.values_list("message_id", flat=True))


def enterprise_batch(size: int) -> list[dict]:
    return [enterprise_event(unique_message_id(), "DELIVERED") for _ in range(size)]


def test_bare_json_array_is_stored(post_callback):
    batch = enterprise_batch(3)

    response = post_callback(batch)

    assert response.status_code == 200
    assert stored_ids() == {event["externalId"] for event in batch}


def test_response_wrapped_object_is_stored(post_callback):
    batch = enterprise_batch(2)

    response = post_callback({"response": batch})

    assert response.status_code == 200
    assert stored_ids() == {event["externalId"] for event in batch}


def test_form_field_response_is_stored(post_callback):
    batch = enterprise_batch(2)

    response = post_callback(urlencode({"response": json.dumps(batch)}),
                             content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert stored_ids() == {event["externalId"] for event in batch}


def test_get_query_is_stored(client, gupshup_client):
    message_id = unique_message_id()
    query = {"externalId": message_id, "deliveredTS": str(BASE_MS), "status": "SUCCESS",
             "cause": "SUCCESS", "phoneNo": "447700900123", "errCode": "000", "noOfFrags": "1"}

    response = client.get(gupshup_client.callback_path, query)

    assert response.status_code == 200
    assert Message.objects.get(message_id=message_id).status == "SUCCESS"


@pytest.mark.parametrize("content_type", [
    "application/json", "text/plain", "application/x-www-form-urlencoded",
    "application/octet-stream", "multipart/form-data; boundary=nothing", None,
])
def test_any_content_type_is_accepted(post_callback, content_type):
    batch = enterprise_batch(1)

    response = post_callback(batch, content_type=content_type)

    assert response.status_code == 200
    assert stored_ids() == {batch[0]["externalId"]}


@pytest.mark.parametrize("size", [20, 21, 100])
def test_batches_of_twenty_and_more_are_stored_whole(post_callback, size):
    batch = enterprise_batch(size)

    response = post_callback(batch)

    assert response.status_code == 200
    assert response.json()["stored"] == size
    assert StatusEvent.objects.count() == size
    assert Message.objects.count() == size


def test_v2_message_event_is_stored(post_callback):
    response = post_callback(v2_event("9a8b7c6d-0000-4000-8000-000000000001", "read"))

    assert response.status_code == 200
    message = Message.objects.get(message_id="9a8b7c6d-0000-4000-8000-000000000001")
    assert message.status == "READ"
    assert message.wa_message_id == "wamid.9a8b7c6d-0000-4000-8000-000000000001"


def test_v3_nested_statuses_are_stored(post_callback):
    document = v3_document(
        [[v3_status("gs-1", "sent"), v3_status("gs-2", "delivered")], [v3_status("gs-3", "read")]],
        [[v3_status("gs-4", "sent")]],
    )

    response = post_callback(document)

    assert response.status_code == 200
    assert dict(Message.objects.values_list("message_id", "status")) == {
        "gs-1": "SENT", "gs-2": "SUCCESS", "gs-3": "READ", "gs-4": "SENT"}


@pytest.mark.parametrize("body", [b"", b"[]", b"{}", b"   \n"], ids=["empty", "array", "object",
                                                                    "blank"])
def test_empty_bodies_get_200_and_store_no_event(post_callback, body):
    response = post_callback(body)

    assert response.status_code == 200
    assert StatusEvent.objects.count() == 0
    assert RawCallback.objects.get().outcome == RawCallback.Outcome.EMPTY


def test_v2_health_check_stores_no_event(post_callback):
    body = {"app": "DemoApp", "timestamp": BASE_MS, "version": 2, "type": "platform-event",
            "payload": {"type": "connectivity-check"}}

    response = post_callback(body)

    assert response.status_code == 200
    assert StatusEvent.objects.count() == 0
    assert RawCallback.objects.get().outcome == RawCallback.Outcome.HEALTH_CHECK


def test_v3_health_check_stores_no_event(post_callback):
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "platform-event", "value": {"type": "connectivity-check"}}]}]}

    response = post_callback(body)

    assert response.status_code == 200
    assert StatusEvent.objects.count() == 0
    assert RawCallback.objects.get().outcome == RawCallback.Outcome.HEALTH_CHECK


@pytest.mark.parametrize("body", [
    {"app": "DemoApp", "timestamp": BASE_MS, "version": 2, "type": "message",
     "payload": {"id": "in-1", "type": "text", "payload": {"text": "hello"}}},
    {"app": "DemoApp", "timestamp": BASE_MS, "version": 2, "type": "user-event",
     "payload": {"phone": "447700900123", "type": "opted-in"}},
    {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messages": [{"id": "wamid.in", "text": {"body": "hi"}}]}}
    ]}]},
], ids=["v2-inbound", "v2-user-event", "v3-inbound"])
def test_non_status_events_are_kept_raw_only(post_callback, body):
    response = post_callback(body)

    assert response.status_code == 200
    assert StatusEvent.objects.count() == 0
    raw = RawCallback.objects.get()
    assert raw.outcome == RawCallback.Outcome.IGNORED
    assert json.loads(raw.body_text) == body


def test_unknown_http_method_is_refused_without_storing(client, gupshup_client):
    response = client.delete(gupshup_client.callback_path)

    assert response.status_code == 405
    assert RawCallback.objects.count() == 0
