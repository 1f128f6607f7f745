"""Login, token refresh, token expiry and the three invalid-token responses."""

import time

import requests

from .helpers import PASSWORD, SPECIAL_PASSWORD, SPECIAL_USER, USER, ResponsysSession

TOKEN_PATH = "/rest/api/v1.3/auth/token"
LIST_TABLES = "/rest/api/v1.3/suppData"
INVALID_TOKEN_BODY = {"type": "", "title": "Not a valid token", "errorCode": "INVALID_TOKEN",
                      "detail": "Not a valid authentication token", "errorDetails": []}


def test_login_returns_token_and_api_endpoint(emulator):
    before_ms = int(time.time() * 1000)
    response = requests.post(f"{emulator.login_url}{TOKEN_PATH}", data={
        "user_name": USER, "password": PASSWORD, "auth_type": "password"})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"authToken", "issuedAt", "endPoint"}
    assert len(body["authToken"]) == 54
    assert isinstance(body["issuedAt"], int)
    assert before_ms <= body["issuedAt"] <= int(time.time() * 1000)
    assert body["endPoint"] == emulator.api_url
    assert body["endPoint"] != emulator.login_url


def test_login_accepts_password_with_reserved_characters(emulator):
    session = ResponsysSession(emulator)
    response = session.login(SPECIAL_USER, SPECIAL_PASSWORD)
    assert response.status_code == 200
    assert session.call("GET", LIST_TABLES).status_code == 200


def test_login_rejects_wrong_password(emulator):
    response = ResponsysSession(emulator).login(USER, "wrong")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_USER_NAME_PASSWORD"
    assert response.json()["errorDetails"] == []


def test_login_rejects_credentials_in_query_string(emulator):
    response = requests.post(
        f"{emulator.login_url}{TOKEN_PATH}",
        params={"user_name": USER, "password": PASSWORD, "auth_type": "password"},
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"
    assert "body" in response.json()["detail"]


def test_login_rejects_json_body(emulator):
    response = requests.post(f"{emulator.login_url}{TOKEN_PATH}", json={
        "user_name": USER, "password": PASSWORD, "auth_type": "password"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


def test_password_login_not_served_on_api_port(emulator):
    response = requests.post(f"{emulator.api_url}{TOKEN_PATH}", data={
        "user_name": USER, "password": PASSWORD, "auth_type": "password"})
    assert response.status_code == 404


def test_data_call_on_login_host_is_not_found(responsys):
    response = requests.get(f"{responsys.emulator.login_url}{LIST_TABLES}",
                            headers={"Authorization": responsys.token})
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")


def test_refresh_issues_new_token_and_keeps_old_one(responsys):
    response = requests.post(f"{responsys.emulator.login_url}{TOKEN_PATH}",
                             data={"auth_type": "token"},
                             headers={"Authorization": responsys.token})
    new_token = response.json()["authToken"]
    assert response.status_code == 200
    assert new_token != responsys.token
    assert response.json()["endPoint"] == responsys.emulator.api_url
    assert responsys.call("GET", LIST_TABLES, token=new_token).status_code == 200
    assert responsys.call("GET", LIST_TABLES).status_code == 200


def test_refresh_accepted_on_api_host(responsys):
    response = requests.post(f"{responsys.endpoint}{TOKEN_PATH}", data={"auth_type": "token"},
                             headers={"Authorization": responsys.token})
    assert response.status_code == 200


def test_refresh_login_host_only(responsys):
    responsys.emulator.control.update_settings(refresh_login_host_only=True)
    response = requests.post(f"{responsys.endpoint}{TOKEN_PATH}", data={"auth_type": "token"},
                             headers={"Authorization": responsys.token})
    assert response.status_code == 404


def test_refresh_revokes_old_token_when_configured(responsys):
    responsys.emulator.control.update_settings(refresh_revokes_old=True)
    response = requests.post(f"{responsys.emulator.login_url}{TOKEN_PATH}",
                             data={"auth_type": "token"},
                             headers={"Authorization": responsys.token})
    assert response.status_code == 200
    assert responsys.call("GET", LIST_TABLES).status_code == 401


def test_refresh_with_unknown_token_is_invalid_token(emulator):
    response = requests.post(f"{emulator.login_url}{TOKEN_PATH}", data={"auth_type": "token"},
                             headers={"Authorization": "not-a-token"})
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN_BODY


def test_bearer_prefix_makes_token_unknown(responsys):
    response = responsys.call("GET", LIST_TABLES, token=f"Bearer {responsys.token}")
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN_BODY


def test_missing_authorization_is_invalid_token(responsys):
    response = requests.get(f"{responsys.endpoint}{LIST_TABLES}")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_TOKEN"


def test_expired_tokens_get_invalid_token(responsys):
    assert responsys.emulator.control.expire_tokens() == 1
    response = responsys.call("GET", LIST_TABLES)
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN_BODY


def test_token_expires_after_ttl(start_emulator):
    session = ResponsysSession(start_emulator(token_ttl=1))
    session.login()
    assert session.call("GET", LIST_TABLES).status_code == 200
    time.sleep(1.2)
    assert session.call("GET", LIST_TABLES).status_code == 401


def test_invalid_token_shape_unexpected_exception(responsys):
    responsys.emulator.control.set_invalid_token_shape("unexpected_exception")
    response = responsys.call("GET", LIST_TABLES, token="unknown")
    assert response.status_code == 500
    assert response.json()["errorCode"] == "UNEXPECTED_EXCEPTION"
    assert response.json()["detail"] == "Not a valid authentication token"


def test_invalid_token_shape_token_expired(responsys):
    responsys.emulator.control.set_invalid_token_shape("token_expired")
    responsys.emulator.control.expire_tokens()
    response = responsys.call("GET", LIST_TABLES)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "TOKEN_EXPIRED"
    assert response.json()["title"] == "Authentication token expired"


def test_invalid_token_shape_from_command_line(start_emulator):
    session = ResponsysSession(start_emulator(invalid_token_shape="unexpected_exception"))
    session.login()
    assert session.call("GET", LIST_TABLES, token="unknown").status_code == 500


def test_login_throttled_after_ten_per_minute(emulator):
    session = ResponsysSession(emulator)
    statuses = [session.login().status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 400
    assert session.login().json()["errorCode"] == "API_LIMIT_EXCEEDED"


def test_users_from_environment_join_command_line_users(monkeypatch):
    from responsys_emulator.cli import USERS_VARIABLE, parse_users, users_from_environment

    monkeypatch.setenv(USERS_VARIABLE, "demo:pass:with:colons\n\n  second:other  \n")

    users = parse_users(["cli:secret"] + users_from_environment())

    assert users == {"cli": "secret", "demo": "pass:with:colons", "second": "other"}
