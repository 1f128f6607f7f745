"""Command line of the emulator: `python -m responsys_emulator --help`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from .app import Emulator
from .asyncapi import AsyncWorker
from .limits import RuntimeControls
from .server import EmulatorHTTPServer
from .settings import (FAIL_MODES, FUNCTIONS, INVALID_TOKEN_SHAPES, Settings,
                       parse_fault_spec, parse_throttle_spec)
from .storage import Storage

logger = logging.getLogger("responsys_emulator")


def build_parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m responsys_emulator",
        description="Local emulator of the Oracle Responsys REST API for tests and demos.")

    parser.add_argument("--host", default="127.0.0.1",
                        help="address both servers listen on (default 127.0.0.1)")
    parser.add_argument("--login-port", type=int, required=True,
                        help="port of the login host (auth/token)")
    parser.add_argument("--api-port", type=int, required=True,
                        help="port of the API host returned by login as endPoint")
    parser.add_argument("--state", required=True, help="path of the SQLite state file")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD",
                        help="API user that may log in; repeat for several users. Users can "
                             f"also come from {USERS_VARIABLE}, one NAME:PASSWORD per line, "
                             "which keeps passwords out of the process list")

    parser.add_argument("--token-ttl", type=float, default=defaults.token_ttl,
                        help="token lifetime in seconds (default 7200)")
    parser.add_argument("--invalid-token-shape", choices=INVALID_TOKEN_SHAPES,
                        default=defaults.invalid_token_shape,
                        help="response to a bad token: 401 INVALID_TOKEN (default), "
                             "500 UNEXPECTED_EXCEPTION or 401 TOKEN_EXPIRED")

    parser.add_argument("--throttle", action="append", default=[], metavar="FUNCTION=LIMIT",
                        help="calls per window for one function, or none to remove the limit; "
                             f"functions: {', '.join(FUNCTIONS)} (default login=10)")
    parser.add_argument("--throttle-status", type=int, default=defaults.throttle_status,
                        help="HTTP status of API_LIMIT_EXCEEDED (default 400)")
    parser.add_argument("--throttle-window", type=float, default=defaults.throttle_window,
                        help="length in seconds of a throttle window (default 60)")
    parser.add_argument("--capacity-limit", type=int, default=None,
                        help="calls per capacity window for the whole account (default off)")
    parser.add_argument("--capacity-window", type=float, default=defaults.capacity_window,
                        help="length in seconds of the capacity window (default 600)")

    parser.add_argument("--async-delay", type=float, default=defaults.async_delay,
                        help="seconds before an async request is processed (default 1)")
    parser.add_argument("--async-retention", type=float, default=defaults.async_retention,
                        help="seconds an async result is kept before it is purged "
                             "(default 86400)")
    parser.add_argument("--refresh-revokes-old", action="store_true",
                        help="make a refreshed token invalid at once")
    parser.add_argument("--refresh-login-host-only", action="store_true",
                        help="accept token refresh on the login port only")
    parser.add_argument("--max-body-bytes", type=int, default=defaults.max_body_bytes,
                        help="drop the connection of requests with larger bodies "
                             "(default 10 MiB)")
    parser.add_argument("--connection-close", action="store_true",
                        help="close the connection after every response, as Responsys does")
    parser.add_argument("--time-zone", default=defaults.time_zone,
                        help="account time zone of polling times (default UTC)")

    parser.add_argument("--fault", action="append", default=[],
                        metavar="FUNCTION:KEY=VALUE,...",
                        help="inject failures, for example merge:error_rate=0.1,seed=7; keys: "
                             "error_rate, drop_rate, slow_ms, slow_rate, fail_next, "
                             f"fail_mode ({', '.join(FAIL_MODES)}), seed; FUNCTION may be *")
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = Settings(
        token_ttl=args.token_ttl, invalid_token_shape=args.invalid_token_shape,
        throttle_status=args.throttle_status, throttle_window=args.throttle_window,
        capacity_limit=args.capacity_limit, capacity_window=args.capacity_window,
        async_delay=args.async_delay, async_retention=args.async_retention,
        refresh_revokes_old=args.refresh_revokes_old,
        refresh_login_host_only=args.refresh_login_host_only,
        max_body_bytes=args.max_body_bytes, time_zone=args.time_zone,
        connection_close=args.connection_close)
    for spec in args.throttle:
        function, limit = parse_throttle_spec(spec)
        if limit is None:
            settings.throttle.pop(function, None)
        else:
            settings.throttle[function] = limit
    settings.validate()
    return settings


USERS_VARIABLE = "RESPONSYS_EMULATOR_USERS"


def users_from_environment() -> list[str]:
    return [line.strip() for line in os.environ.get(USERS_VARIABLE, "").splitlines()
            if line.strip()]


def parse_users(specs: list[str]) -> dict[str, str]:
    users = {}
    for spec in specs:
        name, separator, password = spec.partition(":")
        if not separator or not name:
            raise ValueError("--user must look like NAME:PASSWORD")
        users[name] = password
    return users


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from_args(args)
        faults = [parse_fault_spec(spec) for spec in args.fault]
        users = parse_users(args.user + users_from_environment())
    except ValueError as error:
        parser.error(str(error))
    storage = Storage(args.state)
    storage.set_users(users)
    controls = RuntimeControls(settings, faults)
    login_server = EmulatorHTTPServer(args.host, args.login_port, "login", None)
    api_server = EmulatorHTTPServer(args.host, args.api_port, "api", None)
    app = Emulator(storage, controls, base_url(args.host, login_server.server_port),
                   base_url(args.host, api_server.server_port))
    login_server.app = api_server.app = app
    return serve(app, [login_server, api_server])


def serve(app: Emulator, servers: list[EmulatorHTTPServer]) -> int:
    """Serve until SIGTERM or SIGINT, then stop the servers and close the state file."""
    stop_requested = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda number, frame: stop_requested.set())
    worker = AsyncWorker(app)
    worker.start()
    threads = [threading.Thread(target=server.serve_forever, name=f"{server.port_role}-server",
                                daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    logger.info("Responsys emulator started: login %s, API %s, state %s", app.login_url,
                app.api_url, app.storage.path)
    # A timed wait lets the main thread run the signal handler promptly.
    while not stop_requested.wait(0.5):
        pass
    logger.info("Responsys emulator stopping")
    for server in servers:
        server.shutdown()
        server.server_close()
    worker.stop()
    app.storage.close()
    logger.info("Responsys emulator stopped")
    return 0
