"""Fixtures for the Responsys client tests: a reset emulator, a fake clock and a sleep recorder.

Every test talks to the real emulator process over loopback. The `sleep` replacement does not
wait. It records the delay and runs hooks, so a hook can lift a throttle as a rolled-over
window would.
"""

import pytest
import requests

from responsys_sync.client import Column, ResponsysClient

from ..conftest import DEMO_PASSWORD, DEMO_USER

FOLDER = "Gupshup WhatsApp DLR"
TABLE = "DLR_REPORT"
FIELD_NAMES = ["MESSAGE_ID", "STATUS", "RECIPIENT_ID", "DLR_TIMESTAMP"]
COLUMNS = [
    Column("MESSAGE_ID", "STR100"),
    Column("STATUS", "STR25"),
    Column("RECIPIENT_ID", "STR100"),
    Column("DLR_TIMESTAMP", "TIMESTAMP"),
]


class RecordingSleep:
    """A `sleep` replacement that stores each delay and then runs the registered hooks."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.hooks: list = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        for hook in self.hooks:
            hook()


class FakeClock:
    """A `clock` replacement whose time moves only when a test calls `advance`."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def record(
    message_id: str, status: str = "DELIVERED", timestamp: str = "2024-06-03 10:15:02"
) -> list[str]:
    """Build one DLR_REPORT row in FIELD_NAMES order."""
    return [message_id, status, "919812345678", timestamp]


@pytest.fixture
def api(fresh_emulator):
    """The shared emulator with empty state, default settings and zeroed call counters."""
    return fresh_emulator


@pytest.fixture
def sleeper() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def new_client(api, sleeper):
    """Build clients for the emulator. Keyword arguments override ResponsysClient's defaults."""
    clients = []

    def build(**overrides) -> ResponsysClient:
        options = {"timeout": 5.0, "sleep": sleeper, "client_label": "client 7"}
        options.update(overrides)
        login_url = options.pop("login_url", api.login_url)
        username = options.pop("username", DEMO_USER)
        password = options.pop("password", DEMO_PASSWORD)
        client = ResponsysClient(login_url, username, password, **options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def dlr_table(api):
    """Create the DLR_REPORT table through a separate client, then zero the call counters."""
    setup_client = ResponsysClient(api.login_url, DEMO_USER, DEMO_PASSWORD, timeout=5.0)
    setup_client.create_folder(FOLDER)
    setup_client.create_table(FOLDER, TABLE, COLUMNS, ["MESSAGE_ID"])
    setup_client.close()
    api.control.clear_call_counts()
    return FOLDER, TABLE


def spy_session() -> requests.Session:
    """Return a Session whose `sent` list receives every request it sends.

    The list contains `requests.PreparedRequest` objects, so tests can check URLs, headers and
    bodies exactly as they went over the wire.
    """
    session = requests.Session()
    session.sent = []

    def remember(response, *args, **kwargs):
        session.sent.append(response.request)

    session.hooks["response"].append(remember)
    return session
