"""Fill the benchmark database with messages and status events for the dashboard benchmark.

    .venv/bin/python bench/dashboard_data.py --messages 10000000

Creates the database `dlr_bench_dashboard` (or $DLR_BENCH_DATABASE) when missing, migrates it, replaces
the bench clients' data, and builds the aggregates. Rows are generated inside PostgreSQL with
generate_series, in chunks of a million messages, spread over the last 30 days and over several
clients and senders. Each message gets an enqueued event plus one event per step its status
implies (about 3.3 events per message on average).
"""
import argparse
import logging
import subprocess
import sys
import time

import psycopg

from _bench_env import BENCH_DATABASE, ROOT, SERVER_URL, setup_django

logger = logging.getLogger("bench.dashboard_data")
CHUNK = 1_000_000

# Status by (n % 100): 5% SENT, 35% SUCCESS, 45% READ, 5% UNKNOWN_SUBSCRIBER, 4% DEFERRED,
# 4% OTHER, 2% no status yet.
_STATUS = """CASE WHEN n %% 100 < 5 THEN 'SENT' WHEN n %% 100 < 40 THEN 'SUCCESS'
  WHEN n %% 100 < 85 THEN 'READ' WHEN n %% 100 < 90 THEN 'UNKNOWN_SUBSCRIBER'
  WHEN n %% 100 < 94 THEN 'DEFERRED' WHEN n %% 100 < 98 THEN 'OTHER' END"""
_MESSAGES_SQL = f"""
INSERT INTO callbacks_message (client_id, message_id, wa_message_id, phone, sender, channel,
  extra, status, status_rank, status_time, cause, error_code, error_title, first_event_at,
  sent_at, delivered_at, read_at, status_version, pushed_version, pushed_at, last_push_error,
  created_at, updated_at)
SELECT client_ids[1 + n %% cardinality(client_ids)], 'bench-' || n, 'wamid.bench' || n,
  (447700000000 + n %% 5000000)::text, 'SENDER' || (n %% 8), 'WHATSAPP', 'RIID-' || n,
  s.status,
  CASE s.status WHEN 'READ' THEN 4 WHEN 'SUCCESS' THEN 3 WHEN 'SENT' THEN 1
    WHEN NULL THEN 0 ELSE 2 END,
  CASE WHEN s.status IS NULL THEN NULL ELSE t + interval '60 seconds' END,
  COALESCE(CASE WHEN s.status IN ('UNKNOWN_SUBSCRIBER', 'DEFERRED', 'OTHER') THEN s.status END, ''),
  CASE s.status WHEN 'UNKNOWN_SUBSCRIBER' THEN '1002'
    WHEN 'DEFERRED' THEN (ARRAY['1003', '4001', '4003'])[1 + n %% 3]
    WHEN 'OTHER' THEN (ARRAY['131026', '131047', '131049', '131050'])[1 + n %% 4] ELSE '' END,
  '', t,
  CASE WHEN s.status IN ('SENT', 'SUCCESS', 'READ', 'OTHER') THEN t + interval '5 seconds' END,
  CASE WHEN s.status IN ('SUCCESS', 'READ') THEN t + interval '20 seconds' END,
  CASE WHEN s.status = 'READ' THEN t + interval '60 seconds' END,
  1, 1, t + interval '30 minutes', '', t, t + interval '60 seconds'
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n,
  LATERAL (SELECT now() - ((n * 7919) %% 2592000) * interval '1 second' AS t) AS times,
  LATERAL (SELECT {_STATUS} AS status) AS s,
  (SELECT %(client_ids)s::bigint[] AS client_ids) AS c
"""
_EVENTS_SQL = """
INSERT INTO callbacks_statusevent (client_id, message_id, wa_message_id, status, status_key,
  raw_status, cause, error_code, error_title, event_time, phone, sender, channel, extra, format,
  raw, received_at)
SELECT m.client_id, m.message_id, m.wa_message_id, step.status, step.key, lower(step.key),
  CASE WHEN step.status = m.status THEN m.cause ELSE '' END,
  CASE WHEN step.status = m.status THEN m.error_code ELSE '' END, '',
  m.first_event_at + step.delay, m.phone, m.sender, m.channel, m.extra, 'enterprise',
  jsonb_build_object('externalId', m.message_id, 'eventType', step.key),
  m.first_event_at + step.delay + interval '2 seconds'
FROM callbacks_message m
CROSS JOIN LATERAL (VALUES
  ('enqueued', NULL, interval '0 seconds'),
  ('SENT', 'SENT', interval '5 seconds'),
  ('SUCCESS', 'SUCCESS', interval '20 seconds'),
  ('READ', 'READ', interval '60 seconds'),
  ('FAILED', m.status, interval '60 seconds')
) AS step(key, status, delay)
WHERE m.id BETWEEN %(first)s AND %(last)s AND m.client_id = ANY(%(client_ids)s)
  AND (step.key = 'enqueued'
    OR (step.key = 'SENT' AND m.sent_at IS NOT NULL)
    OR (step.key = 'SUCCESS' AND m.delivered_at IS NOT NULL)
    OR (step.key = 'READ' AND m.read_at IS NOT NULL)
    OR (step.key = 'FAILED' AND m.status IN ('UNKNOWN_SUBSCRIBER', 'DEFERRED', 'OTHER')))
"""


def ensure_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [BENCH_DATABASE]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
            logger.info("created database %s", BENCH_DATABASE)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                   cwd=ROOT, check=True)


def bench_clients(count: int) -> list[int]:
    from callbacks.models import Client

    ids = []
    for number in range(1, count + 1):
        client, _ = Client.objects.get_or_create(name=f"Bench client {number}")
        ids.append(client.pk)
    return ids


def fill(messages: int, client_ids: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        logger.info("deleting earlier bench rows")
        cursor.execute("DELETE FROM callbacks_statusevent WHERE client_id = ANY(%s)", [client_ids])
        cursor.execute("DELETE FROM callbacks_message WHERE client_id = ANY(%s)", [client_ids])
        for first in range(1, messages + 1, CHUNK):
            last = min(first + CHUNK - 1, messages)
            started = time.monotonic()
            cursor.execute("SELECT COALESCE(max(id), 0) FROM callbacks_message")
            id_floor = cursor.fetchone()[0]
            cursor.execute(_MESSAGES_SQL, {"first": first, "last": last, "client_ids": client_ids})
            cursor.execute(_EVENTS_SQL, {"first": id_floor + 1, "last": id_floor + CHUNK,
                                         "client_ids": client_ids})
            logger.info("messages %s..%s with their events in %.1f s", first, last,
                        time.monotonic() - started)
        cursor.execute("ANALYZE callbacks_message")
        cursor.execute("ANALYZE callbacks_statusevent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--clients", type=int, default=6)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    setup_django()
    ensure_database()
    client_ids = bench_clients(arguments.clients)
    started = time.monotonic()
    fill(arguments.messages, client_ids)
    filled = time.monotonic() - started

    from django.db import connection

    from reporting.aggregation import rebuild_all

    aggregated_from = time.monotonic()
    result = rebuild_all()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reporting_messagebucket")
        cursor.execute("SELECT count(*) FROM callbacks_statusevent WHERE client_id = ANY(%s)",
                       [client_ids])
        events = cursor.fetchone()[0]
    logger.info("done: %s messages, %s events in %.0f s; %s buckets built in %.1f s",
                arguments.messages, events, filled, result.buckets,
                time.monotonic() - aggregated_from)


if __name__ == "__main__":
    main()
