"""Each change reaches DLR_REPORT once: pending versions only, marks after acceptance."""
import pytest

from callbacks.models import Message
from responsys_sync.models import SyncRun
from responsys_sync.sync import run_sync
from tests.sync.conftest import (FOLDER, TABLE, add_messages, change_status, emulator_table,
                                 expected_table, pending_count)


@pytest.mark.django_db
def test_first_run_pushes_all_in_batches(sync_client, fresh_emulator):
    add_messages(sync_client, 450)

    run = run_sync(sync_client.pk)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.pending_at_start == 450
    assert run.batches == 3
    assert run.records_sent == 450
    assert run.records_accepted == 450
    assert fresh_emulator.control.call_counts()["merge"] == 3
    assert emulator_table(fresh_emulator, sync_client) == expected_table(sync_client)


@pytest.mark.django_db
def test_next_run_sends_only_changed_messages(sync_client, fresh_emulator):
    add_messages(sync_client, 300)
    run_sync(sync_client.pk)
    change_status(sync_client, ["msg-0000007", "msg-0000250"])
    fresh_emulator.control.clear_call_counts()

    second = run_sync(sync_client.pk)
    third = run_sync(sync_client.pk)

    assert second.records_sent == 2
    assert third.records_sent == 0
    assert fresh_emulator.control.call_counts()["merge"] == 1
    assert emulator_table(fresh_emulator, sync_client)["msg-0000250"]["STATUS"] == "SUCCESS"
    assert emulator_table(fresh_emulator, sync_client) == expected_table(sync_client)


@pytest.mark.django_db
def test_accepted_version_is_recorded_per_message(sync_client):
    add_messages(sync_client, 3)
    change_status(sync_client, ["msg-0000001"])

    run_sync(sync_client.pk)

    versions = dict(Message.objects.filter(client=sync_client)
                    .values_list("message_id", "pushed_version"))
    assert versions == {"msg-0000000": 1, "msg-0000001": 2, "msg-0000002": 1}
    assert pending_count(sync_client) == 0


@pytest.mark.django_db
def test_messages_without_a_status_are_not_pushed(sync_client, fresh_emulator):
    add_messages(sync_client, 2)
    add_messages(sync_client, 1, prefix="enqueued", status=None, status_version=0)

    run = run_sync(sync_client.pk)

    assert run.records_sent == 2
    assert set(emulator_table(fresh_emulator, sync_client)) == {"msg-0000000", "msg-0000001"}


@pytest.mark.django_db
def test_other_clients_messages_are_left_alone(sync_client, make_client, fresh_emulator):
    other = make_client("Other Co", emulator=fresh_emulator)
    add_messages(sync_client, 5)
    add_messages(other, 7, prefix="other")

    run = run_sync(sync_client.pk)

    assert run.records_sent == 5
    assert pending_count(other) == 7
    assert fresh_emulator.control.row_count(FOLDER, TABLE) == 5
