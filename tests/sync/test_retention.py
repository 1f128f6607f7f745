"""Retention: expired messages, events and raw callbacks go, here and (if asked) in Responsys."""
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from callbacks.models import Message, QuarantinedEvent, RawCallback, StatusEvent
from responsys_sync.client import ResponsysClient
from responsys_sync.errors import ResponsysUnavailable
from responsys_sync.models import SyncRejection, SyncRun
from responsys_sync.retention import purge_client
from responsys_sync.sync import client_sync_lock, run_sync
from responsys_sync.tasks import purge_expired_data
from tests.sync.conftest import FOLDER, TABLE, add_messages, emulator_table, expected_table

OLD = timezone.now() - timedelta(days=40)


def age_messages(client, message_ids, when=OLD) -> None:
    Message.objects.filter(client=client, message_id__in=message_ids).update(updated_at=when)


def add_raw_callback(client, received_at, quarantined=False) -> RawCallback:
    raw = RawCallback.objects.create(client=client, method="POST", outcome="stored",
                                     received_at=received_at)
    if quarantined:
        QuarantinedEvent.objects.create(client=client, raw_callback=raw, raw="{}",
                                        reason="not JSON")
    return raw


def add_event(client, message_id, received_at) -> StatusEvent:
    return StatusEvent.objects.create(client=client, message_id=message_id, status="SENT",
                                      status_key="SENT", event_time=received_at, format="v2",
                                      received_at=received_at)


@pytest.mark.django_db
def test_purge_deletes_only_expired_rows(make_client):
    client = make_client(retention_days=30)
    add_messages(client, 5)
    age_messages(client, ["msg-0000000", "msg-0000001", "msg-0000002"])
    old_raw = add_raw_callback(client, OLD, quarantined=True)
    new_raw = add_raw_callback(client, timezone.now())
    add_event(client, "msg-0000000", OLD)
    add_event(client, "msg-0000004", timezone.now())

    result = purge_client(client, batch_size=2)

    assert result.messages == 3
    assert result.events == 1
    assert result.raw_callbacks == 1
    assert set(Message.objects.filter(client=client).values_list("message_id", flat=True)) \
        == {"msg-0000003", "msg-0000004"}
    assert list(RawCallback.objects.filter(client=client)) == [new_raw]
    assert not QuarantinedEvent.objects.filter(raw_callback_id=old_raw.pk).exists()
    assert list(StatusEvent.objects.filter(client=client)
                .values_list("message_id", flat=True)) == ["msg-0000004"]


@pytest.mark.django_db
def test_clients_without_retention_keep_everything(make_client):
    keeper = make_client("Keeper")
    purged = make_client("Purged", retention_days=10)
    add_messages(keeper, 2, prefix="keep")
    add_messages(purged, 2, prefix="gone")
    age_messages(keeper, ["keep-0000000", "keep-0000001"])
    age_messages(purged, ["gone-0000000", "gone-0000001"])

    summary = purge_expired_data()

    assert [item["client"] for item in summary] == [purged.pk]
    assert Message.objects.filter(client=keeper).count() == 2
    assert Message.objects.filter(client=purged).count() == 0


@pytest.mark.django_db
def test_rejections_outlive_their_deleted_messages(sync_client):
    sync_client.retention_days = 30
    sync_client.save()
    add_messages(sync_client, 1)
    message = Message.objects.get(client=sync_client)
    run = SyncRun.objects.create(client=sync_client, status=SyncRun.Status.PARTIAL)
    SyncRejection.objects.create(sync_run=run, message=message,
                                 gupshup_message_id=message.message_id, reason="MERGEFAILED: x")
    age_messages(sync_client, [message.message_id])

    purge_client(sync_client)

    rejection = SyncRejection.objects.get(sync_run=run)
    assert rejection.message_id is None
    assert rejection.gupshup_message_id == "msg-0000000"


@pytest.mark.django_db
def test_responsys_rows_of_expired_messages_are_deleted(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, retention_days=30, purge_responsys_rows=True)
    add_messages(client, 450)
    run_sync(client.pk)
    add_messages(client, 2, prefix="never-pushed")
    expired = [f"msg-{number:07d}" for number in range(0, 300)] + ["never-pushed-0000000"]
    age_messages(client, expired)

    result = purge_client(client, poll_interval=0.2)

    calls = fresh_emulator.control.call_counts()
    assert result.messages == 301
    assert result.responsys_rows == 300
    assert calls["async_delete"] == 2
    assert calls["poll"] >= 1
    assert fresh_emulator.control.row_count(FOLDER, TABLE) == 150
    assert emulator_table(fresh_emulator, client) == {
        key: row for key, row in expected_table(client).items() if key.startswith("msg-")}


@pytest.mark.django_db
def test_responsys_rows_stay_when_purge_is_not_asked(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, retention_days=30)
    add_messages(client, 3)
    run_sync(client.pk)
    age_messages(client, ["msg-0000000"])

    purge_client(client)

    assert fresh_emulator.control.row_count(FOLDER, TABLE) == 3
    assert fresh_emulator.control.call_counts()["async_delete"] == 0


@pytest.mark.django_db
def test_failed_responsys_delete_keeps_the_local_messages(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, retention_days=30, purge_responsys_rows=True)
    add_messages(client, 3)
    run_sync(client.pk)
    age_messages(client, ["msg-0000000", "msg-0000001", "msg-0000002"])
    fresh_emulator.control.set_faults("async_delete", error_rate=1.0)
    responsys = ResponsysClient(client.responsys_login_url, client.responsys_username,
                                client.responsys_password, max_retries=1, backoff_base=0.1)

    with pytest.raises(ResponsysUnavailable):
        purge_client(client, responsys=responsys, poll_interval=0.2)

    assert Message.objects.filter(client=client).count() == 3
    assert fresh_emulator.control.row_count(FOLDER, TABLE) == 3


@pytest.mark.django_db(transaction=True)
def test_purge_skips_locked_rows(make_client):
    client = make_client(retention_days=30)
    add_messages(client, 10)
    age_messages(client, [f"msg-{number:07d}" for number in range(10)])
    row_locked = threading.Event()
    release = threading.Event()

    def hold_one_message():
        try:
            with transaction.atomic():
                Message.objects.select_for_update().get(client=client, message_id="msg-0000004")
                row_locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_one_message)
    holder.start()
    row_locked.wait(timeout=10)
    started = time.monotonic()
    first = purge_client(client, batch_size=3)
    elapsed = time.monotonic() - started
    release.set()
    holder.join()
    second = purge_client(client, batch_size=3)

    assert elapsed < 1.5
    assert first.messages == 9
    assert second.messages == 1
    assert not Message.objects.filter(client=client).exists()


@pytest.mark.django_db(transaction=True)
def test_running_sync_defers_the_purge_of_messages(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, retention_days=30, purge_responsys_rows=True)
    add_messages(client, 2)
    run_sync(client.pk)
    age_messages(client, ["msg-0000000", "msg-0000001"])
    add_raw_callback(client, OLD)
    locked = threading.Event()
    release = threading.Event()

    def hold_sync_lock():
        try:
            with client_sync_lock(client.pk):
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_sync_lock)
    holder.start()
    locked.wait(timeout=10)
    deferred = purge_client(client, poll_interval=0.2)
    release.set()
    holder.join()
    later = purge_client(client, poll_interval=0.2)

    assert deferred.messages_deferred is True
    assert deferred.messages == 0
    assert deferred.raw_callbacks == 1
    assert later.messages == 2
    assert later.responsys_rows == 2
    assert fresh_emulator.control.row_count(FOLDER, TABLE) == 0


def test_purge_runs_daily_from_the_beat_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-expired-delivery-reports"]

    assert entry["task"] == "responsys_sync.tasks.purge_expired_data"
    assert entry["schedule"].hour == {django_settings.RETENTION_HOUR_UTC}
    assert entry["schedule"].minute == {17}
