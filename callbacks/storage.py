"""Store parsed callbacks atomically: raw bodies, new events, current statuses.

The hot path is one SQL statement built from data-modifying CTEs, so a request costs one round
trip however many events it carries. One statement can store several callbacks, those that
threads of one process submit at the same moment (callbacks.commit_group):

1. `req` numbers the callbacks and draws a raw callback id for each.
2. `ev` inserts the events; ON CONFLICT DO NOTHING drops duplicates (same client, message id,
   status and event time), also duplicates within the same body or the same statement.
3. `up` folds the new events into each message's current status by rank (READ 4, SUCCESS 3,
   failures 2, SENT 1; the later event wins between equal ranks). The comparison happens inside
   ON CONFLICT DO UPDATE, which locks the message row, so two requests racing on one message
   cannot overwrite each other's better status.
4. `raw` stores each request with its outcome and counts, and `quarantine` the events the
   parser rejected, pointing at their request.

A single statement is atomic on its own, so the store runs in autocommit: one round trip, no
BEGIN or COMMIT of its own, and Gupshup gets 200 only once the statement has committed. It is
prepared once per connection (server-side binding), because planning this many CTEs costs
more than executing them for a small batch.

Rows are inserted in (client, message id) order, so concurrent statements lock messages in the
same order and do not deadlock each other (tests/callbacks/test_storage_concurrency.py races
them on real threads).
"""
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import orjson
import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.utils import timezone

from .commit_group import CommitGroup
from .models import QuarantinedEvent, RawCallback
from .parsing import STATUS_RANK, ParseResult, RejectedEvent

logger = logging.getLogger(__name__)

# Message ids longer than this are rejected, because a cut id would join the wrong message.
# Longer text values are cut to their column sizes in _build_event_rows.
MAX_ID_LENGTH = 200


@dataclass(frozen=True)
class RequestInfo:
    method: str
    content_type: str
    query_string: str
    body: bytes
    remote_addr: str | None
    received_at: datetime


@dataclass(frozen=True)
class StoreResult:
    raw_callback_id: int
    outcome: str
    stored: int
    duplicates: int
    rejected: int
    # New events by mapped status ("none" for enqueued, deleted and unknown words).
    stored_by_status: dict[str, int] = field(default_factory=dict)


_RANK_SQL = "CASE status " + " ".join(
    f"WHEN '{status}' THEN {rank}" for status, rank in STATUS_RANK.items()
) + " ELSE 0 END"

# Columns of a message that reach DLR_REPORT: a change in any of them is a new version to push.
_EXPORTED = ("status", "status_time", "cause", "error_code", "error_title", "phone", "sender",
             "extra", "sent_at", "delivered_at", "read_at")

_WINS = ("(EXCLUDED.status_rank > m.status_rank OR (EXCLUDED.status_rank = m.status_rank "
         "AND EXCLUDED.status_rank > 0 AND EXCLUDED.status_time > m.status_time))")

_NEW_VALUE = {
    "status": f"CASE WHEN {_WINS} THEN EXCLUDED.status ELSE m.status END",
    "status_rank": f"CASE WHEN {_WINS} THEN EXCLUDED.status_rank ELSE m.status_rank END",
    "status_time": f"CASE WHEN {_WINS} THEN EXCLUDED.status_time ELSE m.status_time END",
    "cause": f"CASE WHEN {_WINS} THEN EXCLUDED.cause ELSE m.cause END",
    "error_code": f"CASE WHEN {_WINS} THEN EXCLUDED.error_code ELSE m.error_code END",
    "error_title": f"CASE WHEN {_WINS} THEN EXCLUDED.error_title ELSE m.error_title END",
    "wa_message_id": "COALESCE(NULLIF(m.wa_message_id, ''), EXCLUDED.wa_message_id)",
    "phone": "COALESCE(NULLIF(m.phone, ''), EXCLUDED.phone)",
    "sender": "COALESCE(NULLIF(m.sender, ''), EXCLUDED.sender)",
    "extra": "COALESCE(NULLIF(m.extra, ''), EXCLUDED.extra)",
    "first_event_at": "LEAST(m.first_event_at, EXCLUDED.first_event_at)",
    "sent_at": "LEAST(m.sent_at, EXCLUDED.sent_at)",
    "delivered_at": "LEAST(m.delivered_at, EXCLUDED.delivered_at)",
    "read_at": "LEAST(m.read_at, EXCLUDED.read_at)",
}


def _tuple(columns, expression_for):
    return "ROW(" + ", ".join(expression_for(column) for column in columns) + ")"


def _message_upsert_set_clause() -> str:
    exported_new = _tuple(_EXPORTED, _NEW_VALUE.__getitem__)
    exported_old = _tuple(_EXPORTED, lambda column: f"m.{column}")
    all_columns = tuple(_NEW_VALUE)
    assignments = [f"{column} = {expression}" for column, expression in _NEW_VALUE.items()]
    # Messages with no status yet (only enqueued events) are never pushed, so they keep
    # version 0 until their first real status arrives.
    assignments.append(
        f"status_version = m.status_version + CASE WHEN {exported_new} IS DISTINCT FROM "
        f"{exported_old} AND ({_NEW_VALUE['status']}) IS NOT NULL THEN 1 ELSE 0 END"
    )
    assignments.append("updated_at = EXCLUDED.updated_at")
    changed = (f"{_tuple(all_columns, _NEW_VALUE.__getitem__)} IS DISTINCT FROM "
               f"{_tuple(all_columns, lambda column: f'm.{column}')}")
    return "SET " + ",\n    ".join(assignments) + f"\nWHERE {changed}"


@lru_cache(maxsize=1)
def _store_sql() -> str:
    return f"""
WITH req AS MATERIALIZED (
  -- One row per callback of the group, each with its raw callback id. The bodies come
  -- concatenated in one binary bytea parameter, which PostgreSQL does not have to parse, and
  -- each callback gives its start (1-based) and length in it.
  SELECT r.*, substring(%(bodies)s::bytea FROM r.body_start FOR r.body_length) AS body,
         nextval(pg_get_serial_sequence('callbacks_rawcallback', 'id')) AS raw_id
  FROM json_to_recordset(%(requests)s::json) AS r(
    req int, client_id bigint, received_at timestamptz, method text, content_type text,
    query_string text, remote_addr inet, format text, rejected int, event_total int,
    fallback_outcome text, body_start int, body_length int)
),
input AS (
  -- Each event's raw JSON comes in its own array, read side by side with the event rows.
  -- Inside the rows it would be read twice: once as part of the rows and once more when
  -- the json column checks it.
  SELECT * FROM ROWS FROM (
    json_to_recordset(%(events)s::json) AS (
      req int, client_id bigint, message_id text, wa_message_id text, status text,
      status_key text, raw_status text, cause text, error_code text, error_title text,
      event_time timestamptz, phone text, sender text, channel text, extra text, format text),
    json_array_elements(%(raws)s::json)
  ) AS t(req, client_id, message_id, wa_message_id, status, status_key, raw_status, cause,
         error_code, error_title, event_time, phone, sender, channel, extra, format, raw)
),
resolved AS (
  -- An event that carries only the WhatsApp id joins the message that already has that id.
  -- The `<> ''` lets the planner use the partial index message_wa_id instead of a scan whose
  -- cost estimate would also switch on JIT compilation (about a second per execution).
  SELECT i.*, COALESCE(
    CASE WHEN i.message_id = i.wa_message_id THEN (
      SELECT m.message_id FROM callbacks_message m
      WHERE m.client_id = i.client_id AND m.wa_message_id = i.wa_message_id
        AND m.wa_message_id <> '' LIMIT 1)
    END, i.message_id) AS resolved_id
  FROM input i
),
ev AS (
  INSERT INTO callbacks_statusevent (
    client_id, message_id, wa_message_id, status, status_key, raw_status, cause, error_code,
    error_title, event_time, phone, sender, channel, extra, format, raw, raw_callback_id,
    received_at)
  SELECT e.client_id, e.resolved_id, e.wa_message_id, e.status, e.status_key, e.raw_status,
         e.cause, e.error_code, e.error_title, e.event_time, e.phone, e.sender, e.channel,
         e.extra, e.format, e.raw, q.raw_id, q.received_at
  FROM resolved e JOIN req q USING (req)
  ORDER BY e.client_id, e.resolved_id, e.status_key, e.event_time
  ON CONFLICT (client_id, message_id, status_key, event_time) DO NOTHING
  RETURNING client_id, raw_callback_id, message_id, wa_message_id, status, cause, error_code,
            error_title, event_time, phone, sender, channel, extra
),
ranked AS (
  SELECT ev.*, {_RANK_SQL} AS rank FROM ev
),
best AS (
  SELECT DISTINCT ON (client_id, message_id) client_id, message_id, status, rank, event_time,
         cause, error_code, error_title
  FROM ranked ORDER BY client_id, message_id, rank DESC, event_time DESC
),
agg AS (
  SELECT client_id, message_id, MAX(wa_message_id) AS wa_message_id, MAX(phone) AS phone,
         MAX(sender) AS sender, MAX(channel) AS channel, MAX(extra) AS extra,
         MIN(event_time) AS first_event_at,
         MIN(event_time) FILTER (WHERE status = 'SENT') AS sent_at,
         MIN(event_time) FILTER (WHERE status = 'SUCCESS') AS delivered_at,
         MIN(event_time) FILTER (WHERE status = 'READ') AS read_at
  FROM ranked GROUP BY client_id, message_id
),
up AS (
  INSERT INTO callbacks_message AS m (
    client_id, message_id, wa_message_id, phone, sender, channel, extra, status, status_rank,
    status_time, cause, error_code, error_title, first_event_at, sent_at, delivered_at, read_at,
    status_version, pushed_version, last_push_error, created_at, updated_at)
  SELECT a.client_id, a.message_id, a.wa_message_id, a.phone, a.sender,
         COALESCE(NULLIF(a.channel, ''), 'WHATSAPP'), a.extra,
         CASE WHEN b.rank > 0 THEN b.status END, b.rank,
         CASE WHEN b.rank > 0 THEN b.event_time END,
         CASE WHEN b.rank > 0 THEN b.cause ELSE '' END,
         CASE WHEN b.rank > 0 THEN b.error_code ELSE '' END,
         CASE WHEN b.rank > 0 THEN b.error_title ELSE '' END,
         a.first_event_at, a.sent_at, a.delivered_at, a.read_at,
         CASE WHEN b.rank > 0 THEN 1 ELSE 0 END, 0, '', %(now)s, %(now)s
  FROM agg a JOIN best b USING (client_id, message_id)
  ORDER BY a.client_id, a.message_id
  ON CONFLICT (client_id, message_id) DO UPDATE
  {_message_upsert_set_clause()}
),
by_request AS (
  SELECT raw_id, SUM(n)::int AS stored, json_object_agg(status, n)::text AS by_status
  FROM (SELECT raw_callback_id AS raw_id, COALESCE(status, 'none') AS status, COUNT(*) AS n
        FROM ev GROUP BY 1, 2) s
  GROUP BY raw_id
),
counts AS (
  SELECT q.*, COALESCE(b.stored, 0) AS stored, COALESCE(b.by_status, '{{}}') AS by_status
  FROM req q LEFT JOIN by_request b USING (raw_id)
),
raw AS (
  INSERT INTO callbacks_rawcallback (
    id, client_id, received_at, method, content_type, query_string, body, remote_addr, format,
    outcome, event_count, duplicate_count, rejected_count)
  SELECT c.raw_id, c.client_id, c.received_at, c.method, c.content_type, c.query_string,
         c.body, c.remote_addr, c.format,
         CASE
           WHEN c.rejected > 0 AND c.stored = 0 AND c.event_total = 0 THEN 'quarantined'
           WHEN c.rejected > 0 THEN 'partial'
           WHEN c.event_total > 0 AND c.stored = 0 THEN 'duplicate'
           WHEN c.event_total > 0 THEN 'stored'
           ELSE c.fallback_outcome
         END,
         c.stored, c.event_total - c.stored, c.rejected
  FROM counts c
  RETURNING id, outcome, event_count, duplicate_count
),
quarantine AS (
  -- The foreign key to the raw row is checked at the end of the statement, when it exists.
  INSERT INTO callbacks_quarantinedevent (client_id, raw_callback_id, created_at, raw, reason)
  SELECT q.client_id, q.raw_id, q.received_at, x.raw, x.reason
  FROM json_to_recordset(%(rejected_events)s::json) AS x(req int, raw text, reason text)
  JOIN req q USING (req)
)
SELECT c.req, r.id, r.outcome, r.event_count, r.duplicate_count, c.by_status
FROM raw r JOIN counts c ON c.raw_id = r.id
ORDER BY c.req
"""


def _clean(value: str, limit: int | None = None) -> str:
    if not value.isascii():
        # A JSON escape such as \ud800 decodes to a lone surrogate, which UTF-8 cannot encode.
        value = value.encode("utf-8", "replace").decode("utf-8")
    # PostgreSQL text cannot hold NUL characters.
    if "\x00" in value:
        value = value.replace("\x00", "")
    if limit is not None and len(value) > limit:
        value = value[:limit]
    return value


def _raw_json(raw: object) -> str:
    try:
        text = orjson.dumps(raw).decode()
    except TypeError:
        # Decimal values (from bodies with fractions) and lone surrogates need the slow path.
        text = _clean(json.dumps(raw, default=str, ensure_ascii=False))
    # jsonb rejects the \u0000 escape; the raw body itself is kept byte for byte in bytea.
    return text.replace("\\u0000", "\\ufffd") if "\\u0000" in text else text


def _fallback_outcome(result: ParseResult) -> str:
    if result.health_check:
        return RawCallback.Outcome.HEALTH_CHECK
    if result.ignored:
        return RawCallback.Outcome.IGNORED
    return RawCallback.Outcome.EMPTY


def _event_rows(result: ParseResult) -> tuple[list[dict], list[object], list[RejectedEvent]]:
    """Return the statement's event rows, their raw values, and the events to quarantine.

    Almost every value arrives as clean text, so the rows are first built without _clean. If
    their JSON shows a NUL character or a lone surrogate, which PostgreSQL text cannot hold,
    they are built again with every value cleaned. orjson writes 20 rows in microseconds.
    """
    rows, raws, rejected = _build_event_rows(result, clean=_cut)
    try:
        needs_cleaning = "\\u0000" in orjson.dumps(rows).decode()
    except TypeError:
        needs_cleaning = True
    if needs_cleaning:
        rows, raws, rejected = _build_event_rows(result, clean=_clean)
    return rows, raws, rejected


def _cut(value: str, limit: int | None = None) -> str:
    return value if limit is None or len(value) <= limit else value[:limit]


def _build_event_rows(result: ParseResult,
                      clean) -> tuple[list[dict], list[object], list[RejectedEvent]]:
    rows = []
    raws = []
    rejected = list(result.rejected)

    # Within one body an enqueued event may carry both ids while a later one carries only the
    # WhatsApp id. They are joined here because the SQL lookup cannot see rows of the same
    # statement.
    gupshup_id_by_wa_id = {
        event.wa_message_id: event.message_id
        for event in result.events
        if event.wa_message_id and event.message_id != event.wa_message_id
    }

    for event in result.events:
        message_id = clean(event.message_id)
        if not message_id or len(message_id) > MAX_ID_LENGTH:
            rejected.append(RejectedEvent(event.raw, f"message id is empty or longer than "
                                                     f"{MAX_ID_LENGTH} characters"))
            continue
        wa_message_id = clean(event.wa_message_id, MAX_ID_LENGTH)
        if message_id == wa_message_id:
            message_id = gupshup_id_by_wa_id.get(wa_message_id, message_id)
        rows.append({
            "message_id": message_id,
            "wa_message_id": wa_message_id,
            "status": event.status,
            "status_key": event.status or clean(event.raw_status.lower(), 100) or "unknown",
            "event_time": event.event_time,
            "extra": clean(event.extra),
            "format": event.format,
            "raw_status": clean(event.raw_status, 100),
            "cause": clean(event.cause, 500),
            "error_code": clean(event.error_code, 50),
            "error_title": clean(event.error_title, 500),
            "phone": clean(event.phone, 32),
            "sender": clean(event.sender, 200),
            "channel": clean(event.channel, 20),
        })
        raws.append(event.raw)
    return rows, raws, rejected


def _json_param(value: object) -> str:
    """Return `value` as JSON text that PostgreSQL's json and jsonb types accept."""
    try:
        text = orjson.dumps(value, default=str).decode()
    except TypeError:
        # orjson rejects lone surrogates; the standard library writes them and _clean drops them.
        text = _clean(json.dumps(value, default=str, ensure_ascii=False))
    # jsonb rejects the \u0000 escape, which can only come from raw values here because text
    # columns went through _clean. The raw body itself is kept byte for byte in bytea.
    return text.replace("\\u0000", "\\ufffd") if "\\u0000" in text else text


@dataclass
class _PendingCallback:
    """One request's callback, parsed and ready for the statement."""

    client_id: int
    request: RequestInfo
    result_format: str
    fallback_outcome: str
    rows: list[dict]
    # The raw JSON of each row's event, in the same order.
    raws: list[object]
    rejected: list[RejectedEvent]


def store_callback(client_id: int, request: RequestInfo, result: ParseResult) -> StoreResult:
    """Store a request and its parsed events atomically; raises DatabaseError if it cannot.

    The caller returns 200 only after this returns, so Gupshup never gets a 200 for data that was
    not committed. Outside a transaction the callback may share its statement with callbacks
    that other threads of this process store at the same moment (callbacks.commit_group).
    Inside an outer transaction the statement joins it under a savepoint.
    """
    rows, raws, rejected = _event_rows(result)
    pending = _PendingCallback(client_id, request, result.format, _fallback_outcome(result),
                               rows, raws, rejected)
    if connection.in_atomic_block:
        # A savepoint keeps the caller's transaction usable if the statement fails.
        with transaction.atomic():
            return _store_many([pending])[0]
    max_events = settings.CALLBACK_GROUP_MAX_EVENTS
    if max_events <= 0:
        return _store_many([pending])[0]
    return _commit_group(max_events).submit(pending, size=max(len(rows), 1))


@lru_cache(maxsize=4)
def _commit_group(max_events: int) -> CommitGroup:
    """Return this process's group for the configured size, which tests may change."""
    return CommitGroup(_store_many, max_size=max_events,
                       split_on=lambda error: not isinstance(error, OperationalError))


def _store_many(callbacks: Sequence[_PendingCallback]) -> list[StoreResult]:
    """Store several callbacks in one statement and return their results in the same order."""
    if len(callbacks) > 1:
        _join_whatsapp_ids_across(callbacks)
    requests, events, raws, rejected_events = [], [], [], []
    body_start = 1
    for index, callback in enumerate(callbacks):
        request = callback.request
        requests.append({
            "body_start": body_start,
            "body_length": len(request.body),
            "req": index,
            "client_id": callback.client_id,
            "received_at": request.received_at,
            "method": request.method,
            "content_type": _clean(request.content_type, 200),
            "query_string": _clean(request.query_string),
            "remote_addr": request.remote_addr,
            "format": callback.result_format,
            "rejected": len(callback.rejected),
            "event_total": len(callback.rows),
            "fallback_outcome": callback.fallback_outcome,
        })
        body_start += len(request.body)
        for row in callback.rows:
            row["req"] = index
            row["client_id"] = callback.client_id
        events.extend(callback.rows)
        raws.extend(callback.raws)
        rejected_events.extend(
            {"req": index, "raw": _quarantined_text(item.raw), "reason": _clean(item.reason)}
            for item in callback.rejected)

    rows = _execute_prepared(_store_sql(), {
        "requests": _json_param(requests),
        "bodies": b"".join(callback.request.body for callback in callbacks),
        "events": _json_param(events),
        "raws": _json_param(raws),
        "rejected_events": _json_param(rejected_events),
        "now": timezone.now(),
    })
    return [
        StoreResult(raw_callback_id, outcome, stored, duplicates, len(callback.rejected),
                    json.loads(by_status))
        for (_index, raw_callback_id, outcome, stored, duplicates, by_status), callback
        in zip(rows, callbacks, strict=True)
    ]


def _join_whatsapp_ids_across(callbacks: Sequence[_PendingCallback]) -> None:
    """Give a WhatsApp-id-only event the Gupshup id that another callback of the group carries.

    _event_rows does this within one body. Across the callbacks of one statement it is needed
    for the same reason: the SQL lookup cannot see message rows of its own statement.
    """
    gupshup_id = {
        (callback.client_id, row["wa_message_id"]): row["message_id"]
        for callback in callbacks for row in callback.rows
        if row["wa_message_id"] and row["message_id"] != row["wa_message_id"]
    }
    if not gupshup_id:
        return
    for callback in callbacks:
        for row in callback.rows:
            if row["message_id"] == row["wa_message_id"]:
                row["message_id"] = gupshup_id.get((callback.client_id, row["message_id"]),
                                                   row["message_id"])


# psycopg prepares a statement only when the connection's threshold is not None; Django sets
# None so that transaction-pooling proxies keep working. A threshold no query ever reaches
# leaves every other query unprepared and lets `prepare=True` prepare ours.
_EXPLICIT_ONLY = 2**31


def _execute_prepared(sql: str, params: dict) -> list[tuple]:
    """Run one statement with server-side binding, prepared once per connection.

    Django's per-request health check would add a `SELECT 1` round trip to every callback, so
    the connection is used directly. A connection that the server closed while it was idle fails
    on first use, and the statement is then retried once on a new connection. The retry is
    safe: a failed statement wrote nothing, and one that committed just before its connection
    broke has its events counted as duplicates the second time.
    """
    # `connection` is a proxy that looks up this thread's wrapper on every attribute access.
    database = connections[DEFAULT_DB_ALIAS]
    reused = database.connection is not None
    try:
        return _run_prepared(database, sql, params)
    except OperationalError as error:
        # A statement cancelled by statement_timeout would only wait as long again.
        if not reused or database.in_atomic_block or statement_cancelled(error):
            raise
        logger.warning("database connection failed (%s); retrying the callback once on a new "
                       "connection", str(error).strip())
        database.close()
        return _run_prepared(database, sql, params)


def statement_cancelled(error: OperationalError) -> bool:
    """Return whether PostgreSQL cancelled the statement (statement timeout or an administrator)."""
    return isinstance(error.__cause__, psycopg.errors.QueryCanceled)


def _run_prepared(database, sql: str, params: dict) -> list[tuple]:
    native_sql, names = _native_placeholders(sql)
    database.ensure_connection()
    pg_connection = database.connection
    if pg_connection.prepare_threshold is None:
        pg_connection.prepare_threshold = _EXPLICIT_ONLY
    with database.wrap_database_errors, psycopg.RawCursor(pg_connection) as cursor:
        cursor.execute(native_sql, [params[name] for name in names], prepare=True)
        return cursor.fetchall()


@lru_cache(maxsize=8)
def _native_placeholders(sql: str) -> tuple[str, tuple[str, ...]]:
    """Return `sql` with each %(name)s turned into $1, $2... and the names in that order.

    psycopg parses %(name)s placeholders again on every execution of a statement longer than
    4 kB; in bench/webhook_profile.py that was a visible share of a single-event callback.
    """
    names: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PLACEHOLDER.sub(number, sql), tuple(names)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _quarantined_text(raw: object) -> str:
    return _clean(raw) if isinstance(raw, str) else _clean(_raw_json(raw))


def store_unparsed(client_id: int, request: RequestInfo, reason: str) -> int:
    """Keep a body whose events could not be stored, so that it can be replayed after a fix."""
    with transaction.atomic():
        raw = RawCallback.objects.create(
            client_id=client_id, received_at=request.received_at, method=request.method,
            content_type=_clean(request.content_type, 200),
            query_string=_clean(request.query_string), body=request.body,
            remote_addr=request.remote_addr, format="invalid",
            outcome=RawCallback.Outcome.QUARANTINED, rejected_count=1,
        )
        QuarantinedEvent.objects.create(
            client_id=client_id, raw_callback=raw, created_at=request.received_at,
            raw=_clean(request.body.decode("utf-8", errors="replace")), reason=_clean(reason),
        )
    return raw.id


def replay_raw_callback(raw: RawCallback) -> StoreResult:
    """Parse a stored body again with the current parser and store what it now yields.

    Replaying is idempotent: events stored before are duplicates and are counted, not stored.
    The replay is recorded as a new raw callback row, which carries its own quarantined events
    if the body still cannot be parsed. The quarantined events of the original and of earlier
    replays of the same body are marked resolved either way, so the quarantine list never shows
    one body twice.
    """
    from .parsing import parse_callback

    request = RequestInfo(
        method=raw.method, content_type=raw.content_type, query_string=raw.query_string,
        body=bytes(raw.body), remote_addr=raw.remote_addr, received_at=timezone.now(),
    )
    result = parse_callback(request.body, request.content_type, _query_dict(raw.query_string),
                            request.method)
    stored = store_callback(raw.client_id, request, result)
    now = timezone.now()
    RawCallback.objects.filter(pk=raw.pk).update(replayed_at=now)
    # Earlier replays of the same body are superseded by this one as well.
    QuarantinedEvent.objects.filter(
        client_id=raw.client_id, resolved_at__isnull=True, raw_callback__body=bytes(raw.body),
    ).exclude(raw_callback_id=stored.raw_callback_id).update(resolved_at=now)
    logger.info("replayed raw callback %s of client %s: outcome=%s stored=%s duplicates=%s "
                "rejected=%s", raw.pk, raw.client_id, stored.outcome, stored.stored,
                stored.duplicates, stored.rejected)
    return stored


def _query_dict(query_string: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query_string, keep_blank_values=True))
