"""Asynchronous merge and delete of supplemental table members, and the polling API.

Accepting a request only checks that the body is JSON with at most 200 records. Everything
else (unknown table, bad field names, bad values) shows up in the polled result. A request
becomes due `async_delay` seconds after it was accepted. A background worker processes due
requests, and a poll processes a due request itself, so results never lag behind the delay.
After `async_retention` seconds a result is purged and polls report RESPONSE_PURGED.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from . import errors
from .merge import (MAX_RECORDS_PER_CALL, members_path, merge_records, parse_json_body,
                    parse_merge_request)
from .protocol import Request, Response, json_response
from .storage import AsyncRequest

if TYPE_CHECKING:
    from .app import Emulator

logger = logging.getLogger(__name__)

API_NAMES = {"async_merge": "AsyncMergeTableMembers", "async_delete": "AsyncDeleteTableMembers"}
MAX_IDS_PER_GET = 10
MAX_IDS_PER_POST = 200
WORKER_INTERVAL_SECONDS = 0.05
PURGE_INTERVAL_SECONDS = 30.0


def async_members_function(request: Request) -> str:
    return "async_delete" if request.query_value("action") == "delete" else "async_merge"


def accept_members_request(app: Emulator, request: Request, folder_name: str,
                           table_name: str) -> Response:
    """Queue an async merge, or an async delete when the query has `action=delete`."""
    return accept_request(app, request, folder_name, table_name,
                          async_members_function(request))


def accept_delete_request(app: Emulator, request: Request, folder_name: str,
                          table_name: str) -> Response:
    """Queue an async delete sent to the path that ends in `/members/members`."""
    return accept_request(app, request, folder_name, table_name, "async_delete")


def accept_request(app: Emulator, request: Request, folder_name: str, table_name: str,
                   function: str) -> Response:
    payload = parse_json_body(request.body, errors.invalid_request_content)
    if not isinstance(payload, dict):
        raise errors.invalid_request_content()
    record_data = payload.get("recordData")
    records = record_data.get("records") if isinstance(record_data, dict) else None
    if isinstance(records, list) and len(records) > MAX_RECORDS_PER_CALL:
        raise errors.recipient_limit_exceeded()
    now = time.time()
    request_id = secrets.token_urlsafe(18)
    app.storage.add_async_request(AsyncRequest(
        request_id=request_id, function=function, folder_name=folder_name,
        table_name=table_name, body_json=json.dumps(payload), created_at=now,
        ready_at=now + app.controls.settings.async_delay, processed_at=None,
        status="IN_PROGRESS", result_json=None))
    logger.info("Async request %s accepted: %s on %s/%s", request_id, function, folder_name,
                table_name)
    body = {
        "requestId": request_id,
        "apiName": API_NAMES[function],
        "status": "REQUEST_ACCEPTED",
        "links": [
            {"rel": "self", "href": request.path, "method": "POST"},
            {"rel": "asyncResponse", "href": f"/rest/asyncApi/v1.3/requests/{request_id}",
             "method": "GET"},
        ],
    }
    return json_response(202, body)


def poll_by_path(app: Emulator, request: Request, request_ids: str) -> Response:
    """Poll up to 10 comma-separated ids; one id returns an object, several a list."""
    ids = [request_id for request_id in request_ids.split(",") if request_id]
    if not ids or len(ids) > MAX_IDS_PER_GET:
        raise errors.invalid_parameter(
            f"Give between 1 and {MAX_IDS_PER_GET} request ids, separated by commas")
    results = [poll_result(app, request_id) for request_id in ids]
    return json_response(200, results[0] if len(results) == 1 else results)


def poll_by_body(app: Emulator, request: Request) -> Response:
    payload = parse_json_body(request.body, errors.invalid_request_content)
    ids = payload.get("requestIds") if isinstance(payload, dict) else None
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise errors.invalid_parameter("requestIds must be a list of request id strings")
    if not ids or len(ids) > MAX_IDS_PER_POST:
        raise errors.invalid_parameter(
            f"Give between 1 and {MAX_IDS_PER_POST} request ids")
    return json_response(200, [poll_result(app, request_id) for request_id in ids])


def poll_result(app: Emulator, request_id: str) -> dict:
    """Build the polling object of one request, processing it first when it is due."""
    stored = app.storage.get_async_request(request_id)
    if stored is None:
        error = errors.error_envelope("INVALID_REQUEST_ID", "Invalid request id",
                                      f"Request id [{request_id}] is not known", True)
        return _poll_body(app, request_id, None, "UNKNOWN", error)
    now = time.time()
    if stored.status == "PURGED" or stored.created_at + app.controls.settings.async_retention < now:
        error = errors.error_envelope("RESPONSE_PURGED", "Response purged",
                                      "The response of this request was purged", True)
        return _poll_body(app, request_id, stored, "UNKNOWN", error)
    if stored.status == "IN_PROGRESS" and stored.ready_at <= now:
        process_request(app, request_id)
        stored = app.storage.get_async_request(request_id)
    if stored.status == "IN_PROGRESS":
        error = errors.error_envelope("PROCESSING_REQUEST", "Processing request",
                                      "The request is still being processed", True)
        return _poll_body(app, request_id, stored, "IN_PROGRESS", error)
    return _poll_body(app, request_id, stored, stored.status, json.loads(stored.result_json))


def _poll_body(app: Emulator, request_id: str, stored: AsyncRequest | None, status: str,
               response: object) -> dict:
    zone = ZoneInfo(app.controls.settings.time_zone)
    return {
        "response": response,
        "requestId": request_id,
        "apiName": API_NAMES[stored.function] if stored else None,
        "timeZone": app.controls.settings.time_zone,
        "requestTime": _format_time(stored.created_at, zone) if stored else None,
        "requestProcessedTime": (_format_time(stored.processed_at, zone)
                                 if stored and stored.processed_at else None),
        "status": status,
    }


def _format_time(epoch_seconds: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(epoch_seconds, zone).isoformat(timespec="milliseconds")


def process_request(app: Emulator, request_id: str) -> None:
    """Run one due request and store SUCCESS with its result or FAILURE with the error.

    The async lock makes the worker and a poll never process the same request twice.
    """
    with app.async_lock:
        stored = app.storage.get_async_request(request_id)
        if stored is None or stored.status != "IN_PROGRESS":
            return
        payload = json.loads(stored.body_json)
        try:
            if stored.function == "async_delete":
                result = _delete_members(app, stored, payload)
            else:
                table = _find_table(app, stored)
                result = merge_records(app.storage, table, parse_merge_request(payload))
            status = "SUCCESS"
        except errors.ApiError as error:
            result = errors.error_envelope(error.error_code, error.title, error.detail, True)
            status = "FAILURE"
        except Exception:
            # A bug must not leave the request IN_PROGRESS, or the worker would retry forever.
            logger.exception("Async request %s failed unexpectedly", request_id)
            failure = errors.unexpected_exception()
            result = errors.error_envelope(failure.error_code, failure.title, failure.detail,
                                           True)
            status = "FAILURE"
        app.storage.finish_async_request(request_id, status, result, time.time())
    logger.info("Async request %s processed: %s", request_id, status)


def _find_table(app: Emulator, stored: AsyncRequest):
    table = app.storage.get_table(stored.folder_name, stored.table_name)
    if table is None:
        raise errors.resource_not_found(stored.table_name)
    return table


def _delete_members(app: Emulator, stored: AsyncRequest, payload: object) -> dict:
    """Delete rows by primary key; a row that fails comes back as `DELETEFAILED: ...`."""
    table = _find_table(app, stored)
    record_data = payload.get("recordData") if isinstance(payload, dict) else None
    field_names = record_data.get("fieldNames") if isinstance(record_data, dict) else None
    records = record_data.get("records") if isinstance(record_data, dict) else None
    if not isinstance(field_names, list) or sorted(field_names) != sorted(table.primary_keys):
        raise errors.invalid_parameter(
            f"recordData.fieldNames must list the primary key fields: "
            f"{', '.join(table.primary_keys)}")
    if not isinstance(records, list) or not all(isinstance(row, list) for row in records):
        raise errors.invalid_parameter("recordData.records must be a list of arrays of strings")
    output_rows = []
    for index, row in enumerate(records):
        reason = _delete_row(app, table, field_names, row)
        if reason:
            row = [f"DELETEFAILED: Record {index} = {reason}\r\n"] + [""] * (len(field_names) - 1)
        output_rows.append(row)
    return {
        "recordData": {"fieldNames": field_names, "records": output_rows,
                       "mapTemplateName": None},
        "links": [{"rel": "self", "href": members_path(table), "method": "DELETE"}],
    }


def _delete_row(app: Emulator, table, field_names: list, row: list) -> str | None:
    if len(row) != len(field_names) or not all(isinstance(value, str) for value in row):
        return "The record must have one string value per field name"
    by_name = dict(zip(field_names, row))
    if not app.storage.delete_row(table, [by_name[name] for name in table.primary_keys]):
        return errors.RECORD_NOT_FOUND_DETAIL
    return None


class AsyncWorker:
    """Background thread that processes due async requests and purges old results."""

    def __init__(self, app: Emulator) -> None:
        self.app = app
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, name="async-worker", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)

    def run(self) -> None:
        last_purge = 0.0
        while not self.stop_event.wait(WORKER_INTERVAL_SECONDS):
            try:
                now = time.time()
                for request_id in self.app.storage.due_async_request_ids(now):
                    process_request(self.app, request_id)
                if now - last_purge >= PURGE_INTERVAL_SECONDS:
                    last_purge = now
                    retention = self.app.controls.settings.async_retention
                    purged = self.app.storage.purge_async_results(now - retention)
                    if purged:
                        logger.info("Purged %d async results older than %.0f s", purged,
                                    retention)
            except Exception:
                # Keep the worker alive; the next pass retries the same requests.
                logger.exception("Async worker pass failed")
