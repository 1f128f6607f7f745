"""Injected faults: 500 errors, dropped connections, slow responses and oversized bodies."""

import time

import pytest
import requests

from .helpers import FOLDER, TABLE, ResponsysSession, dlr_row

LIST_TABLES = "/rest/api/v1.3/suppData"


def test_fail_next_returns_500_then_recovers(dlr_table):
    dlr_table.emulator.control.set_faults("merge", fail_next=2)
    first = dlr_table.merge([dlr_row("m1")])
    second = dlr_table.merge([dlr_row("m1")])
    third = dlr_table.merge([dlr_row("m1")])
    assert first.status_code == 500
    assert first.json()["errorCode"] == "UNEXPECTED_EXCEPTION"
    assert second.status_code == 500
    assert third.status_code == 200


def test_failed_merge_stores_nothing(dlr_table):
    dlr_table.emulator.control.set_faults("merge", fail_next=1)
    dlr_table.merge([dlr_row("m1")])
    assert dlr_table.emulator.control.row_count(FOLDER, TABLE) == 0


def test_fault_on_one_function_spares_others(dlr_table):
    dlr_table.emulator.control.set_faults("merge", error_rate=1.0)
    assert dlr_table.call("GET", LIST_TABLES).status_code == 200
    assert dlr_table.merge([dlr_row()]).status_code == 500


def test_wildcard_fault_hits_every_function(responsys):
    responsys.emulator.control.set_faults("*", fail_next=1)
    assert responsys.call("GET", "/rest/api/v1.3/folders").status_code == 500
    assert responsys.call("GET", "/rest/api/v1.3/folders").status_code == 200


def test_dropped_connection_has_no_response(dlr_table):
    dlr_table.emulator.control.set_faults("merge", fail_next=1, fail_mode="drop")
    with pytest.raises(requests.ConnectionError):
        dlr_table.merge([dlr_row("m1")])
    assert dlr_table.merge([dlr_row("m1")]).status_code == 200


def test_drop_rate_one_drops_every_call(responsys):
    responsys.emulator.control.set_faults("list_tables", drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        responsys.call("GET", LIST_TABLES)


def test_slow_answer_is_delayed(responsys):
    responsys.emulator.control.set_faults("list_tables", slow_ms=600)
    started = time.monotonic()
    response = responsys.call("GET", LIST_TABLES)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.6


def test_slow_answer_times_out_client(responsys):
    responsys.emulator.control.set_faults("list_tables", slow_ms=1500)
    with pytest.raises(requests.Timeout):
        responsys.call("GET", LIST_TABLES, timeout=0.5)


def test_seeded_error_rate_repeats_sequence(responsys):
    sequences = []
    for _ in range(2):
        responsys.emulator.control.set_faults("list_tables", error_rate=0.5, seed=42)
        sequences.append([responsys.call("GET", LIST_TABLES).status_code for _ in range(20)])
    assert sequences[0] == sequences[1]
    assert 200 in sequences[0]
    assert 500 in sequences[0]


def test_clear_faults(responsys):
    responsys.emulator.control.set_faults("*", error_rate=1.0)
    responsys.emulator.control.clear_faults()
    assert responsys.call("GET", LIST_TABLES).status_code == 200


def test_fault_from_command_line(start_emulator):
    session = ResponsysSession(start_emulator(
        faults=[{"function": "list_tables", "fail_next": 1}]))
    session.login()
    assert session.call("GET", LIST_TABLES).status_code == 500
    assert session.call("GET", LIST_TABLES).status_code == 200


def test_oversized_body_drops_connection(start_emulator):
    session = ResponsysSession(start_emulator(max_body_bytes=2048))
    session.login()
    session.create_folder()
    session.create_table()
    with pytest.raises(requests.ConnectionError):
        session.merge([dlr_row(f"m{index}") for index in range(50)])
    assert session.merge([dlr_row("m1")]).status_code == 200
