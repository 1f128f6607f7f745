"""Folders and supplemental tables: create, describe, list, delete and the naming rules."""

import pytest

from .helpers import FOLDER, TABLE

ALLOWED_TYPES_DETAIL = (
    "Some Field Types are invalid. Allowed Field Types are 'CHAR', 'STR25', 'STR100', "
    "'STR500', 'STR4000', 'INTEGER', 'NUMBER' and 'TIMESTAMP'.")
FOLDER_PATH = "Gupshup%20WhatsApp%20DLR"
DESCRIBE_PATH = f"/rest/api/v1.3/folder/{FOLDER_PATH}/suppData/{TABLE}"


def test_create_folder_returns_folder_id(responsys):
    response = responsys.create_folder()
    body = response.json()
    assert response.status_code == 200
    assert body["success"] is True
    assert isinstance(body["folderId"], int)
    assert body["errorMessage"] is None


def test_create_folder_twice_is_rejected(responsys):
    responsys.create_folder()
    response = responsys.create_folder()
    assert response.status_code == 400
    assert response.json()["errorCode"] == "FOLDER_ALREADY_EXISTS"


def test_create_folder_with_invalid_name(responsys):
    response = responsys.create_folder("DLR/reports")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"
    assert response.json()["detail"] == "Invalid Folder Name in the Request"


def test_list_folders_includes_created_folder(responsys):
    responsys.create_folder()
    response = responsys.call("GET", "/rest/api/v1.3/folders")
    assert response.status_code == 200
    assert [folder["folderName"] for folder in response.json()] == [FOLDER]


def test_create_table_returns_true(responsys):
    responsys.create_folder()
    response = responsys.create_table()
    assert response.status_code == 200
    assert response.text == "true"


def test_create_table_stores_upper_case_names(responsys):
    responsys.create_folder()
    responsys.create_table(fields=[("messageId", "STR100"), ("status", "STR25")],
                           primary_keys=["messageId"], table="dlr_report")
    response = responsys.call("GET", DESCRIBE_PATH)
    body = response.json()
    assert response.status_code == 200
    assert body["fields"] == [{"fieldName": "MESSAGEID", "fieldType": "STR100"},
                              {"fieldName": "STATUS", "fieldType": "STR25"}]
    assert body["suppData"] == {"folderName": FOLDER, "objectName": "DLR_REPORT"}


def test_create_table_in_unknown_folder(responsys):
    response = responsys.create_table()
    assert response.status_code == 404
    assert response.json()["errorCode"] == "FOLDER_NOT_FOUND"
    assert response.json()["detail"] == f"Folder name [{FOLDER}] does not exist"


@pytest.mark.parametrize("field_type", ["STR5000", "STR255", "VARCHAR", "DATE", "str25"])
def test_create_table_rejects_unknown_type(responsys, field_type):
    responsys.create_folder()
    response = responsys.create_table(fields=[("MESSAGE_ID", field_type)],
                                      primary_keys=["MESSAGE_ID"])
    assert response.status_code == 400
    assert response.json() == {"type": "", "title": "Invalid request parameters",
                               "errorCode": "INVALID_PARAMETER",
                               "detail": ALLOWED_TYPES_DETAIL, "errorDetails": []}


def test_create_table_requires_primary_key(responsys):
    responsys.create_folder()
    response = responsys.create_table(primary_keys=[])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"
    assert response.json()["detail"] == (
        "Create Table Without PK is not supported.Please include Primary Key.")


def test_create_table_rejects_key_outside_fields(responsys):
    responsys.create_folder()
    response = responsys.create_table(primary_keys=["UNKNOWN_COLUMN"])
    assert response.status_code == 400
    assert "UNKNOWN_COLUMN" in response.json()["detail"]


@pytest.mark.parametrize("field_name", [
    "Message ID",           # space
    "ID",                   # reserved word
    "date",                 # reserved word in lower case
    "T",                    # reserved single letter
    "1ST_STATUS",           # starts with a digit
    "STATUS_",              # trailing underscore marks system fields
    "A" * 31,               # longer than 30 characters
    "STATUS-CODE",          # character outside letters, digits, $, # and _
])
def test_create_table_rejects_illegal_field_name(responsys, field_name):
    responsys.create_folder()
    response = responsys.create_table(fields=[("MESSAGE_ID", "STR100"), (field_name, "STR25")],
                                      primary_keys=["MESSAGE_ID"])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"
    assert f"[{field_name}]" in response.json()["detail"]


def test_create_table_accepts_thirty_character_field_name(responsys):
    responsys.create_folder()
    response = responsys.create_table(fields=[("M" * 30, "STR100"), ("COST$#", "NUMBER")],
                                      primary_keys=["M" * 30])
    assert response.status_code == 200


def test_create_table_rejects_long_table_name(responsys):
    responsys.create_folder()
    response = responsys.create_table(table="T" * 31)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


def test_create_table_rejects_records_key_for_columns(responsys):
    responsys.create_folder()
    body = {"table": {"objectName": TABLE},
            "records": [{"fieldName": "MESSAGE_ID", "fieldType": "STR100"}],
            "primaryKeys": ["MESSAGE_ID"]}
    response = responsys.call("POST", f"/rest/api/v1.3/folders/{FOLDER_PATH}/suppData",
                              json=body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


def test_create_existing_table_is_rejected(dlr_table):
    response = dlr_table.create_table()
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"
    assert "already exists" in response.json()["detail"]


def test_describe_primary_keys_only(dlr_table):
    response = dlr_table.call("GET", f"{DESCRIBE_PATH}?ft=PK")
    body = response.json()
    assert response.status_code == 200
    assert body["fields"] == [{"fieldName": "MESSAGE_ID", "fieldType": "STR100"},
                              {"fieldName": "STATUS", "fieldType": "STR25"}]
    assert body["links"][0] == {"rel": "self", "href": f"{DESCRIBE_PATH}?ft=PK",
                                "method": "GET"}
    assert [link["rel"] for link in body["links"][1:]] == [
        "mergeTableMembers", "retrieveTableMembers", "deleteTableMembers"]


def test_describe_all_fields_by_default(dlr_table):
    response = dlr_table.call("GET", DESCRIBE_PATH)
    assert response.status_code == 200
    assert len(response.json()["fields"]) == 8


def test_describe_unknown_table_is_not_found(dlr_table):
    response = dlr_table.call("GET", f"/rest/api/v1.3/folder/{FOLDER_PATH}/suppData/"
                                     f"DLR_REPORT_X?ft=PK")
    assert response.status_code == 404
    assert response.json() == {
        "type": "", "title": "Resource not found", "errorCode": "RESOURCE_NOT_FOUND",
        "detail": "Supplemental name [DLR_REPORT_X] does not exist", "errorDetails": []}


def test_describe_with_plural_folders_path_is_unknown(dlr_table):
    response = dlr_table.call("GET", f"/rest/api/v1.3/folders/{FOLDER_PATH}/suppData/{TABLE}")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")


def test_plus_in_path_is_a_literal_plus(dlr_table):
    response = dlr_table.call("GET", f"/rest/api/v1.3/folder/Gupshup+WhatsApp+DLR/suppData/"
                                     f"{TABLE}")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "RESOURCE_NOT_FOUND"


def test_list_tables_returns_array(dlr_table):
    response = dlr_table.call("GET", "/rest/api/v1.3/suppData?offset=0&limit=200")
    body = response.json()
    assert response.status_code == 200
    assert len(body) == 1
    assert body[0]["suppData"] == {"objectName": TABLE, "folderName": FOLDER}
    assert body[0]["fields"][0] == {"fieldName": "MESSAGE_ID", "fieldType": "STR100"}


def test_list_tables_rejects_limit_over_200(dlr_table):
    response = dlr_table.call("GET", "/rest/api/v1.3/suppData?limit=201")
    assert response.status_code == 400


def test_delete_table(dlr_table):
    response = dlr_table.call("DELETE", f"/rest/api/v1.3/folders/{FOLDER_PATH}/suppData/"
                                        f"{TABLE}/table")
    assert response.status_code == 200
    assert response.json()["suppTableName"] == TABLE
    assert response.json()["links"][0]["method"] == "DELETE"
    assert dlr_table.call("GET", DESCRIBE_PATH).status_code == 404


def test_delete_unknown_table(dlr_table):
    response = dlr_table.call("DELETE", f"/rest/api/v1.3/folders/{FOLDER_PATH}/suppData/"
                                        f"OTHER/table")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "TABLE_NOT_FOUND"
    assert response.json()["detail"] == "No Supplemental Table found for given name [OTHER]"


def test_delete_table_in_unknown_folder(dlr_table):
    response = dlr_table.call("DELETE", f"/rest/api/v1.3/folders/Other/suppData/{TABLE}/table")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "FOLDER_NOT_FOUND"
