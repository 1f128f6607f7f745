"""Async merge and delete with polling, IN_PROGRESS, FAILURE and purged results."""

import time

import pytest

from .helpers import DLR_FIELD_NAMES, FOLDER, TABLE, ResponsysSession, dlr_row

REQUESTS_PATH = "/rest/asyncApi/v1.3/requests"


@pytest.fixture
def async_table(start_emulator):
    """A logged-in session with DLR_REPORT on an emulator whose async delay is 0.5 s."""
    session = ResponsysSession(start_emulator(async_delay=0.5))
    session.login()
    session.create_folder()
    session.create_table()
    return session


def merge_body(records):
    return {"recordData": {"fieldNames": DLR_FIELD_NAMES, "records": records,
                           "mapTemplateName": None},
            "insertOnNoMatch": True, "updateOnMatch": "REPLACE_ALL"}


def submit_merge(session, records, table=TABLE):
    return session.call("POST", session.members_path(table, api="asyncApi"),
                        json=merge_body(records))


def poll(session, request_id):
    return session.call("GET", f"{REQUESTS_PATH}/{request_id}")


def wait_for_result(session, request_id, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = poll(session, request_id).json()
        if body["status"] != "IN_PROGRESS":
            return body
        time.sleep(0.1)
    raise AssertionError(f"async request {request_id} still IN_PROGRESS after {timeout} s")


def test_async_merge_accepted_with_request_id(async_table):
    response = submit_merge(async_table, [dlr_row("m1")])
    body = response.json()
    assert response.status_code == 202
    assert body["status"] == "REQUEST_ACCEPTED"
    assert body["apiName"] == "AsyncMergeTableMembers"
    assert body["links"][1] == {"rel": "asyncResponse", "method": "GET",
                                "href": f"{REQUESTS_PATH}/{body['requestId']}"}


def test_poll_before_delay_is_in_progress(async_table):
    request_id = submit_merge(async_table, [dlr_row("m1")]).json()["requestId"]
    response = poll(async_table, request_id)
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "IN_PROGRESS"
    assert body["requestId"] == request_id
    assert body["response"]["errorCode"] == "PROCESSING_REQUEST"
    assert body["response"]["errorDetails"] == "[]"
    assert async_table.emulator.control.row_count(FOLDER, TABLE) == 0


def test_poll_after_delay_returns_merge_result(async_table):
    request_id = submit_merge(async_table, [dlr_row("m1"), dlr_row("m2", ATTEMPTS="1w")]
                              ).json()["requestId"]
    body = wait_for_result(async_table, request_id)
    records = body["response"]["recordData"]["records"]
    assert body["status"] == "SUCCESS"
    assert body["requestProcessedTime"] is not None
    assert records[0] == dlr_row("m1")
    assert records[1][0].startswith("MERGEFAILED: Record 1 = ")
    assert async_table.emulator.control.row_count(FOLDER, TABLE) == 1


def test_worker_processes_without_polling(async_table):
    submit_merge(async_table, [dlr_row("m1")])
    time.sleep(1.0)
    assert async_table.emulator.control.row_count(FOLDER, TABLE) == 1


def test_poll_several_ids_by_post(async_table):
    first = submit_merge(async_table, [dlr_row("m1")]).json()["requestId"]
    second = submit_merge(async_table, [dlr_row("m2")]).json()["requestId"]
    response = async_table.call("POST", REQUESTS_PATH, json={"requestIds": [first, second]})
    assert response.status_code == 200
    assert [item["requestId"] for item in response.json()] == [first, second]


def test_poll_several_ids_by_path(async_table):
    first = submit_merge(async_table, [dlr_row("m1")]).json()["requestId"]
    second = submit_merge(async_table, [dlr_row("m2")]).json()["requestId"]
    response = poll(async_table, f"{first},{second}")
    assert [item["requestId"] for item in response.json()] == [first, second]


def test_async_merge_into_unknown_table_fails_when_polled(async_table):
    response = submit_merge(async_table, [dlr_row("m1")], table="DLR_MISSING")
    assert response.status_code == 202
    body = wait_for_result(async_table, response.json()["requestId"])
    assert body["status"] == "FAILURE"
    assert body["response"]["errorCode"] == "RESOURCE_NOT_FOUND"
    assert body["response"]["errorDetails"] == "[]"


def test_async_merge_over_200_records_rejected(async_table):
    response = submit_merge(async_table, [dlr_row(f"m{index}") for index in range(201)])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "RECIPIENT_LIMIT_EXCEEDED"


def test_async_merge_non_json_rejected(async_table):
    response = async_table.call("POST", async_table.members_path(api="asyncApi"), data="{",
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_CONTENT"
    assert response.json()["detail"] == "Request body is empty or invalid"


def test_result_purged_after_retention(async_table):
    request_id = submit_merge(async_table, [dlr_row("m1")]).json()["requestId"]
    async_table.emulator.control.update_settings(async_retention=0.2)
    time.sleep(0.3)
    body = poll(async_table, request_id).json()
    assert body["status"] == "UNKNOWN"
    assert body["response"]["errorCode"] == "RESPONSE_PURGED"
    assert body["response"]["errorDetails"] == "[]"


def test_unknown_request_id(async_table):
    body = poll(async_table, "no-such-request").json()
    assert body["status"] == "UNKNOWN"
    assert body["response"]["errorCode"] == "INVALID_REQUEST_ID"


@pytest.mark.parametrize("path_suffix", ["/members?action=delete", "/members/members"])
def test_async_delete_removes_rows(async_table, path_suffix):
    async_table.merge([dlr_row("m1"), dlr_row("m2")])
    path = async_table.members_path(api="asyncApi").removesuffix("/members") + path_suffix
    body = {"recordData": {"fieldNames": ["MESSAGE_ID", "STATUS"],
                           "records": [["m1", "DELIVERED"], ["absent", "DELIVERED"]]}}
    response = async_table.call("POST", path, json=body)
    assert response.status_code == 202
    assert response.json()["apiName"] == "AsyncDeleteTableMembers"
    result = wait_for_result(async_table, response.json()["requestId"])
    records = result["response"]["recordData"]["records"]
    assert records[0] == ["m1", "DELIVERED"]
    assert records[1] == ["DELETEFAILED: Record 1 = No Records found for the Id\r\n", ""]
    stored = async_table.emulator.control.table_rows(FOLDER, TABLE)
    assert [row["MESSAGE_ID"] for row in stored] == ["m2"]


def test_async_queue_full_fault(async_table):
    async_table.emulator.control.set_faults("async_merge", fail_next=1,
                                            fail_mode="async_submit")
    response = submit_merge(async_table, [dlr_row("m1")])
    assert response.status_code == 500
    assert response.json()["errorCode"] == "UNABLE_TO_SUBMIT_ASYNC_REQUEST"
    assert submit_merge(async_table, [dlr_row("m1")]).status_code == 202
