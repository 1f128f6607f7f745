"""Benchmark: push a backlog of changed messages to the Responsys emulator with run_sync.

    .venv/bin/python bench/sync_backlog.py                      # 1,000,000 messages, (a) and (b)
    .venv/bin/python bench/sync_backlog.py --messages 100000 --scenario a

It uses its own PostgreSQL database (`dlr_sync_bench` by default, created and migrated when
missing), fills it with SQL (`INSERT ... SELECT generate_series`), starts the emulator on
loopback, and runs each scenario's sync in a separate worker process whose peak resident
memory (VmHWM) it reports:

(a) no throttling: how fast the pipeline can go.
(b) merge throttled to --merge-limit calls per minute: the rate reached as a share of the
    allowed maximum (200 records x limit per minute) and the share of merge calls throttled.
    The run finds the limit through the account's rate-limit table, as production does.

Between scenarios every message is marked never pushed and the emulator is reset.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER, PASSWORD = "bench", "bench-password"
RECORDS_PER_MERGE = 200


def bench_environment(database_url: str, extra: dict | None = None) -> dict:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "dlr_project.settings_test",
        "CACHE_URL": "redis://127.0.0.1:6379/11",
        "CACHE_KEY_PREFIX": "dlr-bench",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/12",
        # One log line per merge call would cost more than the call itself.
        "DLR_LOG_LEVEL": "WARNING",
    }
    environment.update(extra or {})
    return environment


def setup_django(database_url: str) -> None:
    os.environ.update(bench_environment(database_url))
    import django

    django.setup()


def ensure_database(database_url: str) -> None:
    """Create the bench database when it does not exist."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def prepare(database_url: str, messages: int, login_url: str) -> int:
    """Migrate, create the bench client and its `messages` pending messages; return its id."""
    from django.core.management import call_command
    from django.db import connection

    from callbacks.models import Client

    call_command("migrate", verbosity=0)
    client, _ = Client.objects.update_or_create(
        name="Bench client",
        defaults={"responsys_login_url": login_url, "responsys_username": USER,
                  "responsys_password": PASSWORD, "opted_in": False},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM callbacks_message WHERE client_id = %s", [client.pk])
        present = cursor.fetchone()[0]
        if present != messages:
            started = time.monotonic()
            cursor.execute("DELETE FROM callbacks_message WHERE client_id = %s", [client.pk])
            cursor.execute(INSERT_MESSAGES_SQL, {"client_id": client.pk, "count": messages})
            cursor.execute("ANALYZE callbacks_message")
            print(f"inserted {messages:,} messages in {time.monotonic() - started:.1f} s")
    return client.pk


INSERT_MESSAGES_SQL = """
INSERT INTO callbacks_message (
    client_id, message_id, wa_message_id, phone, sender, channel, extra, status, status_rank,
    status_time, cause, error_code, error_title, first_event_at, sent_at, delivered_at, read_at,
    status_version, pushed_version, pushed_at, last_push_error, created_at, updated_at)
SELECT %(client_id)s,
       'bench-' || lpad(n::text, 9, '0') || '-4f6c2b1e9a7d',
       '', '9198' || lpad(n::text, 8, '0'), 'RETAILCO', 'WHATSAPP', 'riid=' || n,
       s.status, s.rank, t.at + interval '5 seconds', s.cause, s.code, '',
       t.at, t.at, CASE WHEN s.rank >= 3 THEN t.at + interval '5 seconds' END,
       CASE WHEN s.rank = 4 THEN t.at + interval '5 seconds' END,
       1, 0, NULL, '', now(), now()
FROM generate_series(1, %(count)s) AS n
CROSS JOIN LATERAL (SELECT timestamptz '2026-06-01 09:00:00+00' + n * interval '1 second' AS at) t
CROSS JOIN LATERAL (
    SELECT * FROM (VALUES
        (0, 'SENT', 1, 'SENT', '025'), (1, 'SUCCESS', 3, 'SUCCESS', '000'),
        (2, 'READ', 4, 'READ', '026'), (3, 'UNKNOWN_SUBSCRIBER', 2, 'UNKNOWN_SUBSCRIBER', '003'))
        AS v(k, status, rank, cause, code)
    WHERE v.k = n %% 4) s
"""


def mark_unpushed(client_id: int) -> None:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE callbacks_message SET pushed_version = 0, pushed_at = NULL "
                       "WHERE client_id = %s AND pushed_version > 0", [client_id])
        # Django runs in autocommit here, so VACUUM is allowed; it keeps the pending index small.
        cursor.execute("VACUUM ANALYZE callbacks_message")
    print(f"marked every message unpushed in {time.monotonic() - started:.1f} s")


def run_worker(database_url: str, client_id: int, in_flight: int) -> dict:
    """Run one sync in a fresh process (the "worker") and return its report."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker",
               "--database-url", database_url, "--client-id", str(client_id)]
    environment = bench_environment(database_url, {"DLR_SYNC_MERGES_IN_FLIGHT": str(in_flight)})
    output = subprocess.run(command, env=environment, cwd=ROOT, check=True,
                            capture_output=True, text=True)
    sys.stderr.write(output.stderr[-4000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def worker_main(database_url: str, client_id: int) -> None:
    setup_django(database_url)
    from responsys_sync.sync import run_sync

    started = time.monotonic()
    run = run_sync(client_id)
    elapsed = time.monotonic() - started
    print(json.dumps({
        "status": run.status, "error": run.error, "sent": run.records_sent,
        "accepted": run.records_accepted, "rejected": run.records_rejected,
        "batches": run.batches, "seconds": elapsed, "peak_rss_mib": peak_rss_mib(),
    }))


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def scenario(name: str, emulator, client_id: int, in_flight: int, merge_limit: int | None,
             table_rows_expected: int) -> dict:
    from responsys_sync.sync import PACER_HEADROOM

    emulator.control.reset()
    emulator.control.set_throttle("merge", merge_limit)
    print(f"\nscenario ({name}): merge limit {merge_limit or 'none'} per minute, "
          f"{in_flight} merges in flight")
    report = run_worker(emulator.database_url, client_id, in_flight)
    calls = emulator.control.call_counts()
    rows = emulator.control.row_count("Gupshup WhatsApp DLR", "DLR_REPORT")
    rate = report["accepted"] / report["seconds"]
    throttled = calls["merge"] - report["batches"]
    result = {"scenario": name, **report, "records_per_second": round(rate),
              "merge_calls": calls["merge"], "throttled_calls": throttled,
              "throttled_share": throttled / max(1, calls["merge"]), "table_rows": rows,
              "table_complete": rows == table_rows_expected}
    print(f"  {report['status']}: {report['accepted']:,} records in {report['seconds']:.1f} s "
          f"= {rate:,.0f} records/s; worker peak RSS {report['peak_rss_mib']:.0f} MiB")
    print(f"  merge calls {calls['merge']:,}, throttled {throttled} "
          f"({result['throttled_share']:.2%}); DLR_REPORT rows {rows:,}")
    if merge_limit:
        allowed = RECORDS_PER_MERGE * merge_limit / 60
        result["share_of_allowed"] = rate / allowed
        print(f"  {rate:,.0f} of the allowed {allowed:,.0f} records/s = "
              f"{result['share_of_allowed']:.1%} (pacer aims at {PACER_HEADROOM:.0%})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--scenario", choices=("a", "b", "both"), default="both")
    parser.add_argument("--merge-limit", type=int, default=1000,
                        help="merge calls per minute in scenario (b)")
    parser.add_argument("--in-flight", type=int, default=4, help="merge calls in flight")
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/dlr_sync_bench")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.database_url, args.client_id)
        return

    # SIGTERM becomes SystemExit, so the emulator subprocess is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from responsys_emulator.testing import EmulatorProcess

    with tempfile.TemporaryDirectory(prefix="sync-bench-") as state_dir:
        emulator = EmulatorProcess.start(Path(state_dir), users={USER: PASSWORD},
                                         log_level="WARNING")
        emulator.database_url = args.database_url
        try:
            client_id = prepare(args.database_url, args.messages, emulator.login_url)
            results = []
            for name, limit in (("a", None), ("b", args.merge_limit)):
                if args.scenario in (name, "both"):
                    mark_unpushed(client_id)
                    results.append(scenario(name, emulator, client_id, args.in_flight, limit,
                                            args.messages))
        finally:
            emulator.stop()
    print("\n" + json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
