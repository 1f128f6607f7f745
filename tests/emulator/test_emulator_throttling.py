"""Per-function throttle windows, the capacity bucket and GET /rest/api/ratelimit."""

import time

from .helpers import ResponsysSession, dlr_row


def test_merge_over_limit_gets_api_limit_exceeded(dlr_table):
    dlr_table.emulator.control.set_throttle("merge", 2)
    statuses = [dlr_table.merge([dlr_row(f"m{index}")]).status_code for index in range(2)]
    response = dlr_table.merge([dlr_row("m2")])
    assert statuses == [200, 200]
    assert response.status_code == 400
    assert response.json()["errorCode"] == "API_LIMIT_EXCEEDED"
    assert response.json()["type"] == ""
    assert response.json()["errorDetails"] == []
    assert "Retry-After" not in response.headers


def test_throttle_is_per_function(dlr_table):
    dlr_table.emulator.control.set_throttle("merge", 1)
    dlr_table.merge([dlr_row("m1")])
    assert dlr_table.merge([dlr_row("m2")]).status_code == 400
    assert dlr_table.call("GET", "/rest/api/v1.3/suppData").status_code == 200


def test_throttle_status_is_configurable(dlr_table):
    dlr_table.emulator.control.update_settings(throttle_status=429)
    dlr_table.emulator.control.set_throttle("list_tables", 1)
    dlr_table.call("GET", "/rest/api/v1.3/suppData")
    response = dlr_table.call("GET", "/rest/api/v1.3/suppData")
    assert response.status_code == 429
    assert response.json()["errorCode"] == "API_LIMIT_EXCEEDED"


def test_throttle_window_rolls_over(start_emulator):
    session = ResponsysSession(start_emulator(throttle={"list_tables": 2},
                                              throttle_window=1.0))
    session.login()
    # Start at the beginning of a window so all three calls fall inside it.
    time.sleep(1.0 - time.time() % 1.0 + 0.05)
    statuses = [session.call("GET", "/rest/api/v1.3/suppData").status_code for _ in range(3)]
    time.sleep(1.0 - time.time() % 1.0 + 0.05)
    after_window = session.call("GET", "/rest/api/v1.3/suppData").status_code
    assert statuses == [200, 200, 400]
    assert after_window == 200


def test_removing_limit_lifts_throttle(responsys):
    responsys.emulator.control.set_throttle("list_tables", 1)
    responsys.call("GET", "/rest/api/v1.3/suppData")
    responsys.emulator.control.set_throttle("list_tables", None)
    assert responsys.call("GET", "/rest/api/v1.3/suppData").status_code == 200


def test_capacity_bucket_covers_all_functions(start_emulator):
    session = ResponsysSession(start_emulator(capacity_limit=3))
    session.login()
    statuses = [session.call("GET", "/rest/api/v1.3/suppData").status_code for _ in range(2)]
    response = session.call("GET", "/rest/api/v1.3/folders")
    assert statuses == [200, 200]
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INTERNAL_CAPACITY_LIMIT_EXCEEDED"


def test_ratelimit_lists_configured_limits(responsys):
    responsys.emulator.control.set_throttle("merge", 500)
    response = responsys.call("GET", "/rest/api/ratelimit")
    by_api = {item["api"]: item for item in response.json()}
    assert response.status_code == 200
    assert by_api["mergeTableMembers"] == {
        "limit": 500, "api": "mergeTableMembers",
        "resource_path": "/folders/{folderName}/suppData/{tableName}/members",
        "verb": "POST", "description": "Merge supplemental table members"}
    assert by_api["login"]["limit"] == 10


def test_versioned_ratelimit_path_is_not_found(responsys):
    response = responsys.call("GET", "/rest/api/v1.3/ratelimit")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")


def test_ratelimit_requires_token(responsys):
    response = responsys.call("GET", "/rest/api/ratelimit", token="unknown")
    assert response.status_code == 401
