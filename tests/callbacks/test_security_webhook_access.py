"""Webhook access: long random tokens, allowlists, rotation grace, CSRF and log hygiene."""
import hmac
import logging
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.utils import timezone

from callbacks import tokens
from callbacks.models import Client, QuarantinedEvent, RawCallback, StatusEvent, new_callback_token
from callbacks.storage import replay_raw_callback

from .conftest import enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db


def one_event() -> list[dict]:
    return [enterprise_event(unique_message_id(), "SENT")]


def test_tokens_are_long_url_safe_random_secrets():
    issued = {new_callback_token() for _ in range(200)}

    assert len(issued) == 200
    assert all(len(token) >= 43 for token in issued)
    assert all(token.replace("-", "").replace("_", "").isalnum() for token in issued)


def test_token_lookup_compares_in_constant_time(post_callback, monkeypatch):
    comparisons = []
    original = hmac.compare_digest

    def recording_compare(left, right):
        comparisons.append((left, right))
        return original(left, right)

    monkeypatch.setattr(tokens.hmac, "compare_digest", recording_compare)

    assert post_callback(one_event()).status_code == 200
    assert len(comparisons) == 1


def test_token_never_appears_in_logs(post_callback, gupshup_client, settings, caplog):
    settings.CALLBACK_MAX_BODY_BYTES = 10_000
    caplog.set_level(logging.DEBUG)
    path = gupshup_client.callback_path

    codes = [
        post_callback(one_event()).status_code,
        post_callback(b"not json", content_type="text/plain").status_code,
        post_callback(b"[" + b" " * 20_000 + b"]").status_code,
        post_callback(one_event(), path=path.replace(gupshup_client.callback_token,
                                                     "x" + gupshup_client.callback_token)
                      ).status_code,
    ]

    assert codes == [200, 200, 413, 404]
    assert caplog.records
    for record in caplog.records:
        assert gupshup_client.callback_token not in record.getMessage()


def test_allowlisted_address_is_accepted(client, make_client):
    allowed = make_client("Allowlisted", ip_allowlist="10.0.0.0/8\n127.0.0.1\n")

    response = client.post(allowed.callback_path, data=one_event(),
                           content_type="application/json")

    assert response.status_code == 200


def test_address_outside_allowlist_returns_403(client, make_client):
    strict = make_client("Strict", ip_allowlist="10.0.0.0/8\n2001:db8::/32")

    response = client.post(strict.callback_path, data=one_event(),
                           content_type="application/json")

    assert response.status_code == 403
    assert not StatusEvent.objects.exists()


def test_refused_body_is_quarantined_for_replay(client, make_client):
    strict = make_client("Strict", ip_allowlist="10.0.0.0/8")

    client.post(strict.callback_path, data=one_event(), content_type="application/json")

    raw = RawCallback.objects.get(client=strict)
    assert raw.outcome == RawCallback.Outcome.QUARANTINED
    quarantined = QuarantinedEvent.objects.get(raw_callback=raw)
    assert "127.0.0.1" in quarantined.reason
    assert "allowlist" in quarantined.reason
    stored = replay_raw_callback(raw)
    assert stored.stored == 1
    assert StatusEvent.objects.filter(client=strict).count() == 1


def test_ipv6_address_in_the_allowlist_is_accepted(client, make_client):
    allowed = make_client("IPv6", ip_allowlist="2001:db8::/32")

    response = client.post(allowed.callback_path, data=one_event(),
                           content_type="application/json", REMOTE_ADDR="2001:db8::5")

    assert response.status_code == 200
    assert RawCallback.objects.get().remote_addr == "2001:db8::5"


def test_empty_allowlist_accepts_any_address(client, gupshup_client):
    response = client.post(gupshup_client.callback_path, data=one_event(),
                           content_type="application/json", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200


def test_rotated_token_valid_during_grace(client, gupshup_client):
    old_path = gupshup_client.callback_path
    gupshup_client.rotate_callback_token()
    tokens.clear_cache()

    old = client.post(old_path, data=one_event(), content_type="application/json")
    new = client.post(gupshup_client.callback_path, data=one_event(),
                      content_type="application/json")

    assert old.status_code == 200
    assert new.status_code == 200
    assert RawCallback.objects.filter(client=gupshup_client).count() == 2


def test_rotated_token_stops_working_after_the_grace_period(client, gupshup_client):
    old_path = gupshup_client.callback_path
    gupshup_client.rotate_callback_token()
    Client.objects.filter(pk=gupshup_client.pk).update(
        previous_token_valid_until=timezone.now() - timedelta(seconds=1))
    tokens.clear_cache()

    old = client.post(old_path, data=one_event(), content_type="application/json")
    new = client.post(gupshup_client.callback_path, data=one_event(),
                      content_type="application/json")

    assert old.status_code == 404
    assert new.status_code == 200


@pytest.fixture
def logged_in_browser(db):
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw-1234567")
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("path", ["/accounts/logout/", "/admin/callbacks/client/add/",
                                  "/api/messages/"])
def test_session_post_elsewhere_without_csrf_token_is_refused(logged_in_browser, path):
    response = logged_in_browser.post(path, data={"name": "sneaky"})

    assert response.status_code == 403
    assert not Client.objects.filter(name="sneaky").exists()


def test_webhook_accepts_a_post_without_csrf_token(logged_in_browser, gupshup_client):
    response = logged_in_browser.post(gupshup_client.callback_path, data=one_event(),
                                      content_type="application/json")

    assert response.status_code == 200
