"""Push each message whose current status changed since its last accepted push to DLR_REPORT.

Exactly once per change: a message's `status_version` grows with every change of an exported
column and `pushed_version` records the version Responsys last accepted. A run walks the
pending messages in id order, 200 at a time, merges them, and marks a version pushed only for
the rows Responsys accepted, and only if no newer version was pushed meanwhile. When a run is
killed between a merge and its mark, the next run sends the same rows again. The merge
replaces them by primary key, so the table gains no extra rows. Rejected rows (MERGEFAILED)
stay pending and are retried by the next run without blocking the rest of their batch. A
change that lands during a run is pushed by that run when the walk has not passed the message
yet, else by the next run.

Speed comes from a pipeline: up to SYNC_MERGES_IN_FLIGHT merge calls run on worker threads
while the run's own thread reads the next batch, and a marker thread records finished merges on
its own database connection. When the account limits merge calls per minute, a pacer spaces
the calls just under that limit, so that throttling is avoided instead of suffered.

Two runs of one client never overlap: a run holds a PostgreSQL session advisory lock keyed by
the client id, which the server releases by itself if the worker dies.

NOTE: a merge that was on the wire when its worker died may still be applied by Responsys after
the next run has started. Should that next run push a newer version of the same message first,
the late older row would win. The window is the request's time on the wire, and the next
scheduled run is minutes away, so this is accepted rather than guarded.
"""
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from callbacks.models import Client

from .client import CacheTokenStore, MergeOutcome, ResponsysClient, ResponsysError
from .dlr_report import LayoutError, TableLayout, message_record, table_layout
from .models import SyncRejection, SyncRun

logger = logging.getLogger(__name__)

# First key of the two-integer advisory lock. Other code that takes two-integer advisory locks
# must use another first key, or its locks would share ours.
ADVISORY_LOCK_NAMESPACE = 7_301_001
MERGE_API_NAME = "mergeTableMembers"
# Share of the account's merge limit the pacer uses. The remaining 2% leaves room for retried
# calls and for jitter between our clock and the gateway's minute windows.
PACER_HEADROOM = 0.98
REJECTION_REASON_MAX_CHARS = 2000
TEXT_TYPES = frozenset({"CHAR", "STR25", "STR100", "STR500", "STR4000"})
NUMERIC_TYPES = frozenset({"INTEGER", "NUMBER"})

PENDING_SQL = """
    SELECT id, message_id, phone, sender, channel, extra, status, status_time, cause,
           error_code, error_title, sent_at, delivered_at, read_at, status_version
    FROM callbacks_message
    WHERE client_id = %s AND status_version > pushed_version AND id > %s
    ORDER BY id
    LIMIT %s
"""

MARK_PUSHED_SQL = """
    UPDATE callbacks_message m
    SET pushed_version = v.version, pushed_at = %s, last_push_error = ''
    FROM unnest(%s::bigint[], %s::int[]) AS v(id, version)
    WHERE m.id = v.id AND m.pushed_version < v.version
"""

NOTE_REJECTED_SQL = """
    UPDATE callbacks_message m
    SET last_push_error = v.reason
    FROM unnest(%s::bigint[], %s::text[]) AS v(id, reason)
    WHERE m.id = v.id
"""


class TableMismatch(Exception):
    """Error raised when the client's table exists with other columns than the expected ones."""


class PendingMessage(NamedTuple):
    """Message columns that a DLR_REPORT row is built from."""

    id: int
    message_id: str
    phone: str
    sender: str
    channel: str
    extra: str
    status: str | None
    status_time: object
    cause: str
    error_code: str
    error_title: str
    sent_at: object
    delivered_at: object
    read_at: object
    status_version: int


@dataclass
class Batch:
    """Batch of up to 200 pending messages and their DLR_REPORT rows, in the same order."""

    number: int
    messages: list[PendingMessage]
    records: list[list[str]]


@contextmanager
def client_sync_lock(client_id: int):
    """Yield True when this process holds the client's sync lock, False when another run does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, client_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)",
                               [ADVISORY_LOCK_NAMESPACE, client_id])


class CallPacer:
    """Pacer that spaces calls evenly, so no 60-second window contains more than `per_minute`.

    Slots follow a fixed schedule of `headroom * per_minute` calls a minute. A caller that
    comes late may use up to `catch_up` missed slots at once, so a slow moment in the run does
    not lower the rate for good. Any 60-second window then contains at most
    `headroom * per_minute + catch_up` calls, which must stay under `per_minute`.
    Thread-safe: each caller reserves the next slot and sleeps until it comes.
    """

    def __init__(self, per_minute: float, headroom: float = PACER_HEADROOM,
                 catch_up: int | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if per_minute <= 0:
            raise ValueError(f"per_minute must be positive, got {per_minute!r}")
        self.interval = 60.0 / (per_minute * headroom)
        if catch_up is None:
            # Half of the headroom, so retried calls still find room in the window.
            catch_up = int(per_minute * (1 - headroom) / 2)
        self.catch_up = max(0, catch_up)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: float | None = None
        self.waited_seconds = 0.0

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            earliest = now - self.catch_up * self.interval
            slot = now if self._next_slot is None else max(self._next_slot, earliest)
            self._next_slot = slot + self.interval
            delay = max(0.0, slot - now)
            self.waited_seconds += delay
        if delay:
            self._sleep(delay)


class PacedSession(requests.Session):
    """Requests session that passes every merge call, retries included, through a pacer."""

    def __init__(self, pacer: CallPacer | None) -> None:
        super().__init__()
        self.pacer = pacer

    def request(self, method, url, *args, **kwargs):
        if self.pacer is not None and method == "POST" and _is_sync_merge_url(url):
            self.pacer.wait()
        return super().request(method, url, *args, **kwargs)


def _is_sync_merge_url(url: str) -> bool:
    return "/rest/api/" in url and url.endswith("/members")


def responsys_client_for(client: Client, pacer: CallPacer | None = None) -> ResponsysClient:
    """Return a Responsys client for the client's account, sharing its token through Redis."""
    store = CacheTokenStore(cache, f"responsys-token:{client.pk}:{client.responsys_username}")
    return ResponsysClient(
        client.responsys_login_url, client.responsys_username, client.responsys_password,
        token_store=store, timeout=settings.RESPONSYS_TIMEOUT_SECONDS,
        client_label=f"client {client.pk}", session=PacedSession(pacer),
    )


def run_sync(client_id: int, trigger: str = SyncRun.Trigger.SCHEDULED, task_id: str = "",
             responsys_factory: Callable[[Client, CallPacer | None], ResponsysClient] | None = None,
             ) -> SyncRun:
    """Run one sync of the client and return its recorded SyncRun.

    Returns a SKIPPED run when another run of the same client has the lock. Responsys and
    table errors end the run as FAILED and count towards flagging the client. Any other
    exception does the same and is then raised again. `responsys_factory` builds one Responsys
    client per thread (tests and the benchmark pass their own).
    """
    client = Client.objects.get(pk=client_id)
    with client_sync_lock(client_id) as acquired:
        if not acquired:
            logger.info("sync of client %s skipped: another run of this client is in progress",
                        client_id)
            return SyncRun.objects.create(client=client, trigger=trigger, task_id=task_id,
                                          status=SyncRun.Status.SKIPPED,
                                          finished_at=timezone.now())
        return _run_locked(client, trigger, task_id, responsys_factory or responsys_client_for)


def _run_locked(client: Client, trigger: str, task_id: str, responsys_factory) -> SyncRun:
    # Holding the lock means any run still marked running belongs to a dead worker.
    abandoned = SyncRun.objects.filter(client=client, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.FAILED, finished_at=timezone.now(),
        error="The worker stopped before the run finished; the next run resumed its work.",
    )
    if abandoned:
        logger.warning("client %s: %s sync runs of a stopped worker marked failed",
                       client.pk, abandoned)
    run = SyncRun.objects.create(client=client, trigger=trigger, task_id=task_id,
                                 pending_at_start=_pending_count(client.pk))
    logger.info("sync run %s of client %s started: %s messages pending",
                run.pk, client.pk, run.pending_at_start)
    try:
        if not client.has_responsys_connection:
            raise ResponsysError("The client has no Responsys connection settings "
                                 "(login URL, user name and password).")
        layout = table_layout(client)
        responsys = responsys_factory(client, None)
        try:
            ensure_table(responsys, layout)
            pacer = _merge_pacer(responsys, client)
        finally:
            responsys.close()
        SyncPipeline(client, run, layout, lambda: responsys_factory(client, pacer)).push_all()
    except (ResponsysError, TableMismatch, LayoutError) as error:
        _finish_failed(client, run, str(error))
    except Exception as error:
        _finish_failed(client, run, f"{type(error).__name__}: {error}")
        raise
    else:
        _finish_succeeded(client, run)
    return run


def ensure_table(responsys: ResponsysClient, layout: TableLayout) -> None:
    """Create the folder and table when missing; raise TableMismatch when columns differ.

    A column that is missing, or whose type cannot hold our values (a timestamp column that is
    not TIMESTAMP, a text column that is TIMESTAMP), is a mismatch. A narrower text column or a
    numeric one is accepted with a warning: Responsys checks each value, and a value that does
    not fit comes back as MERGEFAILED and shows in the sync history.
    """
    found = responsys.describe_table(layout.folder, layout.table)
    if found is None:
        logger.info("table %s/%s not found in Responsys: creating it", layout.folder, layout.table)
        responsys.create_folder(layout.folder)
        responsys.create_table(layout.folder, layout.table, layout.columns, [layout.primary_key])
        return

    expected = {column.name: column.type for column in layout.columns}
    actual = {column.name.upper(): column.type.upper() for column in found}
    problems = [name for name, kind in expected.items()
                if name not in actual or not _types_compatible(kind, actual[name])]
    if problems:
        raise TableMismatch(
            f"Table {layout.folder}/{layout.table} does not match the expected columns "
            f"(wrong or missing: {', '.join(problems)}). "
            f"Expected: {_describe_columns(expected)}. Found: {_describe_columns(actual)}. "
            "Fix the table in Responsys or the client's column names."
        )
    narrower = [name for name, kind in expected.items() if actual[name] != kind]
    if narrower:
        logger.warning("table %s/%s: columns %s have other types than expected (%s); values "
                       "that do not fit will be rejected per record", layout.folder,
                       layout.table, ", ".join(narrower),
                       _describe_columns({name: actual[name] for name in narrower}))


def _types_compatible(expected: str, found: str) -> bool:
    if expected == "TIMESTAMP":
        return found == "TIMESTAMP"
    return found in TEXT_TYPES or found in NUMERIC_TYPES


def _describe_columns(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())


def _merge_pacer(responsys: ResponsysClient, client: Client) -> CallPacer | None:
    """Build the pacer for this run's merge calls, or None when merges are not limited.

    SYNC_MERGE_CALLS_PER_MINUTE wins when set; otherwise the account's own limit table is read.
    """
    per_minute = settings.SYNC_MERGE_CALLS_PER_MINUTE
    if not per_minute:
        try:
            limits = responsys.rate_limits()
        except ResponsysError as error:
            logger.warning("client %s: could not read the Responsys rate limits, merges are "
                           "not paced: %s", client.pk, error)
            return None
        per_minute = next((int(item["limit"]) for item in limits
                           if isinstance(item, dict) and item.get("api") == MERGE_API_NAME
                           and str(item.get("limit", "")).isdigit()), 0)
    if per_minute <= 0:
        return None
    logger.info("client %s: merge calls paced to %s of %s per minute", client.pk,
                PACER_HEADROOM, per_minute)
    return CallPacer(per_minute)


def _pending_count(client_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM callbacks_message "
                       "WHERE client_id = %s AND status_version > pushed_version", [client_id])
        return cursor.fetchone()[0]


class SyncPipeline:
    """Pipeline that reads pending batches, keeps several merges in flight and records results.

    The run's own thread reads batches and checks the opt-in. Merge threads only call
    Responsys. A marker thread with its own database connection records the outcomes, so that
    the index updates of marking overlap with reading and merging.
    """

    def __init__(self, client: Client, run: SyncRun, layout: TableLayout,
                 make_responsys: Callable[[], ResponsysClient]) -> None:
        self.client = client
        self.run = run
        self.layout = layout
        self.make_responsys = make_responsys
        self.in_flight: dict[Future, Batch] = {}
        self.failure: BaseException | None = None
        self._local = threading.local()
        self._responsys_clients: list[ResponsysClient] = []
        self._marker: OutcomeMarker | None = None

    def push_all(self) -> None:
        """Push every pending message; raise the first merge or marking failure after draining."""
        zone = ZoneInfo(self.client.responsys_time_zone or "UTC")
        last_id = 0
        number = 0
        workers = max(1, settings.SYNC_MERGES_IN_FLIGHT)
        # Inside a transaction (the test suite's), another connection could not see the rows,
        # so marking then stays on this thread.
        if not connection.in_atomic_block:
            self._marker = OutcomeMarker(self.run)
            self._marker.start()
        with ThreadPoolExecutor(workers, thread_name_prefix=f"sync-{self.client.pk}") as pool:
            try:
                while self.failure is None and not self._marking_failed():
                    if len(self.in_flight) >= workers:
                        self._settle(wait(self.in_flight, return_when=FIRST_COMPLETED).done)
                        continue
                    if self._opted_out():
                        self.run.status = SyncRun.Status.STOPPED
                        logger.info("sync run %s of client %s stopping: the client opted out",
                                    self.run.pk, self.client.pk)
                        break
                    messages = self._read_pending(last_id)
                    if not messages:
                        break
                    last_id = messages[-1].id
                    number += 1
                    records = [message_record(self.client, message, zone) for message in messages]
                    batch = Batch(number, messages, records)
                    self.in_flight[pool.submit(self._merge, batch)] = batch
            finally:
                # Whatever stopped the loop, every merge already sent is settled and marked.
                self._settle(list(self.in_flight))
                if self._marker is not None:
                    self._marker.finish()
                for responsys in self._responsys_clients:
                    responsys.close()
        failure = self.failure or (self._marker and self._marker.failure)
        if failure is not None:
            raise failure

    def _marking_failed(self) -> bool:
        marker = self._marker
        return marker is not None and (marker.failure is not None or not marker.is_alive())

    def _opted_out(self) -> bool:
        # A client that was not opted in (a manual sync) is never stopped by this check.
        return (self.client.opted_in
                and not Client.objects.filter(pk=self.client.pk, opted_in=True).exists())

    def _read_pending(self, after_id: int) -> list[PendingMessage]:
        with connection.cursor() as cursor:
            cursor.execute(PENDING_SQL, [self.client.pk, after_id, settings.SYNC_BATCH_SIZE])
            return [PendingMessage(*row) for row in cursor.fetchall()]

    def _merge(self, batch: Batch) -> list[MergeOutcome]:
        responsys = getattr(self._local, "responsys", None)
        if responsys is None:
            responsys = self._local.responsys = self.make_responsys()
            self._responsys_clients.append(responsys)
        return responsys.merge_records(self.layout.folder, self.layout.table,
                                       self.layout.field_names, batch.records)

    def _settle(self, futures) -> None:
        for future in list(futures):
            batch = self.in_flight.pop(future)
            try:
                outcomes = future.result()
            except BaseException as error:  # noqa: BLE001 - kept and raised after draining
                logger.warning("sync run %s of client %s: batch %s of %s records failed: %s",
                               self.run.pk, self.client.pk, batch.number, len(batch.messages),
                               error)
                if self.failure is None:
                    self.failure = error
                continue
            if self._marker is not None:
                self._marker.put(batch.messages, outcomes)
            else:
                record_outcomes(self.run, batch.messages, outcomes)


class OutcomeMarker(threading.Thread):
    """Thread that records merge outcomes on its own database connection.

    After a marking failure it records nothing more. The merges it did not record are sent
    again by the next run, which the merge by primary key makes harmless.
    """

    # Batches waiting to be marked; the pipeline blocks when the marker falls this far behind.
    MAX_WAITING = 8

    def __init__(self, sync_run: SyncRun) -> None:
        super().__init__(name=f"sync-run-{sync_run.pk}-marker", daemon=True)
        self.sync_run = sync_run
        self.failure: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=self.MAX_WAITING)

    def put(self, messages: list[PendingMessage] | None, outcomes: list[MergeOutcome]) -> None:
        """Queue one batch's outcomes; raise RuntimeError if the marker thread has died."""
        while True:
            try:
                self._queue.put((messages, outcomes), timeout=1.0)
                return
            except queue.Full:
                if not self.is_alive():
                    raise RuntimeError(f"the marker of sync run {self.sync_run.pk} stopped "
                                       "unexpectedly") from None

    def finish(self) -> None:
        """Wait until every queued outcome is recorded (or marking failed) and stop."""
        if self.is_alive():
            self.put(None, [])
        self.join()

    def run(self) -> None:
        try:
            while True:
                messages, outcomes = self._queue.get()
                if messages is None:
                    return
                if self.failure is None:
                    self._record(messages, outcomes)
        finally:
            connection.close()

    def _record(self, messages: list[PendingMessage], outcomes: list[MergeOutcome]) -> None:
        try:
            record_outcomes(self.sync_run, messages, outcomes)
        except Exception as error:
            logger.exception("sync run %s: marking %s records failed, they are sent again by "
                             "the next run", self.sync_run.pk, len(messages))
            self.failure = error


def record_outcomes(run: SyncRun, messages: list[PendingMessage],
                    outcomes: list[MergeOutcome]) -> None:
    """Mark accepted versions pushed, note rejections, and add the batch to the run's counts."""
    accepted = [message for message, outcome in zip(messages, outcomes) if outcome.ok]
    rejected = [(message, outcome.reason[:REJECTION_REASON_MAX_CHARS])
                for message, outcome in zip(messages, outcomes) if not outcome.ok]
    run.batches += 1
    run.records_sent += len(messages)
    run.records_accepted += len(accepted)
    run.records_rejected += len(rejected)

    with transaction.atomic():
        with connection.cursor() as cursor:
            # A mark lost in a server crash only makes the next run send the record again,
            # which the merge by primary key absorbs, so the commit need not wait for the disk.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            if accepted:
                cursor.execute(MARK_PUSHED_SQL, [
                    timezone.now(), [message.id for message in accepted],
                    [message.status_version for message in accepted],
                ])
            if rejected:
                cursor.execute(NOTE_REJECTED_SQL, [[message.id for message, _ in rejected],
                                                   [reason for _, reason in rejected]])
        if rejected:
            SyncRejection.objects.bulk_create([
                SyncRejection(sync_run=run, gupshup_message_id=message.message_id,
                              message_id=message.id, reason=reason)
                for message, reason in rejected
            ])
        SyncRun.objects.filter(pk=run.pk).update(
            batches=run.batches, records_sent=run.records_sent,
            records_accepted=run.records_accepted, records_rejected=run.records_rejected,
        )

    if rejected:
        logger.warning("sync run %s: Responsys rejected %s records, first %s: %s", run.pk,
                       len(rejected), rejected[0][0].message_id, rejected[0][1])
    if run.batches % 250 == 0:
        logger.info("sync run %s progress: %s of %s records sent", run.pk, run.records_sent,
                    run.pending_at_start)


def _finish_succeeded(client: Client, run: SyncRun) -> None:
    if run.status == SyncRun.Status.RUNNING:
        run.status = SyncRun.Status.PARTIAL if run.records_rejected else SyncRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    Client.objects.filter(pk=client.pk).update(consecutive_failed_syncs=0, sync_flagged=False)
    logger.info("sync run %s of client %s finished %s: sent=%s accepted=%s rejected=%s in %s",
                run.pk, client.pk, run.status, run.records_sent, run.records_accepted,
                run.records_rejected, run.duration)


def _finish_failed(client: Client, run: SyncRun, error: str) -> None:
    run.status = SyncRun.Status.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save()
    Client.objects.filter(pk=client.pk).update(
        consecutive_failed_syncs=F("consecutive_failed_syncs") + 1)
    failures = Client.objects.values_list("consecutive_failed_syncs", flat=True).get(pk=client.pk)
    flagged = failures >= settings.SYNC_FAILURES_BEFORE_FLAG
    if flagged:
        Client.objects.filter(pk=client.pk).update(sync_flagged=True)
    log = logger.error if flagged else logger.warning
    log("sync run %s of client %s failed (%s in a row%s): %s", run.pk, client.pk, failures,
        ", client flagged" if flagged else "", error)
