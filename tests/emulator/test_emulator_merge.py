"""Merge into DLR_REPORT: the echo body, MERGEFAILED rows and request-level rejections."""

import pytest

from .helpers import DLR_FIELD_NAMES, FOLDER, TABLE, dlr_row


def failure_row(index, reason):
    return [f"MERGEFAILED: Record {index} = {reason}\r\n"] + [""] * (len(DLR_FIELD_NAMES) - 1)


def test_merge_echoes_request_and_stores_rows(dlr_table):
    rows = [dlr_row("m1"), dlr_row("m2", "FAILED", ERROR_REASON="Number not on WhatsApp")]
    response = dlr_table.merge(rows)
    assert response.status_code == 200
    assert response.json() == {
        "recordData": {"fieldNames": DLR_FIELD_NAMES, "records": rows, "mapTemplateName": None},
        "insertOnNoMatch": True,
        "updateOnMatch": "REPLACE_ALL",
        "matchColumnNames": None,
        "links": [{"rel": "self", "method": "POST",
                   "href": "/rest/api/v1.3/folders/Gupshup%20WhatsApp%20DLR/suppData/"
                           "DLR_REPORT/members"}],
    }
    stored = dlr_table.emulator.control.table_rows(FOLDER, TABLE)
    assert [row["MESSAGE_ID"] for row in stored] == ["m1", "m2"]
    assert stored[1]["ERROR_REASON"] == "Number not on WhatsApp"


def test_merge_stores_empty_string_as_null(dlr_table):
    dlr_table.merge([dlr_row("m1", ERROR_REASON="")])
    assert dlr_table.emulator.control.table_rows(FOLDER, TABLE)[0]["ERROR_REASON"] is None


def test_bad_integer_gets_recorded_reason(dlr_table):
    response = dlr_table.merge([dlr_row("m1"), dlr_row("m2", ATTEMPTS="1w")])
    records = response.json()["recordData"]["records"]
    assert response.status_code == 200
    assert records[0] == dlr_row("m1")
    assert records[1] == failure_row(
        1, 'The value "1w" is not valid for the field type INTEGER')
    assert dlr_table.emulator.control.row_count(FOLDER, TABLE) == 1


def test_integer_outside_32_bits_fails(dlr_table):
    response = dlr_table.merge([dlr_row(ATTEMPTS="2147483648")])
    assert response.json()["recordData"]["records"][0][0].startswith("MERGEFAILED: Record 0 =")


@pytest.mark.parametrize("timestamp", [
    "2024-13-45 99:00:00", "2024-02-30 10:00:00", "03/06/2024 10:15:02", "2024-06-03",
    "2024-06-03 10:15", "2024-06-03 10:15:02.123", "2024-06-03T10:15:02+25:00",
    "2024-06-03T10:15:02+05:75", "yesterday",
])
def test_bad_timestamp_fails(dlr_table, timestamp):
    response = dlr_table.merge([dlr_row(DLR_TIMESTAMP=timestamp)])
    assert response.json()["recordData"]["records"][0] == failure_row(
        0, f'The value "{timestamp}" is not valid for the field type TIMESTAMP')


@pytest.mark.parametrize("timestamp", [
    "2024-06-03 10:15:02", "2019-03-22T11:54:40.531Z", "2024-06-03T10:15:02",
    "2024-06-03T10:15:02+05:30", "2024-06-03T10:15:02.123456-0700",
])
def test_accepted_timestamp_formats(dlr_table, timestamp):
    response = dlr_table.merge([dlr_row(DLR_TIMESTAMP=timestamp)])
    assert response.json()["recordData"]["records"][0] == dlr_row(DLR_TIMESTAMP=timestamp)


@pytest.mark.parametrize("number", ["12", "-0.5", ".5", "1e-3", "+7"])
def test_accepted_numbers(dlr_table, number):
    response = dlr_table.merge([dlr_row(PRICE=number)])
    assert response.json()["recordData"]["records"][0] == dlr_row(PRICE=number)


@pytest.mark.parametrize("number", ["1,5", "abc", "1.2.3", "NaN"])
def test_bad_number_fails(dlr_table, number):
    response = dlr_table.merge([dlr_row(PRICE=number)])
    assert response.json()["recordData"]["records"][0] == failure_row(
        0, f'The value "{number}" is not valid for the field type NUMBER')


@pytest.mark.parametrize("value", [5, None, True, {"a": "b"}])
def test_non_string_cell_fails(dlr_table, value):
    row = dlr_row()
    row[DLR_FIELD_NAMES.index("ATTEMPTS")] = value
    response = dlr_table.merge([row])
    first_cell = response.json()["recordData"]["records"][0][0]
    assert first_cell.startswith("MERGEFAILED: Record 0 = ")
    assert "ATTEMPTS is not a string" in first_cell
    assert dlr_table.emulator.control.row_count(FOLDER, TABLE) == 0


def test_value_longer_than_column_fails(dlr_table):
    response = dlr_table.merge([dlr_row(STATUS="S" * 26), dlr_row("m2", STATUS="S" * 25)])
    records = response.json()["recordData"]["records"]
    assert records[0] == failure_row(0, "The value for the field STATUS is 26 characters long, "
                                        "more than the 25 allowed for the field type STR25")
    assert records[1] == dlr_row("m2", STATUS="S" * 25)


def test_length_counts_characters_not_bytes(dlr_table):
    response = dlr_table.merge([dlr_row(STATUS="é" * 25)])
    assert response.json()["recordData"]["records"][0] == dlr_row(STATUS="é" * 25)


def test_char_column_takes_one_character(dlr_table):
    response = dlr_table.merge([dlr_row(CHANNEL="WA")])
    assert response.json()["recordData"]["records"][0][0].startswith("MERGEFAILED: Record 0 =")


def test_wrong_value_count_fails(dlr_table):
    response = dlr_table.merge([dlr_row() + ["extra"]])
    assert response.json()["recordData"]["records"][0] == failure_row(
        0, "The record has 9 values but fieldNames has 8 names")


def test_empty_primary_key_fails(dlr_table):
    response = dlr_table.merge([dlr_row(message_id="")])
    assert response.json()["recordData"]["records"][0] == failure_row(
        0, "The primary key field MESSAGE_ID has no value")


def test_duplicate_field_names_fail_every_row(dlr_table):
    field_names = DLR_FIELD_NAMES + ["status"]
    response = dlr_table.merge([dlr_row("m1") + ["X"], dlr_row("m2") + ["X"]],
                               field_names=field_names)
    expected = ["MERGEFAILED: Duplicate Field Names"] + [""] * (len(field_names) - 1)
    assert response.status_code == 200
    assert response.json()["recordData"]["records"] == [expected, expected]
    assert dlr_table.emulator.control.row_count(FOLDER, TABLE) == 0


def test_match_column_names_rejected_on_key_table(dlr_table):
    response = dlr_table.merge([dlr_row()], matchColumnNames=["MESSAGE_ID"])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"
    assert response.json()["detail"] == (
        "MatchColumnNames must be null or must not be specified to merge into a table that "
        "has primary keys")


def test_match_column_names_null_is_accepted(dlr_table):
    assert dlr_table.merge([dlr_row()], matchColumnNames=None).status_code == 200


def test_field_name_case_mismatch_rejected(dlr_table):
    field_names = ["message_id"] + DLR_FIELD_NAMES[1:]
    response = dlr_table.merge([dlr_row()], field_names=field_names)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"
    assert "[message_id]" in response.json()["detail"]


def test_unknown_field_name_rejected(dlr_table):
    response = dlr_table.merge([dlr_row() + ["x"]], field_names=DLR_FIELD_NAMES + ["COLOUR"])
    assert response.status_code == 400
    assert "[COLOUR]" in response.json()["detail"]


def test_missing_primary_key_field_rejected(dlr_table):
    response = dlr_table.merge([dlr_row()[:1]], field_names=["MESSAGE_ID"])
    assert response.status_code == 400
    assert "STATUS" in response.json()["detail"]


def test_more_than_200_records_rejected(dlr_table):
    response = dlr_table.merge([dlr_row(f"m{index}") for index in range(201)])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "RECIPIENT_LIMIT_EXCEEDED"
    assert dlr_table.emulator.control.row_count(FOLDER, TABLE) == 0


def test_exactly_200_records_accepted(dlr_table):
    response = dlr_table.merge([dlr_row(f"m{index}") for index in range(200)])
    assert response.status_code == 200
    assert dlr_table.emulator.control.row_count(FOLDER, TABLE) == 200


def test_field_values_object_form_rejected(dlr_table):
    response = dlr_table.merge([{"fieldValues": dlr_row()}])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


def test_non_json_body_rejected(dlr_table):
    response = dlr_table.call("POST", dlr_table.members_path(), data="recordData=1",
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


def test_missing_record_data_rejected(dlr_table):
    response = dlr_table.call("POST", dlr_table.members_path(), json={"insertOnNoMatch": True})
    assert response.status_code == 400
    assert "recordData" in response.json()["detail"]


def test_unknown_update_on_match_rejected(dlr_table):
    response = dlr_table.merge([dlr_row()], updateOnMatch="REPLACE")
    assert response.status_code == 400
    assert "updateOnMatch" in response.json()["detail"]


def test_merge_into_unknown_table(dlr_table):
    response = dlr_table.merge([dlr_row()], table="DLR_MISSING")
    assert response.status_code == 404
    assert response.json()["detail"] == "Supplemental name [DLR_MISSING] does not exist"


def test_replace_all_updates_only_sent_fields(dlr_table):
    dlr_table.merge([dlr_row("m1", RECIPIENT_ID="919800000001", ERROR_REASON="first")])
    dlr_table.merge([["m1", "DELIVERED", ""]],
                    field_names=["MESSAGE_ID", "STATUS", "ERROR_REASON"])
    stored = dlr_table.emulator.control.table_rows(FOLDER, TABLE)
    assert len(stored) == 1
    assert stored[0]["RECIPIENT_ID"] == "919800000001"
    assert stored[0]["ERROR_REASON"] is None


def test_no_update_keeps_existing_row(dlr_table):
    dlr_table.merge([dlr_row("m1", ERROR_REASON="first")])
    response = dlr_table.merge([dlr_row("m1", ERROR_REASON="second")],
                               updateOnMatch="NO_UPDATE")
    assert response.json()["recordData"]["records"][0] == dlr_row("m1", ERROR_REASON="second")
    assert dlr_table.emulator.control.table_rows(FOLDER, TABLE)[0]["ERROR_REASON"] == "first"


def test_insert_on_no_match_false_fails_new_keys(dlr_table):
    dlr_table.merge([dlr_row("m1")])
    response = dlr_table.merge([dlr_row("m1", ERROR_REASON="updated"), dlr_row("m2")],
                               insertOnNoMatch=False)
    records = response.json()["recordData"]["records"]
    assert records[0] == dlr_row("m1", ERROR_REASON="updated")
    assert records[1] == failure_row(
        1, "No record matches the primary key and insertOnNoMatch is false")
    stored = dlr_table.emulator.control.table_rows(FOLDER, TABLE)
    assert [row["ERROR_REASON"] for row in stored] == ["updated"]


def test_failed_row_index_is_position_in_request(dlr_table):
    rows = [dlr_row("m0"), dlr_row("m1"), dlr_row("m2", ATTEMPTS="x")]
    records = dlr_table.merge(rows).json()["recordData"]["records"]
    assert records[2][0].startswith("MERGEFAILED: Record 2 = ")
