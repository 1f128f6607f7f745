"""Keep reporting.MessageBucket current without adding work to the webhook.

The refresh reads the messages whose `updated_at` moved past a watermark, finds the
(client, hour) buckets they belong to, and recomputes those buckets whole from the message
table. Recomputing a whole bucket is idempotent, so reading a few minutes before the watermark
(to catch transactions that committed late) costs time but never double-counts.

Accepted imprecision: a late event with an earlier event time moves a message to an earlier
hour, and the refresh cannot know the hour it left. The periodic reconcile recomputes the last
few days in full, so such a message is counted in the right hour within the reconcile interval.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AggregateWatermark

logger = logging.getLogger(__name__)

WATERMARK_NAME = "messages"
# Advisory lock key shared by every writer of the bucket table ("DLRB" in ASCII).
_LOCK_KEY = 0x444C5242
_PAIRS_PER_STATEMENT = 500

_BUCKET_COLUMNS = "client_id, hour, sender, status, cause, error_code, channel, " \
                  "messages, sent, delivered, read"

# One row per bucket key. The funnel columns read the step timestamps and the current status,
# so a message counts as delivered even when its SUCCESS event never arrived but READ did.
_SELECT_BUCKETS = """
SELECT m.client_id, date_trunc('hour', m.first_event_at), m.sender, COALESCE(m.status, ''),
       left(m.cause, 500), m.error_code, m.channel,
       count(*),
       count(*) FILTER (WHERE m.sent_at IS NOT NULL OR m.delivered_at IS NOT NULL
                        OR m.read_at IS NOT NULL
                        OR m.status IN ('SENT', 'SUCCESS', 'READ', 'OTHER')),
       count(*) FILTER (WHERE m.delivered_at IS NOT NULL OR m.read_at IS NOT NULL
                        OR m.status IN ('SUCCESS', 'READ')),
       count(*) FILTER (WHERE m.read_at IS NOT NULL OR m.status = 'READ')
FROM {source}
"""
_GROUP_BUCKETS = " GROUP BY 1, 2, 3, 4, 5, 6, 7"
_ALL_MESSAGES = "callbacks_message m"
_ALL_HOURS = "reporting_messagebucket b"

_DAILY_COLUMNS = _BUCKET_COLUMNS.replace("hour", "day")
_SELECT_DAYS = """
SELECT b.client_id, date_trunc('day', b.hour), b.sender, b.status, b.cause, b.error_code,
       b.channel, sum(b.messages), sum(b.sent), sum(b.delivered), sum(b.read)
FROM {source}
"""


@dataclass
class RefreshResult:
    buckets: int
    messages_through: datetime | None
    skipped: bool = False


def _overlap() -> timedelta:
    return timedelta(seconds=settings.REPORTING_REFRESH_OVERLAP_SECONDS)


def _take_lock(cursor) -> bool:
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
    return cursor.fetchone()[0]


def _recompute_pairs(cursor, client_ids: list[int], hours: list[datetime]) -> None:
    target = "unnest(%s::bigint[], %s::timestamptz[]) AS t(client_id, hour)"
    cursor.execute(
        f"DELETE FROM reporting_messagebucket b USING {target} "
        "WHERE b.client_id = t.client_id AND b.hour = t.hour",
        [client_ids, hours],
    )
    # A LATERAL subquery with OFFSET 0 (which PostgreSQL does not flatten into a join) makes
    # it range-scan (client, first_event_at) once per bucket. A plain join, or a flattened
    # LATERAL, was planned as a sequential scan of the whole message table.
    source = (f"{target} CROSS JOIN LATERAL (SELECT * FROM callbacks_message m0 "
              "WHERE m0.client_id = t.client_id AND m0.first_event_at >= t.hour "
              "AND m0.first_event_at < t.hour + interval '1 hour' OFFSET 0) AS m")
    cursor.execute(
        f"INSERT INTO reporting_messagebucket ({_BUCKET_COLUMNS}) "
        f"{_SELECT_BUCKETS.format(source=source)}{_GROUP_BUCKETS}",
        [client_ids, hours],
    )


def _recompute_days(cursor, client_ids: list[int], days: list[datetime]) -> None:
    target = "unnest(%s::bigint[], %s::timestamptz[]) AS t(client_id, day)"
    cursor.execute(
        f"DELETE FROM reporting_dailymessagebucket d USING {target} "
        "WHERE d.client_id = t.client_id AND d.day = t.day",
        [client_ids, days],
    )
    source = (f"{target} CROSS JOIN LATERAL (SELECT * FROM reporting_messagebucket b0 "
              "WHERE b0.client_id = t.client_id AND b0.hour >= t.day "
              "AND b0.hour < t.day + interval '1 day' OFFSET 0) AS b")
    cursor.execute(
        f"INSERT INTO reporting_dailymessagebucket ({_DAILY_COLUMNS}) "
        f"{_SELECT_DAYS.format(source=source)}{_GROUP_BUCKETS}",
        [client_ids, days],
    )


def _recompute(cursor, pairs: list[tuple[int, datetime]]) -> None:
    """Recompute the hourly buckets of `pairs`, then the daily buckets that hold them."""
    for offset in range(0, len(pairs), _PAIRS_PER_STATEMENT):
        chunk = pairs[offset:offset + _PAIRS_PER_STATEMENT]
        _recompute_pairs(cursor, [pair[0] for pair in chunk], [pair[1] for pair in chunk])
    days = sorted({(client_id, _day_of(hour)) for client_id, hour in pairs})
    for offset in range(0, len(days), _PAIRS_PER_STATEMENT):
        chunk = days[offset:offset + _PAIRS_PER_STATEMENT]
        _recompute_days(cursor, [pair[0] for pair in chunk], [pair[1] for pair in chunk])


def _day_of(hour: datetime) -> datetime:
    return hour.astimezone(dt_timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _touched_pairs(cursor, since: datetime) -> list[tuple[int, datetime]]:
    cursor.execute(
        "SELECT DISTINCT client_id, date_trunc('hour', first_event_at) "
        "FROM callbacks_message WHERE updated_at > %s",
        [since],
    )
    return cursor.fetchall()


def rebuild_all() -> RefreshResult:
    """Recompute every bucket from the message table and move the watermark to now."""
    started = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        cursor.execute("DELETE FROM reporting_messagebucket")
        cursor.execute(f"INSERT INTO reporting_messagebucket ({_BUCKET_COLUMNS}) "
                       f"{_SELECT_BUCKETS.format(source=_ALL_MESSAGES)}{_GROUP_BUCKETS}")
        buckets = cursor.rowcount
        cursor.execute("DELETE FROM reporting_dailymessagebucket")
        cursor.execute(f"INSERT INTO reporting_dailymessagebucket ({_DAILY_COLUMNS}) "
                       f"{_SELECT_DAYS.format(source=_ALL_HOURS)}{_GROUP_BUCKETS}")
        _save_watermark(started)
    logger.info("message buckets rebuilt: %s buckets, watermark %s", buckets, started.isoformat())
    return RefreshResult(buckets=buckets, messages_through=started)


def _save_watermark(through: datetime) -> None:
    AggregateWatermark.objects.update_or_create(
        name=WATERMARK_NAME,
        defaults={"updated_through": through, "refreshed_at": timezone.now()},
    )


def refresh_changed() -> RefreshResult:
    """Recompute the buckets of messages changed since the watermark; skip if one runs already.

    Without a watermark (first run) every bucket is rebuilt.
    """
    watermark = AggregateWatermark.objects.filter(name=WATERMARK_NAME).first()
    if watermark is None:
        return rebuild_all()

    started = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        if not _take_lock(cursor):
            logger.info("message bucket refresh skipped: another refresh is running")
            return RefreshResult(buckets=0, messages_through=watermark.updated_through,
                                 skipped=True)
        pairs = _touched_pairs(cursor, watermark.updated_through - _overlap())
        _recompute(cursor, pairs)
        _save_watermark(started)
    logger.info("message buckets refreshed: %s buckets recomputed, watermark %s",
                len(pairs), started.isoformat())
    return RefreshResult(buckets=len(pairs), messages_through=started)


def reconcile_recent(days: int | None = None) -> int:
    """Recompute every bucket of the last `days` days (default REPORTING_RECONCILE_DAYS).

    Returns the number of (client, hour) buckets recomputed.
    """
    days = settings.REPORTING_RECONCILE_DAYS if days is None else days
    # Whole UTC days, so that the daily buckets are recomputed from complete hours.
    since = _day_of(timezone.now()) - timedelta(days=days)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        cursor.execute("DELETE FROM reporting_messagebucket WHERE hour >= %s", [since])
        cursor.execute(f"INSERT INTO reporting_messagebucket ({_BUCKET_COLUMNS}) "
                       f"{_SELECT_BUCKETS.format(source=_ALL_MESSAGES)} "
                       f"WHERE m.first_event_at >= %s {_GROUP_BUCKETS}",
                       [since])
        recomputed = cursor.rowcount
        cursor.execute("DELETE FROM reporting_dailymessagebucket WHERE day >= %s", [since])
        cursor.execute(f"INSERT INTO reporting_dailymessagebucket ({_DAILY_COLUMNS}) "
                       f"{_SELECT_DAYS.format(source=_ALL_HOURS)} "
                       f"WHERE b.hour >= %s {_GROUP_BUCKETS}",
                       [since])
        # Buckets of messages that retention has purged would otherwise stay forever.
        for table, column in (("reporting_messagebucket", "hour"),
                              ("reporting_dailymessagebucket", "day")):
            cursor.execute(
                f"DELETE FROM {table} b USING callbacks_client c "
                "WHERE b.client_id = c.id AND c.retention_days IS NOT NULL "
                f"AND b.{column} < date_trunc('day', now()) "
                "- make_interval(days => c.retention_days)"
            )
    logger.info("message buckets reconciled for the last %s days: %s buckets", days, recomputed)
    return recomputed
