#!/usr/bin/env python
"""Compare gunicorn with granian as the webhook's server, alternating runs on the same data.

A benchmark, not a test. The script uses the database of bench/webhook_throughput.py (run that
once first so that it exists and is migrated) and starts both servers as production does:
gunicorn with dlr_project/gunicorn.conf.py, granian (a Rust HTTP server with a WSGI interface)
with `python -m dlr_project.server`. Both route webhook requests through the fast path and write
their access log to stdout, which goes to /dev/null. It runs wrk against each in turn:
single-event v3 bodies and 20-event enterprise batches, --rounds times, --duration seconds each.
granian gets 2 workers and 4 blocking threads unless WEB_CONCURRENCY and DLR_BLOCKING_THREADS
set other values. gunicorn reads its settings from the same environment.

Usage: .venv/bin/python bench/webhook_server_ab.py [--duration 15] [--rounds 2]
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def load_throughput_module():
    spec = importlib.util.spec_from_file_location("webhook_throughput",
                                                  ROOT / "bench" / "webhook_throughput.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def callback_path(env) -> str:
    code = ("from callbacks.models import Client; "
            "client, _ = Client.objects.get_or_create(name='Server comparison'); "
            "print(client.callback_path)")
    result = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def run_wrk(throughput, folder: Path, port: int, batch: int, path: str, duration: int) -> str:
    script = folder / f"load-{port}-{batch}-{time.monotonic_ns()}.lua"
    script.write_text(throughput._LUA_TEMPLATE % {
        "run": script.stem, "base_ms": throughput.BASE_MS, "batch": batch, "path": path,
        "delay": ""})
    result = subprocess.run(["wrk", "-t2", "-c32", f"-d{duration}s", "-s", str(script),
                             f"http://127.0.0.1:{port}"], capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        return f"no result from wrk: {result.stderr.strip()[:200]}"
    summary = json.loads(lines[0][len("RESULT "):])
    requests_per_second = summary["requests"] / (summary["duration_us"] / 1e6)
    errors = summary["status"] + summary["read"] + summary["timeout"] + summary["connect"]
    return (f"{requests_per_second * batch:9,.0f} events/s {requests_per_second:7,.0f} req/s "
            f"p99 {summary['p99_us'] / 1000:6.1f} ms errors {errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default="dlr_bench_webhook")
    args = parser.parse_args()

    throughput = load_throughput_module()
    folder = Path(tempfile.mkdtemp(prefix="webhook-ab-"))
    prometheus = folder / "prometheus"
    prometheus.mkdir()
    env = {**os.environ, "DATABASE_URL": f"postgres://root@127.0.0.1:5432/{args.database}",
           "DJANGO_SECRET_KEY": "benchmark-only-" + "x" * 40,
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "DJANGO_SETTINGS_MODULE": "dlr_project.settings",
           "PROMETHEUS_MULTIPROC_DIR": str(prometheus),
           "PYTHONPATH": str(ROOT)}
    path = callback_path(env)
    servers = {
        "gunicorn": (8301, subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "dlr_project.wsgi", "--config",
             "dlr_project/gunicorn.conf.py", "--bind", "127.0.0.1:8301"],
            cwd=ROOT, env={**env, "DLR_BIND": "127.0.0.1:8301"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)),
        "granian": (8302, subprocess.Popen(
            [PYTHON, "-m", "dlr_project.server"], cwd=ROOT,
            env={**env, "DLR_BIND": "127.0.0.1:8302",
                 "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
                 "DLR_BLOCKING_THREADS": os.environ.get("DLR_BLOCKING_THREADS", "4")},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)),
    }
    time.sleep(6)
    try:
        for round_number in range(1, args.rounds + 1):
            for name, (port, _process) in servers.items():
                for batch in (1, 20):
                    outcome = run_wrk(throughput, folder, port, batch, path, args.duration)
                    print(f"round {round_number} {name:9} batch {batch:2}: {outcome}", flush=True)
    finally:
        for _port, process in servers.values():
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
