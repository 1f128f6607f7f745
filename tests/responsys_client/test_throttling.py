"""Throttling: recognised by errorCode whatever the status, waited out, and resent unchanged."""

import pytest

from responsys_sync.client import ResponsysThrottled

from .conftest import FIELD_NAMES, record, spy_session


def lift_merge_throttle(api):
    """Build a sleep hook that removes the merge limit, as if the minute window had rolled."""
    return lambda: api.control.set_throttle("merge", None)


@pytest.mark.parametrize("status", [400, 401, 429])
def test_throttled_merge_waits_and_resends(new_client, api, dlr_table, sleeper, status):
    folder, table = dlr_table
    api.control.update_settings(throttle_status=status)
    # A limit of 0 rejects every call, whatever the position in the emulator's minute window.
    api.control.set_throttle("merge", 0)
    sleeper.hooks.append(lift_merge_throttle(api))
    client = new_client(throttle_wait=60.0)

    outcomes = client.merge_records(folder, table, FIELD_NAMES, [record("m-2", "READ")])

    assert [outcome.ok for outcome in outcomes] == [True]
    assert len(sleeper.delays) == 1
    assert 60.0 <= sleeper.delays[0] <= 75.0
    assert api.control.call_counts()["merge"] == 2
    assert api.control.call_counts()["login"] == 1


def test_throttled_merge_resends_same_body(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    api.control.set_throttle("merge", 0)
    sleeper.hooks.append(lift_merge_throttle(api))
    session = spy_session()
    client = new_client(session=session)

    client.merge_records(folder, table, FIELD_NAMES, [record("m-1"), record("m-2", "FAILED")])

    merge_bodies = [sent.body for sent in session.sent if sent.url.endswith("/members")]
    assert len(merge_bodies) == 2
    assert merge_bodies[0] == merge_bodies[1]
    assert [row["MESSAGE_ID"] for row in api.control.table_rows(folder, table)] == ["m-1", "m-2"]


def test_capacity_limit_waits_capacity_wait(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    client = new_client(capacity_wait=600.0)
    client.test_connection()
    api.control.update_settings(capacity_limit=0)
    sleeper.hooks.append(lambda: api.control.update_settings(capacity_limit=None))

    outcomes = client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert [outcome.ok for outcome in outcomes] == [True]
    assert len(sleeper.delays) == 1
    assert 600.0 <= sleeper.delays[0] <= 750.0


def test_throttling_exhausts_retries(new_client, api, dlr_table, sleeper):
    folder, table = dlr_table
    api.control.set_throttle("merge", 0)
    client = new_client(max_retries=2)

    with pytest.raises(ResponsysThrottled) as caught:
        client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert caught.value.error_code == "API_LIMIT_EXCEEDED"
    assert caught.value.function == "mergeTableMembers"
    assert api.control.call_counts()["merge"] == 3
    assert len(sleeper.delays) == 2


def test_throttled_login_waits_and_retries(new_client, api, sleeper):
    api.control.set_throttle("login", 0)
    sleeper.hooks.append(lambda: api.control.set_throttle("login", None))
    client = new_client()

    end_point = client.test_connection()

    assert end_point == api.api_url
    assert api.control.call_counts()["login"] == 2
    assert len(sleeper.delays) == 1
