"""Merge (upsert) of supplemental table records, shared by the sync and async endpoints.

Request-level problems raise ApiError (HTTP 400/404). A row-level problem leaves the call at
HTTP 200 and turns only that row into `MERGEFAILED: Record <i> = <reason>\\r\\n` followed by
empty strings, where `i` is the zero-based index of the row in the request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from . import errors
from .naming import max_text_length, value_problem
from .storage import Storage, SuppTable

MAX_RECORDS_PER_CALL = 200
UPDATE_ON_MATCH_VALUES = ("REPLACE_ALL", "NO_UPDATE")
# NOTE: the text is taken from a PET merge failure; the emulator assumes supplemental tables
# report duplicate field names the same way.
DUPLICATE_FIELD_NAMES_FAILURE = "MERGEFAILED: Duplicate Field Names"


@dataclass
class MergeRequest:
    field_names: list[str]
    records: list[list]
    insert_on_no_match: bool
    update_on_match: str
    map_template_name: object
    match_column_names: object


def parse_json_body(body: bytes, error_factory=None) -> object:
    """Decode a JSON request body; raise 400 INVALID_PARAMETER, or `error_factory()`, if bad."""
    try:
        if body.strip():
            return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        pass
    if error_factory is not None:
        raise error_factory()
    raise errors.invalid_parameter("Request body is empty or is not valid JSON")


def parse_merge_request(payload: object) -> MergeRequest:
    """Check the shape of a merge body; raise 400 for anything that is not a v1.3 merge."""
    if not isinstance(payload, dict):
        raise errors.invalid_parameter("Request body must be a JSON object")
    record_data = payload.get("recordData")
    if not isinstance(record_data, dict):
        raise errors.invalid_parameter("recordData is missing or is not an object")
    field_names = record_data.get("fieldNames")
    if not isinstance(field_names, list) or not field_names:
        raise errors.invalid_parameter("recordData.fieldNames is missing or empty")
    if not all(isinstance(name, str) for name in field_names):
        raise errors.invalid_parameter("recordData.fieldNames must contain only strings")
    records = record_data.get("records")
    if not isinstance(records, list) or not records:
        raise errors.invalid_parameter("recordData.records is missing or empty")
    if not all(isinstance(record, list) for record in records):
        raise errors.invalid_parameter(
            "recordData.records must be a list of arrays of strings; the "
            "{\"fieldValues\": [...]} record form is not accepted by this endpoint")
    if len(records) > MAX_RECORDS_PER_CALL:
        raise errors.recipient_limit_exceeded()
    return MergeRequest(
        field_names=field_names,
        records=records,
        insert_on_no_match=_insert_on_no_match(payload),
        update_on_match=_update_on_match(payload),
        map_template_name=record_data.get("mapTemplateName"),
        match_column_names=payload.get("matchColumnNames"),
    )


def _insert_on_no_match(payload: dict) -> bool:
    value = payload.get("insertOnNoMatch", True)
    if value is None:
        return True
    if not isinstance(value, bool):
        raise errors.invalid_parameter("insertOnNoMatch must be true or false")
    return value


def _update_on_match(payload: dict) -> str:
    value = payload.get("updateOnMatch", "REPLACE_ALL")
    if value is None:
        return "REPLACE_ALL"
    if value not in UPDATE_ON_MATCH_VALUES:
        raise errors.invalid_parameter(
            f"updateOnMatch {value!r} is invalid; use REPLACE_ALL or NO_UPDATE")
    return value


def merge_records(storage: Storage, table: SuppTable, request: MergeRequest) -> dict:
    """Apply a parsed merge to `table` and build the echo body Responsys returns."""
    if request.match_column_names is not None:
        raise errors.invalid_parameter(errors.MATCH_COLUMNS_ON_PK_TABLE_DETAIL)
    if has_duplicate_names(request.field_names):
        failure = [DUPLICATE_FIELD_NAMES_FAILURE] + [""] * (len(request.field_names) - 1)
        return merge_echo(table, request, [list(failure) for _ in request.records])
    check_field_names(table, request.field_names)
    output_rows, valid_positions, stored_rows = check_records(table, request)
    if stored_rows:
        store_rows(storage, table, request, output_rows, valid_positions, stored_rows)
    return merge_echo(table, request, output_rows)


def has_duplicate_names(field_names: list[str]) -> bool:
    """Compare case-insensitively: `status` and `STATUS` name the same stored column."""
    return len({name.upper() for name in field_names}) != len(field_names)


def check_field_names(table: SuppTable, field_names: list[str]) -> None:
    """Reject unknown names, names whose case differs from the table, and missing keys."""
    known = table.field_types
    upper_names = {name.upper(): name for name in known}
    for name in field_names:
        if name in known:
            continue
        if name.upper() in upper_names:
            raise errors.invalid_parameter(
                f"Field name [{name}] does not match the case of the table field "
                f"[{upper_names[name.upper()]}]; field names are case-sensitive")
        raise errors.invalid_parameter(
            f"Field name [{name}] does not exist in table [{table.table_name}]")
    missing = [name for name in table.primary_keys if name not in field_names]
    if missing:
        raise errors.invalid_parameter(
            f"Primary key field(s) {', '.join(missing)} missing from fieldNames")


def check_records(table: SuppTable, request: MergeRequest):
    """Validate every row; return output rows, positions of valid rows and values to store.

    Valid rows are echoed as sent. Empty strings are stored as NULL.
    """
    field_names = request.field_names
    width = len(field_names)
    types = [table.field_types[name] for name in field_names]
    text_limits = [max_text_length(field_type) for field_type in types]
    key_positions = {field_names.index(name) for name in table.primary_keys}
    output_rows: list[list] = []
    valid_positions: list[int] = []
    stored_rows: list[list] = []
    for index, record in enumerate(request.records):
        reason = None
        stored: list = []
        if len(record) != width:
            reason = f"The record has {len(record)} values but fieldNames has {width} names"
        else:
            for position, value in enumerate(record):
                reason = cell_problem(field_names[position], types[position],
                                      text_limits[position], position in key_positions,
                                      value)
                if reason:
                    break
                stored.append(value if value != "" else None)
        if reason:
            output_rows.append(merge_failure(index, reason, width))
            continue
        output_rows.append(record)
        valid_positions.append(index)
        stored_rows.append(stored)
    return output_rows, valid_positions, stored_rows


def cell_problem(field_name: str, field_type: str, text_limit: int | None, is_key: bool,
                 value: object) -> str | None:
    if not isinstance(value, str):
        return (f"The value {json.dumps(value)} for the field {field_name} is not a string; "
                f"send every value as a JSON string")
    if value == "":
        return f"The primary key field {field_name} has no value" if is_key else None
    # Text limits are checked inline because this runs for every cell of every merge.
    if text_limit is not None:
        if len(value) <= text_limit:
            return None
    return value_problem(field_name, field_type, value)


def merge_failure(index: int, reason: str, width: int) -> list[str]:
    return [f"MERGEFAILED: Record {index} = {reason}\r\n"] + [""] * (width - 1)


def store_rows(storage: Storage, table: SuppTable, request: MergeRequest,
               output_rows: list[list], valid_positions: list[int],
               stored_rows: list[list]) -> None:
    """Write valid rows; with insertOnNoMatch false a row whose key is new becomes a failure."""
    update = request.update_on_match == "REPLACE_ALL"
    if request.insert_on_no_match:
        storage.upsert_rows(table, request.field_names, stored_rows, update)
        return
    matched = storage.update_existing_rows(table, request.field_names, stored_rows, update)
    for position, found in zip(valid_positions, matched):
        if not found:
            output_rows[position] = merge_failure(
                position, "No record matches the primary key and insertOnNoMatch is false",
                len(request.field_names))


def members_path(table: SuppTable, api: str = "api") -> str:
    folder = quote(table.folder_name, safe="")
    return f"/rest/{api}/v1.3/folders/{folder}/suppData/{quote(table.table_name, safe='')}/members"


def merge_echo(table: SuppTable, request: MergeRequest, output_rows: list[list]) -> dict:
    return {
        "recordData": {
            "fieldNames": request.field_names,
            "records": output_rows,
            "mapTemplateName": request.map_template_name,
        },
        "insertOnNoMatch": request.insert_on_no_match,
        "updateOnMatch": request.update_on_match,
        "matchColumnNames": None,
        "links": [{"rel": "self", "href": members_path(table), "method": "POST"}],
    }
