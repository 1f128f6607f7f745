"""Login, logout and password change for marketers; cookies are secure outside debug."""
import pytest
from django.conf import settings

from tests.reporting.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_leads_to_the_overview(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_is_refused(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_session_cookie_is_secure_when_not_debugging(client, alice):
    assert settings.DEBUG is False
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True


def test_session_cookie_is_http_only(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"] is True


def test_csrf_cookie_is_secure_when_not_debugging():
    assert settings.CSRF_COOKIE_SECURE is True


def test_logout_ends_the_session(client, alice):
    client.force_login(alice)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_password_change_takes_the_new_password(client, alice):
    client.force_login(alice)
    client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "another-long-password-2",
        "new_password2": "another-long-password-2",
    })
    alice.refresh_from_db()
    assert alice.check_password("another-long-password-2")
