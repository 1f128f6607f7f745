"""Per-client settings: folder, table, column names, time zone, interval, recipient id."""
import json

import pytest
from django_celery_beat.models import PeriodicTask

from responsys_sync.scheduling import periodic_task_name
from responsys_sync.sync import run_sync
from tests.sync.conftest import FOLDER, TABLE, add_messages, emulator_table, expected_table


@pytest.mark.django_db
def test_folder_and_table_names_come_from_the_client(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, responsys_folder="WhatsApp Reports [EU]",
                         responsys_table="DLR_EU")
    add_messages(client, 2)

    run_sync(client.pk)

    assert fresh_emulator.control.row_count("WhatsApp Reports [EU]", "DLR_EU") == 2
    assert emulator_table(fresh_emulator, client) == expected_table(client)


@pytest.mark.django_db
def test_column_names_can_be_renamed(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator,
                         responsys_columns={"MESSAGE_ID": "msg_id", "STATUS": "DLR_STATUS"})
    add_messages(client, 2)

    run_sync(client.pk)

    rows = fresh_emulator.control.table_rows(FOLDER, TABLE)
    assert {row["MSG_ID"] for row in rows} == {"msg-0000000", "msg-0000001"}
    assert {row["DLR_STATUS"] for row in rows} == {"SENT"}
    assert "MESSAGE_ID" not in rows[0]


@pytest.mark.django_db
def test_timestamps_are_written_in_the_account_time_zone(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, responsys_time_zone="America/Los_Angeles")
    add_messages(client, 1)

    run_sync(client.pk)

    row = fresh_emulator.control.table_rows(FOLDER, TABLE)[0]
    # 2026-06-01 09:00:00 UTC is 02:00 in Los Angeles (PDT).
    assert row["STATUS_TIMESTAMP"] == "2026-06-01 02:00:00"
    assert row["SENT_TIMESTAMP"] == "2026-06-01 02:00:00"


@pytest.mark.django_db
def test_recipient_id_defaults_to_the_phone_number(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator)
    add_messages(client, 1, extra="RIID-77|CAMP-1")

    run_sync(client.pk)

    assert fresh_emulator.control.table_rows(FOLDER, TABLE)[0]["RECIPIENT_ID"] == "919800000000"


@pytest.mark.django_db
def test_recipient_id_from_a_position_in_extra(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, recipient_id_source="extra_position",
                         recipient_id_extra_part="2")
    add_messages(client, 1, extra="CAMP-1| RIID-77 |x")

    run_sync(client.pk)

    assert fresh_emulator.control.table_rows(FOLDER, TABLE)[0]["RECIPIENT_ID"] == "RIID-77"


@pytest.mark.django_db
def test_recipient_id_from_a_key_in_extra(make_client, fresh_emulator):
    client = make_client(emulator=fresh_emulator, recipient_id_source="extra_key",
                         recipient_id_extra_part="riid")
    add_messages(client, 1, extra="campaign=spring|riid=4711")

    run_sync(client.pk)

    assert fresh_emulator.control.table_rows(FOLDER, TABLE)[0]["RECIPIENT_ID"] == "4711"


@pytest.mark.django_db
def test_sync_interval_is_the_periodic_task_interval(make_client):
    client = make_client(opted_in=True, sync_interval_minutes=15)

    task = PeriodicTask.objects.get(name=periodic_task_name(client.pk))

    assert task.interval.every == 15
    assert task.interval.period == "minutes"
    assert json.loads(task.kwargs) == {"client_id": client.pk}


@pytest.mark.django_db
def test_changing_the_interval_updates_the_task(make_client):
    client = make_client(opted_in=True)

    client.sync_interval_minutes = 5
    client.save()

    task = PeriodicTask.objects.get(name=periodic_task_name(client.pk))
    assert task.interval.every == 5
    assert PeriodicTask.objects.filter(name=periodic_task_name(client.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("columns, problem", [
    ({"MESSAGE_ID": "Message ID"}, "Invalid Responsys column names: MESSAGE ID"),
    ({"STATUS": "MESSAGE_ID"}, "Two DLR_REPORT columns share one name"),
    ({"RIID": "X"}, "Unknown DLR_REPORT columns in the client's column names: RIID"),
])
def test_unusable_column_names_fail_the_run(make_client, fresh_emulator, columns, problem):
    client = make_client(emulator=fresh_emulator, responsys_columns=columns)
    add_messages(client, 1)

    run = run_sync(client.pk)

    assert run.status == "failed"
    assert problem in run.error
    assert fresh_emulator.control.call_counts()["merge"] == 0
