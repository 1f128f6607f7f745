"""The client change page's buttons: sync now, test the connection, rotate the callback token."""
import pytest

from responsys_sync.models import SyncRun
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(client, sam):
    client.force_login(sam)
    return client


def change_page(browser, client):
    return browser.get(f"/admin/callbacks/client/{client.pk}/change/").content.decode()


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def test_change_page_has_buttons(staff_browser, acme):
    page = change_page(staff_browser, acme)
    assert 'id="client-sync-now"' in page
    assert 'id="client-test-connection"' in page
    assert 'id="client-rotate-token"' in page


def test_buttons_post_with_csrf(staff_browser, acme):
    page = change_page(staff_browser, acme)
    sync_form = page.split(f'action="/admin/callbacks/client/{acme.pk}/sync-now/"')[1]
    assert "csrfmiddlewaretoken" in sync_form.split("</form>")[0]


def test_rotate_button_asks_first(staff_browser, acme):
    old_token = acme.callback_token
    response = staff_browser.get(f"/admin/callbacks/client/{acme.pk}/rotate-token/")
    acme.refresh_from_db()
    assert 'id="rotate-token-confirmation"' in response.content.decode()
    assert acme.callback_token == old_token


def test_rotation_message_shows_new_url(staff_browser, acme):
    response = staff_browser.post(f"/admin/callbacks/client/{acme.pk}/rotate-token/",
                                  {"post": "yes"}, follow=True)
    acme.refresh_from_db()
    [message] = shown_messages(response)
    assert acme.callback_url in message
    assert acme.previous_token_valid_until.strftime("%Y-%m-%d %H:%M") in message


def test_rotate_list_action_asks_first(staff_browser, acme):
    old_token = acme.callback_token
    response = staff_browser.post("/admin/callbacks/client/", {
        "action": "rotate_token", "_selected_action": [acme.pk], "index": 0})
    acme.refresh_from_db()
    assert 'id="rotate-token-confirmation"' in response.content.decode()
    assert acme.callback_token == old_token


def test_connection_button_warns_unconfigured(staff_browser, acme):
    response = staff_browser.post(f"/admin/callbacks/client/{acme.pk}/test-connection/",
                                  follow=True)
    assert shown_messages(response) == ["Acme: no Responsys connection configured."]


def test_connection_button_reports_success(staff_browser, make_client, fresh_emulator):
    client = make_client("Connected", emulator=fresh_emulator)
    response = staff_browser.post(f"/admin/callbacks/client/{client.pk}/test-connection/",
                                  follow=True)
    assert "logged in" in shown_messages(response)[0]


def test_buttons_refuse_get(staff_browser, acme):
    response = staff_browser.get(f"/admin/callbacks/client/{acme.pk}/sync-now/")
    assert response.status_code == 405


def test_buttons_need_staff(client, alice, acme):
    client.force_login(alice)
    response = client.post(f"/admin/callbacks/client/{acme.pk}/sync-now/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_sync_button_runs_manual_sync(celery_worker_process, make_client, fresh_emulator,
                                      client, sam):
    client.force_login(sam)
    dlr_client = make_client("Button", emulator=fresh_emulator)
    client.post(f"/admin/callbacks/client/{dlr_client.pk}/sync-now/")
    run = wait_until(lambda: SyncRun.objects.filter(client=dlr_client, finished_at__isnull=False)
                     .first(), message="manual sync run finished")
    assert run.trigger == SyncRun.Trigger.MANUAL
