#!/usr/bin/env python
"""Profile the webhook's request path in one process, without gunicorn or a load generator.

Calls the project's WSGI application directly with generated 20-event batches (or single v3
bodies) and prints the wall and CPU time per request, then the top functions by cumulative
time. Run it against the benchmark database that bench/webhook_throughput.py created:

  DATABASE_URL=postgres://root@127.0.0.1:5432/dlr_bench_webhook DJANGO_SECRET_KEY=x \
      .venv/bin/python bench/webhook_profile.py [--requests 2000] [--batch 20] [--fast-path]
      [--profile]   (PROFILE_SORT=tottime sorts the profile by own time)
"""
import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dlr_project.settings")


def enterprise_batch(run: str, number: int, size: int) -> bytes:
    return json.dumps([
        {"externalId": f"{run}-{number}-{index}", "eventType": "DELIVERED",
         "eventTs": 1_721_650_000_000 + number, "destAddr": "+447700900123",
         "srcAddr": "447700900999", "cause": "SUCCESS", "errorCode": "000",
         "channel": "WHATSAPP"}
        for index in range(size)
    ]).encode()


def v3_single(run: str, number: int) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"statuses": [
            {"id": f"wamid.{run}-{number}", "gs_id": f"{run}-{number}", "status": "delivered",
             "timestamp": str(1_721_650_000 + number), "recipient_id": "447700900123"}]}}]}]}
    ).encode()


def environ_for(path: str, body: bytes) -> dict:
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=20, help="1 sends single v3 bodies")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--fast-path", action="store_true",
                        help="wrap the application in callbacks.views.WebhookFastPath, as "
                             "dlr_project/gunicorn.conf.py does")
    args = parser.parse_args()

    import django
    from django.core.handlers.wsgi import WSGIHandler

    django.setup()
    from callbacks.models import Client

    client = Client.objects.get(name="Benchmark")
    application = WSGIHandler()
    if args.fast_path:
        from callbacks.views import WebhookFastPath

        application = WebhookFastPath(application)
    path = client.callback_path
    run = f"profile-{time.time_ns()}"
    if args.batch > 1:
        bodies = [enterprise_batch(run, number, args.batch) for number in range(args.requests)]
    else:
        bodies = [v3_single(run, number) for number in range(args.requests)]

    def call(body: bytes) -> None:
        statuses = []
        result = application(environ_for(path, body),
                             lambda status, headers: statuses.append(status))
        b"".join(result)
        if hasattr(result, "close"):
            result.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"webhook returned {statuses[0]}, expected 200 OK")

    for body in bodies[:50]:
        call(body)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for body in bodies[50:]:
        call(body)
    if profiler:
        profiler.disable()
    count = len(bodies) - 50
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{count} requests of {args.batch} events: {wall / count * 1000:.3f} ms wall, "
          f"{cpu / count * 1000:.3f} ms CPU per request in this process")
    if profiler:
        order = os.environ.get("PROFILE_SORT", "cumulative")
        pstats.Stats(profiler).sort_stats(order).print_stats(35)


if __name__ == "__main__":
    main()
