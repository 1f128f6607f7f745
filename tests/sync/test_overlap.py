"""Two runs of one client never overlap; runs of different clients go in parallel."""
import threading

import pytest
from django.db import connection

from responsys_sync.models import SyncRun
from responsys_sync.sync import run_sync
from tests.conftest import wait_until
from tests.sync.conftest import add_messages, emulator_table, expected_table


def run_in_thread(client_id, results, key):
    def target():
        try:
            results[key] = run_sync(client_id)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_second_run_of_the_same_client_is_skipped(sync_client, fresh_emulator):
    add_messages(sync_client, 1000)
    fresh_emulator.control.set_faults("merge", slow_ms=300)
    results = {}

    first = run_in_thread(sync_client.pk, results, "first")
    wait_until(lambda: SyncRun.objects.filter(client=sync_client, status="running").exists(),
               message="the first run did not start")
    second = run_in_thread(sync_client.pk, results, "second")
    second.join(timeout=30)
    first.join(timeout=60)

    assert results["second"].status == SyncRun.Status.SKIPPED
    assert results["first"].status == SyncRun.Status.SUCCEEDED
    assert results["first"].records_sent == 1000
    assert emulator_table(fresh_emulator, sync_client) == expected_table(sync_client)


@pytest.mark.django_db(transaction=True)
def test_sequential_runs_are_not_skipped(sync_client, fresh_emulator):
    add_messages(sync_client, 10)

    first = run_sync(sync_client.pk)
    second = run_sync(sync_client.pk)

    assert first.status == SyncRun.Status.SUCCEEDED
    assert second.status == SyncRun.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_different_clients_sync_at_the_same_time(make_client, fresh_emulator):
    first_client = make_client("One", emulator=fresh_emulator, responsys_table="DLR_ONE")
    second_client = make_client("Two", emulator=fresh_emulator, responsys_table="DLR_TWO")
    add_messages(first_client, 800, prefix="one")
    add_messages(second_client, 800, prefix="two")
    fresh_emulator.control.set_faults("merge", slow_ms=300)
    results = {}

    threads = [run_in_thread(first_client.pk, results, "one"),
               run_in_thread(second_client.pk, results, "two")]
    for thread in threads:
        thread.join(timeout=60)

    assert results["one"].status == SyncRun.Status.SUCCEEDED
    assert results["two"].status == SyncRun.Status.SUCCEEDED
    assert results["one"].started_at < results["two"].finished_at
    assert results["two"].started_at < results["one"].finished_at
    assert emulator_table(fresh_emulator, first_client) == expected_table(first_client)
    assert emulator_table(fresh_emulator, second_client) == expected_table(second_client)
