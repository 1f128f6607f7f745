"""SQLite state of the emulator: users, tokens, folders, tables, rows and async requests.

One connection serves all request threads behind a lock, so writes never meet SQLITE_BUSY.
The file runs in WAL mode so tests and `table_rows` streams can read while the server writes.
Each supplemental table keeps its rows in its own SQLite table, `supp_rows_<table_id>`. It has
one TEXT column per field and the Responsys primary key as a unique key. An empty value is
stored as NULL.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_name TEXT PRIMARY KEY,
    password_salt TEXT NOT NULL,
    password_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS folders (
    folder_id INTEGER PRIMARY KEY,
    folder_name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS supp_tables (
    table_id INTEGER PRIMARY KEY,
    folder_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    fields_json TEXT NOT NULL,
    primary_keys_json TEXT NOT NULL,
    UNIQUE (folder_name, table_name)
);
CREATE TABLE IF NOT EXISTS async_requests (
    request_id TEXT PRIMARY KEY,
    function TEXT NOT NULL,
    folder_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    body_json TEXT,
    created_at REAL NOT NULL,
    ready_at REAL NOT NULL,
    processed_at REAL,
    status TEXT NOT NULL,
    result_json TEXT
);
CREATE INDEX IF NOT EXISTS async_requests_pending
    ON async_requests (ready_at) WHERE status = 'IN_PROGRESS';
"""

# Folder ids start high, as Responsys' do, so they never look like row counts.
FIRST_FOLDER_ID = 90087101


@dataclass(frozen=True)
class SuppTable:
    """A supplemental table definition; field names are stored upper-cased."""

    table_id: int
    folder_name: str
    table_name: str
    fields: tuple[tuple[str, str], ...]
    primary_keys: tuple[str, ...]

    @property
    def rows_table(self) -> str:
        return f'"supp_rows_{self.table_id}"'

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.fields)

    @property
    def field_types(self) -> dict[str, str]:
        return dict(self.fields)


@dataclass(frozen=True)
class AsyncRequest:
    request_id: str
    function: str
    folder_name: str
    table_name: str
    body_json: str | None
    created_at: float
    ready_at: float
    processed_at: float | None
    status: str
    result_json: str | None


def quote_column(name: str) -> str:
    # Field names are checked against [A-Za-z][A-Za-z0-9$#_]* before they reach SQL.
    return f'"{name}"'


def hash_password(salt: str, password: str) -> str:
    return hashlib.sha256((salt + password).encode()).hexdigest()


class Storage:
    """All persistent state; every method is safe to call from any request thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        # NORMAL still survives a killed process; only an OS crash can lose the last commits.
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.connection.close()

    def transaction(self):
        return _Transaction(self)

    # Users and tokens

    def set_users(self, users: dict[str, str]) -> None:
        """Add or update the given users; users already stored keep working."""
        with self.transaction() as db:
            for user_name, password in users.items():
                salt = secrets.token_hex(8)
                db.execute(
                    "INSERT INTO users VALUES (?, ?, ?) ON CONFLICT (user_name) DO UPDATE SET "
                    "password_salt = excluded.password_salt, "
                    "password_sha256 = excluded.password_sha256",
                    (user_name, salt, hash_password(salt, password)))

    def check_password(self, user_name: str, password: str) -> bool:
        with self.lock:
            row = self.connection.execute(
                "SELECT password_salt, password_sha256 FROM users WHERE user_name = ?",
                (user_name,)).fetchone()
        if row is None:
            return False
        return secrets.compare_digest(hash_password(row[0], password), row[1])

    def issue_token(self, user_name: str, ttl_seconds: float) -> tuple[str, int]:
        """Store a new token for `user_name`; return it with its issue time in epoch ms."""
        token = secrets.token_urlsafe(40)
        now = time.time()
        issued_at_ms = int(now * 1000)
        with self.transaction() as db:
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, 0)",
                       (token, user_name, issued_at_ms, now + ttl_seconds))
        return token, issued_at_ms

    def token_user(self, token: str) -> str | None:
        """Return the user of a known, unrevoked, unexpired token, else None."""
        with self.lock:
            row = self.connection.execute(
                "SELECT user_name, expires_at, revoked FROM tokens WHERE token = ?",
                (token,)).fetchone()
        if row is None or row[2] or row[1] <= time.time():
            return None
        return row[0]

    def revoke_token(self, token: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE tokens SET revoked = 1 WHERE token = ?", (token,))

    def expire_all_tokens(self) -> int:
        """Make every stored token expired now; return how many were still valid."""
        now = time.time()
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE tokens SET expires_at = ? WHERE expires_at > ? AND revoked = 0",
                (now, now))
            return cursor.rowcount

    # Folders

    def create_folder(self, folder_name: str) -> int | None:
        """Create a folder and return its id, or None when it already exists."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM folders WHERE folder_name = ?",
                          (folder_name,)).fetchone():
                return None
            next_id = db.execute(
                "SELECT COALESCE(MAX(folder_id) + 1, ?) FROM folders",
                (FIRST_FOLDER_ID,)).fetchone()[0]
            db.execute("INSERT INTO folders VALUES (?, ?)", (next_id, folder_name))
            return next_id

    def folder_exists(self, folder_name: str) -> bool:
        with self.lock:
            return self.connection.execute(
                "SELECT 1 FROM folders WHERE folder_name = ?", (folder_name,)
            ).fetchone() is not None

    def list_folders(self) -> list[tuple[int, str]]:
        with self.lock:
            return self.connection.execute(
                "SELECT folder_id, folder_name FROM folders ORDER BY folder_id").fetchall()

    # Supplemental table definitions

    def get_table(self, folder_name: str, table_name: str) -> SuppTable | None:
        with self.lock:
            row = self.connection.execute(
                "SELECT * FROM supp_tables WHERE folder_name = ? AND table_name = ?",
                (folder_name, table_name.upper())).fetchone()
        return _table_from_row(row) if row else None

    def list_tables(self, offset: int = 0, limit: int = 200) -> list[SuppTable]:
        with self.lock:
            rows = self.connection.execute(
                "SELECT * FROM supp_tables ORDER BY table_id LIMIT ? OFFSET ?",
                (limit, offset)).fetchall()
        return [_table_from_row(row) for row in rows]

    def count_tables(self) -> int:
        with self.lock:
            return self.connection.execute("SELECT COUNT(*) FROM supp_tables").fetchone()[0]

    def create_table(self, folder_name: str, table_name: str,
                     fields: Sequence[tuple[str, str]],
                     primary_keys: Sequence[str]) -> SuppTable | None:
        """Create a table and its row storage; return None when the name is taken."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO supp_tables (folder_name, table_name, fields_json, "
                "primary_keys_json) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (folder_name, table_name.upper(), json.dumps(list(fields)),
                 json.dumps(list(primary_keys))))
            if cursor.rowcount == 0:
                return None
            table = SuppTable(cursor.lastrowid, folder_name, table_name.upper(),
                              tuple(tuple(item) for item in fields), tuple(primary_keys))
            columns = ", ".join(f"{quote_column(name)} TEXT" for name in table.field_names)
            keys = ", ".join(quote_column(name) for name in table.primary_keys)
            db.execute(f"CREATE TABLE {table.rows_table} ({columns}, UNIQUE ({keys}))")
            return table

    def drop_table(self, table: SuppTable) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM supp_tables WHERE table_id = ?", (table.table_id,))
            db.execute(f"DROP TABLE IF EXISTS {table.rows_table}")

    # Rows

    def upsert_rows(self, table: SuppTable, field_names: Sequence[str],
                    rows: Sequence[Sequence[str | None]], update_on_match: bool) -> None:
        """Insert rows, or update the listed fields of rows whose key already exists."""
        columns = ", ".join(quote_column(name) for name in field_names)
        placeholders = ", ".join("?" for _ in field_names)
        keys = ", ".join(quote_column(name) for name in table.primary_keys)
        updated = [name for name in field_names if name not in table.primary_keys]
        if update_on_match and updated:
            assignments = ", ".join(
                f"{quote_column(name)} = excluded.{quote_column(name)}" for name in updated)
            conflict = f"DO UPDATE SET {assignments}"
        else:
            conflict = "DO NOTHING"
        sql = (f"INSERT INTO {table.rows_table} ({columns}) VALUES ({placeholders}) "
               f"ON CONFLICT ({keys}) {conflict}")
        with self.transaction() as db:
            db.executemany(sql, rows)

    def update_existing_rows(self, table: SuppTable, field_names: Sequence[str],
                             rows: Sequence[Sequence[str | None]],
                             update_on_match: bool) -> list[bool]:
        """Update rows whose key exists and never insert; return which rows matched."""
        key_positions = [field_names.index(name) for name in table.primary_keys]
        updated = [(position, name) for position, name in enumerate(field_names)
                   if name not in table.primary_keys]
        where = " AND ".join(f"{quote_column(name)} = ?" for name in table.primary_keys)
        matched = []
        with self.transaction() as db:
            for row in rows:
                key = [row[position] for position in key_positions]
                if update_on_match and updated:
                    assignments = ", ".join(f"{quote_column(name)} = ?" for _, name in updated)
                    cursor = db.execute(
                        f"UPDATE {table.rows_table} SET {assignments} WHERE {where}",
                        [row[position] for position, _ in updated] + key)
                    matched.append(cursor.rowcount > 0)
                else:
                    found = db.execute(f"SELECT 1 FROM {table.rows_table} WHERE {where}",
                                       key).fetchone()
                    matched.append(found is not None)
        return matched

    def get_row(self, table: SuppTable, key: Sequence[str],
                columns: Sequence[str]) -> tuple | None:
        selected = ", ".join(quote_column(name) for name in columns)
        where = " AND ".join(f"{quote_column(name)} = ?" for name in table.primary_keys)
        with self.lock:
            return self.connection.execute(
                f"SELECT {selected} FROM {table.rows_table} WHERE {where}", list(key)
            ).fetchone()

    def delete_row(self, table: SuppTable, key: Sequence[str]) -> bool:
        where = " AND ".join(f"{quote_column(name)} = ?" for name in table.primary_keys)
        with self.transaction() as db:
            cursor = db.execute(f"DELETE FROM {table.rows_table} WHERE {where}", list(key))
            return cursor.rowcount > 0

    def count_rows(self, table: SuppTable) -> int:
        with self.lock:
            return self.connection.execute(
                f"SELECT COUNT(*) FROM {table.rows_table}").fetchone()[0]

    def iter_rows(self, table: SuppTable) -> Iterator[tuple]:
        """Yield every row in insertion order from a separate read connection.

        Streaming through its own connection keeps the server lock free, and WAL gives the
        reader a consistent snapshot while merges go on.
        """
        reader = sqlite3.connect(self.path, check_same_thread=False)
        try:
            columns = ", ".join(quote_column(name) for name in table.field_names)
            cursor = reader.execute(f"SELECT {columns} FROM {table.rows_table} ORDER BY rowid")
            while batch := cursor.fetchmany(1000):
                yield from batch
        finally:
            reader.close()

    # Async requests

    def add_async_request(self, request: AsyncRequest) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO async_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       _async_values(request))

    def get_async_request(self, request_id: str) -> AsyncRequest | None:
        with self.lock:
            row = self.connection.execute(
                "SELECT * FROM async_requests WHERE request_id = ?", (request_id,)).fetchone()
        return AsyncRequest(*row) if row else None

    def due_async_request_ids(self, now: float) -> list[str]:
        with self.lock:
            rows = self.connection.execute(
                "SELECT request_id FROM async_requests WHERE status = 'IN_PROGRESS' "
                "AND ready_at <= ? ORDER BY ready_at", (now,)).fetchall()
        return [row[0] for row in rows]

    def finish_async_request(self, request_id: str, status: str, result: dict,
                             processed_at: float) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE async_requests SET status = ?, result_json = ?, processed_at = ?, "
                "body_json = NULL WHERE request_id = ?",
                (status, json.dumps(result), processed_at, request_id))

    def purge_async_results(self, created_before: float) -> int:
        """Drop stored bodies and results of requests older than the retention period."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE async_requests SET status = 'PURGED', body_json = NULL, "
                "result_json = NULL WHERE created_at < ? AND status != 'PURGED'",
                (created_before,))
            return cursor.rowcount

    # Whole state

    def reset(self) -> None:
        """Delete all folders, tables, rows, tokens and async requests; users stay."""
        with self.transaction() as db:
            table_ids = [row[0] for row in db.execute("SELECT table_id FROM supp_tables")]
            for table_id in table_ids:
                db.execute(f'DROP TABLE IF EXISTS "supp_rows_{table_id}"')
            for name in ("supp_tables", "folders", "tokens", "async_requests"):
                db.execute(f"DELETE FROM {name}")


class _Transaction:
    """Hold the storage lock and run one write transaction, rolling back on error."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def __enter__(self) -> sqlite3.Connection:
        self.storage.lock.acquire()
        self.storage.connection.execute("BEGIN IMMEDIATE")
        return self.storage.connection

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self.storage.connection.execute("COMMIT")
            else:
                self.storage.connection.execute("ROLLBACK")
        finally:
            self.storage.lock.release()


def _table_from_row(row) -> SuppTable:
    table_id, folder_name, table_name, fields_json, primary_keys_json = row
    fields = tuple(tuple(item) for item in json.loads(fields_json))
    return SuppTable(table_id, folder_name, table_name, fields,
                     tuple(json.loads(primary_keys_json)))


def _async_values(request: AsyncRequest) -> tuple:
    return (request.request_id, request.function, request.folder_name, request.table_name,
            request.body_json, request.created_at, request.ready_at, request.processed_at,
            request.status, request.result_json)
