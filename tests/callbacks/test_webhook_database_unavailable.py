"""A webhook that cannot commit returns 503, never 200, and leaves nothing half-written.

The database is broken for real: the request's own backend is terminated from another
connection while its statement waits on a row lock, or the connection points at a closed port.
"""
import json
import socket
import threading

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client as HttpClient

from callbacks.models import Message, RawCallback, StatusEvent
from tests.conftest import wait_until

from .conftest import enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db(transaction=True)


def admin_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                           user=settings["USER"] or "root", dbname=settings["NAME"],
                           autocommit=True)


def post_in_thread(path: str, body: bytes, responses: list) -> threading.Thread:
    def run():
        try:
            responses.append(HttpClient().generic("POST", path, data=body,
                                                  content_type="application/json"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def lock_waiters(connection: psycopg.Connection) -> list:
    return connection.execute(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query LIKE '%%callbacks_rawcallback%%'").fetchall()


def hold_message_lock(blocker: psycopg.Connection, client_id: int, message_id: str) -> None:
    """Insert the message without committing, so the webhook's upsert of it has to wait."""
    blocker.execute("BEGIN")
    blocker.execute(
        "INSERT INTO callbacks_message (client_id, message_id, wa_message_id, phone, sender,"
        " channel, extra, status_rank, cause, error_code, error_title, first_event_at,"
        " status_version, pushed_version, last_push_error, created_at, updated_at)"
        " VALUES (%s, %s, '', '', '', 'WHATSAPP', '', 0, '', '', '', now(), 0, 0, '', now(),"
        " now())", [client_id, message_id])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_terminated_backend_returns_503_writes_nothing(gupshup_client):
    locked_id = unique_message_id()
    other_id = unique_message_id()
    body = json.dumps([enterprise_event(other_id, "SENT"), enterprise_event(locked_id, "SENT")])
    responses = []

    with admin_connection() as blocker, admin_connection() as killer:
        hold_message_lock(blocker, gupshup_client.id, locked_id)

        thread = post_in_thread(gupshup_client.callback_path, body.encode(), responses)
        # The webhook retries once on a new connection, so its backend is terminated twice.
        # A terminated backend can still be listed as waiting for a moment, so the second
        # round looks for a backend other than the first.
        terminated = set()
        for attempt in range(2):
            waiting = wait_until(
                lambda: [row for row in lock_waiters(killer) if row[0] not in terminated],
                message=f"statement {attempt + 1} never waited on the lock")
            killer.execute("SELECT pg_terminate_backend(%s)", [waiting[0][0]])
            terminated.add(waiting[0][0])
        thread.join(timeout=30)
        blocker.execute("ROLLBACK")

    assert responses[0].status_code == 503
    assert responses[0]["Retry-After"]
    assert RawCallback.objects.count() == 0
    assert StatusEvent.objects.count() == 0
    assert Message.objects.count() == 0


def test_database_on_closed_port_answers_503(gupshup_client, settings):
    path = gupshup_client.callback_path
    body = json.dumps([enterprise_event(unique_message_id(), "SENT")]).encode()
    responses = []

    def run():
        worker_connection = connections["default"]
        worker_connection.settings_dict = {**worker_connection.settings_dict,
                                           "PORT": closed_port()}
        worker_connection.close()
        try:
            responses.append(HttpClient().generic("POST", path, data=body,
                                                  content_type="application/json"))
        finally:
            worker_connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)

    assert responses[0].status_code == 503
    assert RawCallback.objects.count() == 0


def test_closed_port_after_cached_token_returns_503(gupshup_client, client):
    path = gupshup_client.callback_path
    # Warm the per-process token cache, so that the break hits the storing step.
    assert client.post(path, data=b"[]", content_type="application/json").status_code == 200
    body = json.dumps([enterprise_event(unique_message_id(), "SENT")]).encode()
    responses = []

    def run():
        worker_connection = connections["default"]
        worker_connection.settings_dict = {**worker_connection.settings_dict,
                                           "PORT": closed_port()}
        worker_connection.close()
        try:
            responses.append(HttpClient().generic("POST", path, data=body,
                                                  content_type="application/json"))
        finally:
            worker_connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)

    assert responses[0].status_code == 503
    assert StatusEvent.objects.count() == 0


def test_one_terminated_backend_is_retried_and_stored_once(gupshup_client):
    locked_id = unique_message_id()
    body = json.dumps([enterprise_event(locked_id, "SENT")])
    responses = []

    with admin_connection() as blocker, admin_connection() as killer:
        hold_message_lock(blocker, gupshup_client.id, locked_id)
        thread = post_in_thread(gupshup_client.callback_path, body.encode(), responses)
        waiting = wait_until(lambda: lock_waiters(killer),
                             message="webhook statement never waited on the lock")
        terminated = waiting[0][0]
        killer.execute("SELECT pg_terminate_backend(%s)", [terminated])
        wait_until(lambda: [row for row in lock_waiters(killer) if row[0] != terminated],
                   message="the retry never waited on the lock")
        blocker.execute("ROLLBACK")
        thread.join(timeout=30)

    assert responses[0].status_code == 200
    assert RawCallback.objects.count() == 1
    assert StatusEvent.objects.get().message_id == locked_id
    assert Message.objects.get().status == "SENT"
