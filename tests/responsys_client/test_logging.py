"""Log lines: retries name the function, attempt, error code and client, and hide secrets."""

import logging

from .conftest import FIELD_NAMES, record


def test_retry_log_names_call_details(new_client, api, dlr_table, caplog):
    folder, table = dlr_table
    api.control.set_faults("merge", fail_next=1)
    client = new_client(client_label="client 42")

    with caplog.at_level(logging.DEBUG, logger="responsys_sync"):
        client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    retries = [entry.getMessage() for entry in caplog.records if "retry" in entry.getMessage()]
    assert len(retries) == 1
    assert "mergeTableMembers" in retries[0]
    assert "attempt 1" in retries[0]
    assert "UNEXPECTED_EXCEPTION" in retries[0]
    assert "client 42" in retries[0]


def test_logs_never_contain_password_or_token(new_client, api, dlr_table, caplog):
    folder, table = dlr_table
    client = new_client()

    with caplog.at_level(logging.DEBUG):
        client.test_connection()
        api.control.expire_tokens()
        client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    token = client.token_store.get().auth_token
    text = "\n".join(entry.getMessage() for entry in caplog.records)
    assert "demo-password" not in text
    assert token not in text
    assert "logging in again" in text


def test_client_repr_hides_password_and_token(new_client):
    client = new_client()
    client.test_connection()

    assert "demo-password" not in repr(client)
    assert client.token_store.get().auth_token not in repr(client.token_store.get())
