#!/usr/bin/env python
"""Benchmark the Gupshup webhook behind its web server, against a COPY ceiling and a DRF baseline.

A benchmark, not a test: it takes several minutes and prints numbers to compare with the
targets in docs/benchmarks.md. It

1. recreates the database `dlr_bench_webhook` (override with --database) and migrates it;
2. starts the web server that --server names, as production does:
   - granian (the default): `python -m dlr_project.server`, with WEB_CONCURRENCY and
     DLR_BLOCKING_THREADS from the environment;
   - gunicorn: `dlr_project/gunicorn.conf.py`, with WEB_CONCURRENCY, DLR_WORKER_CLASS and
     DLR_WORKER_THREADS from the environment;
3. drives it over loopback with wrk (Debian package `wrk`) and a generated Lua script, every
   request with new message ids, for --duration seconds per scenario:
   - batch: 20-event enterprise arrays at full load, then at half of the measured rate;
   - single: single-event v3 bodies at full load, then at half of the measured rate;
   - baseline: the batch scenario against bench/webhook_baseline.py (ModelSerializer, one
     INSERT per event) on a second server of the same kind, started with
     bench/webhook_settings.py;
4. measures the ceiling: PostgreSQL COPY of the same events into the same tables;
5. prints events/s, requests/s, p50/p99 latency and errors per scenario.

Usage: .venv/bin/python bench/webhook_throughput.py [--server granian|gunicorn]
       [--duration 60] [--connections 32] [--scenarios batch,single,baseline,copy]
       [--database dlr_bench_webhook]
"""
import argparse
import importlib.metadata
import io
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BATCH_SIZE = 20
BASE_MS = 1_721_650_000_000

_LUA_TEMPLATE = r"""
local thread_count = 0
function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  counter = 0
  prefix = "%(run)s-" .. thread_number .. "-"
end

local headers = {["Content-Type"] = "application/json"}

local function enterprise_event(id, ts)
  return string.format('{"externalId":"%%s","eventType":"DELIVERED","eventTs":%%d,' ..
    '"destAddr":"+447700900123","srcAddr":"447700900999","cause":"SUCCESS",' ..
    '"errorCode":"000","channel":"WHATSAPP"}', id, ts)
end

local function v3_body(id, ts)
  return string.format('{"object":"whatsapp_business_account","gs_app_id":"bench",' ..
    '"entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":' ..
    '"whatsapp","metadata":{"display_phone_number":"15550104477","phone_number_id":"1"},' ..
    '"statuses":[{"id":"wamid.%%s","gs_id":"%%s","status":"delivered","timestamp":"%%d",' ..
    '"recipient_id":"447700900123"}]}}]}]}', id, id, ts)
end

function request()
  counter = counter + 1
  local ts = %(base_ms)d + counter
  local body
  if %(batch)d > 1 then
    local parts = {}
    for i = 1, %(batch)d do
      parts[i] = enterprise_event(prefix .. counter .. "-" .. i, ts)
    end
    body = "[" .. table.concat(parts, ",") .. "]"
  else
    body = v3_body(prefix .. counter, math.floor(ts / 1000))
  end
  return wrk.format("POST", "%(path)s", headers, body)
end

%(delay)s

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('RESULT {"requests":%%d,"duration_us":%%d,"connect":%%d,' ..
    '"read":%%d,"write":%%d,"status":%%d,"timeout":%%d,"p50_us":%%d,"p90_us":%%d,' ..
    '"p99_us":%%d,"max_us":%%d}\n', summary.requests, summary.duration, errors.connect,
    errors.read, errors.write, errors.status, errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass
class LoadResult:
    name: str
    events_per_request: int
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    # CPU seconds spent during the run by the web server, by PostgreSQL (this database's backends and
    # the server's own background processes) and by wrk.
    cpu_web: float = 0.0
    cpu_database: float = 0.0
    cpu_load: float = 0.0

    def cpu_ms_per_request(self, seconds: float) -> float:
        return seconds / max(self.requests, 1) * 1000

    @property
    def projected_events_per_second(self) -> float:
        """Events/s that this run's CPU cost per request allows on all cores of an idle machine."""
        per_request = (self.cpu_web + self.cpu_database + self.cpu_load) / max(self.requests, 1)
        return (os.cpu_count() or 1) / per_request * self.events_per_request if per_request else 0

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def events_per_second(self) -> float:
        return self.requests_per_second * self.events_per_request

    def line(self) -> str:
        return (f"{self.name:<22} {self.events_per_second:>10,.0f} ev/s "
                f"{self.requests_per_second:>8,.0f} req/s  p50 {self.p50_ms:6.1f} ms  "
                f"p99 {self.p99_ms:6.1f} ms  max {self.max_ms:7.1f} ms  errors {self.errors}\n"
                f"{'':<22} CPU per request: web {self.cpu_ms_per_request(self.cpu_web):.2f} ms, "
                f"database {self.cpu_ms_per_request(self.cpu_database):.2f} ms, "
                f"wrk {self.cpu_ms_per_request(self.cpu_load):.2f} ms -> "
                f"{self.projected_events_per_second:,.0f} ev/s on {os.cpu_count()} idle cores")


# --- Database ---------------------------------------------------------------------------------


def recreate_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                      [name])
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + "/" + name


def django_env(database_url: str, settings_module: str, extra: dict) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": settings_module,
           "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", secrets.token_urlsafe(50)),
           "DJANGO_DEBUG": "0", "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


def migrate_and_create_client(env: dict) -> str:
    subprocess.run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env,
                   check=True)
    script = ("from callbacks.models import Client; "
              "print(Client.objects.create(name='Benchmark').callback_token)")
    output = subprocess.run([PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env,
                            check=True, capture_output=True, text=True).stdout
    return output.strip().splitlines()[-1]


def truncate_callbacks(database_url: str) -> None:
    # Requests that wrk sent just before it stopped are still being stored; TRUNCATE would
    # deadlock with them.
    time.sleep(1)
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("TRUNCATE callbacks_statusevent, callbacks_message,"
                           " callbacks_quarantinedevent, callbacks_rawcallback CASCADE")
        connection.execute("VACUUM ANALYZE")


def count_rows(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("callbacks_statusevent", "callbacks_message",
                              "callbacks_rawcallback", "callbacks_quarantinedevent")}


# --- Web server ---------------------------------------------------------------------------------

SERVERS = ("granian", "gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(server: str, env: dict, port: int, log_folder: Path) -> subprocess.Popen:
    """Start granian or gunicorn in its own process group and wait until it accepts connections.

    The process group lets CpuMeter count the server's workers and lets stop() end them all.
    """
    error_log = log_folder / "error.log"
    env = {**env, "DLR_BIND": f"127.0.0.1:{port}",
           "DLR_ACCESS_LOG": env.get("DLR_ACCESS_LOG", str(log_folder / "access.log"))}
    if server == "granian":
        # granian writes its own log lines to stdout and Django's go to stderr.
        with open(error_log, "ab") as output:
            process = subprocess.Popen([PYTHON, "-m", "dlr_project.server"], cwd=ROOT, env=env,
                                       stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
    else:
        process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "dlr_project.wsgi", "--config",
             "dlr_project/gunicorn.conf.py"],
            cwd=ROOT, env={**env, "DLR_ERROR_LOG": str(error_log)}, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{server} exited; see {error_log}")
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"{server} did not listen within 60 s; see {error_log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# --- CPU accounting -----------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """Return user plus system CPU seconds of a process and its reaped children, 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # Fields 14-17 of /proc/PID/stat (utime, stime, cutime, cstime), counted from 1.
    return sum(int(value) for value in fields[11:15]) / _CLOCK_TICKS


def group_pids(group_id: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group_id:
                    pids.append(int(entry.name))
            except ProcessLookupError:
                continue
    return pids


def database_pids(admin_url: str, database: str) -> list[int]:
    """Return the backends of `database` and PostgreSQL's background processes."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s"
                             " OR (datname IS NULL AND backend_type <> 'client backend')",
                             [database]).fetchall()
    return [pid for (pid,) in rows]


class CpuMeter:
    """CPU seconds used by the web server's process group and by PostgreSQL during a run."""

    def __init__(self, server: subprocess.Popen | None, admin_url: str, database: str):
        self.server, self.admin_url, self.database = server, admin_url, database

    def sample(self) -> dict[int, float]:
        pids = group_pids(self.server.pid) if self.server else []
        pids += database_pids(self.admin_url, self.database)
        return {pid: process_cpu_seconds(pid) for pid in pids}

    def used(self, before: dict[int, float], after: dict[int, float]) -> tuple[float, float]:
        """Return (web, database) CPU seconds between two samples.

        A process that exited in between is left out, so short-lived autovacuum workers make
        the database figure a slight underestimate.
        """
        web_pids = set(group_pids(self.server.pid)) if self.server else set()
        web = database = 0.0
        for pid, seconds in after.items():
            spent = seconds - before.get(pid, 0.0)
            if pid in web_pids:
                web += spent
            else:
                database += spent
        return web, database


# --- Load ---------------------------------------------------------------------------------------


def run_wrk(name: str, url: str, path: str, batch: int, seconds: int, connections: int,
            delay_ms: float, folder: Path, meter: CpuMeter | None = None) -> LoadResult:
    delay = f"function delay() return {delay_ms:.0f} end" if delay_ms else ""
    script = folder / f"{name}.lua"
    script.write_text(_LUA_TEMPLATE % {"run": f"{name}-{time.time_ns()}", "base_ms": BASE_MS,
                                       "batch": batch, "path": path, "delay": delay})
    command = ["wrk", "--threads", "2", "--connections", str(connections), "--duration",
               f"{seconds}s", "--timeout", "10s", "--script", str(script), url]
    before = meter.sample() if meter else {}
    load_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    load_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    web, database = meter.used(before, meter.sample()) if meter else (0.0, 0.0)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    data = json.loads(line[len("RESULT "):])
    errors = data["connect"] + data["read"] + data["write"] + data["status"] + data["timeout"]
    return LoadResult(
        name, batch, data["requests"], data["duration_us"] / 1e6, errors, data["p50_us"] / 1000,
        data["p90_us"] / 1000, data["p99_us"] / 1000, data["max_us"] / 1000,
        cpu_web=web, cpu_database=database,
        cpu_load=(load_after.ru_utime + load_after.ru_stime)
        - (load_before.ru_utime + load_before.ru_stime))


def half_load_delay(full: LoadResult, connections: int) -> float:
    """Return the per-request delay that brings `connections` connections to half the rate."""
    cycle_ms = 2 * connections * 1000 / full.requests_per_second
    return max(cycle_ms - full.p50_ms / 2, 1)


def run_scenario(name, url, path, batch, args, folder, database_url, meter,
                 with_half_load=True):
    truncate_callbacks(database_url)
    run_wrk(f"{name}-warmup", url, path, batch, 5, args.connections, 0, folder)
    truncate_callbacks(database_url)
    full = run_wrk(name, url, path, batch, args.duration, args.connections, 0, folder, meter)
    print(full.line(), flush=True)
    results = [full]
    if with_half_load:
        truncate_callbacks(database_url)
        half = run_wrk(f"{name}-half-load", url, path, batch, args.duration, args.connections,
                       half_load_delay(full, args.connections), folder, meter)
        print(half.line(), flush=True)
        results.append(half)
    return results


# --- COPY ceiling ---------------------------------------------------------------------------------


def copy_ceiling(database_url: str, client_id: int, events: int) -> float:
    """Return events per second for COPY of `events` batch events, their messages and raws."""
    truncate_callbacks(database_url)
    now = datetime.now(timezone.utc).isoformat()
    event_time = datetime.fromtimestamp(BASE_MS / 1000, tz=timezone.utc).isoformat()
    statusevents, messages, raws = io.StringIO(), io.StringIO(), io.StringIO()
    for number in range(events):
        message_id = f"copy-{number}"
        raw = json.dumps({"externalId": message_id, "eventType": "DELIVERED", "eventTs": BASE_MS,
                          "destAddr": "+447700900123", "srcAddr": "447700900999",
                          "cause": "SUCCESS", "errorCode": "000", "channel": "WHATSAPP"})
        raw_id = number // BATCH_SIZE + 1
        statusevents.write(
            f"{client_id}\t{message_id}\t\tSUCCESS\tSUCCESS\tDELIVERED\tSUCCESS\t000\t\t"
            f"{event_time}\t447700900123\t447700900999\tWHATSAPP\t\tenterprise\t"
            f"{raw.replace(chr(92), chr(92) * 2)}\t{raw_id}\t{now}\n")
        messages.write(
            f"{client_id}\t{message_id}\t\t447700900123\t447700900999\tWHATSAPP\t\tSUCCESS\t3\t"
            f"{event_time}\tSUCCESS\t000\t\t{event_time}\t\\N\t{event_time}\t\\N\t1\t0\t\t"
            f"{now}\t{now}\n")
        if number % BATCH_SIZE == 0:
            body = "\\\\x" + ("[" + raw + "]").encode().hex()
            raws.write(f"{raw_id}\t{client_id}\t{now}\tPOST\tapplication/json\t\t{body}\t"
                       f"127.0.0.1\tenterprise\tstored\t{BATCH_SIZE}\t0\t0\n")

    with psycopg.connect(database_url) as connection:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            _copy(cursor, "callbacks_rawcallback (id, client_id, received_at, method, content_type,"
                  " query_string, body, remote_addr, format, outcome, event_count,"
                  " duplicate_count, rejected_count)", raws)
            _copy(cursor, "callbacks_statusevent (client_id, message_id, wa_message_id, status,"
                  " status_key, raw_status, cause, error_code, error_title, event_time, phone,"
                  " sender, channel, extra, format, raw, raw_callback_id, received_at)",
                  statusevents)
            _copy(cursor, "callbacks_message (client_id, message_id, wa_message_id, phone, sender,"
                  " channel, extra, status, status_rank, status_time, cause, error_code,"
                  " error_title, first_event_at, sent_at, delivered_at, read_at, status_version,"
                  " pushed_version, last_push_error, created_at, updated_at)", messages)
        connection.commit()
        elapsed = time.perf_counter() - started
    return events / elapsed


def _copy(cursor, target: str, buffer: io.StringIO) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def client_id_for(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT id FROM callbacks_client WHERE name = 'Benchmark'"
                                  ).fetchone()[0]


# --- Main ---------------------------------------------------------------------------------------


def describe_machine(database_url: str, server: str) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    with psycopg.connect(database_url) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        commit = connection.execute("SHOW synchronous_commit").fetchone()[0]
    return (f"{os.cpu_count()} x {cpu}, Python {platform.python_version()}, PostgreSQL {version} "
            f"(synchronous_commit={commit}), {describe_server(server)}")


def describe_server(server: str) -> str:
    """Return the server's name, version and the settings it will run with."""
    version = importlib.metadata.version(server)
    if server == "granian":
        sys.path.insert(0, str(ROOT))
        from dlr_project.server import ServerSettings

        settings = ServerSettings.from_environment()
        return (f"granian {version} (workers={settings.workers}, "
                f"blocking_threads={settings.blocking_threads})")
    settings = {name: os.environ.get(name, "(default)") for name in
                ("WEB_CONCURRENCY", "DLR_WORKER_CLASS", "DLR_WORKER_THREADS")}
    return f"gunicorn {version} {settings}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", choices=SERVERS, default="granian",
                        help="web server to run the webhook under (default granian)")
    parser.add_argument("--duration", type=int, default=60, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--scenarios", default="batch,single,baseline,copy")
    parser.add_argument("--database", default="dlr_bench_webhook")
    parser.add_argument("--admin-url", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--copy-events", type=int, default=400_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: install Debian's package with `apt-get install wrk`")
    scenarios = set(args.scenarios.split(","))

    database_url = recreate_database(args.admin_url, args.database)
    folder = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    metrics_folder = folder / "prometheus"
    metrics_folder.mkdir()
    env = django_env(database_url, "dlr_project.settings",
                     {"PROMETHEUS_MULTIPROC_DIR": str(metrics_folder)})
    token = migrate_and_create_client(env)
    print(describe_machine(database_url, args.server), flush=True)
    print(f"wrk: 2 threads, {args.connections} connections, {args.duration} s per run; "
          f"logs in {folder}", flush=True)

    results = []
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    path = f"/callbacks/gupshup/{token}/"
    if scenarios & {"batch", "single"}:
        server = start_server(args.server, env, port, folder)
        meter = CpuMeter(server, args.admin_url, args.database)
        try:
            if "batch" in scenarios:
                results += run_scenario("batch-20", url, path, BATCH_SIZE, args, folder,
                                        database_url, meter)
                print(f"  rows after the half-load run: {count_rows(database_url)}")
            if "single" in scenarios:
                results += run_scenario("single-v3", url, path, 1, args, folder, database_url,
                                        meter)
        finally:
            stop(server)

    if "baseline" in scenarios:
        baseline_env = django_env(database_url, "bench.webhook_settings",
                                  {"PROMETHEUS_MULTIPROC_DIR": str(metrics_folder)})
        server = start_server(args.server, baseline_env, port, folder)
        meter = CpuMeter(server, args.admin_url, args.database)
        try:
            results += run_scenario("baseline-drf-batch-20", url, f"/baseline/gupshup/{token}/",
                                    BATCH_SIZE, args, folder, database_url, meter,
                                    with_half_load=False)
        finally:
            stop(server)

    if "copy" in scenarios:
        ceiling = copy_ceiling(database_url, client_id_for(database_url), args.copy_events)
        print(f"{'copy-ceiling':<22} {ceiling:>10,.0f} ev/s (one COPY stream per table)")
        for result in results:
            if result.name in ("batch-20", "single-v3", "baseline-drf-batch-20"):
                print(f"  {result.name}: {result.events_per_second / ceiling:.1%} of the ceiling")

    by_name = {result.name: result for result in results}
    if "batch-20" in by_name and "baseline-drf-batch-20" in by_name:
        gain = by_name["batch-20"].events_per_second / by_name[
            "baseline-drf-batch-20"].events_per_second
        print(f"batch-20 vs baseline: {gain:.1f}x")


if __name__ == "__main__":
    main()
