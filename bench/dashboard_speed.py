"""Measure the dashboards' server time on the benchmark database filled by dashboard_data.py.

    .venv/bin/python bench/dashboard_speed.py [--runs 30] [--skip-export]

Requests go through Django's test client in this process, so the times are server time (URL
routing, queries, template rendering) without network. Targets: overview over 30 days and all
clients p95 <= 300 ms; explorer first page p95 <= 200 ms. Also measures one CSV export of a
whole client (time and peak memory) and one aggregate refresh after 10,000 message changes.
"""
import argparse
import resource
import statistics
import time

from _bench_env import BENCH_DATABASE, setup_django

REQUESTS = [
    ("overview, 30 days, all clients", "/?range=30d"),
    ("overview, 7 days, one status", "/?range=7d&status=DEFERRED"),
    ("overview, today (hourly buckets)", "/?range=today"),
    ("overview API, 30 days", "/api/overview/?range=30d"),
    ("explorer first page, 30 days, all clients", "/messages/?range=30d"),
    ("explorer first page, failures only", "/messages/?range=30d&status=UNKNOWN_SUBSCRIBER"),
    ("explorer search by phone", "/messages/?range=30d&q=447700001234"),
    ("explorer search by message id", "/messages/?range=30d&q=bench-5000000"),
    ("messages API first page", "/api/messages/?range=30d"),
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_requests(browser, runs):
    print(f"{'request':48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, url in REQUESTS:
        for _ in range(3):
            browser.get(url)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = browser.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{label:48} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} "
              f"{max(times):8.1f}")


def time_export(browser, client_id):
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = browser.get(f"/messages/export.csv?range=30d&client={client_id}")
    rows, size = -1, 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.perf_counter() - started
    after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"CSV export of client {client_id}: {rows:,} rows, {size / 1e6:,.0f} MB in "
          f"{elapsed:.1f} s ({rows / elapsed:,.0f} rows/s); peak RSS {before_kb / 1024:.0f} MB "
          f"before, {after_kb / 1024:.0f} MB after")


def time_refresh(changed):
    from django.db import connection

    from reporting.aggregation import refresh_changed

    refresh_changed()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE callbacks_message SET updated_at = now() WHERE id IN "
            "(SELECT id FROM callbacks_message ORDER BY first_event_at DESC LIMIT %s)", [changed])
    started = time.perf_counter()
    result = refresh_changed()
    print(f"aggregate refresh after {changed:,} changed messages: {result.buckets:,} hourly "
          f"buckets recomputed in {time.perf_counter() - started:.2f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skip-export", action="store_true")
    arguments = parser.parse_args()
    setup_django()

    from django.contrib.auth.models import User
    from django.test import Client as Browser

    from callbacks.models import Client, Message

    staff, _ = User.objects.get_or_create(username="bench-staff",
                                          defaults={"is_staff": True, "is_superuser": True})
    browser = Browser(HTTP_HOST="localhost")
    browser.force_login(staff)
    print(f"database {BENCH_DATABASE}: ~{Message.objects.count():,} messages, "
          f"{Client.objects.count()} clients")
    time_requests(browser, arguments.runs)
    time_refresh(10_000)
    if not arguments.skip_export:
        time_export(browser, Client.objects.order_by("pk").values_list("pk", flat=True).first())


if __name__ == "__main__":
    main()
