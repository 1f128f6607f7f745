"""The gunicorn logger masks the webhook token in access and error log lines."""
import importlib.util
import logging

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
    line = f"127.0.0.1 \"POST /callbacks/gupshup/{TOKEN}/?a=1 HTTP/1.1\" 200 12"

    assert conf.mask_callback_tokens(line) == (
        f"127.0.0.1 \"POST /callbacks/gupshup/{conf.MASK}/?a=1 HTTP/1.1\" 200 12")


def test_mask_leaves_other_paths_alone():
    line = "GET /admin/callbacks/rawcallback/ HTTP/1.1"

    assert conf.mask_callback_tokens(line) == line


def test_error_log_filter_masks_formatted_messages():
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1,
                               "Error handling request %s", (f"/callbacks/gupshup/{TOKEN}/",), None)

    conf._MaskingFilter().filter(record)

    assert TOKEN not in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_real_access_log_line_has_the_token_masked(live_gunicorn, make_client):
    base_url, access_log = live_gunicorn
    client = make_client("Access log client")
    body = [enterprise_event(unique_message_id(), "SENT")]

    ok = requests.post(base_url + client.callback_path, json=body, timeout=10)
    missing = requests.post(base_url + "/callbacks/gupshup/wrong-" + client.callback_token + "/",
                            json=body, timeout=10)

    assert ok.status_code == 200
    assert missing.status_code == 404
    log = wait_until(lambda: access_log.read_text().count("/callbacks/gupshup/") >= 2 and
                     access_log.read_text(), message="access log lines not written")
    assert client.callback_token not in log
    assert f"/callbacks/gupshup/{conf.MASK}/ HTTP/1.1\" 200" in log
    assert f"/callbacks/gupshup/{conf.MASK}/ HTTP/1.1\" 404" in log
