"""From Gupshup callbacks to DLR_REPORT rows in the Responsys emulator, through every layer."""
import json
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient
from django_celery_beat.models import PeriodicTask

from callbacks.models import Message, RawCallback, StatusEvent
from responsys_sync.models import SyncRun
from responsys_sync.scheduling import periodic_task_name
from responsys_sync.sync import run_sync
from tests.conftest import wait_until

FOLDER = "Gupshup WhatsApp DLR"
TABLE = "DLR_REPORT"
DELIVERED_ID = "5012345678901234567-123456789012345678"
FAILED_ID = "5098765432109876543-876543210987654321"
READ_ID = "5011111111111111111-111111111111111111"
PHONE = "919812345678"


def enterprise_event(message_id, event_type, cause, ts_ms, error_code="000", phone=PHONE,
                     extra=""):
    return {"externalId": message_id, "eventType": event_type, "eventTs": ts_ms,
            "destAddr": phone, "srcAddr": "RETAILCO", "cause": cause, "errorCode": error_code,
            "channel": "WHATSAPP", "extra": extra}


def post_json(client, payload):
    return HttpClient().post(client.callback_path, json.dumps(payload),
                             content_type="application/json")


def post_campaign(client):
    """Post one small campaign in all three enterprise encodings; return the responses."""
    array = [
        # Out of order: DELIVERED arrives before SENT.
        enterprise_event(DELIVERED_ID, "DELIVERED", "SUCCESS", 1718000004000),
        enterprise_event(DELIVERED_ID, "SENT", "SENT", 1718000000000, "025"),
        enterprise_event(READ_ID, "SENT", "SENT", 1718000001000, "025", phone="+919800000002",
                         extra="RIID-77|CAMP-1"),
    ]
    form = [
        enterprise_event(READ_ID, "READ", "READ", 1718000090000, "026", phone="919800000002"),
        enterprise_event(READ_ID, "DELIVERED", "SUCCESS", 1718000030000, phone="919800000002"),
    ]
    query = {"externalId": FAILED_ID, "deliveredTS": "1718000009000", "status": "FAILURE",
             "cause": " UNKNOWN_SUBSCRIBER", "phoneNo": "00919800000003", "errCode": "003",
             "noOfFrags": "1"}
    http = HttpClient()
    return [
        http.post(client.callback_path, json.dumps(array), content_type="application/json"),
        http.post(client.callback_path, urlencode({"response": json.dumps(form)}),
                  content_type="application/x-www-form-urlencoded"),
        http.get(f"{client.callback_path}?{urlencode(query)}"),
        # Gupshup repeats itself: the whole first batch again.
        http.post(client.callback_path, json.dumps(array), content_type="text/plain"),
    ]


@pytest.mark.django_db
def test_campaign_reaches_dlr_report(fresh_emulator, make_client):
    client = make_client("Acme", emulator=fresh_emulator)

    responses = post_campaign(client)
    run = run_sync(client.pk)

    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.records_sent == 3
    assert run.records_accepted == 3
    rows = {row["MESSAGE_ID"]: row for row in fresh_emulator.control.table_rows(FOLDER, TABLE)}
    assert set(rows) == {DELIVERED_ID, READ_ID, FAILED_ID}

    delivered = rows[DELIVERED_ID]
    assert delivered["STATUS"] == "SUCCESS"
    assert delivered["STATUS_TIMESTAMP"] == "2024-06-10 06:13:24"
    assert delivered["SENT_TIMESTAMP"] == "2024-06-10 06:13:20"
    assert delivered["DELIVERED_TIMESTAMP"] == "2024-06-10 06:13:24"
    assert delivered["READ_TIMESTAMP"] in ("", None)
    assert delivered["MOBILE_NUMBER"] == PHONE
    assert delivered["RECIPIENT_ID"] == PHONE
    assert delivered["SENDER"] == "RETAILCO"
    assert delivered["CHANNEL"] == "WHATSAPP"
    assert delivered["CAUSE"] == "SUCCESS"
    assert delivered["ERROR_CODE"] == "000"

    read = rows[READ_ID]
    assert read["STATUS"] == "READ"
    assert read["STATUS_TIMESTAMP"] == "2024-06-10 06:14:50"
    assert read["SENT_TIMESTAMP"] == "2024-06-10 06:13:21"
    assert read["DELIVERED_TIMESTAMP"] == "2024-06-10 06:13:50"
    assert read["READ_TIMESTAMP"] == "2024-06-10 06:14:50"
    assert read["MOBILE_NUMBER"] == "919800000002"

    failed = rows[FAILED_ID]
    assert failed["STATUS"] == "UNKNOWN_SUBSCRIBER"
    assert failed["CAUSE"] == "UNKNOWN_SUBSCRIBER"
    assert failed["ERROR_CODE"] == "003"
    assert failed["MOBILE_NUMBER"] == "919800000003"
    assert failed["STATUS_TIMESTAMP"] == "2024-06-10 06:13:29"


@pytest.mark.django_db
def test_duplicates_stored_once(fresh_emulator, make_client):
    client = make_client("Acme", emulator=fresh_emulator)

    post_campaign(client)

    assert StatusEvent.objects.filter(client=client).count() == 6
    outcomes = list(RawCallback.objects.filter(client=client).order_by("id")
                    .values_list("outcome", "duplicate_count"))
    assert outcomes[-1] == ("duplicate", 3)


@pytest.mark.django_db
def test_second_sync_sends_only_changes(fresh_emulator, make_client):
    client = make_client("Acme", emulator=fresh_emulator)
    post_campaign(client)
    run_sync(client.pk)

    post_json(client, [enterprise_event(DELIVERED_ID, "READ", "READ", 1718000200000, "026")])
    second = run_sync(client.pk)
    third = run_sync(client.pk)

    assert second.records_sent == 1
    assert third.records_sent == 0
    rows = {row["MESSAGE_ID"]: row for row in fresh_emulator.control.table_rows(FOLDER, TABLE)}
    assert len(rows) == 3
    assert rows[DELIVERED_ID]["STATUS"] == "READ"


@pytest.mark.django_db
def test_late_sent_never_hides_failure(make_client):
    client = make_client("Acme")

    post_json(client, [enterprise_event(FAILED_ID, "FAILED", "DEFERRED", 1718000005000, "005")])
    post_json(client, [enterprise_event(FAILED_ID, "SENT", "SENT", 1718000001000, "025")])

    message = Message.objects.get(client=client, message_id=FAILED_ID)
    assert message.status == "DEFERRED"
    assert message.sent_at is not None
    assert message.status_version == 2


@pytest.mark.django_db
def test_unknown_token_stores_nothing(make_client):
    client = make_client("Acme")
    payload = [enterprise_event(DELIVERED_ID, "SENT", "SENT", 1718000000000)]

    response = HttpClient().post("/callbacks/gupshup/not-a-real-token/", json.dumps(payload),
                                 content_type="application/json")

    assert response.status_code == 404
    assert RawCallback.objects.count() == 0
    assert StatusEvent.objects.count() == 0
    assert Message.objects.filter(client=client).count() == 0


@pytest.mark.django_db
def test_opt_in_creates_30_minute_task(make_client):
    client = make_client("Acme")
    assert not PeriodicTask.objects.filter(name=periodic_task_name(client.pk)).exists()

    client.opted_in = True
    client.save()

    task = PeriodicTask.objects.get(name=periodic_task_name(client.pk))
    assert task.enabled is True
    assert task.task == "responsys_sync.tasks.sync_client"
    assert task.interval.every == 30
    assert task.interval.period == "minutes"
    assert json.loads(task.kwargs) == {"client_id": client.pk}


@pytest.mark.django_db
def test_opt_out_disables_task(make_client):
    client = make_client("Acme", opted_in=True)

    client.opted_in = False
    client.save()

    task = PeriodicTask.objects.get(name=periodic_task_name(client.pk))
    assert task.enabled is False


@pytest.mark.django_db
def test_admin_opt_in_checkbox_enables_task(make_client, admin_client):
    client = make_client("Acme")

    response = admin_client.post("/admin/callbacks/client/", {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(client.pk),
        "form-0-opted_in": "on", "_save": "Save",
    })

    assert response.status_code == 302
    task = PeriodicTask.objects.get(name=periodic_task_name(client.pk))
    assert task.enabled is True


@pytest.mark.django_db(transaction=True)
def test_sync_now_runs_on_real_worker(fresh_emulator, make_client, admin_client,
                                      celery_worker_process):
    client = make_client("Acme", emulator=fresh_emulator)
    post_campaign(client)

    response = admin_client.post("/admin/callbacks/client/", {
        "action": "sync_now", "_selected_action": [str(client.pk)],
    })

    assert response.status_code == 302
    run = wait_until(
        lambda: SyncRun.objects.filter(client=client).exclude(status="running").first(),
        timeout=30, message="the worker did not finish a sync run")
    assert run.trigger == SyncRun.Trigger.MANUAL
    assert run.status == SyncRun.Status.SUCCEEDED
    assert fresh_emulator.control.row_count(FOLDER, TABLE) == 3


@pytest.mark.django_db
def test_dashboard_requires_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_healthz_reports_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["redis"] == "ok"
