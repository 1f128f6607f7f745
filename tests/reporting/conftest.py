"""A small named cast for the dashboard tests, and a way to lay down messages quickly.

Acme and Globex are two clients. Alice markets for Acme, Bob for Globex, Olivia is an outsider
with an account but no client, and Sam is staff.
"""
import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from callbacks.models import Message, StatusEvent
from reporting.aggregation import rebuild_all

PASSWORD = "a-long-test-password-1"
_serial = itertools.count(1)
_RANK = {None: 0, "SENT": 1, "UNKNOWN_SUBSCRIBER": 2, "DEFERRED": 2, "OTHER": 2, "SUCCESS": 3,
         "READ": 4}


@pytest.fixture
def acme(make_client):
    return make_client("Acme")


@pytest.fixture
def globex(make_client):
    return make_client("Globex")


def _user(username, clients=(), **fields):
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, **fields)
    for client in clients:
        client.members.add(user)
    return user


@pytest.fixture
def alice(acme):
    return _user("alice", [acme])


@pytest.fixture
def bob(globex):
    return _user("bob", [globex])


@pytest.fixture
def olivia(db):
    return _user("olivia")


@pytest.fixture
def sam(db):
    return _user("sam", is_staff=True, is_superuser=True)


def add_message(client, status="SUCCESS", *, at=None, message_id=None, phone="447700900123",
                sender="ACMESHOP", cause="", error_code="", extra="", with_events=True):
    """Store one message with the events its status implies; `at` is its first event time."""
    at = at or timezone.now() - timedelta(hours=1)
    message_id = message_id or f"msg-{next(_serial):08d}"
    steps = {"SENT": ["SENT"], "SUCCESS": ["SENT", "SUCCESS"], "READ": ["SENT", "SUCCESS", "READ"],
             "OTHER": ["SENT", "OTHER"]}.get(status, [status] if status else [])
    times = {step: at + timedelta(seconds=10 * index) for index, step in enumerate(steps)}
    message = Message.objects.create(
        client=client, message_id=message_id, phone=phone, sender=sender, status=status,
        status_rank=_RANK[status], status_time=times.get(status), cause=cause,
        error_code=error_code, first_event_at=at, extra=extra,
        sent_at=times.get("SENT"), delivered_at=times.get("SUCCESS"), read_at=times.get("READ"),
    )
    if with_events:
        for step, moment in (times.items() if steps else [("enqueued", at)]):
            StatusEvent.objects.create(
                client=client, message_id=message_id, status=None if step == "enqueued" else step,
                status_key=step, raw_status=step.lower(), event_time=moment, phone=phone,
                sender=sender, channel="WHATSAPP", format="enterprise",
                cause=cause if step == status else "", error_code=error_code if step == status else "",
                raw={"externalId": message_id, "eventType": step},
            )
    return message


@pytest.fixture
def refreshed():
    """Call after laying down messages: bring the aggregates up to date."""
    return rebuild_all
