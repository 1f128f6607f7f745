"""Fixtures for the emulator's own tests: real processes, real HTTP over loopback.

Nothing here needs Django, so these tests also run with `pytest -p no:django tests/emulator`.
"""

import sys
from pathlib import Path

import pytest

# `pytest` started as a script does not put the project root on sys.path.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from responsys_emulator.testing import EmulatorProcess  # noqa: E402

from .helpers import USERS, ResponsysSession  # noqa: E402


@pytest.fixture(scope="session")
def shared_emulator(tmp_path_factory):
    """One emulator for the tests that need only the default flags."""
    emulator = EmulatorProcess.start(tmp_path_factory.mktemp("responsys-emulator"), USERS)
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(shared_emulator):
    shared_emulator.control.reset()
    return shared_emulator


@pytest.fixture
def responsys(emulator) -> ResponsysSession:
    """A session logged in as the demo user on a freshly reset emulator."""
    session = ResponsysSession(emulator)
    assert session.login().status_code == 200
    return session


@pytest.fixture
def dlr_table(responsys) -> ResponsysSession:
    """The logged-in session after creating the DLR folder and DLR_REPORT table."""
    assert responsys.create_folder().status_code == 200
    assert responsys.create_table().status_code == 200
    return responsys


@pytest.fixture
def start_emulator(tmp_path):
    """Start a private emulator with the given flags; it is stopped after the test."""
    started = []

    def start(**flags) -> EmulatorProcess:
        emulator = EmulatorProcess.start(tmp_path / f"emulator-{len(started)}", USERS, **flags)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture(autouse=True)
def _clear_token_cache():
    """Shadow the suite-wide autouse fixture of the same name, which needs Django.

    The emulator has no Django token cache, and these tests must run without Django.
    """
    yield
