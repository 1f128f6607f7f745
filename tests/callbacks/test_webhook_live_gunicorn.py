"""The webhook behind granian and gunicorn, as deployed: raw HTTP over loopback with keep-alive.

Every test runs once per server (the live_web_server fixture is parametrized).
"""
import json
import socket
from urllib.parse import urlencode, urlparse

import psycopg
import pytest
from django.db import connection

from callbacks.models import Message, RawCallback

from .conftest import enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db(transaction=True)


def send_raw(base_url: str, requests: list[bytes]) -> list[bytes]:
    """Send raw HTTP/1.1 requests on one connection; return each response's status line."""
    address = urlparse(base_url)
    status_lines = []
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        for request in requests:
            sock.sendall(request)
            status_lines.append(reader.readline().strip())
            length = 0
            while (header := reader.readline().strip()):
                name, _, value = header.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            reader.read(length)
    return status_lines


def post_without_content_type(path: str, body: bytes) -> bytes:
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def test_bodies_without_content_type_over_keepalive(live_web_server, make_client):
    base_url = live_web_server.base_url
    client = make_client("Live client")
    form_batch = [enterprise_event(unique_message_id(), "DELIVERED") for _ in range(20)]
    json_batch = [enterprise_event(unique_message_id(), "READ")]
    form_body = urlencode({"response": json.dumps(form_batch)}).encode()

    status_lines = send_raw(base_url, [
        post_without_content_type(client.callback_path, form_body),
        post_without_content_type(client.callback_path, json.dumps(json_batch).encode()),
    ])

    assert status_lines == [b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK"]
    assert Message.objects.filter(client=client, status="SUCCESS").count() == 20
    assert Message.objects.filter(client=client, status="READ").count() == 1
    assert set(RawCallback.objects.filter(client=client).values_list("content_type",
                                                                      flat=True)) == {""}


def test_webhook_recovers_after_its_database_connection_is_killed(live_web_server, make_client):
    base_url = live_web_server.base_url
    client = make_client("Recovering client")
    first = post_without_content_type(client.callback_path, b"[]")
    assert send_raw(base_url, [first]) == [b"HTTP/1.1 200 OK"]
    settings = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]

    with psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                         user=settings["USER"] or "root", dbname=settings["NAME"],
                         autocommit=True) as killer:
        killed = killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
            " current_database() AND pid NOT IN (pg_backend_pid(), %s)"
            " AND backend_type = 'client backend'", [own_pid]).fetchall()
    message_id = unique_message_id()
    body = json.dumps([enterprise_event(message_id, "SENT")]).encode()
    # A client whose token no worker has cached yet makes the token lookup hit the database.
    new_client = make_client("Client created after the restart")
    new_message_id = unique_message_id()
    new_body = json.dumps([enterprise_event(new_message_id, "READ")]).encode()

    status_lines = send_raw(base_url, [post_without_content_type(client.callback_path, body)])
    status_lines += send_raw(base_url, [post_without_content_type(new_client.callback_path,
                                                                  new_body)])

    assert killed
    assert status_lines == [b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK"]
    assert Message.objects.get(message_id=message_id).status == "SENT"
    assert Message.objects.get(message_id=new_message_id).status == "READ"


def chunked_post(path: str, body: bytes) -> bytes:
    middle = len(body) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part)
                      for part in (body[:middle], body[middle:]))
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")


def test_chunked_body_is_stored_whole(live_web_server, make_client):
    base_url = live_web_server.base_url
    client = make_client("Chunked client")
    batch = [enterprise_event(unique_message_id(), "DELIVERED") for _ in range(5)]
    body = json.dumps(batch).encode()

    status_lines = send_raw(base_url, [chunked_post(client.callback_path, body)])

    assert status_lines == [b"HTTP/1.1 200 OK"]
    assert Message.objects.filter(client=client, status="SUCCESS").count() == 5
    assert bytes(RawCallback.objects.get(client=client).body) == body


def test_idle_keepalive_connections_leave_room(live_web_server, make_client):
    """Gupshup keeps connections open between callbacks; they must not lock out new clients.

    granian's backpressure counts open connections, idle ones included, so a limit as low as
    the thread count made a new connection wait for an old one to close.
    """
    client = make_client("Crowded client")
    address = urlparse(live_web_server.base_url)
    idle = []
    try:
        for _ in range(8):
            sock = socket.create_connection((address.hostname, address.port), timeout=10)
            idle.append(sock)
            sock.sendall(post_without_content_type(client.callback_path, b"[]"))
            assert sock.recv(64).startswith(b"HTTP/1.1 200")

        body = json.dumps([enterprise_event(unique_message_id(), "DELIVERED")]).encode()
        status_lines = send_raw(live_web_server.base_url,
                                [post_without_content_type(client.callback_path, body)])
    finally:
        for sock in idle:
            sock.close()

    assert status_lines == [b"HTTP/1.1 200 OK"]
    assert Message.objects.filter(client=client, status="SUCCESS").count() == 1
