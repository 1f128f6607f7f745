"""Retention: delete each client's data older than its `retention_days`, here and in Responsys.

Local rows go in small batches, one short transaction each. A batch skips rows that another
transaction has locked (`FOR UPDATE SKIP LOCKED`) and waits at most LOCK_TIMEOUT for any other
lock, so the webhook keeps writing while a purge runs. A message counts as expired when its
last change (`updated_at`) is older than the cut-off, events and raw callbacks when they were
received before it.

For a client with `purge_responsys_rows`, a batch of expired messages is first deleted from
DLR_REPORT (asynchronous delete with polling, or one call per record when the account has no
async API), and only the messages Responsys confirmed are deleted here, so a failure never
loses track of a row. This part holds the client's sync lock, so no sync run can push a row
back while it is being purged; a client whose sync is running keeps its messages until the next
purge.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from callbacks.models import Client

from .client import ResponsysClient, ResponsysError, ResponsysNotFound
from .dlr_report import table_layout
from .sync import client_sync_lock, responsys_client_for

logger = logging.getLogger(__name__)

# Maximum wait for a lock that SKIP LOCKED does not cover, such as a table lock. After it the
# batch fails.
LOCK_TIMEOUT = "2s"
MAX_KEYS_PER_ASYNC_DELETE = 200
ASYNC_POLL_SECONDS = 2.0
ASYNC_TIMEOUT_SECONDS = 600.0
ASYNC_UNAVAILABLE_CODES = frozenset({"ASYNC_API_DISABLED_FOR_USER"})
RECORD_NOT_FOUND_TEXT = "no records found"

EXPIRED_MESSAGES_SQL = """
    SELECT id, message_id, pushed_version FROM callbacks_message
    WHERE client_id = %s AND updated_at < %s AND id > %s
    ORDER BY id LIMIT %s
"""
LOCK_MESSAGES_SQL = """
    SELECT id FROM callbacks_message
    WHERE id = ANY(%s) AND updated_at < %s
    FOR UPDATE SKIP LOCKED
"""
DELETE_EVENTS_SQL = """
    DELETE FROM callbacks_statusevent WHERE id IN (
        SELECT id FROM callbacks_statusevent
        WHERE client_id = %s AND received_at < %s
        LIMIT %s FOR UPDATE SKIP LOCKED)
"""
DELETE_RAW_CALLBACKS_SQL = """
    WITH doomed AS (
        SELECT id FROM callbacks_rawcallback
        WHERE client_id = %s AND received_at < %s
        LIMIT %s FOR UPDATE SKIP LOCKED
    ), quarantined AS (
        DELETE FROM callbacks_quarantinedevent WHERE raw_callback_id IN (SELECT id FROM doomed)
    )
    DELETE FROM callbacks_rawcallback WHERE id IN (SELECT id FROM doomed)
"""


@dataclass
class PurgeResult:
    """Counts of one client's purge; `messages_deferred` is True when a sync run had the lock."""

    client_id: int
    cutoff: datetime
    messages: int = 0
    events: int = 0
    raw_callbacks: int = 0
    responsys_rows: int = 0
    messages_deferred: bool = False


def purge_expired_data(now: datetime | None = None, **options) -> list[PurgeResult]:
    """Purge every client that has a retention period; a failing client does not stop the rest."""
    results = []
    for client in Client.objects.filter(retention_days__isnull=False).order_by("pk"):
        try:
            results.append(purge_client(client, now, **options))
        except Exception:
            logger.exception("retention purge of client %s failed", client.pk)
    return results


def purge_client(client: Client, now: datetime | None = None, *, batch_size: int | None = None,
                 responsys: ResponsysClient | None = None,
                 poll_interval: float = ASYNC_POLL_SECONDS) -> PurgeResult:
    """Delete the client's messages, events and raw callbacks older than its retention period."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=client.retention_days)
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    result = PurgeResult(client.pk, cutoff)
    logger.info("retention purge of client %s started: cut-off %s, Responsys rows %s",
                client.pk, cutoff.isoformat(), "too" if client.purge_responsys_rows else "kept")

    if client.purge_responsys_rows:
        with client_sync_lock(client.pk) as acquired:
            if acquired:
                purger = _ResponsysPurger(client, responsys, poll_interval)
                try:
                    _purge_messages(client, cutoff, batch_size, result, purger)
                finally:
                    purger.close()
            else:
                result.messages_deferred = True
                logger.info("retention purge of client %s: a sync run is in progress, "
                            "messages wait for the next purge", client.pk)
    else:
        _purge_messages(client, cutoff, batch_size, result, None)

    result.events = _delete_in_batches(DELETE_EVENTS_SQL, client.pk, cutoff, batch_size)
    result.raw_callbacks = _delete_in_batches(DELETE_RAW_CALLBACKS_SQL, client.pk, cutoff,
                                              batch_size)
    logger.info("retention purge of client %s finished: %s messages, %s events, %s raw "
                "callbacks, %s Responsys rows deleted", client.pk, result.messages,
                result.events, result.raw_callbacks, result.responsys_rows)
    return result


def _purge_messages(client: Client, cutoff: datetime, batch_size: int, result: PurgeResult,
                    purger: "_ResponsysPurger | None") -> None:
    last_id = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(EXPIRED_MESSAGES_SQL, [client.pk, cutoff, last_id, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        last_id = rows[-1][0]
        ids = [row[0] for row in rows]
        purged_ids: list[int] = []
        if purger is not None:
            # Messages never accepted by Responsys have no row there to delete.
            pushed = {row[1]: row[0] for row in rows if row[2] > 0}
            confirmed = purger.delete(list(pushed))
            result.responsys_rows += len(confirmed)
            purged_ids = [pushed[message_id] for message_id in confirmed]
            failed = set(pushed) - set(confirmed)
            ids = [row[0] for row in rows if row[1] not in failed]
        result.messages += _delete_messages(ids, purged_ids, cutoff)


def _delete_messages(ids: list[int], purged_ids: list[int], cutoff: datetime) -> int:
    """Delete the messages that are still expired and not locked; return how many were deleted.

    A message whose Responsys row was deleted but which changed meanwhile (or was locked) stays,
    and is marked never pushed so that the next sync writes its row again.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(LOCK_MESSAGES_SQL, [ids, cutoff])
        doomed = [row[0] for row in cursor.fetchall()]
        cursor.execute("UPDATE responsys_sync_syncrejection SET message_id = NULL "
                       "WHERE message_id = ANY(%s)", [doomed])
        cursor.execute("DELETE FROM callbacks_message WHERE id = ANY(%s)", [doomed])
        deleted = cursor.rowcount
        survivors = sorted(set(purged_ids) - set(doomed))
        if survivors:
            cursor.execute("UPDATE callbacks_message SET pushed_version = 0 WHERE id = ANY(%s)",
                           [survivors])
    return deleted


def _delete_in_batches(sql: str, client_id: int, cutoff: datetime, batch_size: int) -> int:
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(sql, [client_id, cutoff, batch_size])
            deleted = cursor.rowcount
        total += deleted
        if deleted < batch_size:
            return total


class _ResponsysPurger:
    """Deleter of DLR_REPORT rows by MESSAGE_ID that reports which rows no longer exist."""

    def __init__(self, client: Client, responsys: ResponsysClient | None,
                 poll_interval: float) -> None:
        self.client = client
        self.layout = table_layout(client)
        self.own_client = responsys is None
        self.responsys = responsys or responsys_client_for(client)
        self.poll_interval = poll_interval
        self.use_async = True

    def close(self) -> None:
        if self.own_client:
            self.responsys.close()

    def delete(self, message_ids: list[str]) -> list[str]:
        """Delete these rows; return the ids whose row no longer exists (deleted or never was)."""
        if not message_ids:
            return []
        if self.use_async:
            try:
                return self._delete_async(message_ids)
            except ResponsysError as error:
                if not (error.error_code in ASYNC_UNAVAILABLE_CODES
                        or isinstance(error, ResponsysNotFound) and not error.error_code):
                    raise
                # NOTE: the emulator always offers the async API, so this fallback is untested.
                logger.warning("client %s: asynchronous delete unavailable (%s), deleting "
                               "one record per call", self.client.pk, error.error_code or "404")
                self.use_async = False
        return self._delete_one_by_one(message_ids)

    def _delete_async(self, message_ids: list[str]) -> list[str]:
        folder, table, key = self.layout.folder, self.layout.table, self.layout.primary_key
        requests = {}
        for start in range(0, len(message_ids), MAX_KEYS_PER_ASYNC_DELETE):
            chunk = message_ids[start:start + MAX_KEYS_PER_ASYNC_DELETE]
            request_id = self.responsys.async_delete_records(folder, table, [key],
                                                             [[value] for value in chunk])
            requests[request_id] = chunk
        results = self.responsys.wait_for_async(list(requests), poll_interval=self.poll_interval,
                                                timeout=ASYNC_TIMEOUT_SECONDS)
        deleted = []
        for request_id, chunk in requests.items():
            deleted += self._confirmed(results[request_id], chunk)
        return deleted

    def _confirmed(self, result, chunk: list[str]) -> list[str]:
        if not result.ok:
            logger.warning("client %s: asynchronous delete %s ended %s %s; its %s rows stay",
                           self.client.pk, result.request_id, result.status, result.error_code,
                           len(chunk))
            return []
        rows = (result.response or {}).get("recordData", {}).get("records") or []
        deleted = []
        for message_id, row in zip(chunk, rows):
            first = row[0] if isinstance(row, list) and row else ""
            failed = isinstance(first, str) and first.startswith("DELETEFAILED")
            if not failed or RECORD_NOT_FOUND_TEXT in first.lower():
                deleted.append(message_id)
            else:
                logger.warning("client %s: Responsys kept row %s: %s", self.client.pk,
                               message_id, first.strip())
        return deleted

    def _delete_one_by_one(self, message_ids: list[str]) -> list[str]:
        folder, table, key = self.layout.folder, self.layout.table, self.layout.primary_key
        for message_id in message_ids:
            self.responsys.delete_record(folder, table, {key: message_id})
        return list(message_ids)
