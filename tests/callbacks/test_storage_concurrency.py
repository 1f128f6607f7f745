"""Requests racing on the same messages, in real threads with their own database connections.

Each thread posts through the webhook view with its own connection, in autocommit as in
production. Every test runs twice: with callbacks grouped into shared statements (the default)
and with one statement per callback, where the statements race inside PostgreSQL.
"""
import json
import random
import threading
from datetime import datetime, timezone

import pytest
from django.db import connections
from django.test import Client as HttpClient

from callbacks.models import Message, StatusEvent

from .conftest import BASE_MS, enterprise_event, unique_message_id

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

STATUS_OFFSETS = {"SENT": 0, "DELIVERED": 5, "READ": 9}


@pytest.fixture(autouse=True, params=[2000, 0], ids=["grouped", "one-per-statement"])
def group_max_events(request, settings):
    settings.CALLBACK_GROUP_MAX_EVENTS = request.param
    return request.param


def race(path: str, bodies: list[list[dict]]) -> list[int]:
    """Post every body from its own thread at the same moment; return the status codes."""
    barrier = threading.Barrier(len(bodies))
    codes = [None] * len(bodies)

    def post(index: int, body: list[dict]):
        try:
            http = HttpClient()
            payload = json.dumps(body).encode()
            barrier.wait()
            codes[index] = http.generic("POST", path, data=payload,
                                        content_type="application/json").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(index, body))
               for index, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def test_racing_statuses_end_at_highest_rank(gupshup_client):
    rounds = []
    for _ in range(15):
        message_id = unique_message_id()
        bodies = [[enterprise_event(message_id, word, offset)]
                  for word, offset in STATUS_OFFSETS.items()]
        random.shuffle(bodies)
        rounds.append((message_id, race(gupshup_client.callback_path, bodies)))

    for message_id, codes in rounds:
        assert codes == [200, 200, 200]
        message = Message.objects.get(message_id=message_id)
        assert message.status == "READ"
        assert message.status_time == datetime.fromtimestamp(BASE_MS / 1000 + 9, tz=timezone.utc)
        assert message.sent_at is not None
        assert message.delivered_at is not None
    assert StatusEvent.objects.count() == 45


def test_racing_duplicates_are_stored_once(gupshup_client):
    event = enterprise_event(unique_message_id(), "DELIVERED")

    codes = race(gupshup_client.callback_path, [[event]] * 6)

    assert codes == [200] * 6
    assert StatusEvent.objects.count() == 1
    assert Message.objects.get().status_version == 1


def test_overlapping_batches_in_opposite_orders_do_not_deadlock(gupshup_client):
    message_ids = [unique_message_id() for _ in range(20)]
    forward = [enterprise_event(message_id, "DELIVERED", 5) for message_id in message_ids]
    backward = [enterprise_event(message_id, "SENT", 0) for message_id in reversed(message_ids)]
    shuffled = [enterprise_event(message_id, "READ", 9)
                for message_id in random.sample(message_ids, len(message_ids))]

    codes = race(gupshup_client.callback_path, [forward, backward, shuffled, forward, backward])

    assert codes == [200] * 5
    assert Message.objects.filter(status="READ").count() == 20
    assert StatusEvent.objects.count() == 60
