"""dlr_project.server: the WSGI wrapper granian serves, its settings, and how the process stops.

The webhook itself behind granian is tested in tests/callbacks (test_webhook_live_gunicorn.py and
test_security_access_log.py run against both web servers).
"""
import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from dlr_project.log_masking import MASK
from dlr_project.server import ServedApplication, ServerSettings, metrics_folder_warning
from tests.conftest import ROOT, _test_database_url

TOKEN = "Zx9_secret-Token0123456789abcdefghijklmnopq"


def request_environ(**overrides) -> dict:
    """Return the keys granian sets from a POST to the webhook, as the request would have them."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": f"/callbacks/gupshup/{TOKEN}/",
        "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "2", "SCRIPT_NAME": "",
        "wsgi.input": io.BytesIO(b"[]"), "wsgi.url_scheme": "http",
    }
    environ.update(overrides)
    return environ


def served_by_granian(request: dict) -> dict:
    """Return an environ built as granian 2.8 builds it: the process environment, then the request."""
    return {**os.environ, "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "Granian",
            **request}


class RecordingApplication:
    """A WSGI application that keeps the environ it was called with and returns `body`."""

    def __init__(self, body=(b"hello",), headers=(), status="201 Created"):
        self.body, self.headers, self.status = body, list(headers), status
        self.environ = None

    def __call__(self, environ, start_response):
        self.environ = dict(environ)
        start_response(self.status, self.headers)
        return self.body


def memory_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(name)
    logger.handlers = [logging.StreamHandler(stream)]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def call(application, environ):
    return application(environ, lambda status, headers, exc_info=None: None)


# --- ServedApplication: the request environ -------------------------------------------------


def test_environ_loses_secrets_from_process(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:db-password@db.internal/dlr")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "process-secret-key")
    inner = RecordingApplication()
    application = ServedApplication(inner, access_logger=None)

    call(application, served_by_granian(request_environ()))

    assert "DATABASE_URL" not in inner.environ
    assert "DJANGO_SECRET_KEY" not in inner.environ
    assert "PATH" not in inner.environ
    leaked = set(os.environ) & set(inner.environ)
    assert leaked == set()


def test_environ_keeps_request_keys(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "process-secret-key")
    inner = RecordingApplication()
    application = ServedApplication(inner, access_logger=None)
    request = request_environ(QUERY_STRING="externalId=1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    call(application, served_by_granian(request))

    for key, value in request.items():
        assert inner.environ.get(key) is value, key
    assert inner.environ["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert inner.environ["SERVER_SOFTWARE"] == "Granian"


def test_django_request_meta_has_no_secrets(monkeypatch):
    """A Django view reads request.META, which is the environ ServedApplication passes on."""
    from django.core.handlers.wsgi import WSGIRequest

    monkeypatch.setenv("DATABASE_URL", "postgres://app:db-password@db.internal/dlr")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "process-secret-key")
    seen = {}

    def view_application(environ, start_response):
        request = WSGIRequest(environ)
        seen.update(meta=dict(request.META), path=request.path, body=request.body,
                    content_type=request.content_type, host=request.get_host())
        start_response("200 OK", [])
        return [b""]

    call(ServedApplication(view_application, access_logger=None),
         served_by_granian(request_environ()))

    assert "DATABASE_URL" not in seen["meta"]
    assert "DJANGO_SECRET_KEY" not in seen["meta"]
    assert "process-secret-key" not in repr(seen["meta"])
    assert seen["path"] == f"/callbacks/gupshup/{TOKEN}/"
    assert seen["body"] == b"[]"
    assert seen["content_type"] == "application/json"
    assert seen["host"] == "127.0.0.1:8000"


def test_inherited_header_name_is_removed(monkeypatch):
    """HTTP_PROXY set for the process must not look like a Proxy header the client sent."""
    monkeypatch.setenv("HTTP_PROXY", "http://user:proxy-password@proxy.internal:3128")
    monkeypatch.setenv("CONTENT_TYPE", "text/plain")
    inner = RecordingApplication()
    application = ServedApplication(inner, access_logger=None)

    call(application, served_by_granian(request_environ(CONTENT_TYPE="application/json")))

    assert "HTTP_PROXY" not in inner.environ
    assert inner.environ["CONTENT_TYPE"] == "application/json"


def test_request_header_with_inherited_name_is_kept(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    inner = RecordingApplication()
    application = ServedApplication(inner, access_logger=None)

    call(application, served_by_granian(request_environ(HTTP_PROXY="sent-by-client")))

    assert inner.environ["HTTP_PROXY"] == "sent-by-client"


# --- ServedApplication: the access log --------------------------------------------------------

ACCESS_LINE = re.compile(r'127\.0\.0\.1 \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] '
                         r'"(?P<request>[^"]*)" (?P<status>\S+) (?P<size>\S+) \d+ms')


def test_access_line_masks_token_and_counts_bytes():
    logger, stream = memory_logger("test.server.access.masked")
    application = ServedApplication(RecordingApplication(body=[b"hello", b" world"]), logger)

    result = call(application, request_environ(QUERY_STRING="externalId=7"))

    assert result == [b"hello", b" world"]
    line = stream.getvalue().strip()
    assert TOKEN not in line
    match = ACCESS_LINE.fullmatch(line)
    assert match, line
    assert match["request"] == f"POST /callbacks/gupshup/{MASK}/?{MASK} HTTP/1.1"
    assert match["status"] == "201"
    assert match["size"] == "11"


def test_access_line_prefers_content_length():
    logger, stream = memory_logger("test.server.access.length")
    inner = RecordingApplication(body=[b"abc"], headers=[("Content-Length", "3")],
                                 status="200 OK")

    call(ServedApplication(inner, logger), request_environ(REQUEST_METHOD="GET",
                                                           PATH_INFO="/healthz"))

    match = ACCESS_LINE.fullmatch(stream.getvalue().strip())
    assert match["request"] == "GET /healthz HTTP/1.1"
    assert match["status"] == "200"
    assert match["size"] == "3"


def test_access_line_for_streamed_body_has_no_size():
    logger, stream = memory_logger("test.server.access.streamed")
    inner = RecordingApplication(body=(chunk for chunk in [b"a", b"b"]), status="200 OK")

    call(ServedApplication(inner, logger), request_environ(REQUEST_METHOD="GET",
                                                           PATH_INFO="/export"))

    match = ACCESS_LINE.fullmatch(stream.getvalue().strip())
    assert match["size"] == "-"


def test_failing_application_logs_500():
    logger, stream = memory_logger("test.server.access.failing")

    def failing_application(environ, start_response):
        raise RuntimeError("view failed")

    with pytest.raises(RuntimeError, match="view failed"):
        call(ServedApplication(failing_application, logger), request_environ())

    match = ACCESS_LINE.fullmatch(stream.getvalue().strip())
    assert match["request"] == f"POST /callbacks/gupshup/{MASK}/ HTTP/1.1"
    assert match["status"] == "500"
    assert match["size"] == "-"


# --- ServerSettings -----------------------------------------------------------------------------


def test_settings_defaults():
    settings = ServerSettings.from_environment({})

    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.workers == (os.cpu_count() or 1) + 1
    assert settings.blocking_threads == 12
    assert settings.log_level == "info"


def test_metrics_folder_warning_for_several_workers():
    warning = metrics_folder_warning({}, workers=3)

    assert warning is not None
    assert "PROMETHEUS_MULTIPROC_DIR" in warning
    assert "3 workers" in warning


def test_metrics_folder_warning_not_needed():
    assert metrics_folder_warning({}, workers=1) is None
    assert metrics_folder_warning({"PROMETHEUS_MULTIPROC_DIR": "/tmp/metrics"}, workers=3) is None


def test_settings_read_every_variable():
    settings = ServerSettings.from_environment({
        "DLR_BIND": "0.0.0.0:9000", "WEB_CONCURRENCY": "3", "DLR_BLOCKING_THREADS": "8",
        "DLR_LOG_LEVEL": "WARNING"})

    assert settings == ServerSettings(host="0.0.0.0", port=9000, workers=3, blocking_threads=8,
                                      log_level="warning")


def test_settings_accept_bracketed_ipv6():
    settings = ServerSettings.from_environment({"DLR_BIND": "[::1]:8443"})

    assert settings.host == "::1"
    assert settings.port == 8443


def test_settings_treat_empty_values_as_unset():
    settings = ServerSettings.from_environment({
        "DLR_BIND": "", "WEB_CONCURRENCY": "", "DLR_BLOCKING_THREADS": "", "DLR_LOG_LEVEL": ""})

    assert settings == ServerSettings.from_environment({})


@pytest.mark.parametrize(("name", "value"), [
    ("DLR_BIND", "localhost:8000"),
    ("DLR_BIND", "127.0.0.1"),
    ("DLR_BIND", ":8000"),
    ("DLR_BIND", "127.0.0.1:0"),
    ("DLR_BIND", "127.0.0.1:65536"),
    ("DLR_BIND", "127.0.0.1:http"),
    ("DLR_BIND", "::1:8000"),
    ("DLR_BIND", "[127.0.0.1]:8000"),
    ("DLR_BIND", "127.0.0.1:8000,[::1]:8000"),
    ("WEB_CONCURRENCY", "0"),
    ("WEB_CONCURRENCY", "-1"),
    ("WEB_CONCURRENCY", "two"),
    ("WEB_CONCURRENCY", "1.5"),
    ("DLR_BLOCKING_THREADS", "0"),
    ("DLR_BLOCKING_THREADS", "many"),
    ("DLR_LOG_LEVEL", "verbose"),
    ("DLR_LOG_LEVEL", "trace"),
])
def test_settings_reject_invalid_value(name, value):
    with pytest.raises(SystemExit) as raised:
        ServerSettings.from_environment({name: value})

    message = str(raised.value.code)
    assert message.startswith(f"{name} is invalid: expected ")
    assert repr(value) in message


def test_invalid_setting_stops_server_at_start():
    env = {**os.environ, "DLR_BIND": "localhost:8000"}

    result = subprocess.run([sys.executable, "-m", "dlr_project.server"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert "DLR_BIND is invalid" in result.stderr
    assert "'localhost:8000'" in result.stderr


# --- The running server -------------------------------------------------------------------------


def child_pids(parent: int) -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            children.add(int(entry.name))
    return children


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class GranianProcess:
    """granian started as deployed, on the test database and a free port, in its own group."""

    def __init__(self, database_url: str, folder: Path, workers: int, **extra_env: str):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.output_log = folder / "output.log"
        env = {**os.environ, "DATABASE_URL": database_url,
               "DJANGO_SETTINGS_MODULE": "dlr_project.settings_test",
               "DLR_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
               "DLR_ACCESS_LOG": str(folder / "access.log"), **extra_env}
        # Its own process group, so that cleanup after a failure also reaches the workers,
        # which granian does not stop when its main process is killed.
        with open(self.output_log, "wb") as output:
            self.process = subprocess.Popen([sys.executable, "-m", "dlr_project.server"],
                                            cwd=ROOT, env=env, stdout=output,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.workers = set()

    def wait_until_serving(self, workers: int) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert requests.get(f"{self.base_url}/healthz", timeout=5).status_code == 200
                break
            except requests.ConnectionError:
                assert self.process.poll() is None, self.output_log.read_text()
                assert time.monotonic() < deadline, "granian did not answer in 30 s"
                time.sleep(0.2)
        self.workers = wait_for_workers(self.process.pid, workers)

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


# The mark makes pytest-django create the test database, which the server uses.
@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_server_with_code_0(django_db_setup, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    server = GranianProcess(database_url, tmp_path, workers=2)
    try:
        server.wait_until_serving(workers=2)
        # An idle keep-alive connection must not hold up the shutdown.
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert idle.recv(64).startswith(b"HTTP/1.1 200")

        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=10)
        elapsed = time.monotonic() - started
        running_workers = [pid for pid in server.workers if is_running(pid)]
        idle.close()
    finally:
        server.kill()

    assert code == 0
    assert elapsed < 5, f"stopping took {elapsed:.1f} s"
    assert running_workers == []
    assert "Granian shutdown completed" in server.output_log.read_text()


@pytest.mark.django_db(transaction=True)
def test_sigterm_finishes_callback_in_flight(django_db_setup, django_db_blocker, tmp_path,
                                                   make_client):
    """A callback whose statement is still waiting when a deploy stops the server gets 200."""
    import psycopg

    from callbacks.models import Message

    client = make_client("In flight")
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    server = GranianProcess(database_url, tmp_path, workers=1)
    responses = []
    try:
        server.wait_until_serving(workers=1)
        with psycopg.connect(database_url) as blocker:
            # The callback's statement waits for this lock, so the request is still in flight
            # when the signal comes.
            blocker.execute("LOCK TABLE callbacks_message IN SHARE MODE")
            sender = threading.Thread(target=lambda: responses.append(requests.post(
                f"{server.base_url}{client.callback_path}", timeout=30,
                json=[{"externalId": "in-flight-1", "eventType": "DELIVERED",
                       "eventTs": 1_721_650_000_000, "destAddr": "447700900123"}])))
            sender.start()
            wait_for_lock_wait(database_url)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(1)
            still_running = server.process.poll() is None
            blocker.rollback()
        sender.join(timeout=30)
        code = server.process.wait(timeout=10)
    finally:
        server.kill()

    assert still_running, "granian stopped before its request in flight had an answer"
    assert [response.status_code for response in responses] == [200]
    assert responses[0].json()["stored"] == 1
    assert Message.objects.filter(client=client, message_id="in-flight-1").exists()
    assert code == 0


@pytest.mark.django_db(transaction=True)
def test_statement_stuck_on_lock_returns_503(django_db_setup, django_db_blocker, tmp_path,
                                             make_client):
    """PostgreSQL cancels a webhook statement that waits too long, and Gupshup gets 503."""
    import psycopg

    from callbacks.models import Message

    client = make_client("Stuck")
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    # One thread, so that the stuck request runs on the connection that the first request
    # opened. A broken connection is retried once on a new one, but a statement timeout is not.
    server = GranianProcess(database_url, tmp_path, workers=1, DLR_BLOCKING_THREADS="1",
                            DATABASE_STATEMENT_TIMEOUT_MS="1500")
    url = f"http://127.0.0.1:{server.port}{client.callback_path}"

    def event(message_id: str) -> list[dict]:
        return [{"externalId": message_id, "eventType": "DELIVERED",
                 "eventTs": 1_721_650_000_000, "destAddr": "447700900123"}]

    try:
        server.wait_until_serving(workers=1)
        first = requests.post(url, json=event("before-lock"), timeout=30)
        with psycopg.connect(database_url) as blocker:
            blocker.execute("LOCK TABLE callbacks_message IN SHARE MODE")
            started = time.monotonic()
            stuck = requests.post(url, json=event("during-lock"), timeout=30)
            elapsed = time.monotonic() - started
            blocker.rollback()
        retried = requests.post(url, json=event("during-lock"), timeout=30)
    finally:
        server.kill()

    assert first.status_code == 200
    assert stuck.status_code == 503
    assert stuck.headers["Retry-After"] == "30"
    # A retry on a new connection would wait another 1.5 s.
    assert 1.4 < elapsed < 2.9, f"answered after {elapsed:.2f} s"
    output = server.output_log.read_text()
    assert "returned 503: statement cancelled" in output
    assert "canceling statement due to statement timeout" in output
    assert retried.status_code == 200
    assert retried.json()["stored"] == 1
    assert Message.objects.filter(client=client, message_id="during-lock").count() == 1


def wait_for_lock_wait(database_url: str) -> None:
    """Wait until a backend of the database is waiting for a table lock."""
    import psycopg

    deadline = time.monotonic() + 10
    with psycopg.connect(database_url, autocommit=True) as observer:
        while not observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'").fetchone()[0]:
            assert time.monotonic() < deadline, "the callback never waited for the lock"
            time.sleep(0.05)


def wait_for_workers(parent: int, count: int) -> set[int]:
    deadline = time.monotonic() + 10
    while len(workers := child_pids(parent)) < count:
        assert time.monotonic() < deadline, f"{count} workers not started: {workers}"
        time.sleep(0.1)
    return workers
