"""Several callbacks stored in one statement, and the group that collects them from threads."""
import threading
import time
from datetime import datetime, timezone

import pytest
from django.db import DataError, OperationalError, connections

from callbacks import storage
from callbacks.commit_group import CommitGroup
from callbacks.models import Message, QuarantinedEvent, RawCallback, StatusEvent
from callbacks.parsing import parse_callback

from .conftest import enterprise_event, unique_message_id, v3_document, v3_status


def pending(client, body: bytes, remote_addr="203.0.113.7", content_type="application/json"):
    """Parse `body` as the webhook does and return it ready for storage._store_many."""
    request = storage.RequestInfo(
        method="POST", content_type=content_type, query_string="", body=body,
        remote_addr=remote_addr, received_at=datetime.now(timezone.utc))
    result = parse_callback(body, content_type, {}, "POST")
    rows, raws, rejected = storage._event_rows(result)
    return storage._PendingCallback(client.id, request, result.format,
                                    storage._fallback_outcome(result), rows, raws, rejected)


def json_body(value) -> bytes:
    import json

    return json.dumps(value).encode()


@pytest.mark.django_db
def test_shared_statement_keeps_raw_per_callback(make_client):
    first_client, second_client = make_client("First"), make_client("Second")
    first_id, second_id = unique_message_id(), unique_message_id()
    callbacks = [
        pending(first_client, json_body([enterprise_event(first_id, "SENT"),
                                         enterprise_event(first_id, "DELIVERED", 5)])),
        pending(second_client, json_body([enterprise_event(second_id, "READ", 9)])),
        pending(first_client, b""),
    ]

    results = storage._store_many(callbacks)

    assert [result.stored for result in results] == [2, 1, 0]
    assert [result.outcome for result in results] == ["stored", "stored", "empty"]
    assert results[0].stored_by_status == {"SENT": 1, "SUCCESS": 1}
    assert results[1].stored_by_status == {"READ": 1}
    raws = {raw.id: raw for raw in RawCallback.objects.all()}
    assert sorted(raws) == sorted(result.raw_callback_id for result in results)
    assert raws[results[0].raw_callback_id].client_id == first_client.id
    assert raws[results[1].raw_callback_id].client_id == second_client.id
    assert bytes(raws[results[1].raw_callback_id].body) == callbacks[1].request.body
    assert str(raws[results[0].raw_callback_id].remote_addr) == "203.0.113.7"
    assert Message.objects.get(client=first_client, message_id=first_id).status == "SUCCESS"
    assert Message.objects.get(client=second_client, message_id=second_id).status == "READ"


@pytest.mark.django_db
def test_duplicate_across_callbacks_is_stored_once(gupshup_client):
    message_id = unique_message_id()
    body = json_body([enterprise_event(message_id, "DELIVERED", 5)])

    results = storage._store_many([pending(gupshup_client, body), pending(gupshup_client, body)])

    assert sorted(result.stored for result in results) == [0, 1]
    assert sorted(result.duplicates for result in results) == [0, 1]
    assert sorted(result.outcome for result in results) == ["duplicate", "stored"]
    assert StatusEvent.objects.filter(message_id=message_id).count() == 1


@pytest.mark.django_db
def test_same_message_in_several_callbacks_follows_rank(gupshup_client):
    message_id = unique_message_id()
    callbacks = [
        pending(gupshup_client, json_body([enterprise_event(message_id, word, offset)]))
        for word, offset in (("READ", 9), ("SENT", 0), ("DELIVERED", 5))
    ]

    storage._store_many(callbacks)

    message = Message.objects.get(message_id=message_id)
    assert message.status == "READ"
    assert message.status_version == 1
    assert message.sent_at is not None
    assert message.delivered_at is not None
    assert StatusEvent.objects.filter(message_id=message_id).count() == 3


@pytest.mark.django_db
def test_quarantined_event_points_at_its_own_callback(gupshup_client):
    good = pending(gupshup_client, json_body([enterprise_event(unique_message_id())]))
    bad = pending(gupshup_client, json_body([{"eventType": "DELIVERED"}]))

    good_result, bad_result = storage._store_many([good, bad])

    assert good_result.outcome == "stored"
    assert bad_result.outcome == "quarantined"
    assert bad_result.rejected == 1
    quarantined = QuarantinedEvent.objects.get(raw_callback_id=bad_result.raw_callback_id)
    assert "externalId" in quarantined.reason
    assert not QuarantinedEvent.objects.filter(raw_callback_id=good_result.raw_callback_id).exists()


@pytest.mark.django_db
def test_whatsapp_id_joins_gupshup_id_of_another_callback(gupshup_client):
    gs_id = f"gs-{unique_message_id()}"
    enqueued = v3_document([[v3_status(gs_id, "sent", 1_721_650_000)]])
    read_by_wa_id_only = v3_document([[{"id": f"wamid.{gs_id}", "status": "read",
                                        "timestamp": "1721650009",
                                        "recipient_id": "447700900123"}]])

    storage._store_many([pending(gupshup_client, json_body(enqueued)),
                         pending(gupshup_client, json_body(read_by_wa_id_only))])

    assert list(Message.objects.values_list("message_id", "status")) == [(gs_id, "READ")]


def counting(store_many, delay_first=0.0):
    """Wrap a store function: count its calls and the group sizes, delay the first call."""
    calls = []

    def store(items):
        calls.append(len(items))
        if len(calls) == 1 and delay_first:
            time.sleep(delay_first)
        return store_many(items)

    return store, calls


def submit_from_threads(group: CommitGroup, items: list, stagger=0.0):
    """Submit every item from its own thread; return (outcome or error) per item."""
    results = [None] * len(items)

    def run(index, item):
        try:
            results[index] = group.submit(item)
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = error
        finally:
            connections.close_all()

    threads = []
    for index, item in enumerate(items):
        thread = threading.Thread(target=run, args=(index, item))
        thread.start()
        threads.append(thread)
        time.sleep(stagger)
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_group_collects_queued_callbacks():
    store, calls = counting(lambda items: [item * 10 for item in items], delay_first=0.3)
    group = CommitGroup(store, max_size=100, split_on=lambda error: True)

    results = submit_from_threads(group, list(range(6)), stagger=0.02)

    assert results == [0, 10, 20, 30, 40, 50]
    assert calls == [1, 5]


def test_group_respects_max_size():
    store, calls = counting(lambda items: list(items), delay_first=0.3)
    group = CommitGroup(store, max_size=2, split_on=lambda error: True)

    results = submit_from_threads(group, list(range(5)), stagger=0.02)

    assert results == [0, 1, 2, 3, 4]
    assert calls == [1, 2, 2]


def test_failed_group_is_stored_item_by_item():
    def store(items):
        if 3 in items:
            raise ValueError("item 3 is invalid")
        return [item * 10 for item in items]

    store, calls = counting(store, delay_first=0.3)
    group = CommitGroup(store, max_size=100, split_on=lambda error: True)

    results = submit_from_threads(group, [1, 2, 3, 4], stagger=0.02)

    assert results[:2] == [10, 20]
    assert isinstance(results[2], ValueError)
    assert results[3] == 40
    assert calls == [1, 3, 1, 1, 1]


def test_unavailable_database_fails_the_group_without_retries():
    def store(items):
        if len(items) > 1:
            raise OperationalError("connection refused")
        time.sleep(0.3)
        return list(items)

    store, calls = counting(store)
    group = CommitGroup(store, max_size=100,
                        split_on=lambda error: not isinstance(error, OperationalError))

    results = submit_from_threads(group, [1, 2, 3], stagger=0.02)

    assert results[0] == 1
    assert all(isinstance(result, OperationalError) for result in results[1:])
    assert calls == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_threads_share_statements(gupshup_client):
    message_ids = [unique_message_id() for _ in range(8)]
    callbacks = [pending(gupshup_client, json_body([enterprise_event(message_id)]))
                 for message_id in message_ids]
    store, calls = counting(storage._store_many, delay_first=0.3)
    group = CommitGroup(store, max_size=2000,
                        split_on=lambda error: not isinstance(error, OperationalError))

    results = submit_from_threads(group, callbacks, stagger=0.02)

    assert [result.outcome for result in results] == ["stored"] * 8
    assert len({result.raw_callback_id for result in results}) == 8
    assert calls == [1, 7]
    assert Message.objects.filter(message_id__in=message_ids).count() == 8
    assert RawCallback.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_rejected_value_fails_only_its_own_request(gupshup_client):
    good_ids = [unique_message_id() for _ in range(3)]
    callbacks = [pending(gupshup_client, json_body([enterprise_event(message_id)]))
                 for message_id in good_ids]
    # An address that is not an IP address fails the statement's inet cast.
    callbacks.insert(1, pending(gupshup_client, json_body([enterprise_event(unique_message_id())]),
                                remote_addr="not-an-address"))
    store, calls = counting(storage._store_many, delay_first=0.3)
    group = CommitGroup(store, max_size=2000,
                        split_on=lambda error: not isinstance(error, OperationalError))

    results = submit_from_threads(group, callbacks, stagger=0.02)

    assert isinstance(results[1], DataError)
    assert [results[index].outcome for index in (0, 2, 3)] == ["stored"] * 3
    assert calls == [1, 3, 1, 1, 1]
    assert Message.objects.filter(message_id__in=good_ids).count() == 3
    assert RawCallback.objects.count() == 3
