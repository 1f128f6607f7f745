"""Measure the emulator's merge rate and memory: `python -m responsys_emulator.benchmark`.

Starts the emulator as a subprocess, then merges `--rows` new records in calls of 200 from
this process over loopback HTTP, one call at a time, the way the sync client sends them. Calls
share a keep-alive connection unless `--no-keep-alive` makes the emulator close the connection
after every response, as Responsys does. Prints records per second and the emulator's resident memory at
checkpoints so a growing footprint shows up.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests

from .merge import MAX_RECORDS_PER_CALL
from .testing import EmulatorProcess

FOLDER = "Gupshup WhatsApp DLR"
TABLE = "DLR_REPORT"
FIELDS = [("MESSAGE_ID", "STR100"), ("STATUS", "STR25"), ("RECIPIENT_ID", "STR100"),
          ("DLR_TIMESTAMP", "TIMESTAMP"), ("ERROR_REASON", "STR500")]
STATUSES = ("SENT", "DELIVERED", "READ", "FAILED")


def resident_memory_mib(pid: int) -> float:
    """Read VmRSS of a process from /proc (Linux only)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def login(session: requests.Session, emulator: EmulatorProcess) -> str:
    response = session.post(f"{emulator.login_url}/rest/api/v1.3/auth/token", data={
        "user_name": "demo", "password": "demo-password", "auth_type": "password"})
    response.raise_for_status()
    body = response.json()
    session.headers["Authorization"] = body["authToken"]
    return body["endPoint"]


def create_table(session: requests.Session, endpoint: str) -> None:
    session.post(f"{endpoint}/rest/api/v1.3/folders",
                 json={"folderName": FOLDER}).raise_for_status()
    session.post(f"{endpoint}/rest/api/v1.3/folders/{quote(FOLDER, safe='')}/suppData", json={
        "table": {"objectName": TABLE},
        "fields": [{"fieldName": name, "fieldType": field_type} for name, field_type in FIELDS],
        "primaryKeys": ["MESSAGE_ID", "STATUS"],
    }).raise_for_status()


def merge_body(first_row: int, count: int) -> bytes:
    records = [[f"gBEGkYiEB1VXAglK{row:012d}", STATUSES[row % 4], f"91{row:010d}",
                "2024-06-03 10:15:02", "" if row % 4 != 3 else "Number not on WhatsApp"]
               for row in range(first_row, first_row + count)]
    return json.dumps({
        "recordData": {"fieldNames": [name for name, _ in FIELDS], "records": records,
                       "mapTemplateName": None},
        "insertOnNoMatch": True, "updateOnMatch": "REPLACE_ALL",
    }).encode()


def run(rows: int, checkpoint: int, state_dir: Path, keep_alive: bool,
        log_level: str = "WARNING") -> None:
    emulator = EmulatorProcess.start(state_dir, log_level=log_level,
                                     connection_close=not keep_alive)
    try:
        session = requests.Session()
        endpoint = login(session, emulator)
        create_table(session, endpoint)
        url = f"{endpoint}/rest/api/v1.3/folders/{quote(FOLDER, safe='')}/suppData/{TABLE}/members"
        pid = emulator.process.pid
        print(f"emulator RSS before merges: {resident_memory_mib(pid):.1f} MiB")
        started = last_time = time.perf_counter()
        last_rows = 0
        for first_row in range(0, rows, MAX_RECORDS_PER_CALL):
            count = min(MAX_RECORDS_PER_CALL, rows - first_row)
            response = session.post(url, data=merge_body(first_row, count),
                                    headers={"Content-Type": "application/json"})
            response.raise_for_status()
            done = first_row + count
            if done % checkpoint == 0 or done == rows:
                now = time.perf_counter()
                print(f"{done:>9} rows  {(done - last_rows) / (now - last_time):>8.0f} rec/s  "
                      f"RSS {resident_memory_mib(pid):.1f} MiB")
                last_time, last_rows = now, done
        elapsed = time.perf_counter() - started
        print(f"merged {rows} records in {elapsed:.1f} s: {rows / elapsed:.0f} records/s")
        print(f"rows stored: {emulator.control.row_count(FOLDER, TABLE)}")
    finally:
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="records to merge")
    parser.add_argument("--checkpoint", type=int, default=100_000,
                        help="print rate and memory every this many records")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="directory of the state file (default: a temporary directory)")
    parser.add_argument("--no-keep-alive", action="store_true",
                        help="start the emulator with --connection-close")
    args = parser.parse_args()
    keep_alive = not args.no_keep_alive
    if args.state_dir:
        run(args.rows, args.checkpoint, args.state_dir, keep_alive)
        return
    with tempfile.TemporaryDirectory() as state_dir:
        run(args.rows, args.checkpoint, Path(state_dir), keep_alive)


if __name__ == "__main__":
    main()
