#!/usr/bin/env python
"""Run the whole service locally: web, Celery worker and beat, Responsys emulator, demo traffic.

Called by `make run` after the virtual environment exists. It prepares var/ (generated secrets,
Prometheus folder, emulator state), creates the database and migrates it, creates demo data when
the database has no client, starts every process, and stops them all on Ctrl-C or when one dies.

The web server is granian, started as `python -m dlr_project.server`.

Environment: DLR_HOST and DLR_PORT (web server, default 127.0.0.1:8000; DLR_HOST must be an IP
address, because granian binds no host names), DATABASE_URL, REDIS_URL, DLR_DEMO_TRAFFIC_RATE
(new demo messages per second, default 5; 0 disables the traffic generator),
DLR_EMULATOR_LOGIN_PORT and DLR_EMULATOR_API_PORT (default 9101 and 9102).
"""
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
logger = logging.getLogger("run_service")


def load_run_env() -> dict[str, str]:
    """Return the generated local secrets, creating var/run.env on the first run."""
    path = VAR / "run.env"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(
            f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"DLR_EMULATOR_PASSWORD={secrets.token_urlsafe(16)}\n"
        )
        path.chmod(0o600)
    values = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key:
            values[key] = value
    return values


def ensure_database(database_url: str) -> None:
    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            logger.info("creating database %s", name)
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(env, *args, capture=False) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                            text=True, capture_output=capture)
    return result.stdout.strip() if capture else ""


def wait_for_http(url: str, timeout: float = 30.0) -> bool:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


class Supervisor:
    """Start child processes and stop them all together."""

    def __init__(self, env):
        self.env = env
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], extra_env: dict | None = None) -> subprocess.Popen:
        logger.info("starting %s", name)
        env = {**self.env, **(extra_env or {})}
        process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        self.children.append((name, process))
        return process

    def first_exited(self):
        for name, process in self.children:
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop_all(self) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                logger.info("stopping %s", name)
                process.terminate()
        deadline = time.monotonic() + 15
        for name, process in self.children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                # Each child leads its own process group (start_new_session), so this also
                # kills the worker processes that granian and Celery started.
                logger.warning("%s did not stop in time; killing its process group", name)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def clean(database_url: str) -> int:
    """Drop the demo database and delete var/ (generated secrets and emulator state)."""
    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
    shutil.rmtree(VAR, ignore_errors=True)
    logger.info("dropped database %s and deleted %s", name, VAR)
    return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if sys.argv[1:] == ["--clean"]:
        return clean(os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/dlr"))
    run_env = load_run_env()
    host = os.environ.get("DLR_HOST", "127.0.0.1")
    port = os.environ.get("DLR_PORT", "8000")
    login_port = os.environ.get("DLR_EMULATOR_LOGIN_PORT", "9101")
    api_port = os.environ.get("DLR_EMULATOR_API_PORT", "9102")
    database_url = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/dlr")
    prometheus_dir = VAR / "prometheus"
    shutil.rmtree(prometheus_dir, ignore_errors=True)
    prometheus_dir.mkdir(parents=True)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dlr_project.settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", run_env["DJANGO_SECRET_KEY"]),
        "DATABASE_URL": database_url,
        "DLR_PUBLIC_BASE_URL": os.environ.get("DLR_PUBLIC_BASE_URL", f"http://{host}:{port}"),
        "DJANGO_ALLOWED_HOSTS": os.environ.get("DJANGO_ALLOWED_HOSTS", f"{host},127.0.0.1,localhost"),
        # Plain HTTP on loopback: session cookies must not require HTTPS here.
        "DJANGO_SECURE_COOKIES": os.environ.get("DJANGO_SECURE_COOKIES", "false"),
        "PROMETHEUS_MULTIPROC_DIR": str(prometheus_dir),
        # A thousand access-log lines a minute would bury the printed logins.
        "DLR_ACCESS_LOG": os.environ.get("DLR_ACCESS_LOG", str(VAR / "access.log")),
        "PYTHONUNBUFFERED": "1",
    }

    busy = busy_port_message([
        (host, port, "DLR_PORT"),
        ("127.0.0.1", login_port, "DLR_EMULATOR_LOGIN_PORT"),
        ("127.0.0.1", api_port, "DLR_EMULATOR_API_PORT"),
    ])
    if busy:
        logger.error("%s", busy)
        return 1

    ensure_database(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")

    supervisor = Supervisor(env)
    try:
        return run_processes(supervisor, env, run_env, host, port, login_port, api_port)
    finally:
        supervisor.stop_all()


def busy_port_message(addresses: list[tuple[str, str, str]]) -> str | None:
    """Return an error message for the first address already in use, else None.

    Checked before anything starts, so that a busy port stops `make run` with the setting to
    change instead of a traceback from one process and the others killed mid-start.
    """
    for host, port, setting in addresses:
        try:
            with socket.create_server((host, int(port))):
                pass
        except OSError as error:
            reason = os.strerror(error.errno) if error.errno else str(error)
            return (f"cannot listen on {host}:{port} ({reason}); stop the process that uses it "
                    f"or set {setting} to a free port")
    return None


def run_processes(supervisor, env, run_env, host, port, login_port, api_port) -> int:
    """Start every process, print where to find them, and wait until Ctrl-C or a crash."""
    base_url = f"http://{host}:{port}"
    emulator_password = run_env["DLR_EMULATOR_PASSWORD"]
    supervisor.start("Responsys emulator", [
        PYTHON, "-m", "responsys_emulator", "--host", "127.0.0.1", "--login-port", login_port,
        "--api-port", api_port, "--state", str(VAR / "emulator.sqlite3"),
    ], extra_env={"RESPONSYS_EMULATOR_USERS": f"demo:{emulator_password}"})
    emulator_login_url = f"http://127.0.0.1:{login_port}"
    demo_report = manage(env, "setup_demo", "--responsys-login-url", emulator_login_url,
                         "--responsys-user", "demo", "--responsys-password", emulator_password,
                         capture=True)

    # dlr_project.server reads the rest of its settings (WEB_CONCURRENCY, DLR_BLOCKING_THREADS,
    # DLR_LOG_LEVEL, DLR_ACCESS_LOG) from the environment the supervisor passes on.
    bind_host = f"[{host}]" if ":" in host else host
    supervisor.start("web (granian)", [PYTHON, "-m", "dlr_project.server"],
                     extra_env={"DLR_BIND": f"{bind_host}:{port}"})
    supervisor.start("Celery worker", [PYTHON, "-m", "celery", "-A", "dlr_project", "worker",
                                       "--loglevel", "INFO", "--concurrency", "2"])
    supervisor.start("Celery beat", [PYTHON, "-m", "celery", "-A", "dlr_project", "beat",
                                     "--loglevel", "INFO", "--schedule",
                                     str(VAR / "celerybeat-schedule")])

    stopping = False

    def request_stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    if not wait_for_http(f"{base_url}/healthz"):
        logger.error("the web server did not respond on %s/healthz within 30 s", base_url)
        return 1
    start_demo_traffic(supervisor, env, base_url)

    print(f"\nThe service is running.\n"
          f"  Dashboards:         {base_url}/\n"
          f"  Admin:              {base_url}/admin/\n"
          f"  Health:             {base_url}/healthz\n"
          f"  Responsys emulator: {emulator_login_url} (login), "
          f"http://127.0.0.1:{api_port} (API)\n"
          f"  Emulator rows:      http://127.0.0.1:{api_port}/_emulator/tables/"
          f"Gupshup%20WhatsApp%20DLR/DLR_REPORT/rows\n"
          f"{demo_report}\n"
          f"  Access log:         {env['DLR_ACCESS_LOG']}\n"
          "Press Ctrl-C to stop everything.\n", flush=True)

    while not stopping:
        exited = supervisor.first_exited()
        if exited:
            logger.error("%s exited with code %s; stopping the other processes", *exited)
            return 1
        time.sleep(1)
    return 0


def start_demo_traffic(supervisor, env, base_url) -> None:
    rate = os.environ.get("DLR_DEMO_TRAFFIC_RATE", "5")
    if float(rate) <= 0:
        logger.info("demo traffic disabled (DLR_DEMO_TRAFFIC_RATE=%s)", rate)
        return
    result = subprocess.run([PYTHON, "manage.py", "demo_callback_url", "--base-url", base_url],
                            cwd=ROOT, env=env, text=True, capture_output=True)
    if result.returncode != 0:
        logger.warning("no demo traffic: %s", result.stderr.strip().splitlines()[-1:])
        return
    # The URL goes through the environment, not the command line, where `ps` would show the
    # client's secret token.
    supervisor.start("demo traffic", [PYTHON, "scripts/gupshup_traffic.py", "--rate", rate],
                     extra_env={"DLR_TRAFFIC_URL": result.stdout.strip()})


if __name__ == "__main__":
    sys.exit(main())
