"""Handlers of the synchronous Responsys endpoints: auth, folders, tables, members, ratelimit.

Each handler takes the emulator, the request and the decoded path variables, and returns a
Response or raises ApiError.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from . import errors
from .merge import merge_records, members_path, parse_json_body, parse_merge_request
from .naming import (FIELD_TYPES, MAX_TABLES_PER_ACCOUNT, field_name_problem,
                     is_valid_folder_name, table_name_problem)
from .protocol import Request, Response, json_response, not_found_response
from .settings import FUNCTION_CATALOGUE
from .storage import SuppTable

if TYPE_CHECKING:
    from .app import Emulator

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FIELD_SELECTION_LENGTH = 150
MAX_TABLES_PER_PAGE = 200


# Authentication

def auth_function(request: Request) -> str:
    """Name the function of an auth/token call, for counting and throttling."""
    form = parse_qs(request.body.decode("utf-8", "replace"))
    return "refresh" if form.get("auth_type") == ["token"] else "login"


def auth_token(app: Emulator, request: Request) -> Response:
    """Log in with a password (login port only) or refresh a token (`auth_type=token`)."""
    query = request.query
    if "user_name" in query or "password" in query:
        raise errors.invalid_parameter(
            "Credentials must be sent in the form-encoded request body, never in the URL")
    content_type = request.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != FORM_CONTENT_TYPE:
        raise errors.invalid_parameter(f"Content-Type must be {FORM_CONTENT_TYPE}")
    try:
        form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise errors.invalid_parameter("Request body is not valid UTF-8") from None
    auth_type = _form_value(form, "auth_type")
    if auth_type == "password":
        if request.port_role != "login":
            return not_found_response()
        return _password_login(app, form)
    if auth_type == "token":
        if request.port_role != "login" and app.controls.settings.refresh_login_host_only:
            return not_found_response()
        return _refresh_token(app, request)
    raise errors.invalid_parameter("auth_type must be password or token")


def _form_value(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _password_login(app: Emulator, form: dict[str, list[str]]) -> Response:
    user_name = _form_value(form, "user_name")
    password = _form_value(form, "password")
    if not user_name or password is None:
        raise errors.invalid_parameter("user_name and password are required")
    if not app.storage.check_password(user_name, password):
        logger.info("Login rejected for user %s", user_name)
        raise errors.ApiError(400, "INVALID_USER_NAME_PASSWORD", "Invalid username or password",
                              "Login failed")
    token, issued_at_ms = app.storage.issue_token(user_name, app.controls.settings.token_ttl)
    logger.info("Login succeeded for user %s", user_name)
    return json_response(200, _token_body(app, token, issued_at_ms))


def _refresh_token(app: Emulator, request: Request) -> Response:
    old_token = request.headers.get("Authorization", "")
    user_name = app.storage.token_user(old_token)
    if user_name is None:
        raise errors.invalid_token(app.controls.settings.invalid_token_shape)
    token, issued_at_ms = app.storage.issue_token(user_name, app.controls.settings.token_ttl)
    if app.controls.settings.refresh_revokes_old:
        app.storage.revoke_token(old_token)
    logger.info("Token refreshed for user %s", user_name)
    return json_response(200, _token_body(app, token, issued_at_ms))


def _token_body(app: Emulator, token: str, issued_at_ms: int) -> dict:
    return {"authToken": token, "issuedAt": issued_at_ms, "endPoint": app.api_url}


# Folders

def create_folder(app: Emulator, request: Request) -> Response:
    payload = parse_json_body(request.body)
    folder_name = payload.get("folderName") if isinstance(payload, dict) else None
    if not isinstance(folder_name, str) or not is_valid_folder_name(folder_name):
        raise errors.invalid_parameter(errors.INVALID_FOLDER_NAME_DETAIL)
    folder_id = app.storage.create_folder(folder_name)
    if folder_id is None:
        raise errors.ApiError(400, "FOLDER_ALREADY_EXISTS", "Folder already exists",
                              f"Folder [{folder_name}] already exists")
    logger.info("Folder created: %s (id %s)", folder_name, folder_id)
    return json_response(200, {"success": True, "folderId": folder_id, "errorMessage": None})


def list_folders(app: Emulator, request: Request) -> Response:
    # NOTE: Oracle publishes no body for this call; the element shape is the emulator's own.
    folders = [{"folderName": name, "folderId": folder_id}
               for folder_id, name in app.storage.list_folders()]
    return json_response(200, folders)


# Supplemental tables

def create_table(app: Emulator, request: Request, folder_name: str) -> Response:
    """Create a table; names are checked by Responsys' rules and stored upper-cased."""
    payload = parse_json_body(request.body)
    if not isinstance(payload, dict):
        raise errors.invalid_parameter("Request body must be a JSON object")
    if not app.storage.folder_exists(folder_name):
        raise errors.folder_not_found(folder_name)
    table_name = _new_table_name(payload)
    fields = _new_table_fields(payload)
    primary_keys = _new_table_primary_keys(payload, fields)
    if app.storage.count_tables() >= MAX_TABLES_PER_ACCOUNT:
        raise errors.invalid_parameter(
            f"The account already has the maximum of {MAX_TABLES_PER_ACCOUNT} supplemental "
            f"tables")
    table = app.storage.create_table(folder_name, table_name, fields, primary_keys)
    if table is None:
        # NOTE: Responsys publishes no code for this case; INVALID_PARAMETER is a guess.
        raise errors.invalid_parameter(
            f"Supplemental table [{table_name.upper()}] already exists in folder "
            f"[{folder_name}]")
    logger.info("Table created: %s/%s with key %s", folder_name, table.table_name,
                ",".join(primary_keys))
    return json_response(200, True)


def _new_table_name(payload: dict) -> str:
    table = payload.get("table")
    table_name = table.get("objectName") if isinstance(table, dict) else None
    if not isinstance(table_name, str):
        raise errors.invalid_parameter("table.objectName is missing")
    problem = table_name_problem(table_name)
    if problem:
        raise errors.invalid_parameter(f"Invalid table name [{table_name}]: it {problem}")
    return table_name


def _new_table_fields(payload: dict) -> list[tuple[str, str]]:
    items = payload.get("fields")
    if not isinstance(items, list) or not items:
        raise errors.invalid_parameter(
            "fields is missing or empty; list the columns under \"fields\"")
    fields = []
    for item in items:
        name = item.get("fieldName") if isinstance(item, dict) else None
        field_type = item.get("fieldType") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(field_type, str):
            raise errors.invalid_parameter("Every field needs a fieldName and a fieldType")
        problem = field_name_problem(name)
        if problem:
            raise errors.invalid_parameter(f"Invalid field name [{name}]: it {problem}")
        fields.append((name.upper(), field_type))
    if any(field_type not in FIELD_TYPES for _, field_type in fields):
        raise errors.invalid_parameter(errors.ALLOWED_FIELD_TYPES_DETAIL)
    names = [name for name, _ in fields]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise errors.invalid_parameter(f"Duplicate field names: {', '.join(duplicates)}")
    return fields


def _new_table_primary_keys(payload: dict, fields: list[tuple[str, str]]) -> list[str]:
    primary_keys = payload.get("primaryKeys")
    if not isinstance(primary_keys, list) or not primary_keys:
        raise errors.invalid_parameter(errors.NO_PRIMARY_KEY_DETAIL)
    names = {name for name, _ in fields}
    upper_keys = []
    for key in primary_keys:
        if not isinstance(key, str) or key.upper() not in names:
            raise errors.invalid_parameter(f"Primary key [{key}] is not one of the fields")
        if key.upper() not in upper_keys:
            upper_keys.append(key.upper())
    return upper_keys


def describe_table(app: Emulator, request: Request, folder_name: str,
                   table_name: str) -> Response:
    """Return the fields (`ft=all`, the default) or only the key fields (`ft=PK`)."""
    selection = request.query_value("ft", "all")
    if selection not in ("all", "PK"):
        raise errors.invalid_parameter("ft must be PK or all")
    table = app.storage.get_table(folder_name, table_name)
    if table is None:
        raise errors.resource_not_found(table_name)
    fields = table.fields
    if selection == "PK":
        fields = tuple(item for item in fields if item[0] in table.primary_keys)
    folder = quote(folder_name, safe="")
    members = members_path(table)
    body = {
        "fields": _fields_json(fields),
        "suppData": {"folderName": table.folder_name, "objectName": table.table_name},
        "links": [
            {"rel": "self", "href": f"/rest/api/v1.3/folder/{folder}/suppData/"
                                    f"{table.table_name}?ft={selection}", "method": "GET"},
            {"rel": "mergeTableMembers", "href": members, "method": "POST"},
            {"rel": "retrieveTableMembers", "href": members, "method": "GET"},
            {"rel": "deleteTableMembers", "href": members, "method": "DELETE"},
        ],
    }
    return json_response(200, body)


def _fields_json(fields) -> list[dict]:
    return [{"fieldName": name, "fieldType": field_type} for name, field_type in fields]


def list_tables(app: Emulator, request: Request) -> Response:
    offset = _int_query(request, "offset", 0)
    limit = _int_query(request, "limit", MAX_TABLES_PER_PAGE)
    if offset < 0 or not 1 <= limit <= MAX_TABLES_PER_PAGE:
        raise errors.invalid_parameter(
            f"offset must be 0 or more and limit between 1 and {MAX_TABLES_PER_PAGE}")
    tables = app.storage.list_tables(offset, limit)
    body = [{"suppData": {"objectName": table.table_name, "folderName": table.folder_name},
             "fields": _fields_json(table.fields)} for table in tables]
    return json_response(200, body)


def _int_query(request: Request, name: str, default: int) -> int:
    value = request.query_value(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise errors.invalid_parameter(f"{name} must be an integer, got {value!r}") from None


def delete_table(app: Emulator, request: Request, folder_name: str,
                 table_name: str) -> Response:
    if not app.storage.folder_exists(folder_name):
        raise errors.folder_not_found(folder_name)
    table = app.storage.get_table(folder_name, table_name)
    if table is None:
        raise errors.table_not_found(table_name)
    app.storage.drop_table(table)
    logger.info("Table deleted: %s/%s", folder_name, table.table_name)
    href = (f"/rest/api/v1.3/folders/{quote(folder_name, safe='')}/suppData/"
            f"{table.table_name}/table")
    return json_response(200, {"suppTableName": table.table_name,
                               "links": [{"rel": "self", "href": href, "method": "DELETE"}]})


# Members

def find_table(app: Emulator, folder_name: str, table_name: str) -> SuppTable:
    """Return the table or raise the 404 Responsys gives for an unknown supplemental table."""
    table = app.storage.get_table(folder_name, table_name)
    if table is None:
        raise errors.resource_not_found(table_name)
    return table


def merge_members(app: Emulator, request: Request, folder_name: str,
                  table_name: str) -> Response:
    table = find_table(app, folder_name, table_name)
    merge_request = parse_merge_request(parse_json_body(request.body))
    return json_response(200, merge_records(app.storage, table, merge_request))


def primary_key_from_query(request: Request, table: SuppTable) -> list[str]:
    """Read `qa` (every key column, any order) and `id` (values in the same order).

    Return the key values in the table's key order.
    """
    names = request.query.get("qa", [])
    values = request.query.get("id", [])
    if not names or len(names) != len(values):
        raise errors.invalid_parameter("qa and id must be given, with as many id as qa values")
    if sorted(names) != sorted(table.primary_keys):
        raise errors.invalid_parameter(
            f"qa must name every primary key field exactly once: "
            f"{', '.join(table.primary_keys)}")
    by_name = dict(zip(names, values))
    return [by_name[name] for name in table.primary_keys]


def retrieve_member(app: Emulator, request: Request, folder_name: str,
                    table_name: str) -> Response:
    table = find_table(app, folder_name, table_name)
    key = primary_key_from_query(request, table)
    columns = _selected_fields(request, table)
    row = app.storage.get_row(table, key, columns)
    if row is None:
        raise errors.record_not_found()
    members = members_path(table)
    body = {
        "recordData": {"fieldNames": columns, "records": [list(row)], "mapTemplateName": None},
        "insertOnNoMatch": False,
        "updateOnMatch": None,
        "links": [{"rel": "self", "href": members, "method": "GET"},
                  {"rel": "mergeTableMembers", "href": members, "method": "POST"}],
    }
    return json_response(200, body)


def _selected_fields(request: Request, table: SuppTable) -> list[str]:
    selection = request.query_value("fs", "all")
    if len(selection) > MAX_FIELD_SELECTION_LENGTH:
        raise errors.invalid_parameter(
            f"fs must be at most {MAX_FIELD_SELECTION_LENGTH} characters long")
    if selection == "all":
        return list(table.field_names)
    columns = [name.strip() for name in selection.split(",") if name.strip()]
    unknown = [name for name in columns if name not in table.field_types]
    if unknown or not columns:
        raise errors.invalid_parameter(f"fs names unknown fields: {', '.join(unknown)}")
    return columns


def delete_member(app: Emulator, request: Request, folder_name: str,
                  table_name: str) -> Response:
    table = find_table(app, folder_name, table_name)
    key = primary_key_from_query(request, table)
    if not app.storage.delete_row(table, key):
        raise errors.record_not_found()
    body = {
        "recordData": {"fieldNames": list(table.primary_keys), "records": [key],
                       "mapTemplateName": None},
        "links": [{"rel": "self", "href": members_path(table), "method": "DELETE"}],
    }
    return json_response(200, body)


# Throttling limits

def rate_limits(app: Emulator, request: Request) -> Response:
    """List the limited functions; a function without a limit is left out."""
    limits = app.controls.settings.throttle
    body = []
    for function, limit in sorted(limits.items()):
        api_name, resource_path, verb, description = FUNCTION_CATALOGUE[function]
        body.append({"limit": limit, "api": api_name, "resource_path": resource_path,
                     "verb": verb, "description": description})
    return json_response(200, body)
