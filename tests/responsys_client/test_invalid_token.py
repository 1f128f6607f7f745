"""Rejected tokens: each of the three wire shapes causes one re-login and one resend."""

import pytest
import requests

from responsys_sync.client import ResponsysAuthError

from .conftest import FIELD_NAMES, record

def expire_tokens_after_login(api):
    """Build a response hook that expires every token as soon as a login response arrives."""

    def hook(response, *args, **kwargs):
        if response.request.url.endswith("/auth/token"):
            api.control.expire_tokens()

    return hook


SHAPES = ["invalid_token", "unexpected_exception", "token_expired"]


@pytest.mark.parametrize("shape", SHAPES)
def test_rejected_token_relogs_in_and_resends(new_client, api, dlr_table, sleeper, shape):
    folder, table = dlr_table
    api.control.set_invalid_token_shape(shape)
    client = new_client()
    client.test_connection()
    api.control.expire_tokens()

    outcomes = client.merge_records(folder, table, FIELD_NAMES, [record("m-1")])

    assert [outcome.ok for outcome in outcomes] == [True]
    assert api.control.call_counts()["login"] == 2
    assert api.control.call_counts()["merge"] == 2
    assert sleeper.delays == []
    assert api.control.table_rows(folder, table)[0]["MESSAGE_ID"] == "m-1"


@pytest.mark.parametrize("shape", SHAPES)
def test_second_rejection_raises_auth_error(new_client, api, dlr_table, shape):
    folder, table = dlr_table
    api.control.set_invalid_token_shape(shape)
    session = requests.Session()
    session.hooks["response"].append(expire_tokens_after_login(api))
    client = new_client(session=session)

    with pytest.raises(ResponsysAuthError) as caught:
        client.describe_table(folder, table)

    assert caught.value.function == "describeTable"
    assert api.control.call_counts()["login"] == 2
    assert api.control.call_counts()["describe_table"] == 2


def test_relogin_stores_new_token(new_client, api):
    client = new_client()
    client.test_connection()
    first_token = client.token_store.get().auth_token
    api.control.expire_tokens()

    client.describe_table("Gupshup WhatsApp DLR", "DLR_REPORT")

    assert client.token_store.get().auth_token != first_token
