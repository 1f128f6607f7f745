"""The asynchronous merge and delete, and polling until each request has finished."""

import pytest

from responsys_sync.client import ResponsysAsyncTimeout, merge_outcomes_from_response

from .conftest import FIELD_NAMES, FakeClock, record


@pytest.fixture
def quick_async(api):
    api.control.update_settings(async_delay=0.1)


def test_async_merge_succeeds_after_polling(new_client, api, dlr_table, quick_async):
    folder, table = dlr_table
    client = new_client()
    records = [record("m-1"), record("m-2", timestamp="not a time")]

    request_id = client.async_merge_records(folder, table, FIELD_NAMES, records)
    results = client.wait_for_async([request_id], poll_interval=0.05, timeout=10.0)

    result = results[request_id]
    assert result.ok
    outcomes = merge_outcomes_from_response(result.response, len(records))
    assert [outcome.ok for outcome in outcomes] == [True, False]
    assert api.control.row_count(folder, table) == 1


def test_async_delete_removes_rows(new_client, api, dlr_table, quick_async):
    folder, table = dlr_table
    client = new_client()
    client.merge_records(folder, table, FIELD_NAMES, [record("m-1"), record("m-2")])

    request_id = client.async_delete_records(folder, table, ["MESSAGE_ID"], [["m-1"], ["m-2"]])
    results = client.wait_for_async([request_id], poll_interval=0.05, timeout=10.0)

    assert results[request_id].status == "SUCCESS"
    assert api.control.row_count(folder, table) == 0


def test_async_merge_missing_table_fails(new_client, quick_async):
    client = new_client()

    request_id = client.async_merge_records(
        "Gupshup WhatsApp DLR", "NO_SUCH_TABLE", FIELD_NAMES, [record("m-1")]
    )
    result = client.wait_for_async([request_id], poll_interval=0.05, timeout=10.0)[request_id]

    assert not result.ok
    assert result.status == "FAILURE"
    assert result.error_code == "RESOURCE_NOT_FOUND"


def test_wait_for_async_times_out(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    api.control.update_settings(async_delay=3600)
    clock = FakeClock()
    sleeper.hooks.append(lambda: clock.advance(5.0))
    client = new_client(clock=clock)
    request_id = client.async_merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    with pytest.raises(ResponsysAsyncTimeout) as caught:
        client.wait_for_async([request_id], poll_interval=5.0, timeout=20.0)

    assert caught.value.pending_request_ids == [request_id]
    assert sleeper.delays == [5.0, 5.0, 5.0, 5.0]
    assert api.control.call_counts()["poll"] == 5


def test_async_merge_rejects_201_records(new_client, api, dlr_table):
    folder, table = dlr_table
    client = new_client()

    with pytest.raises(ValueError, match="at most 200"):
        client.async_merge_records(
            folder, table, FIELD_NAMES, [record(f"m-{number}") for number in range(201)]
        )

    assert api.control.call_counts()["async_merge"] == 0
