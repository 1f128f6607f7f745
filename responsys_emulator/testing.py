"""Helpers for tests: run the emulator as a subprocess and drive its control API.

    emulator = EmulatorProcess.start(tmp_path, throttle={"merge": 5}, async_delay=0.2)
    try:
        ...  # point the client at emulator.login_url
        rows = emulator.control.table_rows("Gupshup WhatsApp DLR", "DLR_REPORT")
    finally:
        emulator.stop()

Keyword flags become command-line options: `token_ttl=5` is `--token-ttl 5`, `True` adds a
bare flag, `throttle={"merge": 5, "login": None}` gives `--throttle merge=5 --throttle
login=none`, and `faults=[{"function": "merge", "error_rate": 0.5, "seed": 1}]` gives
`--fault merge:error_rate=0.5,seed=1`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests

from .cli import USERS_VARIABLE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 10.0
CONTROL_TIMEOUT_SECONDS = 30.0
START_ATTEMPTS = 3


class EmulatorExited(RuntimeError):
    """The emulator process ended before it was ready, for example on a port conflict."""


class EmulatorControl:
    """Thin HTTP wrapper around the emulator's /_emulator/ control API."""

    def __init__(self, api_url: str) -> None:
        self.base_url = f"{api_url}/_emulator"

    def _call(self, method: str, path: str, json: object = None):
        response = requests.request(method, f"{self.base_url}/{path}", json=json,
                                    timeout=CONTROL_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Delete all folders, tables, rows, tokens and async requests; restore start flags."""
        self._call("POST", "reset")

    def expire_tokens(self) -> int:
        """Expire every issued token now; return how many were still valid."""
        return self._call("POST", "tokens/expire")["expired"]

    def set_invalid_token_shape(self, shape: str) -> None:
        """Choose invalid_token (401), unexpected_exception (500) or token_expired (401)."""
        self.update_settings(invalid_token_shape=shape)

    def set_throttle(self, function: str, per_minute: int | None) -> None:
        """Limit calls of `function` per throttle window; None removes the limit."""
        self._call("PUT", f"throttle/{function}", {"per_minute": per_minute})

    def set_faults(self, function: str = "*", error_rate=0.0, drop_rate=0.0, slow_ms=0,
                   fail_next=0, seed=None, *, slow_rate=1.0, fail_mode="error") -> None:
        """Replace the fault rule of `function` ("*" for every function).

        `fail_mode` sets what each of the `fail_next` calls gets: "error" (500
        UNEXPECTED_EXCEPTION), "drop" (closed connection) or "async_submit" (500
        UNABLE_TO_SUBMIT_ASYNC_REQUEST).
        """
        self._call("PUT", "faults", {
            "function": function, "error_rate": error_rate, "drop_rate": drop_rate,
            "slow_ms": slow_ms, "slow_rate": slow_rate, "fail_next": fail_next,
            "fail_mode": fail_mode, "seed": seed,
        })

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def table_rows(self, folder: str, table: str) -> list[dict[str, str | None]]:
        """Return every stored row of a table in insertion order."""
        return self._call("GET", f"tables/{quote(folder, safe='')}/{quote(table, safe='')}/rows")

    def row_count(self, folder: str, table: str) -> int:
        path = f"tables/{quote(folder, safe='')}/{quote(table, safe='')}/count"
        return self._call("GET", path)["count"]

    def call_counts(self) -> dict[str, int]:
        """Return how many calls each function received since start or the last reset."""
        return self._call("GET", "calls")

    def clear_call_counts(self) -> None:
        self._call("DELETE", "calls")

    def settings(self) -> dict:
        return self._call("GET", "settings")

    def update_settings(self, **changes) -> dict:
        """Change settings such as token_ttl, async_delay or throttle_status."""
        return self._call("PATCH", "settings", changes)


class EmulatorProcess:
    """A running `python -m responsys_emulator` subprocess on free loopback ports."""

    def __init__(self, state_dir: Path, users: dict[str, str], flags: dict,
                 login_port: int, api_port: int, host: str = "127.0.0.1") -> None:
        self.state_dir = Path(state_dir)
        self.state_path = self.state_dir / "responsys-emulator.sqlite3"
        self.log_path = self.state_dir / "responsys-emulator.log"
        self.users = dict(users)
        self.flags = dict(flags)
        self.host = host
        self.login_port = login_port
        self.api_port = api_port
        self.login_url = f"http://{host}:{login_port}"
        self.api_url = f"http://{host}:{api_port}"
        self.control = EmulatorControl(self.api_url)
        self.process: subprocess.Popen | None = None

    @classmethod
    def start(cls, state_dir, users={"demo": "demo-password"}, **flags) -> "EmulatorProcess":
        """Start the emulator on two free loopback ports and wait until it responds."""
        Path(state_dir).mkdir(parents=True, exist_ok=True)
        attempt = 1
        while True:
            login_port, api_port = free_ports(2)
            emulator = cls(Path(state_dir), users, flags, login_port, api_port)
            try:
                emulator._launch()
                return emulator
            except EmulatorExited:
                # Another process may have taken a port between free_ports() and the bind.
                if attempt == START_ATTEMPTS:
                    raise
                attempt += 1

    def command(self) -> list[str]:
        arguments = [sys.executable, "-m", "responsys_emulator", "--host", self.host,
                     "--login-port", str(self.login_port), "--api-port", str(self.api_port),
                     "--state", str(self.state_path)]
        return arguments + flag_arguments(self.flags)

    def _launch(self) -> None:
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")]))
        # Through the environment, as `make run` does, so no password shows in the process list.
        environment[USERS_VARIABLE] = "\n".join(
            f"{name}:{password}" for name, password in self.users.items())
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(self.command(), stdout=log_file,
                                            stderr=subprocess.STDOUT, env=environment)
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorExited(f"Responsys emulator exited with code "
                                     f"{self.process.returncode}:\n{self.log_tail()}")
            try:
                response = requests.get(f"{self.api_url}/_emulator/health", timeout=1)
                if response.ok and response.json().get("pid") == self.process.pid:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Responsys emulator did not respond within "
                           f"{STARTUP_TIMEOUT_SECONDS:g} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Send SIGTERM and wait for a clean exit; kill the process if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """Stop and start again with the same ports, flags and state file."""
        self.stop()
        self._launch()

    def __enter__(self) -> "EmulatorProcess":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def free_ports(count: int) -> list[int]:
    """Ask the OS for `count` distinct free loopback ports.

    The ports are released before the emulator binds them, so another process could take one
    in between. start() then retries with new ports.
    """
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind(("127.0.0.1", 0))
            sockets.append(probe)
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def flag_arguments(flags: dict) -> list[str]:
    """Turn keyword flags into command-line options (see the module docstring)."""
    arguments: list[str] = []
    for name, value in flags.items():
        option = "--" + name.replace("_", "-")
        if name == "throttle":
            for function, limit in value.items():
                arguments += [option, f"{function}={'none' if limit is None else limit}"]
        elif name == "faults":
            for fault in value:
                arguments += ["--fault", fault if isinstance(fault, str) else fault_spec(fault)]
        elif value is True:
            arguments.append(option)
        elif value is False or value is None:
            continue
        else:
            arguments += [option, str(value)]
    return arguments


def fault_spec(fault: dict) -> str:
    options = ",".join(f"{key}={value}" for key, value in fault.items()
                       if key != "function" and value is not None)
    return f"{fault.get('function', '*')}:{options}"
