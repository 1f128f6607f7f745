"""Opt-in lifecycle on real workers: opt-out stops a run, a killed worker loses nothing,
repeated failures flag the client, and the history keeps counts and durations."""
import logging

import pytest
from django_celery_beat.models import PeriodicTask

from callbacks.models import Message
from responsys_sync.models import SyncRun
from responsys_sync.scheduling import periodic_task_name
from responsys_sync.sync import run_sync
from responsys_sync.tasks import sync_client as sync_task
from tests.conftest import wait_until
from tests.sync.conftest import add_messages, emulator_table, expected_table, pending_count


def pushed_count(client) -> int:
    return Message.objects.filter(client=client, pushed_version__gt=0).count()


def finished_run(client, exclude=()):
    return (SyncRun.objects.filter(client=client).exclude(status=SyncRun.Status.RUNNING)
            .exclude(pk__in=[run.pk for run in exclude]).first())


@pytest.mark.django_db
def test_opt_in_toggles_periodic_task(make_client):
    client = make_client()
    assert not PeriodicTask.objects.filter(name=periodic_task_name(client.pk)).exists()

    client.opted_in = True
    client.save()
    enabled = PeriodicTask.objects.get(name=periodic_task_name(client.pk)).enabled
    client.opted_in = False
    client.save()
    disabled = PeriodicTask.objects.get(name=periodic_task_name(client.pk)).enabled
    client.opted_in = True
    client.save()

    task = PeriodicTask.objects.get(name=periodic_task_name(client.pk))
    assert enabled is True
    assert disabled is False
    assert task.enabled is True
    assert task.interval.every == 30


@pytest.mark.django_db
def test_deleting_a_client_removes_its_periodic_task(make_client):
    client = make_client(opted_in=True)
    name = periodic_task_name(client.pk)

    client.delete()

    assert not PeriodicTask.objects.filter(name=name).exists()


@pytest.mark.django_db(transaction=True)
def test_opt_out_stops_running_sync(make_client, fresh_emulator,
                                                                 celery_worker_process):
    client = make_client(emulator=fresh_emulator, opted_in=True)
    add_messages(client, 4000)
    fresh_emulator.control.set_faults("merge", slow_ms=300)

    sync_task.delay(client.pk)
    wait_until(lambda: pushed_count(client) >= 400, timeout=30, message="no batch was marked")
    merges_at_opt_out = fresh_emulator.control.call_counts()["merge"]
    client.opted_in = False
    client.save()
    run = wait_until(lambda: finished_run(client), timeout=30, message="the run did not stop")

    assert run.status == SyncRun.Status.STOPPED
    # Merges already in flight (at most four) and the batch being read may still go out.
    assert fresh_emulator.control.call_counts()["merge"] <= merges_at_opt_out + 5
    assert run.records_sent < 4000
    assert run.records_accepted == pushed_count(client)
    assert not PeriodicTask.objects.get(name=periodic_task_name(client.pk)).enabled
    pushed = set(Message.objects.filter(client=client, pushed_version__gt=0)
                 .values_list("message_id", flat=True))
    expected = {key: row for key, row in expected_table(client).items() if key in pushed}
    assert emulator_table(fresh_emulator, client) == expected


@pytest.mark.django_db(transaction=True)
def test_killed_worker_loses_nothing(make_client, fresh_emulator,
                                                              private_worker):
    client = make_client(emulator=fresh_emulator)
    add_messages(client, 4000)
    fresh_emulator.control.set_faults("merge", slow_ms=300)
    worker = private_worker()

    sync_task.apply_async((client.pk, SyncRun.Trigger.MANUAL), queue=private_worker.queue)
    wait_until(lambda: pushed_count(client) >= 400, timeout=30, message="no batch was marked")
    worker.kill()
    pushed_after_kill = pushed_count(client)
    dead = SyncRun.objects.get(client=client)
    fresh_emulator.control.clear_faults()
    private_worker()
    sync_task.apply_async((client.pk, SyncRun.Trigger.MANUAL), queue=private_worker.queue)
    resumed = wait_until(lambda: finished_run(client, exclude=[dead]), timeout=60,
                         message="the restarted worker did not finish a run")
    dead.refresh_from_db()

    assert pushed_after_kill < 4000
    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert resumed.records_sent == 4000 - pushed_after_kill
    assert dead.status == SyncRun.Status.FAILED
    assert "worker stopped" in dead.error
    assert fresh_emulator.control.row_count(client.responsys_folder, client.responsys_table) \
        == 4000
    assert emulator_table(fresh_emulator, client) == expected_table(client)
    assert pending_count(client) == 0


@pytest.mark.django_db
def test_repeated_failures_flag_client(make_client, fresh_emulator,
                                                            settings, caplog):
    settings.SYNC_FAILURES_BEFORE_FLAG = 3
    client = make_client(emulator=fresh_emulator, responsys_password="wrong-password")
    add_messages(client, 5)

    with caplog.at_level(logging.WARNING, logger="responsys_sync.sync"):
        runs = [run_sync(client.pk) for _ in range(3)]
    client.refresh_from_db()
    flagged_after_three = (client.sync_flagged, client.consecutive_failed_syncs)
    client.responsys_password = "demo-password"
    client.save()
    good = run_sync(client.pk)
    client.refresh_from_db()

    assert [run.status for run in runs] == [SyncRun.Status.FAILED] * 3
    assert "INVALID_USER_NAME_PASSWORD" in runs[0].error
    assert flagged_after_three[0] is True
    assert flagged_after_three[1] == 3
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "client flagged" in errors[0].getMessage()
    assert f"client {client.pk}" in errors[0].getMessage()
    assert good.status == SyncRun.Status.SUCCEEDED
    assert client.sync_flagged is False
    assert client.consecutive_failed_syncs == 0


@pytest.mark.django_db
def test_history_keeps_counts_and_duration(sync_client):
    add_messages(sync_client, 250)

    run = run_sync(sync_client.pk, trigger=SyncRun.Trigger.MANUAL, task_id="task-1")

    run.refresh_from_db()
    assert run.trigger == SyncRun.Trigger.MANUAL
    assert run.task_id == "task-1"
    assert run.pending_at_start == 250
    assert run.batches == 2
    assert run.records_sent == 250
    assert run.records_accepted == 250
    assert run.records_rejected == 0
    assert run.duration is not None
    assert run.duration.total_seconds() >= 0


@pytest.mark.django_db
def test_scheduled_task_skips_opted_out_client(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator)
    add_messages(client, 3)

    result = sync_task(client.pk)

    assert result["status"] == "not opted in"
    assert not SyncRun.objects.filter(client=client).exists()
    assert pending_count(client) == 3


@pytest.mark.django_db
def test_manual_task_syncs_opted_out_client(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator)
    add_messages(client, 3)

    result = sync_task(client.pk, SyncRun.Trigger.MANUAL)

    assert result["status"] == SyncRun.Status.SUCCEEDED
    assert result["sent"] == 3
    assert pending_count(client) == 0
