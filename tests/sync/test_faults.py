"""Fault tests: whatever Responsys or our workers do, DLR_REPORT ends equal to our database.

Each test ends by comparing the emulator's table with the rows computed from our database and
by checking that nothing is left pending.
"""
import threading

import pytest
from django.db import connection

from callbacks.models import Message
from responsys_sync.client import Column, ResponsysClient
from responsys_sync.dlr_report import DLR_COLUMNS
from responsys_sync.models import SyncRejection, SyncRun
from responsys_sync.sync import PacedSession, run_sync
from tests.conftest import DEMO_PASSWORD, DEMO_USER, wait_until
from tests.sync.conftest import (FOLDER, TABLE, add_messages, change_status, emulator_table,
                                 expected_table, pending_count)


def pushed_count(client) -> int:
    return Message.objects.filter(client=client, pushed_version__gt=0).count()


def assert_table_matches_database(emulator, client) -> None:
    assert emulator_table(emulator, client) == expected_table(client)
    assert emulator.control.row_count(client.responsys_folder, client.responsys_table) == \
        Message.objects.filter(client=client, status__isnull=False).count()
    assert pending_count(client) == 0


def quick_retry_factory(client, pacer):
    """A Responsys client that waits seconds, not minutes, after throttling and errors."""
    return ResponsysClient(client.responsys_login_url, client.responsys_username,
                           client.responsys_password, throttle_wait=1.0, backoff_base=0.1,
                           backoff_cap=0.5, session=PacedSession(pacer),
                           client_label=f"client {client.pk}")


def in_background(action):
    def target():
        try:
            action()
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_token_expiring_mid_run(sync_client, fresh_emulator):
    add_messages(sync_client, 4000)
    fresh_emulator.control.set_faults("merge", slow_ms=100)
    control = fresh_emulator.control

    def expire_twice():
        wait_until(lambda: pushed_count(sync_client) >= 400, message="no batch was marked")
        logins = control.call_counts()["login"]
        control.expire_tokens()
        # The second expiry waits until every merge thread has retried with the new token:
        # a token that expires again within one call's retry fails that call by design.
        wait_until(lambda: control.call_counts()["login"] > logins, message="no new login")
        merges = control.call_counts()["merge"]
        wait_until(lambda: control.call_counts()["merge"] >= merges + 8,
                   message="the run stalled")
        control.expire_tokens()

    helper = in_background(expire_twice)
    run = run_sync(sync_client.pk)
    helper.join()

    assert run.status == SyncRun.Status.SUCCEEDED
    assert fresh_emulator.control.call_counts()["login"] >= 2
    assert_table_matches_database(fresh_emulator, sync_client)


@pytest.mark.django_db
def test_ten_percent_random_server_errors(sync_client, fresh_emulator):
    add_messages(sync_client, 3000)
    fresh_emulator.control.set_faults("*", error_rate=0.1, seed=11)

    run = run_sync(sync_client.pk, responsys_factory=quick_retry_factory)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert fresh_emulator.control.call_counts()["merge"] > 15
    assert_table_matches_database(fresh_emulator, sync_client)


@pytest.mark.django_db
def test_dropped_connections(sync_client, fresh_emulator):
    add_messages(sync_client, 3000)
    fresh_emulator.control.set_faults("merge", drop_rate=0.15, seed=5)

    run = run_sync(sync_client.pk, responsys_factory=quick_retry_factory)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert fresh_emulator.control.call_counts()["merge"] > 15
    assert_table_matches_database(fresh_emulator, sync_client)


@pytest.mark.django_db
def test_throttling_is_waited_out(sync_client, fresh_emulator, settings):
    # The configured limit is far above the real one, so the pacer cannot prevent throttling.
    settings.SYNC_MERGE_CALLS_PER_MINUTE = 100_000
    fresh_emulator.control.update_settings(throttle_window=1.0)
    fresh_emulator.control.set_throttle("merge", 3)
    add_messages(sync_client, 2000)

    run = run_sync(sync_client.pk, responsys_factory=quick_retry_factory)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert fresh_emulator.control.call_counts()["merge"] > 10
    assert_table_matches_database(fresh_emulator, sync_client)


@pytest.mark.django_db
def test_pacer_follows_the_accounts_merge_limit(sync_client, fresh_emulator):
    fresh_emulator.control.set_throttle("merge", 120)
    add_messages(sync_client, 1200)

    run = run_sync(sync_client.pk)

    # Six calls paced to 98% of 120 per minute take at least five intervals of ~0.51 s.
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.duration.total_seconds() >= 5 * 60 / (120 * 0.98) - 0.05
    assert fresh_emulator.control.call_counts()["merge"] == 6
    assert_table_matches_database(fresh_emulator, sync_client)


@pytest.mark.django_db(transaction=True)
def test_second_run_started_during_the_first(sync_client, fresh_emulator):
    add_messages(sync_client, 1600)
    fresh_emulator.control.set_faults("merge", slow_ms=200)
    second = {}

    def start_second():
        wait_until(lambda: pushed_count(sync_client) >= 200, message="no batch was marked")
        second["run"] = run_sync(sync_client.pk)

    helper = in_background(start_second)
    first = run_sync(sync_client.pk)
    helper.join()

    assert first.status == SyncRun.Status.SUCCEEDED
    assert second["run"].status == SyncRun.Status.SKIPPED
    assert first.records_sent == 1600
    assert_table_matches_database(fresh_emulator, sync_client)


@pytest.mark.django_db(transaction=True)
def test_status_changes_arriving_during_a_run(sync_client, fresh_emulator):
    # The walk reads at most 13 batches ahead of the marks (4 merges in flight, 8 waiting to be
    # marked, 1 being read), so the late messages are still ahead of it at the change.
    add_messages(sync_client, 4000)
    fresh_emulator.control.set_faults("merge", slow_ms=150)
    early = [f"msg-{number:07d}" for number in range(0, 50)]
    late = [f"msg-{number:07d}" for number in range(3950, 4000)]

    def change_during_run():
        wait_until(lambda: pushed_count(sync_client) >= 400, message="no batch was marked")
        change_status(sync_client, early + late, "READ")

    helper = in_background(change_during_run)
    first = run_sync(sync_client.pk)
    helper.join()
    fresh_emulator.control.clear_faults()
    second = run_sync(sync_client.pk)

    assert first.status == SyncRun.Status.SUCCEEDED
    # Changes behind the walk wait for the next run; changes ahead of it went out at once.
    assert second.records_sent == 50
    assert emulator_table(fresh_emulator, sync_client)["msg-0000000"]["STATUS"] == "READ"
    assert emulator_table(fresh_emulator, sync_client)["msg-0003999"]["STATUS"] == "READ"
    assert_table_matches_database(fresh_emulator, sync_client)


@pytest.mark.django_db
def test_rejected_records_succeed_after_the_data_is_fixed(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, recipient_id_source="extra_key",
                         recipient_id_extra_part="riid")
    columns = dict(DLR_COLUMNS, RECIPIENT_ID="INTEGER")
    with ResponsysClient(fresh_emulator.login_url, DEMO_USER, DEMO_PASSWORD) as responsys:
        responsys.create_folder(FOLDER)
        responsys.create_table(FOLDER, TABLE, [Column(*item) for item in columns.items()],
                               ["MESSAGE_ID"])
    add_messages(client, 3, extra="riid=77")
    add_messages(client, 1, prefix="bad", extra="riid=R-9")

    first = run_sync(client.pk)
    Message.objects.filter(client=client, message_id="bad-0000000").update(extra="riid=78")
    second = run_sync(client.pk)

    assert first.status == SyncRun.Status.PARTIAL
    assert first.records_accepted == 3
    assert first.records_rejected == 1
    rejection = SyncRejection.objects.get(sync_run=first)
    assert rejection.gupshup_message_id == "bad-0000000"
    assert rejection.reason.startswith("MERGEFAILED: Record 3 = ")
    assert "R-9" in rejection.reason
    assert second.status == SyncRun.Status.SUCCEEDED
    assert second.records_sent == 1
    assert Message.objects.get(client=client, message_id="bad-0000000").last_push_error == ""
    assert_table_matches_database(fresh_emulator, client)


@pytest.mark.django_db(transaction=True)
def test_run_that_fails_midway_keeps_what_was_accepted(sync_client, fresh_emulator):
    add_messages(sync_client, 4000)
    fresh_emulator.control.set_faults("merge", slow_ms=200)

    def break_responsys():
        wait_until(lambda: pushed_count(sync_client) >= 400, message="no batch was marked")
        fresh_emulator.control.set_faults("merge", error_rate=1.0)

    helper = in_background(break_responsys)
    failed = run_sync(sync_client.pk, responsys_factory=quick_retry_factory)
    helper.join()
    accepted_before_failure = pushed_count(sync_client)
    fresh_emulator.control.clear_faults()
    retried = run_sync(sync_client.pk)

    assert failed.status == SyncRun.Status.FAILED
    assert "mergeTableMembers" in failed.error
    assert 400 <= accepted_before_failure < 4000
    assert failed.records_accepted == accepted_before_failure
    assert retried.records_sent == 4000 - accepted_before_failure
    assert_table_matches_database(fresh_emulator, sync_client)
