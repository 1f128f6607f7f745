"""Login: form-encoded credentials, the endPoint host, the raw token header and bad passwords."""

import urllib.parse

import pytest

from responsys_emulator.testing import EmulatorProcess
from responsys_sync.client import ResponsysAuthError, ResponsysClient

from .conftest import FOLDER, spy_session

AWKWARD_PASSWORD = "p&ss=w+rd %41%"


def test_password_with_reserved_characters_logs_in(tmp_path):
    emulator = EmulatorProcess.start(tmp_path, users={"dlr api": AWKWARD_PASSWORD})
    try:
        client = ResponsysClient(emulator.login_url, "dlr api", AWKWARD_PASSWORD, timeout=5.0)

        end_point = client.test_connection()

        assert end_point == emulator.api_url
        assert emulator.control.call_counts()["login"] == 1
    finally:
        emulator.stop()


def test_login_sends_credentials_in_form_body(new_client, api):
    session = spy_session()
    client = new_client(session=session)

    client.test_connection()

    login_request = session.sent[0]
    assert login_request.url == f"{api.login_url}/rest/api/v1.3/auth/token"
    assert login_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(login_request.body.decode("ascii"))
    assert form == {"user_name": ["demo"], "password": ["demo-password"], "auth_type": ["password"]}


def test_data_calls_use_endpoint_and_raw_token(new_client, api):
    session = spy_session()
    client = new_client(session=session)

    assert client.describe_table(FOLDER, "DLR_REPORT") is None

    token = client.token_store.get().auth_token
    describe_request = session.sent[1]
    assert describe_request.url.startswith(f"{api.api_url}/rest/api/v1.3/folder/")
    assert describe_request.headers["Authorization"] == token


def test_test_connection_logs_in_afresh(new_client, api):
    client = new_client()
    client.describe_table(FOLDER, "DLR_REPORT")

    end_point = client.test_connection()

    assert end_point == api.api_url
    assert api.control.call_counts()["login"] == 2


def test_wrong_password_not_retried(new_client, api, sleeper):
    client = new_client(password="wrong-password")

    with pytest.raises(ResponsysAuthError) as caught:
        client.describe_table(FOLDER, "DLR_REPORT")

    assert caught.value.error_code == "INVALID_USER_NAME_PASSWORD"
    assert caught.value.http_status == 400
    assert caught.value.function == "login"
    assert api.control.call_counts()["login"] == 1
    assert api.control.call_counts()["describe_table"] == 0
    assert sleeper.delays == []


def test_login_url_with_path_is_rejected():
    with pytest.raises(ValueError, match="without a path"):
        ResponsysClient("https://login5.responsys.net/rest/api/v1.3", "demo", "demo-password")
