"""HTTP client for the Oracle Responsys REST API v1.3, limited to what the DLR push needs.

It covers password login, supplemental-table create, describe, merge, retrieve and delete, the
asynchronous merge and delete with polling, folder creation and the rate-limit table. Argument
checks, request bodies and response parsing live in `client_payloads`.

Rules that shape the code, from Oracle's REST documentation or recorded Responsys traffic:

* Login goes to the login host with a form-encoded body. Every later call goes to the
  `endPoint` origin that login returns, with the raw token in `Authorization` (no "Bearer").
* A rejected token comes back in three shapes: 401 INVALID_TOKEN, 401 TOKEN_EXPIRED, or 500
  UNEXPECTED_EXCEPTION with the detail "Not a valid authentication token". Each one causes one
  re-login and one resend of the same request.
* Throttling is recognised by `errorCode` alone, because Oracle documents API_LIMIT_EXCEEDED as
  HTTP 400 in one place and 401 in another. The per-function limit counts calls per minute and
  the account's internal capacity limit counts them per ten minutes.
* A merge takes at most 200 records. Row failures come back inside HTTP 200 as rows whose first
  cell starts with "MERGEFAILED:".

Each client uses its own `requests.Session`, which is not thread-safe, so use one client per thread.
"""

import logging
import random
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from . import client_payloads as payloads
from .client_payloads import (
    AsyncResult,
    Column,
    MergeOutcome,
    merge_outcomes_from_response,
    quote_path_segment,
)
from .errors import (
    ResponsysAsyncTimeout,
    ResponsysAuthError,
    ResponsysError,
    ResponsysNotFound,
    ResponsysThrottled,
    ResponsysUnavailable,
)
from .token_store import CachedToken, CacheTokenStore, MemoryTokenStore, TokenStore

__all__ = [
    "AsyncResult",
    "CachedToken",
    "CacheTokenStore",
    "Column",
    "MemoryTokenStore",
    "MergeOutcome",
    "ResponsysAsyncTimeout",
    "ResponsysAuthError",
    "ResponsysClient",
    "ResponsysError",
    "ResponsysNotFound",
    "ResponsysThrottled",
    "ResponsysUnavailable",
    "TokenStore",
    "merge_outcomes_from_response",
    "quote_path_segment",
]

logger = logging.getLogger(__name__)

LOGIN_PATH = "/rest/api/v1.3/auth/token"
API_PATH = "/rest/api/v1.3"
ASYNC_API_PATH = "/rest/asyncApi/v1.3"
# The rate-limit endpoint has no version segment, and "/rest/api/v1.3/ratelimit" is a 404.
RATE_LIMIT_PATH = "/rest/api/ratelimit"
MAX_REQUEST_IDS_PER_POLL = 200

THROTTLE_ERROR_CODE = "API_LIMIT_EXCEEDED"
CAPACITY_ERROR_CODE = "INTERNAL_CAPACITY_LIMIT_EXCEEDED"
INVALID_TOKEN_ERROR_CODES = frozenset({"INVALID_TOKEN", "TOKEN_EXPIRED"})
INVALID_TOKEN_DETAIL = "not a valid authentication token"
AUTH_ERROR_CODES = frozenset(
    {
        "INVALID_USER_NAME_PASSWORD",
        "PASSWORD_LOCKOUT",
        "PASSWORD_EXPIRED",
        "API_DISABLED_FOR_USER",
        "ACCOUNT_SUSPENDED",
        "INSUFFICIENT_ACCESS",
    }
)
MISSING_TABLE_ERROR_CODES = frozenset({"RESOURCE_NOT_FOUND", "TABLE_NOT_FOUND", "FOLDER_NOT_FOUND"})
ASYNC_PENDING_STATUSES = frozenset({"IN_PROGRESS", "REQUEST_ACCEPTED"})
JSON_OK = frozenset({200})
JSON_ACCEPTED = frozenset({200, 202})

# Network failures worth a retry. ConnectTimeout and SSLError are subclasses of ConnectionError,
# and ChunkedEncodingError is what a connection dropped in the middle of a response raises.
NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class _Request:
    """Everything needed to send one call again unchanged: retries resend `body` byte for byte."""

    function: str
    method: str
    path: str
    params: Sequence[tuple[str, str]] = ()
    body: bytes | None = None
    content_type: str = "application/json"
    uses_login_host: bool = False
    ok_statuses: frozenset[int] = JSON_OK


@dataclass(frozen=True)
class _ErrorResponse:
    """The parts of a failed response that decide what the client does next."""

    http_status: int | None
    error_code: str
    detail: str = ""

    @classmethod
    def from_response(cls, response: requests.Response) -> "_ErrorResponse":
        # Gateway errors (a 404 for an unknown path, for example) are HTML, not the JSON envelope.
        limit = payloads.DETAIL_MAX_CHARS
        try:
            body = response.json()
        except ValueError:
            return cls(response.status_code, "", response.text[:limit])
        if not isinstance(body, dict):
            return cls(response.status_code, "", str(body)[:limit])
        detail = str(body.get("detail") or body.get("title") or "")
        return cls(response.status_code, str(body.get("errorCode") or ""), detail[:limit])

    @property
    def is_invalid_token(self) -> bool:
        if self.error_code in INVALID_TOKEN_ERROR_CODES:
            return True
        if self.http_status == 500 and INVALID_TOKEN_DETAIL in self.detail.lower():
            return True
        # A 401 without an errorCode (a gateway page, say) also gets the one re-login.
        return self.http_status == 401 and not self.error_code


class ResponsysClient:
    """A Responsys REST client for one account.

    `login_url` is the origin of the account's login host, for example
    "https://login5.responsys.net". The token lives in `token_store` (a new MemoryTokenStore by
    default). A new password login replaces it once it is `token_max_age` seconds old, and the
    default of 6000 s leaves 20 minutes' margin to the two-hour token lifetime.

    Every HTTP call has a `timeout` in seconds. A call is retried at most `max_retries` times
    after throttling, HTTP 5xx or a network error, and any other 4xx fails at once. Throttling
    waits `throttle_wait` seconds (`capacity_wait` for the account's capacity limit) plus up to
    25% jitter. 5xx and network errors wait `backoff_base * 2**(n-1)` seconds, capped at
    `backoff_cap`, with jitter. `sleep` and `clock` are replaceable so tests do not wait.
    `client_label` names our client (an id, never a secret) in every log line.
    """

    def __init__(
        self,
        login_url: str,
        username: str,
        password: str,
        *,
        token_store: TokenStore | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        token_max_age: float = 6000.0,
        throttle_wait: float = 60.0,
        capacity_wait: float = 600.0,
        client_label: str = "",
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
    ) -> None:
        self.login_url = _normalise_origin(login_url, "login_url")
        if not username or not password:
            raise ValueError("the Responsys username and password must not be empty")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries!r}")

        self._username = username
        self._password = password
        self._account = f"{username}@{self.login_url}"
        self.token_store: TokenStore = MemoryTokenStore() if token_store is None else token_store
        self.timeout = timeout
        self.max_retries = max_retries
        self.token_max_age = token_max_age
        self.throttle_wait = throttle_wait
        self.capacity_wait = capacity_wait
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.client_label = client_label
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._login_lock = threading.Lock()
        self._session = session if session is not None else requests.Session()
        self._session.headers["Accept"] = "application/json"

    def __repr__(self) -> str:
        return (
            f"ResponsysClient(login_url={self.login_url!r}, username={self._username!r}, "
            f"client_label={self.client_label!r})"
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "ResponsysClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Account -------------------------------------------------------------------------------

    def test_connection(self) -> str:
        """Log in with the password, ignoring any stored token, and return the `endPoint`.

        Raises ResponsysAuthError for rejected credentials.
        """
        return self._login().end_point

    def rate_limits(self) -> list[dict]:
        """Return the account's per-function limits, where each `limit` is calls per minute."""
        body = self._execute(_Request("getThrottlingLimits", "GET", RATE_LIMIT_PATH))
        if not isinstance(body, list):
            raise payloads.unexpected_response(
                "getThrottlingLimits", "the rate-limit table is not a JSON array"
            )
        return body

    # --- Folders and tables --------------------------------------------------------------------

    def create_folder(self, folder: str) -> None:
        """Create `folder`. A folder that exists already counts as success."""
        body_bytes = payloads.json_bytes({"folderName": folder})
        request = _Request("createFolder", "POST", f"{API_PATH}/folders", body=body_bytes)
        try:
            body = self._execute(request)
        except ResponsysError as error:
            if error.error_code != "FOLDER_ALREADY_EXISTS":
                raise
            logger.info("Responsys folder %r exists already [client=%s]", folder, self.client_label)
            return

        # Oracle documents a 200 body with "success" and "errorMessage" for this call.
        if isinstance(body, dict) and body.get("success") is False:
            message = str(body.get("errorMessage") or "")
            if "exist" not in message.lower():
                raise ResponsysError(
                    f"Responsys createFolder failed for {folder!r}: {message}",
                    error_code="FOLDER_NOT_CREATED",
                    http_status=200,
                    detail=message[: payloads.DETAIL_MAX_CHARS],
                    function="createFolder",
                )
            logger.info("Responsys folder %r exists already [client=%s]", folder, self.client_label)
            return
        logger.info("Responsys folder %r created [client=%s]", folder, self.client_label)

    def describe_table(self, folder: str, table: str) -> list[Column] | None:
        """Return the columns of `folder`/`table`, or None when the table or folder is missing.

        A 404 without one of Responsys' not-found codes (a wrong URL, say) raises
        ResponsysNotFound instead.
        """
        # Oracle spells this one path with a singular "folder".
        folder_part, table_part = quote_path_segment(folder), quote_path_segment(table)
        path = f"{API_PATH}/folder/{folder_part}/suppData/{table_part}"
        try:
            body = self._execute(_Request("describeTable", "GET", path, params=(("ft", "all"),)))
        except ResponsysNotFound as error:
            if error.error_code in MISSING_TABLE_ERROR_CODES:
                return None
            raise
        return payloads.columns_from_description(body)

    def create_table(
        self, folder: str, table: str, columns: list[Column], primary_keys: list[str]
    ) -> None:
        """Create a supplemental table with these columns and primary key.

        Raises ValueError for names, types or keys that Responsys would reject. When Responsys
        rejects the call but a table with exactly these column names exists (a retried call
        that had succeeded, or a second worker), the call counts as a success.
        """
        body_bytes = payloads.json_bytes(payloads.table_payload(table, columns, primary_keys))
        path = f"{API_PATH}/folders/{quote_path_segment(folder)}/suppData"
        try:
            self._execute(_Request("createTable", "POST", path, body=body_bytes))
        except (ResponsysAuthError, ResponsysThrottled, ResponsysUnavailable, ResponsysNotFound):
            raise
        except ResponsysError:
            existing = self.describe_table(folder, table)
            expected_names = {column.name for column in columns}
            if existing is None or {column.name for column in existing} != expected_names:
                raise
            logger.info(
                "Responsys table %s/%s exists already [client=%s]", folder, table, self.client_label
            )
            return
        logger.info("Responsys table %s/%s created [client=%s]", folder, table, self.client_label)

    # --- Records -------------------------------------------------------------------------------

    def merge_records(
        self,
        folder: str,
        table: str,
        field_names: list[str],
        records: list[list[str]],
        *,
        insert_on_no_match: bool = True,
        update_on_match: str = "REPLACE_ALL",
    ) -> list[MergeOutcome]:
        """Insert or update up to 200 records in a supplemental table that has a primary key.

        Returns one MergeOutcome per record, in request order. Raises ValueError for more than
        200 records, duplicate or non-upper-case field names, or rows of the wrong length, and
        TypeError when a value is not a str. An empty `records` list sends nothing.
        """
        if not records:
            return []
        payload = payloads.merge_payload(field_names, records, insert_on_no_match, update_on_match)
        request = _Request(
            "mergeTableMembers", "POST", _members_path(API_PATH, folder, table),
            body=payloads.json_bytes(payload),
        )
        body = self._execute(request)

        outcomes = merge_outcomes_from_response(body, len(records))
        failed = sum(1 for outcome in outcomes if not outcome.ok)
        logger.info(
            "Responsys merge into %s/%s: %d records sent, %d failed [client=%s]",
            folder, table, len(records), failed, self.client_label,
        )
        return outcomes

    def retrieve_record(
        self,
        folder: str,
        table: str,
        key: dict[str, str],
        fields: str | Sequence[str] = "all",
    ) -> dict | None:
        """Return one record as {column: value}, or None when no record has this key.

        `key` maps every primary-key column to its value, and `fields` is "all" or a list of
        column names. Values are str, or None for an empty column.
        """
        params = (*payloads.key_params(key), ("fs", payloads.field_list(fields)))
        request = _Request(
            "retrieveTableMembers", "GET", _members_path(API_PATH, folder, table), params=params
        )
        try:
            body = self._execute(request)
        except ResponsysNotFound as error:
            if error.error_code == "RECORD_NOT_FOUND":
                return None
            raise

        field_names, rows = payloads.record_data(body, "retrieveTableMembers")
        if not rows:
            return None
        return dict(zip(field_names, rows[0]))

    def delete_record(self, folder: str, table: str, key: dict[str, str]) -> bool:
        """Delete the record with this primary key. Return False when it did not exist."""
        request = _Request(
            "deleteTableMembers", "DELETE", _members_path(API_PATH, folder, table),
            params=payloads.key_params(key),
        )
        try:
            body = self._execute(request)
        except ResponsysNotFound as error:
            if error.error_code == "RECORD_NOT_FOUND":
                return False
            raise

        reason = payloads.delete_failure_reason(body)
        if reason:
            raise ResponsysError(
                f"Responsys deleteTableMembers failed in {folder}/{table}: {reason}",
                error_code="DELETEFAILED",
                http_status=200,
                detail=reason[: payloads.DETAIL_MAX_CHARS],
                function="deleteTableMembers",
            )
        return True

    # --- Asynchronous API ----------------------------------------------------------------------

    def async_merge_records(
        self,
        folder: str,
        table: str,
        field_names: list[str],
        records: list[list[str]],
        *,
        insert_on_no_match: bool = True,
        update_on_match: str = "REPLACE_ALL",
    ) -> str:
        """Queue a merge of 1 to 200 records and return its request id for `wait_for_async`.

        The checks are those of `merge_records`. Responsys reports a missing table or failed
        rows only in the polled result, and `merge_outcomes_from_response` reads those rows.
        """
        if not records:
            raise ValueError("async_merge_records needs at least one record")
        payload = payloads.merge_payload(field_names, records, insert_on_no_match, update_on_match)
        request = _Request(
            "asyncMergeTableMembers", "POST", _members_path(ASYNC_API_PATH, folder, table),
            body=payloads.json_bytes(payload), ok_statuses=JSON_ACCEPTED,
        )
        return self._queue(request, folder, table)

    def async_delete_records(
        self, folder: str, table: str, pk_names: list[str], keys: list[list[str]]
    ) -> str:
        """Queue the deletion of 1 to 200 records by primary key and return the request id."""
        if not keys:
            raise ValueError("async_delete_records needs at least one key")
        payloads.check_records(pk_names, keys)
        payload = {"recordData": {"fieldNames": list(pk_names), "records": [list(k) for k in keys]}}
        # Oracle's page prints this path with "/members" twice, and it is used as documented.
        request = _Request(
            "asyncDeleteTableMembers", "POST",
            _members_path(ASYNC_API_PATH, folder, table) + "/members",
            params=(("action", "delete"),),
            body=payloads.json_bytes(payload), ok_statuses=JSON_ACCEPTED,
        )
        return self._queue(request, folder, table)

    def wait_for_async(
        self, request_ids: Iterable[str], *, poll_interval: float = 5.0, timeout: float = 600.0
    ) -> dict[str, object]:
        """Poll until every request has finished and return {request_id: AsyncResult}.

        Each poll call carries at most 200 ids, and rounds are `poll_interval` seconds apart.
        Raises ResponsysAsyncTimeout when requests are still running after `timeout` seconds.
        """
        pending = list(dict.fromkeys(request_ids))
        finished: dict[str, object] = {}
        deadline = self._clock() + timeout
        while True:
            for start in range(0, len(pending), MAX_REQUEST_IDS_PER_POLL):
                for result in self._poll(pending[start : start + MAX_REQUEST_IDS_PER_POLL]):
                    if result.status not in ASYNC_PENDING_STATUSES:
                        finished[result.request_id] = result
            pending = [request_id for request_id in pending if request_id not in finished]
            if not pending:
                return finished
            if self._clock() >= deadline:
                raise ResponsysAsyncTimeout(
                    f"{len(pending)} asynchronous Responsys requests were still running "
                    f"after {timeout} s",
                    pending_request_ids=pending,
                    finished=finished,
                )
            self._sleep(poll_interval)

    def _queue(self, request: _Request, folder: str, table: str) -> str:
        body = self._execute(request)
        request_id = body.get("requestId") if isinstance(body, dict) else None
        if not isinstance(request_id, str) or not request_id:
            raise payloads.unexpected_response(request.function, "the reply has no requestId")
        logger.info(
            "Responsys %s queued for %s/%s as request %s [client=%s]",
            request.function, folder, table, request_id, self.client_label,
        )
        return request_id

    def _poll(self, request_ids: list[str]) -> list[AsyncResult]:
        request = _Request(
            "getAsyncResponses", "POST", f"{ASYNC_API_PATH}/requests",
            body=payloads.json_bytes({"requestIds": request_ids}), ok_statuses=JSON_ACCEPTED,
        )
        return payloads.async_results(self._execute(request))

    # --- Token handling ------------------------------------------------------------------------

    def _current_token(self) -> CachedToken:
        """Return a stored token that is young enough, logging in first when there is none."""
        token = self._usable_stored_token()
        if token is not None:
            return token
        with self._login_lock:
            # Another thread may have logged in while this one waited for the lock.
            token = self._usable_stored_token()
            if token is not None:
                return token
            return self._login()

    def _usable_stored_token(self) -> CachedToken | None:
        token = self.token_store.get()
        if token is None or token.account != self._account:
            return None
        # A token stamped slightly in the future (clock skew between workers) counts as new.
        age = max(0.0, self._clock() - token.obtained_at)
        if age >= self.token_max_age:
            logger.info(
                "Responsys token is %.0f s old, renewing it [client=%s]", age, self.client_label
            )
            return None
        return token

    def _login(self) -> CachedToken:
        """Log in with the password, store the new token and return it.

        The refresh call (auth_type=token) is not used because Oracle does not say which host
        serves it. A password login works everywhere and happens only every 100 minutes.
        """
        logger.info(
            "Responsys login for user %r started [client=%s]", self._username, self.client_label
        )
        form = urllib.parse.urlencode(
            {"user_name": self._username, "password": self._password, "auth_type": "password"}
        ).encode("ascii")
        request = _Request(
            "login", "POST", LOGIN_PATH, body=form,
            content_type="application/x-www-form-urlencoded", uses_login_host=True,
        )
        body = self._execute(request)

        auth_token = body.get("authToken") if isinstance(body, dict) else None
        if not isinstance(auth_token, str) or not auth_token:
            raise payloads.unexpected_response("login", "the login reply has no authToken")
        end_point = _normalise_origin(str(body.get("endPoint") or ""), "endPoint")
        issued_at = body.get("issuedAt")
        token = CachedToken(
            auth_token=auth_token,
            end_point=end_point,
            issued_at_ms=int(issued_at) if isinstance(issued_at, (int, float)) else 0,
            obtained_at=self._clock(),
            account=self._account,
        )
        self.token_store.set(token)
        logger.info(
            "Responsys login for user %r succeeded, endPoint %s [client=%s]",
            self._username, end_point, self.client_label,
        )
        return token

    def _discard_token(self, token: CachedToken) -> None:
        # Clear only the rejected token, because another worker may have stored a newer one.
        stored = self.token_store.get()
        if stored is None or stored.auth_token == token.auth_token:
            self.token_store.clear()

    # --- Sending and retrying ------------------------------------------------------------------

    def _execute(self, request: _Request) -> Any:
        """Send `request` until it succeeds or fails for good, and return the decoded JSON body."""
        failures = 0
        relogged_in = False
        while True:
            token = None if request.uses_login_host else self._current_token()
            try:
                response = self._send(request, token)
            except NETWORK_ERRORS as exc:
                failures += 1
                detail = str(exc)[: payloads.DETAIL_MAX_CHARS]
                network_error = _ErrorResponse(None, type(exc).__name__, detail)
                self._wait_or_give_up(
                    request, failures, network_error, ResponsysUnavailable,
                    self._backoff_delay(failures),
                )
                continue

            if response.status_code in request.ok_statuses:
                return _decode_body(response, request.function)
            error = _ErrorResponse.from_response(response)

            if error.error_code in (THROTTLE_ERROR_CODE, CAPACITY_ERROR_CODE):
                failures += 1
                capacity = error.error_code == CAPACITY_ERROR_CODE
                wait = self.capacity_wait if capacity else self.throttle_wait
                self._wait_or_give_up(
                    request, failures, error, ResponsysThrottled, self._throttle_delay(wait)
                )
            elif token is not None and error.is_invalid_token:
                if relogged_in:
                    raise _failure(
                        ResponsysAuthError, request, error, "the token of a new login was rejected"
                    )
                relogged_in = True
                logger.warning(
                    "Responsys %s: token rejected (HTTP %s %s), logging in again [client=%s]",
                    request.function, error.http_status, error.error_code, self.client_label,
                )
                self._discard_token(token)
            elif response.status_code >= 500:
                failures += 1
                self._wait_or_give_up(
                    request, failures, error, ResponsysUnavailable, self._backoff_delay(failures)
                )
            else:
                raise _failure(_error_class_for(request, error), request, error)

    def _send(self, request: _Request, token: CachedToken | None) -> requests.Response:
        base_url = self.login_url if token is None else token.end_point
        headers = {}
        if request.body is not None:
            headers["Content-Type"] = request.content_type
        if token is not None:
            headers["Authorization"] = token.auth_token
        return self._session.request(
            request.method,
            base_url + request.path,
            params=list(request.params) or None,
            data=request.body,
            headers=headers,
            timeout=self.timeout,
        )

    def _wait_or_give_up(
        self,
        request: _Request,
        failures: int,
        error: _ErrorResponse,
        error_class: type[ResponsysError],
        delay: float,
    ) -> None:
        """Sleep before the next attempt, or raise `error_class` when no retries are left."""
        if failures > self.max_retries:
            logger.warning(
                "Responsys %s attempt %d failed (HTTP %s %s), giving up after %d retries "
                "[client=%s]",
                request.function, failures, error.http_status, error.error_code,
                self.max_retries, self.client_label,
            )
            raise _failure(error_class, request, error, f"gave up after {failures} attempts")
        logger.warning(
            "Responsys %s attempt %d failed (HTTP %s %s), retry %d of %d in %.1f s [client=%s]",
            request.function, failures, error.http_status, error.error_code, failures,
            self.max_retries, delay, self.client_label,
        )
        self._sleep(delay)

    def _backoff_delay(self, failures: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
        # Equal jitter: at least half the ceiling, so a retry never comes immediately.
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def _throttle_delay(self, wait: float) -> float:
        # The limit window has a fixed length, so waiting longer than one window does not help.
        # The jitter keeps parallel workers from all calling at the start of the next window.
        return wait * self._random.uniform(1.0, 1.25)


# --- Module helpers ----------------------------------------------------------------------------


def _members_path(prefix: str, folder: str, table: str) -> str:
    folder_part = quote_path_segment(folder)
    return f"{prefix}/folders/{folder_part}/suppData/{quote_path_segment(table)}/members"


def _normalise_origin(url: str, name: str) -> str:
    """Return `url` as scheme://host[:port] without a trailing slash, or raise ValueError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{name} must be an http(s) origin such as https://login5.responsys.net, got {url!r}"
        )
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(f"{name} must be an origin without a path, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _decode_body(response: requests.Response, function: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        problem = f"the HTTP {response.status_code} body is not JSON"
        raise payloads.unexpected_response(function, problem, response.status_code) from None


def _error_class_for(request: _Request, error: _ErrorResponse) -> type[ResponsysError]:
    if error.error_code in AUTH_ERROR_CODES or error.http_status == 401:
        return ResponsysAuthError
    # A login rejected with 400 has bad credentials or a malformed form, never a data problem.
    if request.function == "login" and error.http_status == 400:
        return ResponsysAuthError
    if error.http_status == 404 or error.error_code.endswith("NOT_FOUND"):
        return ResponsysNotFound
    return ResponsysError


def _failure(
    error_class: type[ResponsysError], request: _Request, error: _ErrorResponse, note: str = ""
) -> ResponsysError:
    """Build the exception for a failed call. Callers log it because some failures are expected."""
    message = (
        f"Responsys {request.function} failed: HTTP {error.http_status} "
        f"{error.error_code or '-'}: {error.detail}"
    )
    if note:
        message = f"{message} ({note})"
    return error_class(
        message,
        error_code=error.error_code,
        http_status=error.http_status,
        detail=error.detail,
        function=request.function,
    )
