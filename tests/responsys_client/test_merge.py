"""Merging records: the request body, the 200-record limit, value types and MERGEFAILED rows."""

import json

import pytest

from .conftest import FIELD_NAMES, record, spy_session


def test_merge_stores_rows(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()
    records = [record("m-1"), record("m-2", "READ")]

    outcomes = client.merge_records(folder, table, FIELD_NAMES, records)

    results = [(outcome.index, outcome.ok, outcome.reason) for outcome in outcomes]
    assert results == [(0, True, ""), (1, True, "")]
    rows = api.control.table_rows(folder, table)
    stored = [(row["MESSAGE_ID"], row["STATUS"]) for row in rows]
    assert stored == [("m-1", "DELIVERED"), ("m-2", "READ")]


def test_merge_replaces_row_with_same_key(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()
    client.merge_records(folder, table, FIELD_NAMES, [record("m-1", "SENT")])

    client.merge_records(folder, table, FIELD_NAMES, [record("m-1", "READ")])

    rows = api.control.table_rows(folder, table)
    assert [(row["MESSAGE_ID"], row["STATUS"]) for row in rows] == [("m-1", "READ")]


def test_merge_failed_row_maps_to_its_index(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()
    records = [record("m-1"), record("m-2", timestamp="2024-13-45 99:00:00"), record("m-3")]

    outcomes = client.merge_records(folder, table, FIELD_NAMES, records)

    assert [outcome.ok for outcome in outcomes] == [True, False, True]
    assert outcomes[1].index == 1
    assert outcomes[1].reason.startswith("MERGEFAILED: Record 1 = ")
    assert "TIMESTAMP" in outcomes[1].reason
    assert not outcomes[1].reason.endswith("\n")
    assert api.control.row_count(folder, table) == 2


def test_merge_body_is_pk_table_shape(new_client, dlr_table):
    folder, table = dlr_table
    session = spy_session()
    client = new_client(session=session)

    client.merge_records(folder, table, FIELD_NAMES, [record("m-1")], update_on_match="NO_UPDATE")

    merge_request = session.sent[-1]
    body = json.loads(merge_request.body)
    assert "matchColumnNames" not in body
    assert body["recordData"]["fieldNames"] == FIELD_NAMES
    assert body["recordData"]["records"] == [record("m-1")]
    assert body["insertOnNoMatch"] is True
    assert body["updateOnMatch"] == "NO_UPDATE"
    assert merge_request.headers["Content-Type"] == "application/json"


def test_folder_name_percent_encoded_with_20(new_client, dlr_table):
    folder, table = dlr_table
    session = spy_session()
    client = new_client(session=session)

    client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert "/folders/Gupshup%20WhatsApp%20DLR/suppData/DLR_REPORT/members" in session.sent[-1].url


def test_merge_accepts_200_records(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()
    records = [record(f"m-{number}") for number in range(200)]

    outcomes = client.merge_records(folder, table, FIELD_NAMES, records)

    assert len(outcomes) == 200
    assert all(outcome.ok for outcome in outcomes)
    assert api.control.row_count(folder, table) == 200


def test_merge_rejects_201_records(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()
    records = [record(f"m-{number}") for number in range(201)]

    with pytest.raises(ValueError, match="at most 200"):
        client.merge_records(folder, table, FIELD_NAMES, records)

    assert api.control.call_counts()["merge"] == 0


@pytest.mark.parametrize("value", [919812345678, None, 1.5, True])
def test_merge_rejects_non_string_value(new_client, api, dlr_table, value):
    folder, table = dlr_table
    client = new_client()
    records = [["m-1", "DELIVERED", value, "2024-06-03 10:15:02"]]

    with pytest.raises(TypeError, match="RECIPIENT_ID"):
        client.merge_records(folder, table, FIELD_NAMES, records)

    assert api.control.call_counts()["merge"] == 0


def test_merge_rejects_duplicate_field_names(new_client, dlr_table):
    folder, table = dlr_table
    client = new_client()

    with pytest.raises(ValueError, match="duplicates"):
        client.merge_records(folder, table, ["MESSAGE_ID", "MESSAGE_ID"], [["m-1", "m-1"]])


def test_merge_rejects_lower_case_field_name(new_client, dlr_table):
    folder, table = dlr_table
    client = new_client()

    with pytest.raises(ValueError, match="upper-case"):
        client.merge_records(folder, table, ["message_id"], [["m-1"]])


def test_merge_rejects_row_of_wrong_length(new_client, dlr_table):
    folder, table = dlr_table
    client = new_client()

    with pytest.raises(ValueError, match="record 0 has 3 values for 4 field names"):
        client.merge_records(folder, table, FIELD_NAMES, [["m-1", "DELIVERED", ""]])


def test_merge_rejects_unknown_update_mode(new_client, dlr_table):
    folder, table = dlr_table
    client = new_client()

    with pytest.raises(ValueError, match="update_on_match"):
        client.merge_records(folder, table, FIELD_NAMES, [record("m-1")], update_on_match="MERGE")


def test_merge_of_no_records_sends_nothing(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()

    assert client.merge_records(folder, table, FIELD_NAMES, []) == []
    assert api.control.call_counts()["login"] == 0
