"""Helpers for the sync tests: pending messages in bulk, and the table our database implies."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from callbacks.models import Client, Message
from responsys_sync.dlr_report import DLR_COLUMNS, message_record, table_layout

ROOT = Path(__file__).resolve().parent.parent.parent
FOLDER = "Gupshup WhatsApp DLR"
TABLE = "DLR_REPORT"
BASE_TIME = datetime(2026, 6, 1, 9, 0, tzinfo=dt_timezone.utc)


def add_messages(client: Client, count: int, prefix: str = "msg", status: str = "SENT",
                 start: int = 0, **fields) -> None:
    """Insert `count` messages with one pending change each, ids `<prefix>-<n>`."""
    fields.setdefault("status_version", 1)
    Message.objects.bulk_create([
        Message(client=client, message_id=f"{prefix}-{number:07d}", phone=f"9198{number:08d}",
                sender="RETAILCO", status=status, status_rank=1,
                status_time=BASE_TIME + timedelta(seconds=number),
                sent_at=BASE_TIME + timedelta(seconds=number),
                first_event_at=BASE_TIME + timedelta(seconds=number), **fields)
        for number in range(start, start + count)
    ], batch_size=2000)


def change_status(client: Client, message_ids, status: str = "SUCCESS") -> int:
    """Apply a status change the way the webhook does: new values and the next version."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE callbacks_message
            SET status = %s, status_rank = 3, status_time = status_time + interval '5 seconds',
                delivered_at = status_time + interval '5 seconds',
                status_version = status_version + 1, updated_at = now()
            WHERE client_id = %s AND message_id = ANY(%s)
            """,
            [status, client.pk, list(message_ids)],
        )
        return cursor.rowcount


def expected_table(client: Client) -> dict[str, dict[str, str]]:
    """Return the DLR_REPORT rows that our database implies, keyed by MESSAGE_ID."""
    client.refresh_from_db()
    layout = table_layout(client)
    zone = ZoneInfo(client.responsys_time_zone)
    rows = {}
    for message in Message.objects.filter(client=client, status__isnull=False).order_by("id"):
        record = message_record(client, message, zone)
        rows[record[0]] = dict(zip(layout.field_names, record))
    return rows


def emulator_table(emulator, client: Client) -> dict[str, dict[str, str]]:
    """Return the rows of the client's table in the emulator; NULL cells read as ""."""
    client.refresh_from_db()
    layout = table_layout(client)
    key = layout.names["MESSAGE_ID"]
    rows = emulator.control.table_rows(client.responsys_folder, client.responsys_table)
    wanted = layout.field_names
    return {row[key]: {name: row.get(name) or "" for name in wanted} for row in rows}


def pending_count(client: Client) -> int:
    return sum(1 for message in Message.objects.filter(client=client)
               if message.status_version > message.pushed_version)


@pytest.fixture
def sync_client(make_client, fresh_emulator):
    """An opted-out client pointed at a fresh emulator (no periodic task involved)."""
    return make_client("Sync Co", emulator=fresh_emulator)


__all__ = ["DLR_COLUMNS", "FOLDER", "TABLE", "add_messages", "change_status", "emulator_table",
           "expected_table", "pending_count"]


class WorkerProcess:
    """A real Celery worker subprocess on the test database, consuming one private queue.

    The private queue keeps the session's shared worker from taking the tasks of a test that
    kills this one.
    """

    def __init__(self, database_url: str, queue: str, log_path: Path) -> None:
        self.database_url = database_url
        self.queue = queue
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        # Restarted workers append to the same log, so readiness is the next "ready." line.
        previous = self.log_path.read_text() if self.log_path.exists() else ""
        self.ready_lines_expected = previous.count("ready.") + 1
        env = {**os.environ, "DATABASE_URL": self.database_url,
               "DJANGO_SETTINGS_MODULE": "dlr_project.settings_test"}
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dlr_project", "worker", "--pool", "threads",
             "--concurrency", "2", "--loglevel", "INFO", "-Q", self.queue, "-n",
             f"{self.queue}-{time.monotonic_ns()}@%h", "--without-heartbeat",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while self.log_path.read_text().count("ready.") < self.ready_lines_expected:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not become ready; see {self.log_path}")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run, exactly like an out-of-memory kill."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def private_worker(django_db_setup, django_db_blocker, tmp_path):
    """Start and restart real workers on a private queue; all are stopped after the test."""
    from tests.conftest import _test_database_url

    with django_db_blocker.unblock():
        database_url = _test_database_url()
    queue = f"sync-test-{os.getpid()}-{time.monotonic_ns()}"
    workers = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(database_url, queue, tmp_path / "worker.log").start()
        workers.append(worker)
        return worker

    start.queue = queue
    yield start
    for worker in workers:
        worker.stop()
