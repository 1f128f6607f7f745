#!/usr/bin/env python
"""Measure the PostgreSQL CPU that the webhook's store statement costs per event.

Stores generated 20-event enterprise callbacks through callbacks.storage._store_many, in groups
of --group callbacks per statement as the commit group forms them under load, on one
connection with no web server. It prints the CPU time of the PostgreSQL backend (from
/proc/PID/stat, so run it on the database's machine) and of this process per stored event.
Without HTTP, threads and other statements, repeated runs here stayed within about 2 microseconds
of each other, which shows the effect of a schema or statement change where the load test is too
noisy.

Run it against the benchmark database that bench/webhook_throughput.py created. It empties
that database's callback tables first, so it runs only on a database whose name starts with
dlr_bench.

  DATABASE_URL=postgres://root@127.0.0.1:5432/dlr_bench_webhook DJANGO_SECRET_KEY=x \\
      .venv/bin/python bench/webhook_statement_cost.py [--group 10] [--statements 800]
"""
import argparse
import os
import sys
import time
from pathlib import Path

from webhook_profile import enterprise_batch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dlr_project.settings")

WARM_UP_STATEMENTS = 20
EVENTS_PER_CALLBACK = 20


def backend_cpu_seconds(connection) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of /proc/PID/stat counted from 1.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--group", type=int, default=10, help="callbacks per statement")
    parser.add_argument("--statements", type=int, default=800)
    args = parser.parse_args()
    if args.statements <= WARM_UP_STATEMENTS:
        raise SystemExit(f"--statements is invalid: it must be more than {WARM_UP_STATEMENTS}, "
                         "because the first statements only warm up")

    import django

    django.setup()
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("dlr_bench"):
        raise SystemExit(f"{connection.settings_dict['NAME']!r} is not a benchmark database, "
                         "and this script empties its tables: set DATABASE_URL to a database "
                         "whose name starts with dlr_bench, such as dlr_bench_webhook")

    from django.utils import timezone

    from callbacks import storage
    from callbacks.models import Client
    from callbacks.parsing import parse_callback

    client = Client.objects.get(name="Benchmark")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE callbacks_statusevent, callbacks_message,"
                       " callbacks_quarantinedevent, callbacks_rawcallback CASCADE")
        cursor.execute("VACUUM ANALYZE")

    run = f"cost-{time.time_ns()}"

    def pending(number: int):
        body = enterprise_batch(run, number, EVENTS_PER_CALLBACK)
        request = storage.RequestInfo("POST", "application/json", "", body, "127.0.0.1",
                                      timezone.now())
        result = parse_callback(body, "application/json", {}, "POST")
        rows, raws, rejected = storage._event_rows(result)
        return storage._PendingCallback(client.id, request, result.format, "empty", rows, raws,
                                        rejected)

    groups = [[pending(statement * args.group + index) for index in range(args.group)]
              for statement in range(args.statements)]
    for group in groups[:WARM_UP_STATEMENTS]:
        storage._store_many(group)

    backend_before, process_before = backend_cpu_seconds(connection), time.process_time()
    wall_before = time.perf_counter()
    for group in groups[WARM_UP_STATEMENTS:]:
        storage._store_many(group)
    wall = time.perf_counter() - wall_before
    process = time.process_time() - process_before
    backend = backend_cpu_seconds(connection) - backend_before

    events = (args.statements - WARM_UP_STATEMENTS) * args.group * EVENTS_PER_CALLBACK
    print(f"{events:,} events in groups of {args.group} callbacks: PostgreSQL "
          f"{backend / events * 1e6:.1f} us/event, this process {process / events * 1e6:.1f} "
          f"us/event, wall {wall / events * 1e6:.1f} us/event")


if __name__ == "__main__":
    main()
