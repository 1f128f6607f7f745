"""Folders and tables: describe, create, and creating what exists already."""

import pytest

from responsys_sync.client import Column, ResponsysError

from .conftest import COLUMNS, FOLDER, TABLE


def test_describe_missing_table_returns_none(new_client, api):
    client = new_client()
    client.create_folder(FOLDER)

    assert client.describe_table(FOLDER, TABLE) is None
    assert api.control.call_counts()["describe_table"] == 1


def test_describe_in_missing_folder_returns_none(new_client):
    client = new_client()

    assert client.describe_table("No Such Folder", TABLE) is None


def test_create_table_then_describe_returns_columns(new_client, api):
    client = new_client()
    client.create_folder(FOLDER)

    client.create_table(FOLDER, TABLE, COLUMNS, ["MESSAGE_ID"])

    assert client.describe_table(FOLDER, TABLE) == COLUMNS


def test_create_existing_folder_succeeds(new_client, api):
    client = new_client()
    client.create_folder(FOLDER)

    client.create_folder(FOLDER)

    assert api.control.call_counts()["create_folder"] == 2


def test_folder_with_brackets_and_equals_round_trips(new_client):
    folder = "DLR [test]=1 {a}"
    client = new_client()
    client.create_folder(folder)

    client.create_table(folder, TABLE, COLUMNS, ["MESSAGE_ID"])

    assert client.describe_table(folder, TABLE) == COLUMNS


def test_create_existing_identical_table_succeeds(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()

    client.create_table(folder, table, COLUMNS, ["MESSAGE_ID"])

    assert api.control.call_counts()["create_table"] == 1
    assert api.control.call_counts()["describe_table"] == 1


def test_create_existing_different_table_raises(new_client, dlr_table):
    folder, table = dlr_table
    client = new_client()

    with pytest.raises(ResponsysError) as caught:
        client.create_table(folder, table, [Column("MESSAGE_ID", "STR100")], ["MESSAGE_ID"])

    assert caught.value.error_code == "INVALID_PARAMETER"


def test_create_table_in_missing_folder_raises(new_client):
    client = new_client()

    with pytest.raises(ResponsysError) as caught:
        client.create_table("No Such Folder", TABLE, COLUMNS, ["MESSAGE_ID"])

    assert caught.value.http_status == 404


@pytest.mark.parametrize(
    ("columns", "primary_keys", "message"),
    [
        ([Column("MESSAGE_ID", "STR255")], ["MESSAGE_ID"], "type 'STR255'"),
        ([Column("MESSAGE_ID", "STR100")], [], "without a primary key"),
        ([Column("MESSAGE_ID", "STR100")], ["STATUS"], "not among"),
        ([Column("STATUS_", "STR25")], ["STATUS_"], "trailing underscore"),
        ([Column("Message_Id", "STR100")], ["Message_Id"], "upper-case"),
    ],
)
def test_invalid_table_definition_rejected_locally(new_client, api, columns, primary_keys, message):
    client = new_client()

    with pytest.raises(ValueError, match=message):
        client.create_table(FOLDER, TABLE, columns, primary_keys)

    assert api.control.call_counts()["create_table"] == 0


def test_rate_limits_lists_configured_limits(new_client, api):
    api.control.set_throttle("merge", 500)
    client = new_client()

    limits = client.rate_limits()

    by_api = {entry["api"]: entry["limit"] for entry in limits}
    assert by_api["mergeTableMembers"] == 500
    assert by_api["login"] == 10
