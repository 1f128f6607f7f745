"""Reading and deleting single records by primary key."""

import pytest

from .conftest import FIELD_NAMES, record


@pytest.fixture
def stored_record(new_client, dlr_table):
    folder, table = dlr_table
    new_client().merge_records(folder, table, FIELD_NAMES, [record("m-1")])
    return folder, table


def test_retrieve_returns_record_as_dict(new_client, stored_record):
    folder, table = stored_record
    client = new_client()

    found = client.retrieve_record(folder, table, {"MESSAGE_ID": "m-1"})

    assert found == dict(zip(FIELD_NAMES, record("m-1")))


def test_retrieve_selected_fields(new_client, stored_record):
    folder, table = stored_record
    client = new_client()

    key = {"MESSAGE_ID": "m-1"}

    found = client.retrieve_record(folder, table, key, fields=["MESSAGE_ID", "STATUS"])

    assert found == {"MESSAGE_ID": "m-1", "STATUS": "DELIVERED"}


def test_retrieve_missing_record_returns_none(new_client, api, stored_record):
    folder, table = stored_record
    client = new_client()

    assert client.retrieve_record(folder, table, {"MESSAGE_ID": "m-404"}) is None
    assert api.control.call_counts()["retrieve"] == 1


def test_retrieve_rejects_long_field_list(new_client, stored_record):
    folder, table = stored_record
    client = new_client()

    with pytest.raises(ValueError, match="150"):
        client.retrieve_record(
            folder, table, {"MESSAGE_ID": "m-1"}, fields=["A_LONG_COLUMN_NAME"] * 10
        )


def test_delete_removes_record(new_client, api, stored_record):
    folder, table = stored_record
    client = new_client()

    assert client.delete_record(folder, table, {"MESSAGE_ID": "m-1"}) is True
    assert api.control.row_count(folder, table) == 0


def test_delete_missing_record_returns_false(new_client, api, stored_record):
    folder, table = stored_record
    client = new_client()

    assert client.delete_record(folder, table, {"MESSAGE_ID": "m-404"}) is False
    assert api.control.call_counts()["delete_member"] == 1
