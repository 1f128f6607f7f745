"""Retrieve and delete one supplemental table member by primary key."""

from .helpers import DLR_FIELD_NAMES, FOLDER, TABLE, dlr_row

KEY_QUERY = [("qa", "MESSAGE_ID"), ("qa", "STATUS")]


def key_params(message_id="m1", status="DELIVERED", fields="all"):
    return KEY_QUERY + [("id", message_id), ("id", status), ("fs", fields)]


def test_retrieve_returns_row_with_null_for_empty(dlr_table):
    dlr_table.merge([dlr_row("m1", ERROR_REASON="")])
    response = dlr_table.call("GET", dlr_table.members_path(), params=key_params())
    expected = dlr_row("m1")
    expected[DLR_FIELD_NAMES.index("ERROR_REASON")] = None
    assert response.status_code == 200
    assert response.json()["recordData"] == {"fieldNames": DLR_FIELD_NAMES,
                                             "records": [expected], "mapTemplateName": None}
    assert response.json()["insertOnNoMatch"] is False
    assert response.json()["updateOnMatch"] is None


def test_retrieve_selected_fields(dlr_table):
    dlr_table.merge([dlr_row("m1")])
    response = dlr_table.call("GET", dlr_table.members_path(),
                              params=key_params(fields="STATUS,RECIPIENT_ID"))
    assert response.json()["recordData"]["fieldNames"] == ["STATUS", "RECIPIENT_ID"]
    assert response.json()["recordData"]["records"] == [["DELIVERED", "919812345678"]]


def test_retrieve_key_with_plus_and_space(dlr_table):
    dlr_table.merge([dlr_row("id+1 x")])
    response = dlr_table.call("GET", dlr_table.members_path(), params=key_params("id+1 x"))
    assert response.status_code == 200
    assert response.json()["recordData"]["records"][0][0] == "id+1 x"


def test_retrieve_missing_record(dlr_table):
    response = dlr_table.call("GET", dlr_table.members_path(), params=key_params("absent"))
    assert response.status_code == 404
    assert response.json()["errorCode"] == "RECORD_NOT_FOUND"
    assert response.json()["detail"] == "No Records found for the Id"


def test_retrieve_requires_every_key_column(dlr_table):
    response = dlr_table.call("GET", dlr_table.members_path(),
                              params=[("qa", "MESSAGE_ID"), ("id", "m1"), ("fs", "all")])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


def test_retrieve_requires_matching_id_count(dlr_table):
    response = dlr_table.call("GET", dlr_table.members_path(),
                              params=KEY_QUERY + [("id", "m1"), ("fs", "all")])
    assert response.status_code == 400


def test_retrieve_rejects_field_selection_over_150_characters(dlr_table):
    fields = ",".join(["MESSAGE_ID"] * 14)
    assert len(fields) > 150
    response = dlr_table.call("GET", dlr_table.members_path(), params=key_params(fields=fields))
    assert response.status_code == 400


def test_retrieve_rejects_unknown_selected_field(dlr_table):
    response = dlr_table.call("GET", dlr_table.members_path(),
                              params=key_params(fields="STATUS,COLOUR"))
    assert response.status_code == 400
    assert "COLOUR" in response.json()["detail"]


def test_delete_member_returns_key(dlr_table):
    dlr_table.merge([dlr_row("m1"), dlr_row("m2")])
    response = dlr_table.call("DELETE", dlr_table.members_path(),
                              params=KEY_QUERY + [("id", "m1"), ("id", "DELIVERED")])
    assert response.status_code == 200
    assert response.json()["recordData"]["fieldNames"] == ["MESSAGE_ID", "STATUS"]
    assert response.json()["recordData"]["records"] == [["m1", "DELIVERED"]]
    stored = dlr_table.emulator.control.table_rows(FOLDER, TABLE)
    assert [row["MESSAGE_ID"] for row in stored] == ["m2"]


def test_delete_missing_member(dlr_table):
    response = dlr_table.call("DELETE", dlr_table.members_path(),
                              params=KEY_QUERY + [("id", "absent"), ("id", "DELIVERED")])
    assert response.status_code == 404
    assert response.json()["errorCode"] == "RECORD_NOT_FOUND"
