"""Retries: 5xx and network failures back off and retry, and other 4xx fail at once."""

import pytest

from responsys_sync.client import ResponsysError, ResponsysNotFound, ResponsysUnavailable

from .conftest import FIELD_NAMES, record


def test_server_errors_retried_until_success(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    api.control.set_faults("merge", fail_next=2)
    client = new_client()

    outcomes = client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert [outcome.ok for outcome in outcomes] == [True]
    assert api.control.call_counts()["merge"] == 3
    assert len(sleeper.delays) == 2
    assert api.control.row_count(folder, table) == 1


def test_server_errors_exhaust_retries(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    api.control.set_faults("merge", error_rate=1.0)
    client = new_client(max_retries=3)

    with pytest.raises(ResponsysUnavailable) as caught:
        client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert caught.value.http_status == 500
    assert caught.value.error_code == "UNEXPECTED_EXCEPTION"
    assert api.control.call_counts()["merge"] == 4
    assert len(sleeper.delays) == 3


def test_backoff_grows_exponentially_up_to_cap(new_client, api, sleeper):
    api.control.set_faults("describe_table", error_rate=1.0)
    client = new_client(max_retries=6, backoff_base=1.0, backoff_cap=8.0)

    with pytest.raises(ResponsysUnavailable):
        client.describe_table("Gupshup WhatsApp DLR", "DLR_REPORT")

    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert len(sleeper.delays) == len(ceilings)
    for delay, ceiling in zip(sleeper.delays, ceilings):
        assert ceiling / 2 <= delay <= ceiling


def test_dropped_connections_retried(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    api.control.set_faults("merge", fail_next=2, fail_mode="drop")
    client = new_client()

    outcomes = client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert [outcome.ok for outcome in outcomes] == [True]
    assert api.control.call_counts()["merge"] == 3
    assert len(sleeper.delays) == 2


def test_dropped_connections_exhaust_retries(new_client, api, dlr_table):
    folder, table = dlr_table
    api.control.set_faults("merge", drop_rate=1.0)
    client = new_client(max_retries=1)

    with pytest.raises(ResponsysUnavailable) as caught:
        client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert caught.value.http_status is None
    assert caught.value.error_code == "ConnectionError"
    assert api.control.call_counts()["merge"] == 2


def test_slow_response_times_out_and_retries(new_client, api, sleeper):
    api.control.set_faults("describe_table", slow_ms=1500)
    client = new_client(timeout=0.3, max_retries=1)
    client.test_connection()

    with pytest.raises(ResponsysUnavailable) as caught:
        client.describe_table("Gupshup WhatsApp DLR", "DLR_REPORT")

    assert caught.value.error_code == "ReadTimeout"
    assert len(sleeper.delays) == 1
    assert api.control.call_counts()["describe_table"] == 2


def test_not_found_is_not_retried(new_client, api, sleeper):
    client = new_client()

    with pytest.raises(ResponsysNotFound) as caught:
        client.merge_records("Gupshup WhatsApp DLR", "NO_SUCH_TABLE", FIELD_NAMES, [record("m-1")])

    assert caught.value.http_status == 404
    assert api.control.call_counts()["merge"] == 1
    assert sleeper.delays == []


def test_invalid_parameter_is_not_retried(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    client = new_client()

    with pytest.raises(ResponsysError) as caught:
        client.merge_records(folder, table, ["MESSAGE_ID", "NOT_A_COLUMN"], [["m-1", "x"]])

    assert caught.value.http_status == 400
    assert caught.value.error_code == "INVALID_PARAMETER"
    assert api.control.call_counts()["merge"] == 1
    assert sleeper.delays == []


def test_async_submit_failure_retried(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    api.control.set_faults("async_merge", fail_next=1, fail_mode="async_submit")
    client = new_client()

    request_id = client.async_merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert request_id
    assert api.control.call_counts()["async_merge"] == 2
    assert len(sleeper.delays) == 1
