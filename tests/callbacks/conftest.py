"""Fixtures for the webhook tests: a client, request helpers and body builders.

The builders write each Gupshup format as it arrives on the wire. The parser tests beside this
file check the parsing itself, and the webhook tests check what reaches the database via HTTP.
"""
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE_MS = 1_721_650_000_000
_serial = itertools.count(1)


def unique_message_id() -> str:
    """Return an enterprise-style message id that no other test uses."""
    number = next(_serial)
    return f"4820193746501{number:06d}-610293847561{number:06d}"


def enterprise_event(message_id: str, event_type: str = "DELIVERED", offset_s: int = 0,
                     **fields) -> dict:
    """One enterprise event as Gupshup documents it; `fields` override or add keys."""
    event = {
        "externalId": message_id,
        "eventType": event_type,
        "eventTs": BASE_MS + offset_s * 1000,
        "destAddr": "447700900123",
        "srcAddr": "447700900999",
        "cause": {"SENT": "SENT", "DELIVERED": "SUCCESS", "READ": "READ"}.get(event_type, "OTHER"),
        "errorCode": "000",
        "channel": "WHATSAPP",
    }
    event.update(fields)
    return event


def v2_event(gs_id: str, kind: str = "delivered", ts: int = 1_721_650_003, **payload_fields) -> dict:
    """One v2 message-event envelope for a DLR carrying gsId and the WhatsApp id."""
    payload = {"id": f"wamid.{gs_id}", "gsId": gs_id, "type": kind,
               "destination": "447700900123", "ts": ts, "payload": {}}
    payload.update(payload_fields)
    return {"app": "DemoApp", "timestamp": ts * 1000 + 123, "version": 2,
            "type": "message-event", "payload": payload}


def v3_status(gs_id: str, word: str = "delivered", ts: int = 1_721_650_003, **fields) -> dict:
    status = {"id": f"wamid.{gs_id}", "gs_id": gs_id, "status": word, "timestamp": str(ts),
              "recipient_id": "447700900123"}
    status.update(fields)
    return status


def v3_document(*changes_per_entry: list) -> dict:
    """A v3 body: each argument is one entry, a list of changes, each change a list of statuses."""
    entries = []
    for number, changes in enumerate(changes_per_entry):
        entries.append({"id": f"40100000000000{number}", "changes": [
            {"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550104477", "phone_number_id": "301"},
                "statuses": statuses}}
            for statuses in changes
        ]})
    return {"object": "whatsapp_business_account", "gs_app_id": "app-1", "entry": entries}


@pytest.fixture
def gupshup_client(make_client):
    """A client whose webhook accepts callbacks from any address."""
    return make_client("Webhook client")


@pytest.fixture
def post_callback(client, gupshup_client):
    """POST a body (bytes, str, list or dict) to the client's webhook; return the response."""

    def post(body, content_type: str | None = "application/json", path: str | None = None,
             **extra):
        if isinstance(body, (list, dict)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        return client.generic("POST", path or gupshup_client.callback_path, data=body,
                              content_type=content_type or "", **extra)

    return post


# How each supported web server is started in production. Both read DLR_BIND, WEB_CONCURRENCY,
# DLR_ACCESS_LOG and DLR_LOG_LEVEL from the environment.
WEB_SERVER_COMMANDS = {
    "granian": ["-m", "dlr_project.server"],
    "gunicorn": ["-m", "gunicorn", "dlr_project.wsgi", "--config", "dlr_project/gunicorn.conf.py"],
}


@dataclass(frozen=True)
class LiveWebServer:
    name: str
    base_url: str
    access_log: Path
    # The server's stdout and stderr together, which hold its own and Django's log lines.
    output_log: Path


@pytest.fixture(scope="module", params=sorted(WEB_SERVER_COMMANDS))
def live_web_server(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """Each web server, started as deployed, on the test database and a free port.

    Every test that uses the fixture runs once per server. Tests that use it need
    `django_db(transaction=True)` so that the server can read the rows they create.
    """
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import requests

    from tests.conftest import ROOT, _test_database_url

    name = request.param
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tmp_path_factory.mktemp(name))
    access_log = folder / "access.log"
    output_log = folder / "output.log"
    env = {**os.environ, "DATABASE_URL": database_url,
           "DJANGO_SETTINGS_MODULE": "dlr_project.settings_test",
           "DLR_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "DLR_ACCESS_LOG": str(access_log), "DLR_ERROR_LOG": "-"}
    # The server leads its own process group, so that kill_group also ends its workers, which
    # granian leaves running when its main process is killed.
    with open(output_log, "wb") as output:
        process = subprocess.Popen([sys.executable, *WEB_SERVER_COMMANDS[name]], cwd=ROOT,
                                   env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)

    def kill_group():
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(base_url + "/healthz", timeout=10)
            break
        except requests.RequestException:
            if process.poll() is not None:
                kill_group()
                raise RuntimeError(f"{name} exited early; see {output_log}")
            time.sleep(0.2)
    else:
        kill_group()
        raise RuntimeError(f"{name} did not answer in 30 s; see {output_log}")
    yield LiveWebServer(name, base_url, access_log, output_log)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    kill_group()
