"""Handlers of the emulator's own control API under /_emulator/ on the API port.

The control API needs no token and serves only clients on a loopback address. Tests use it to
reset state, switch behaviours, inject faults and read what the client stored.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import errors
from .merge import parse_json_body
from .protocol import Request, Response, json_response
from .settings import check_function_name, fault_rule_from_json
from .storage import SuppTable

if TYPE_CHECKING:
    from .app import Emulator

logger = logging.getLogger(__name__)

STREAM_CHUNK_BYTES = 64 * 1024


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def check_loopback(request: Request) -> None:
    if not is_loopback(request.client_host):
        logger.warning("Control call from non-loopback client %s rejected", request.client_host)
        raise errors.ApiError(403, "FORBIDDEN", "Forbidden",
                              "The control API only answers loopback clients")


def health(app: Emulator, request: Request) -> Response:
    # The pid lets a test helper check that it reached its own process on this port.
    return json_response(200, {"status": "ok", "loginUrl": app.login_url,
                               "apiUrl": app.api_url, "pid": os.getpid()})


def reset(app: Emulator, request: Request) -> Response:
    """Empty the state (users stay) and restore start-up settings, faults and counters."""
    with app.async_lock:
        app.storage.reset()
    app.controls.reset()
    logger.info("State reset through the control API")
    return json_response(200, {"reset": True})


def expire_tokens(app: Emulator, request: Request) -> Response:
    expired = app.storage.expire_all_tokens()
    logger.info("Expired %d tokens through the control API", expired)
    return json_response(200, {"expired": expired})


def get_settings(app: Emulator, request: Request) -> Response:
    return json_response(200, app.controls.settings.to_json())


def patch_settings(app: Emulator, request: Request) -> Response:
    changes = _json_object(request)
    try:
        with app.controls.lock:
            app.controls.settings.update(changes)
    except (TypeError, ValueError) as error:
        raise errors.invalid_parameter(str(error)) from None
    logger.info("Settings changed: %s", ", ".join(sorted(changes)))
    return json_response(200, app.controls.settings.to_json())


def set_throttle(app: Emulator, request: Request, function: str) -> Response:
    """Set a per-minute limit for one function; `{"per_minute": null}` removes it."""
    payload = _json_object(request)
    per_minute = payload.get("per_minute")
    try:
        check_function_name(function)
        app.controls.set_throttle(function, None if per_minute is None else int(per_minute))
    except (TypeError, ValueError) as error:
        raise errors.invalid_parameter(str(error)) from None
    logger.info("Throttle for %s set to %s per minute", function, per_minute)
    return json_response(200, app.controls.settings.throttle)


def get_faults(app: Emulator, request: Request) -> Response:
    return json_response(200, app.controls.faults_json())


def set_faults(app: Emulator, request: Request) -> Response:
    """Replace the fault rule of one function (or "*"); see settings.FaultRule."""
    try:
        fault = fault_rule_from_json(_json_object(request))
    except (TypeError, ValueError) as error:
        raise errors.invalid_parameter(str(error)) from None
    app.controls.set_fault(fault)
    logger.info("Fault rule set: %s", fault.to_json())
    return json_response(200, app.controls.faults_json())


def clear_faults(app: Emulator, request: Request) -> Response:
    app.controls.clear_faults()
    logger.info("Fault rules cleared")
    return json_response(200, [])


def get_call_counts(app: Emulator, request: Request) -> Response:
    return json_response(200, app.controls.call_counts_json())


def clear_call_counts(app: Emulator, request: Request) -> Response:
    app.controls.clear_call_counts()
    return json_response(200, app.controls.call_counts_json())


def table_rows(app: Emulator, request: Request, folder_name: str, table_name: str) -> Response:
    """Stream every row as a JSON list of objects; values are strings or null."""
    table = _find_table(app, folder_name, table_name)
    return Response(200, stream=_stream_rows(app, table))


def _stream_rows(app: Emulator, table: SuppTable) -> Iterator[bytes]:
    names = table.field_names
    chunk = bytearray(b"[")
    separator = b""
    for row in app.storage.iter_rows(table):
        chunk += separator + json.dumps(dict(zip(names, row)), ensure_ascii=False).encode()
        separator = b","
        if len(chunk) >= STREAM_CHUNK_BYTES:
            yield bytes(chunk)
            chunk.clear()
    chunk += b"]"
    yield bytes(chunk)


def table_row_count(app: Emulator, request: Request, folder_name: str,
                    table_name: str) -> Response:
    table = _find_table(app, folder_name, table_name)
    return json_response(200, {"count": app.storage.count_rows(table)})


def _find_table(app: Emulator, folder_name: str, table_name: str) -> SuppTable:
    table = app.storage.get_table(folder_name, table_name)
    if table is None:
        raise errors.resource_not_found(table_name)
    return table


def _json_object(request: Request) -> dict:
    payload = parse_json_body(request.body) if request.body.strip() else {}
    if not isinstance(payload, dict):
        raise errors.invalid_parameter("Request body must be a JSON object")
    return payload
