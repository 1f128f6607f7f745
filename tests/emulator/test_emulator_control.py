"""Control API, response headers, persistence across restarts and a clean SIGTERM stop."""

import sqlite3

import requests

from responsys_emulator.settings import FUNCTIONS

from .helpers import FOLDER, TABLE, ResponsysSession, dlr_row

DESCRIBE_MISSING = "/rest/api/v1.3/folder/Gupshup%20WhatsApp%20DLR/suppData/DLR_REPORT_X"


def test_call_counts_show_each_call(dlr_table):
    dlr_table.call("GET", DESCRIBE_MISSING)
    counts = dlr_table.emulator.control.call_counts()
    assert set(counts) == set(FUNCTIONS)
    assert counts["describe_table"] == 1
    assert counts["login"] == 1
    assert counts["create_folder"] == 1
    assert counts["create_table"] == 1
    assert counts["merge"] == 0


def test_call_counts_include_rejected_calls(responsys):
    responsys.call("GET", "/rest/api/v1.3/suppData", token="unknown")
    assert responsys.emulator.control.call_counts()["list_tables"] == 1


def test_table_rows_returns_strings_and_nulls(dlr_table):
    dlr_table.merge([dlr_row("m1", ERROR_REASON="")])
    rows = dlr_table.emulator.control.table_rows(FOLDER, TABLE)
    assert len(rows) == 1
    assert rows[0]["MESSAGE_ID"] == "m1"
    assert rows[0]["ERROR_REASON"] is None
    assert all(value is None or isinstance(value, str) for value in rows[0].values())


def test_table_rows_of_unknown_table_is_not_found(responsys):
    response = requests.get(f"{responsys.emulator.api_url}/_emulator/tables/{FOLDER}/NOPE/rows")
    assert response.status_code == 404


def test_reset_clears_state_and_settings(dlr_table):
    control = dlr_table.emulator.control
    dlr_table.merge([dlr_row("m1")])
    control.set_throttle("merge", 1)
    control.set_invalid_token_shape("token_expired")
    control.reset()
    settings = control.settings()
    assert settings["throttle"] == {"login": 10}
    assert settings["invalid_token_shape"] == "invalid_token"
    assert control.call_counts()["merge"] == 0
    assert dlr_table.call("GET", "/rest/api/v1.3/suppData").status_code == 401
    session = ResponsysSession(dlr_table.emulator)
    session.login()
    assert session.call("GET", "/rest/api/v1.3/suppData").json() == []


def test_invalid_setting_is_rejected(emulator):
    response = requests.patch(f"{emulator.api_url}/_emulator/settings",
                              json={"invalid_token_shape": "teapot"})
    assert response.status_code == 400
    assert "invalid_token_shape" in response.json()["detail"]


def test_unknown_throttle_function_is_rejected(emulator):
    response = requests.put(f"{emulator.api_url}/_emulator/throttle/merge_everything",
                            json={"per_minute": 3})
    assert response.status_code == 400


def test_control_api_not_served_on_login_port(emulator):
    response = requests.get(f"{emulator.login_url}/_emulator/health")
    assert response.status_code == 404


def test_json_headers_on_every_response(responsys):
    responses = [responsys.call("GET", "/rest/api/v1.3/suppData"),
                 responsys.call("GET", DESCRIBE_MISSING),
                 responsys.call("GET", "/rest/api/v1.3/suppData", token="unknown")]
    for response in responses:
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert response.headers["X-CorrelationID"].startswith("Id-")
    correlation_ids = {response.headers["X-CorrelationID"] for response in responses}
    assert len(correlation_ids) == 3


def test_state_survives_restart(start_emulator):
    emulator = start_emulator()
    session = ResponsysSession(emulator)
    session.login()
    session.create_folder()
    session.create_table()
    session.merge([dlr_row("m1"), dlr_row("m2")])
    emulator.restart()
    assert emulator.control.row_count(FOLDER, TABLE) == 2
    assert session.call("GET", "/rest/api/v1.3/suppData").status_code == 200
    assert session.merge([dlr_row("m3")]).status_code == 200


def test_state_file_is_readable_sqlite_in_wal_mode(dlr_table):
    dlr_table.merge([dlr_row("m1")])
    with sqlite3.connect(dlr_table.emulator.state_path) as connection:
        journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        tables = connection.execute("SELECT table_name FROM supp_tables").fetchall()
    assert journal_mode == "wal"
    assert tables == [(TABLE,)]


def test_sigterm_stops_cleanly(start_emulator):
    emulator = start_emulator()
    emulator.stop()
    assert emulator.process.returncode == 0
    assert "Responsys emulator stopped" in emulator.log_path.read_text()


def test_log_never_contains_password_or_token(start_emulator):
    emulator = start_emulator(log_level="DEBUG")
    session = ResponsysSession(emulator)
    session.login()
    session.call("GET", "/rest/api/v1.3/suppData")
    emulator.stop()
    log = emulator.log_path.read_text()
    assert session.token not in log
    assert "demo-password" not in log


def test_connection_close_mode_closes_every_response(start_emulator):
    session = ResponsysSession(start_emulator(connection_close=True))
    session.login()
    responses = [session.call("GET", "/rest/api/v1.3/suppData") for _ in range(3)]
    assert [response.status_code for response in responses] == [200, 200, 200]
    assert all(response.headers["Connection"] == "close" for response in responses)


def test_client_connection_close_is_echoed(responsys):
    first = responsys.call("GET", "/rest/api/v1.3/suppData", headers={"Connection": "close"})
    second = responsys.call("GET", "/rest/api/v1.3/suppData")
    assert first.headers["Connection"] == "close"
    assert second.status_code == 200


def test_health_reports_process_id(emulator):
    body = requests.get(f"{emulator.api_url}/_emulator/health").json()
    assert body["pid"] == emulator.process.pid
    assert body["apiUrl"] == emulator.api_url
