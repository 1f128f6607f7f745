"""Push each message whose current status changed since its last accepted push to DLR_REPORT.

Exactly once per change: a message's `status_version` grows with every change of an exported
column and `pushed_version` records the version Responsys last accepted. A run reads pending
messages in id order, 200 at a time, merges them, and marks a version pushed only for the rows
Responsys accepted, and only if no newer version was pushed meanwhile. A run killed between the
merge and the mark sends the same rows again next time; the merge replaces them by primary key,
so the table gains no extra rows. Rejected rows (MERGEFAILED) stay pending and are retried by
the next run without blocking the rest of the batch.

Two runs of one client never overlap: a run holds a PostgreSQL session advisory lock keyed by
the client id, which the server releases by itself if the worker dies.
"""
import logging
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.utils import timezone

from callbacks.models import Client, Message

from .client import CacheTokenStore, ResponsysClient, ResponsysError, ResponsysNotFound
from .dlr_report import TableLayout, message_record, table_layout
from .models import SyncRejection, SyncRun

logger = logging.getLogger(__name__)

# First key of the two-integer advisory lock, so that our locks cannot collide with others.
ADVISORY_LOCK_NAMESPACE = 7_301_001
MESSAGE_FIELDS = ("id", "message_id", "phone", "sender", "channel", "extra", "status",
                  "status_time", "cause", "error_code", "error_title", "sent_at", "delivered_at",
                  "read_at", "status_version")


class TableMismatch(Exception):
    """The client's table exists with columns other than the expected ones."""


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


def responsys_client_for(client: Client) -> ResponsysClient:
    store = CacheTokenStore(cache, f"responsys-token:{client.pk}:{client.responsys_username}")
    return ResponsysClient(
        client.responsys_login_url, client.responsys_username, client.responsys_password,
        token_store=store, timeout=settings.RESPONSYS_TIMEOUT_SECONDS,
        client_label=f"client {client.pk}",
    )


def run_sync(client_id: int, trigger: str = SyncRun.Trigger.SCHEDULED, task_id: str = "",
             responsys: ResponsysClient | None = None) -> SyncRun:
    """Run one sync of the client and return its recorded SyncRun."""
    client = Client.objects.get(pk=client_id)
    with client_sync_lock(client_id) as acquired:
        if not acquired:
            logger.info("sync of client %s skipped: another run holds the lock", client_id)
            now = timezone.now()
            return SyncRun.objects.create(client=client, trigger=trigger, task_id=task_id,
                                          status=SyncRun.Status.SKIPPED, finished_at=now)

        # Holding the lock means any run still marked running belongs to a dead worker.
        SyncRun.objects.filter(client=client, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.FAILED, finished_at=timezone.now(),
            error="The worker stopped before the run finished; the next run resumed its work.",
        )
        run = SyncRun.objects.create(client=client, trigger=trigger, task_id=task_id,
                                     pending_at_start=_pending(client).count())
        logger.info("sync run %s of client %s started: %s messages pending",
                    run.pk, client_id, run.pending_at_start)
        try:
            if not client.has_responsys_connection:
                raise ResponsysError("The client has no Responsys connection settings "
                                     "(login URL, user name and password).")
            responsys = responsys or responsys_client_for(client)
            layout = table_layout(client)
            ensure_table(responsys, layout)
            _push_pending(client, run, responsys, layout)
        except (ResponsysError, TableMismatch) as error:
            _finish_failed(client, run, str(error))
        except Exception as error:
            _finish_failed(client, run, f"{type(error).__name__}: {error}")
            raise
        else:
            _finish_succeeded(client, run)
    return run


def ensure_table(responsys: ResponsysClient, layout: TableLayout) -> None:
    """Create the folder and table when missing; raise TableMismatch when columns differ."""
    found = responsys.describe_table(layout.folder, layout.table)
    if found is None:
        logger.info("table %s/%s not found in Responsys: creating it", layout.folder, layout.table)
        responsys.create_folder(layout.folder)
        responsys.create_table(layout.folder, layout.table, layout.columns, [layout.primary_key])
        return
    expected = {column.name: column.type for column in layout.columns}
    actual = {column.name.upper(): column.type for column in found}
    if any(name not in actual for name in expected):
        raise TableMismatch(
            f"Table {layout.folder}/{layout.table} has other columns than expected. "
            f"Expected: {_describe_columns(expected)}. Found: {_describe_columns(actual)}. "
            "Fix the table in Responsys or the client's column names."
        )


def _describe_columns(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())


def _pending(client: Client):
    return Message.objects.filter(client=client, status_version__gt=F("pushed_version"))


def _push_pending(client: Client, run: SyncRun, responsys: ResponsysClient,
                  layout: TableLayout) -> None:
    zone = ZoneInfo(client.responsys_time_zone or "UTC")
    opted_in_at_start = client.opted_in
    last_id = 0
    while True:
        if opted_in_at_start and not Client.objects.filter(pk=client.pk, opted_in=True).exists():
            run.status = SyncRun.Status.STOPPED
            logger.info("sync run %s of client %s stopped: the client opted out",
                        run.pk, client.pk)
            return
        batch = list(_pending(client).filter(id__gt=last_id).order_by("id")
                     .only(*MESSAGE_FIELDS)[:settings.SYNC_BATCH_SIZE])
        if not batch:
            return
        last_id = batch[-1].id
        records = [message_record(client, message, zone) for message in batch]
        outcomes = responsys.merge_records(layout.folder, layout.table, layout.field_names,
                                           records)
        _record_outcomes(run, batch, outcomes)


def _record_outcomes(run: SyncRun, batch: list[Message], outcomes) -> None:
    accepted = [(message.id, message.status_version)
                for message, outcome in zip(batch, outcomes) if outcome.ok]
    rejected = [(message, outcome.reason)
                for message, outcome in zip(batch, outcomes) if not outcome.ok]
    now = timezone.now()
    if accepted:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE callbacks_message m
                SET pushed_version = v.version, pushed_at = %s, last_push_error = ''
                FROM unnest(%s::bigint[], %s::int[]) AS v(id, version)
                WHERE m.id = v.id AND m.pushed_version < v.version
                """,
                [now, [item[0] for item in accepted], [item[1] for item in accepted]],
            )
    for message, reason in rejected:
        Message.objects.filter(pk=message.pk).update(last_push_error=reason[:2000])
    if rejected:
        SyncRejection.objects.bulk_create([
            SyncRejection(sync_run=run, gupshup_message_id=message.message_id, message=message,
                          reason=reason)
            for message, reason in rejected
        ])
        logger.warning("sync run %s: Responsys rejected %s records, first %s: %s", run.pk,
                       len(rejected), rejected[0][0].message_id, rejected[0][1])

    run.batches += 1
    run.records_sent += len(batch)
    run.records_accepted += len(accepted)
    run.records_rejected += len(rejected)
    SyncRun.objects.filter(pk=run.pk).update(
        batches=run.batches, records_sent=run.records_sent,
        records_accepted=run.records_accepted, records_rejected=run.records_rejected,
    )
    if run.batches % 50 == 0:
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
    failures = client.consecutive_failed_syncs + 1
    flagged = failures >= settings.SYNC_FAILURES_BEFORE_FLAG
    Client.objects.filter(pk=client.pk).update(consecutive_failed_syncs=failures,
                                               sync_flagged=flagged)
    log = logger.error if flagged else logger.warning
    log("sync run %s of client %s failed (%s in a row%s): %s", run.pk, client.pk, failures,
        ", client flagged" if flagged else "", error)


__all__ = ["run_sync", "ensure_table", "client_sync_lock", "TableMismatch", "ResponsysNotFound"]
