"""The client admin: opt-in toggle, callback URL, token rotation, password, actions, help."""
import pytest
from django_celery_beat.models import PeriodicTask

from callbacks.models import Client
from responsys_sync.models import SyncRun
from responsys_sync.scheduling import periodic_task_name
from tests.conftest import DEMO_PASSWORD, wait_until


@pytest.fixture
def staff_browser(client, sam):
    client.force_login(sam)
    return client


def run_action(browser, action, client, **extra_fields):
    return browser.post("/admin/callbacks/client/", {
        "action": action, "_selected_action": [client.pk], "index": 0, **extra_fields,
    }, follow=True)


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
def test_list_toggle_opts_a_client_in(staff_browser, acme):
    staff_browser.post("/admin/callbacks/client/", {
        "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": acme.pk,
        "form-0-opted_in": "on", "_save": "Save",
    })
    acme.refresh_from_db()
    assert acme.opted_in is True


@pytest.mark.django_db
def test_list_toggle_enables_the_sync_schedule(staff_browser, acme):
    staff_browser.post("/admin/callbacks/client/", {
        "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": acme.pk,
        "form-0-opted_in": "on", "_save": "Save",
    })
    assert PeriodicTask.objects.get(name=periodic_task_name(acme.pk)).enabled is True


@pytest.mark.django_db
def test_change_page_shows_the_callback_url(staff_browser, acme):
    response = staff_browser.get(f"/admin/callbacks/client/{acme.pk}/change/")
    assert acme.callback_url in response.content.decode()


@pytest.mark.django_db
def test_change_page_shows_the_column_mapping_help(staff_browser, make_client):
    client = make_client("Mapped", responsys_columns={"MESSAGE_ID": "msg_id"})
    page = staff_browser.get(f"/admin/callbacks/client/{client.pk}/change/").content.decode()
    assert 'id="column-mapping"' in page
    assert "<code>MSG_ID</code>" in page


@pytest.mark.django_db
def test_rotate_token_issues_a_new_callback_token(staff_browser, acme):
    old_token = acme.callback_token
    run_action(staff_browser, "rotate_token", acme, post="yes")
    acme.refresh_from_db()
    assert acme.callback_token != old_token


@pytest.mark.django_db
def test_rotate_token_keeps_old_digest(staff_browser, acme):
    old_digest = acme.callback_token_digest
    run_action(staff_browser, "rotate_token", acme, post="yes")
    acme.refresh_from_db()
    assert acme.previous_token_digest == old_digest
    assert acme.previous_token_valid_until is not None


@pytest.mark.django_db
def test_password_is_never_shown(staff_browser, make_client):
    client = make_client("Secretive", responsys_password="s3cret-value")
    page = staff_browser.get(f"/admin/callbacks/client/{client.pk}/change/").content.decode()
    assert "s3cret-value" not in page


def _change_form(client, **overrides):
    data = {
        "name": client.name, "ip_allowlist": "", "sync_interval_minutes": 30,
        "responsys_login_url": client.responsys_login_url,
        "responsys_username": client.responsys_username, "responsys_password_input": "",
        "responsys_folder": client.responsys_folder, "responsys_table": client.responsys_table,
        "responsys_columns": "{}", "responsys_time_zone": "UTC", "recipient_id_source": "phone",
        "recipient_id_extra_part": "", "retention_days": "",
        "sync_runs-TOTAL_FORMS": 0, "sync_runs-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_empty_password_field_keeps_the_stored_password(staff_browser, make_client):
    client = make_client("Keeper", responsys_password="kept-password")
    staff_browser.post(f"/admin/callbacks/client/{client.pk}/change/", _change_form(client))
    client.refresh_from_db()
    assert client.responsys_password == "kept-password"


@pytest.mark.django_db
def test_typed_password_replaces_the_stored_one(staff_browser, make_client):
    client = make_client("Changer", responsys_password="old-password")
    staff_browser.post(f"/admin/callbacks/client/{client.pk}/change/",
                       _change_form(client, responsys_password_input="new-password"))
    client.refresh_from_db()
    assert client.responsys_password == "new-password"


@pytest.mark.django_db
def test_test_connection_reports_success(staff_browser, make_client, fresh_emulator):
    client = make_client("Connected", emulator=fresh_emulator)
    response = run_action(staff_browser, "test_connection", client)
    assert any("logged in" in message for message in shown_messages(response))


@pytest.mark.django_db
def test_test_connection_reports_a_wrong_password(staff_browser, make_client, fresh_emulator):
    client = make_client("Wrong", emulator=fresh_emulator, responsys_password="not-" + DEMO_PASSWORD)
    response = run_action(staff_browser, "test_connection", client)
    assert any("connection failed" in message for message in shown_messages(response))


@pytest.mark.django_db
def test_test_connection_warns_when_unconfigured(staff_browser, acme):
    response = run_action(staff_browser, "test_connection", acme)
    assert any("no Responsys connection" in message for message in shown_messages(response))


@pytest.mark.django_db(transaction=True)
def test_sync_now_runs_a_manual_sync(celery_worker_process, make_client, fresh_emulator, client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root-admin", "r@example.com", "pw-12345678"))
    dlr_client = make_client("Manual", emulator=fresh_emulator)
    run_action(client, "sync_now", dlr_client)
    run = wait_until(lambda: SyncRun.objects.filter(client=dlr_client, finished_at__isnull=False)
                     .first(), message="manual sync run finished")
    assert run.trigger == SyncRun.Trigger.MANUAL


@pytest.mark.django_db
def test_recent_sync_runs_show_on_the_client_page(staff_browser, acme):
    SyncRun.objects.create(client=acme, status=SyncRun.Status.SUCCEEDED, records_sent=7)
    response = staff_browser.get(f"/admin/callbacks/client/{acme.pk}/change/")
    assert "Recent sync runs" in response.content.decode()


@pytest.mark.django_db
def test_sync_run_list_loads(staff_browser, acme):
    SyncRun.objects.create(client=acme, status=SyncRun.Status.FAILED, error="login refused")
    response = staff_browser.get("/admin/responsys_sync/syncrun/")
    assert response.status_code == 200
    assert Client.objects.count() == 1


@pytest.mark.django_db
def test_sync_run_page_shows_rejection_reasons(staff_browser, acme):
    run = SyncRun.objects.create(client=acme, status=SyncRun.Status.PARTIAL, records_rejected=1)
    run.rejections.create(gupshup_message_id="rejected-1", reason="MERGEFAILED: bad phone")
    page = staff_browser.get(f"/admin/responsys_sync/syncrun/{run.pk}/change/").content.decode()
    assert "MERGEFAILED: bad phone" in page


@pytest.mark.django_db
def test_sync_run_search_finds_a_rejected_message(staff_browser, acme):
    run = SyncRun.objects.create(client=acme, status=SyncRun.Status.PARTIAL, records_rejected=1)
    run.rejections.create(gupshup_message_id="rejected-2", reason="MERGEFAILED")
    SyncRun.objects.create(client=acme, status=SyncRun.Status.SUCCEEDED)
    response = staff_browser.get("/admin/responsys_sync/syncrun/?q=rejected-2")
    assert list(response.context["cl"].result_list) == [run]
