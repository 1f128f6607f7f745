"""Shared fixtures: the Responsys emulator over loopback, clients, and a real Celery worker."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """A Responsys emulator process shared by the session; tests reset it as they need."""
    from responsys_emulator.testing import EmulatorProcess

    process = EmulatorProcess.start(tmp_path_factory.mktemp("emulator"),
                                    users={DEMO_USER: DEMO_PASSWORD})
    yield process
    process.stop()


@pytest.fixture
def fresh_emulator(emulator):
    emulator.control.reset()
    emulator.control.clear_faults()
    yield emulator
    emulator.control.clear_faults()


@pytest.fixture
def make_client(db):
    """Create a client; with an emulator passed, its Responsys connection points at it."""
    from callbacks.models import Client

    created = []

    def factory(name=None, emulator=None, **fields):
        name = name or f"Client {len(created) + 1}"
        if emulator is not None:
            fields.setdefault("responsys_login_url", emulator.login_url)
            fields.setdefault("responsys_username", DEMO_USER)
            fields.setdefault("responsys_password", DEMO_PASSWORD)
        client = Client.objects.create(name=name, **fields)
        created.append(client)
        return client

    return factory


@pytest.fixture(autouse=True)
def _clear_token_cache():
    from callbacks.tokens import clear_cache

    clear_cache()
    yield
    clear_cache()


def _test_database_url() -> str:
    from django.db import connection

    settings_dict = connection.settings_dict
    user = settings_dict.get("USER") or "root"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker on the test database and the test broker, stopped at the end."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {**os.environ, "DATABASE_URL": database_url,
           "DJANGO_SETTINGS_MODULE": "dlr_project.settings_test"}
    subprocess.run([sys.executable, "-m", "celery", "-A", "dlr_project", "purge", "-f"],
                   cwd=ROOT, env=env, check=False, capture_output=True)
    log_path = ROOT / "test-artifacts" / f"celery-worker-{os.getpid()}.log"
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dlr_project", "worker", "--pool", "threads",
         "--concurrency", "4", "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if "ready." in log_path.read_text():
            break
        if worker.poll() is not None:
            raise RuntimeError(f"Celery worker exited early; see {log_path}")
        time.sleep(0.2)
    else:
        worker.kill()
        raise RuntimeError(f"Celery worker did not become ready in 30 s; see {log_path}")
    yield worker
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()


def wait_until(condition, timeout=20.0, interval=0.1, message="condition not met"):
    """Poll `condition` until it returns a truthy value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"{message} within {timeout} s")
