"""Both web servers keep the webhook token out of their logs.

The unit tests cover the gunicorn logger's masking. The live tests run once per server
(granian through dlr_project.server, gunicorn through dlr_project/gunicorn.conf.py) and
read the access log and the server's own output.
"""
import importlib.util
import logging
import re

import pytest
import requests

from tests.conftest import ROOT, wait_until

from .conftest import enterprise_event, unique_message_id


def load_gunicorn_conf():
    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", ROOT / "dlr_project" / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conf = load_gunicorn_conf()
TOKEN = "Zx9_secret-Token0123456789abcdefghijklmnopq"


@pytest.mark.parametrize("line", [
    f"POST /callbacks/gupshup/{TOKEN}/ HTTP/1.1",
    f"GET /callbacks/gupshup/{TOKEN}/?externalId=1 HTTP/1.1",
    f"GET /callbacks/gupshup/{TOKEN} HTTP/1.1",
    f'"POST /CALLBACKS/GUPSHUP/{TOKEN}/ HTTP/1.1"',
    f"Error handling request /callbacks/gupshup/{TOKEN}/",
])
def test_mask_removes_the_token(line):
    masked = conf.mask_callback_tokens(line)

    assert TOKEN not in masked
    assert conf.MASK in masked


def test_mask_keeps_the_rest_of_the_line():
    line = f"127.0.0.1 \"POST /callbacks/gupshup/{TOKEN}/ HTTP/1.1\" 200 12"

    assert conf.mask_callback_tokens(line) == (
        f"127.0.0.1 \"POST /callbacks/gupshup/{conf.MASK}/ HTTP/1.1\" 200 12")


def test_mask_hides_the_event_in_a_query_string():
    line = f"GET /callbacks/gupshup/{TOKEN}/?externalId=1&phoneNo=917887038175 HTTP/1.1"

    masked = conf.mask_callback_tokens(line)

    assert masked == f"GET /callbacks/gupshup/{conf.MASK}/?{conf.MASK} HTTP/1.1"
    assert "917887038175" not in masked


def test_mask_leaves_other_paths_alone():
    line = "GET /admin/callbacks/rawcallback/ HTTP/1.1"

    assert conf.mask_callback_tokens(line) == line


def test_error_log_filter_masks_formatted_messages():
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1,
                               "Error handling request %s", (f"/callbacks/gupshup/{TOKEN}/",), None)

    conf._MaskingFilter().filter(record)

    assert TOKEN not in record.getMessage()


def read_from(path, offset: int) -> str:
    """Return what was appended to a log file after `offset` bytes."""
    with open(path, "rb") as log:
        log.seek(offset)
        return log.read().decode()


def wait_for_lines(path, offset: int, count: int) -> list[str]:
    """Wait until `count` lines were appended after `offset`; return the appended lines."""
    return wait_until(lambda: len(lines := read_from(path, offset).splitlines()) >= count and lines,
                      message=f"{count} access log lines not written")


@pytest.mark.django_db(transaction=True)
def test_real_access_log_line_has_the_token_masked(live_web_server, make_client):
    client = make_client("Access log client")
    body = [enterprise_event(unique_message_id(), "SENT")]

    ok = requests.post(live_web_server.base_url + client.callback_path, json=body, timeout=10)
    missing = requests.post(live_web_server.base_url + "/callbacks/gupshup/wrong-"
                            + client.callback_token + "/", json=body, timeout=10)

    assert ok.status_code == 200
    assert missing.status_code == 404
    access_log = live_web_server.access_log
    log = wait_until(lambda: access_log.read_text().count("/callbacks/gupshup/") >= 2 and
                     access_log.read_text(), message="access log lines not written")
    assert client.callback_token not in log
    assert f"/callbacks/gupshup/{conf.MASK}/ HTTP/1.1\" 200" in log
    assert f"/callbacks/gupshup/{conf.MASK}/ HTTP/1.1\" 404" in log


@pytest.mark.django_db(transaction=True)
def test_webhook_line_has_path_status_and_size(live_web_server, make_client):
    client = make_client("Access line client")
    offset = live_web_server.access_log.stat().st_size

    response = requests.post(live_web_server.base_url + client.callback_path,
                             json=[enterprise_event(unique_message_id(), "READ")], timeout=10)

    assert response.status_code == 200
    [line] = wait_for_lines(live_web_server.access_log, offset, 1)
    match = re.fullmatch(r'127\.0\.0\.1 \[[^\]]+\] "(.+)" (\d{3}) (\S+) \d+ms', line)
    assert match, line
    assert match.group(1) == f"POST /callbacks/gupshup/{conf.MASK}/ HTTP/1.1"
    assert match.group(2) == "200"
    assert match.group(3) == str(len(response.content))


@pytest.mark.django_db(transaction=True)
def test_token_absent_from_every_server_log(live_web_server, make_client):
    client = make_client("Silent log client")
    token = client.callback_token
    base_url = live_web_server.base_url
    body = [enterprise_event(unique_message_id(), "DELIVERED")]
    access_offset = live_web_server.access_log.stat().st_size

    responses = [
        requests.post(f"{base_url}/callbacks/gupshup/{token}/", json=body, timeout=10),
        requests.post(f"{base_url}/callbacks/gupshup/{token}", json=body, timeout=10),
        requests.get(f"{base_url}/callbacks/gupshup/{token}/",
                     params={"externalId": unique_message_id(), "eventType": "READ"},
                     timeout=10),
        # Not the webhook's URL pattern, so Django's URL resolver handles it.
        requests.post(f"{base_url}/callbacks/gupshup/{token}/extra/", json=body, timeout=10),
        requests.post(f"{base_url}/callbacks/gupshup/{token}x/", json=body, timeout=10),
    ]

    assert [response.status_code for response in responses] == [200, 200, 200, 404, 404]
    access_lines = wait_for_lines(live_web_server.access_log, access_offset, len(responses))
    assert all(f"/callbacks/gupshup/{conf.MASK}" in line for line in access_lines)
    assert token not in live_web_server.access_log.read_text()
    output = live_web_server.output_log.read_text()
    assert "Listening at" in output
    assert token not in output


@pytest.mark.django_db(transaction=True)
def test_other_pages_are_logged_unmasked(live_web_server):
    offset = live_web_server.access_log.stat().st_size

    health = requests.get(live_web_server.base_url + "/healthz?probe=access-log", timeout=10)
    admin = requests.get(live_web_server.base_url + "/admin/callbacks/rawcallback/",
                         allow_redirects=False, timeout=10)

    assert health.status_code == 200
    assert admin.status_code == 302
    lines = wait_for_lines(live_web_server.access_log, offset, 2)
    assert f'"GET /healthz?probe=access-log HTTP/1.1" 200 {len(health.content)} ' in lines[0]
    assert '"GET /admin/callbacks/rawcallback/ HTTP/1.1" 302 ' in lines[1]
