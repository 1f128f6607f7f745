"""Token reuse: one login serves many clients through a shared store, and old tokens are renewed."""

import uuid

import pytest

from responsys_sync.client import CacheTokenStore, MemoryTokenStore

from .conftest import FOLDER, TABLE, FakeClock


@pytest.fixture
def redis_store():
    """A CacheTokenStore on the project's Redis cache under a key no other test uses."""
    store = CacheTokenStore("default", f"responsys-token-test:{uuid.uuid4()}")
    yield store
    store.clear()


def test_second_client_reuses_memory_store_token(new_client, api):
    store = MemoryTokenStore()
    new_client(token_store=store).describe_table(FOLDER, TABLE)

    new_client(token_store=store).describe_table(FOLDER, TABLE)

    assert api.control.call_counts()["login"] == 1
    assert api.control.call_counts()["describe_table"] == 2


def test_second_client_reuses_redis_store_token(new_client, api, redis_store):
    new_client(token_store=redis_store).describe_table(FOLDER, TABLE)
    other_store = CacheTokenStore("default", redis_store._key)

    new_client(token_store=other_store).describe_table(FOLDER, TABLE)

    assert api.control.call_counts()["login"] == 1
    assert other_store.get().end_point == api.api_url


def test_redis_store_keeps_token_fields(new_client, redis_store):
    client = new_client(token_store=redis_store)

    client.test_connection()

    stored = redis_store.get()
    assert stored.auth_token
    assert stored.issued_at_ms > 0
    assert stored.account.startswith("demo@")


def test_token_renewed_at_max_age(new_client, api):
    clock = FakeClock()
    client = new_client(clock=clock, token_max_age=100.0)
    client.describe_table(FOLDER, TABLE)

    clock.advance(99.0)
    client.describe_table(FOLDER, TABLE)
    logins_before_max_age = api.control.call_counts()["login"]
    clock.advance(2.0)
    client.describe_table(FOLDER, TABLE)

    assert logins_before_max_age == 1
    assert api.control.call_counts()["login"] == 2


def test_token_of_other_account_is_not_used(new_client, api):
    store = MemoryTokenStore()
    new_client(token_store=store).describe_table(FOLDER, TABLE)
    # The same emulator under another host name counts as a different account for the store.
    other_login_url = api.login_url.replace("127.0.0.1", "localhost")

    new_client(token_store=store, login_url=other_login_url).describe_table(FOLDER, TABLE)

    assert api.control.call_counts()["login"] == 2
    assert store.get().account == f"demo@{other_login_url}"


def test_malformed_cache_entry_is_ignored(new_client, api, redis_store):
    from django.core.cache import caches

    caches["default"].set(redis_store._key, {"auth_token": "x"}, 60)

    new_client(token_store=redis_store).describe_table(FOLDER, TABLE)

    assert api.control.call_counts()["login"] == 1
    assert redis_store.get().auth_token != "x"
