"""Before the first merge the table is checked: created when missing, mismatches reported."""
import pytest

from responsys_sync.client import Column, ResponsysClient
from responsys_sync.dlr_report import DLR_COLUMNS
from responsys_sync.models import SyncRun
from responsys_sync.sync import run_sync
from tests.conftest import DEMO_PASSWORD, DEMO_USER
from tests.sync.conftest import FOLDER, TABLE, add_messages, emulator_table, expected_table


def responsys_for(emulator) -> ResponsysClient:
    return ResponsysClient(emulator.login_url, DEMO_USER, DEMO_PASSWORD)


def create_table(emulator, columns, folder=FOLDER, table=TABLE) -> None:
    with responsys_for(emulator) as responsys:
        responsys.create_folder(folder)
        responsys.create_table(folder, table, [Column(*column) for column in columns],
                               ["MESSAGE_ID"])


@pytest.mark.django_db
def test_missing_table_is_created_with_the_dlr_columns(sync_client, fresh_emulator):
    add_messages(sync_client, 3)

    run = run_sync(sync_client.pk)

    assert run.status == SyncRun.Status.SUCCEEDED
    with responsys_for(fresh_emulator) as responsys:
        columns = responsys.describe_table(FOLDER, TABLE)
    assert [(column.name, column.type) for column in columns] == list(DLR_COLUMNS)
    assert emulator_table(fresh_emulator, sync_client) == expected_table(sync_client)


@pytest.mark.django_db
def test_table_mismatch_names_both_column_lists(sync_client,
                                                                         fresh_emulator):
    create_table(fresh_emulator, [("MESSAGE_ID", "STR100"), ("STATUS", "STR25"),
                                  ("STATUS_TIMESTAMP", "STR25")])
    add_messages(sync_client, 3)

    run = run_sync(sync_client.pk)

    assert run.status == SyncRun.Status.FAILED
    assert "wrong or missing: RECIPIENT_ID" in run.error
    assert "STATUS_TIMESTAMP" in run.error.split("wrong or missing:")[1].split(")")[0]
    assert "Expected: MESSAGE_ID STR100, RECIPIENT_ID STR100" in run.error
    assert "Found: MESSAGE_ID STR100, STATUS STR25, STATUS_TIMESTAMP STR25." in run.error
    assert fresh_emulator.control.call_counts()["merge"] == 0


@pytest.mark.django_db
def test_table_with_wider_and_numeric_columns_is_accepted(sync_client, fresh_emulator):
    columns = dict(DLR_COLUMNS)
    columns.update({"CAUSE": "STR500", "MOBILE_NUMBER": "NUMBER"})
    create_table(fresh_emulator, list(columns.items()))
    add_messages(sync_client, 3)

    run = run_sync(sync_client.pk)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert emulator_table(fresh_emulator, sync_client) == expected_table(sync_client)


@pytest.mark.django_db
def test_mismatch_counts_as_a_failed_run(sync_client, fresh_emulator):
    create_table(fresh_emulator, [("MESSAGE_ID", "STR100")])
    add_messages(sync_client, 1)

    run_sync(sync_client.pk)

    sync_client.refresh_from_db()
    assert sync_client.consecutive_failed_syncs == 1
