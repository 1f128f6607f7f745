"""Request bodies and response parsing for the Responsys client (`responsys_sync.client`).

Everything here is pure: it checks arguments before anything is sent, builds JSON bodies and
reads the parts of Responsys' responses that the client returns. No HTTP happens in this module.
"""

import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ResponsysError

MAX_RECORDS_PER_MERGE = 200
MAX_FIELD_LIST_LENGTH = 150
MAX_FIELD_NAME_LENGTH = 30
FIELD_TYPES = frozenset(
    {"CHAR", "STR25", "STR100", "STR500", "STR4000", "INTEGER", "NUMBER", "TIMESTAMP"}
)
UPDATE_ON_MATCH_VALUES = frozenset({"REPLACE_ALL", "NO_UPDATE"})
MERGE_FAILED_PREFIX = "MERGEFAILED:"
DELETE_FAILED_PREFIX = "DELETEFAILED:"
DETAIL_MAX_CHARS = 500


@dataclass(frozen=True)
class Column:
    """One supplemental-table column: an upper-case name and a Responsys type such as STR100."""

    name: str
    type: str


@dataclass(frozen=True)
class MergeOutcome:
    """The result of one merged record, where `index` is its position in the request.

    `reason` is Responsys' MERGEFAILED text without the trailing CRLF, or "" when `ok`.
    """

    index: int
    ok: bool
    reason: str


@dataclass(frozen=True)
class AsyncResult:
    """The final polling response for one asynchronous request.

    `status` is Responsys' status (SUCCESS, FAILURE, or UNKNOWN for a purged or unknown id),
    `response` is the result object it returned, and `error_code` is the code of a nested
    error object ("" when there is none).
    """

    request_id: str
    status: str
    response: Any
    error_code: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS" and not self.error_code


def quote_path_segment(name: str) -> str:
    """Percent-encode a folder or table name for a URL path ("Gupshup%20WhatsApp%20DLR").

    quote_plus would turn spaces into "+", which a URL path reads as a literal plus sign.
    """
    return urllib.parse.quote(name, safe="")


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def unexpected_response(
    function: str, problem: str, http_status: int | None = None
) -> ResponsysError:
    return ResponsysError(
        f"Responsys {function} returned an unexpected response: {problem}",
        error_code="UNEXPECTED_RESPONSE",
        http_status=http_status,
        detail=problem,
        function=function,
    )


# --- Checks and bodies for requests ------------------------------------------------------------


def merge_payload(
    field_names: Sequence[str],
    records: Sequence[Sequence[str]],
    insert_on_no_match: bool,
    update_on_match: str,
) -> dict[str, Any]:
    """Build the body of a merge into a table that has a primary key, after checking it.

    The body has no matchColumnNames, because Responsys rejects that key for such tables.
    """
    check_records(field_names, records)
    if update_on_match not in UPDATE_ON_MATCH_VALUES:
        raise ValueError(
            f"update_on_match must be one of {sorted(UPDATE_ON_MATCH_VALUES)}, "
            f"got {update_on_match!r}"
        )
    return {
        "recordData": {
            "fieldNames": list(field_names),
            "records": [list(record) for record in records],
            "mapTemplateName": None,
        },
        "insertOnNoMatch": bool(insert_on_no_match),
        "updateOnMatch": update_on_match,
    }


def check_records(field_names: Sequence[str], records: Sequence[Sequence[str]]) -> None:
    """Raise ValueError or TypeError for a record batch that Responsys would reject or garble."""
    check_field_names(field_names)
    if len(records) > MAX_RECORDS_PER_MERGE:
        raise ValueError(
            f"{len(records)} records given, but Responsys accepts at most "
            f"{MAX_RECORDS_PER_MERGE} per call"
        )
    for index, record in enumerate(records):
        if not isinstance(record, (list, tuple)):
            raise TypeError(f"record {index} must be a list of str, got {type(record).__name__}")
        if len(record) != len(field_names):
            raise ValueError(
                f"record {index} has {len(record)} values for {len(field_names)} field names"
            )
        for position, value in enumerate(record):
            if not isinstance(value, str):
                raise TypeError(
                    f"record {index} value for {field_names[position]} is "
                    f"{type(value).__name__}, but Responsys needs every value as a str "
                    "(use '' for no value)"
                )


def check_field_names(field_names: Sequence[str]) -> None:
    if not field_names:
        raise ValueError("field_names must not be empty")
    for name in field_names:
        if not isinstance(name, str) or not name or name != name.upper():
            raise ValueError(
                f"field name {name!r} must be a non-empty upper-case str, as Responsys stores it"
            )
    if len(set(field_names)) != len(field_names):
        # Responsys fails every row of such a merge with "MERGEFAILED: Duplicate Field Names".
        raise ValueError(f"field_names contains duplicates: {list(field_names)}")


def table_payload(
    table: str, columns: Sequence[Column], primary_keys: Sequence[str]
) -> dict[str, Any]:
    """Build the create-table body after checking names, types and the primary key.

    The column list goes under "fields". Oracle's Swagger file names it "records", but every
    Oracle example and recorded Responsys traffic use "fields".
    """
    check_table_definition(columns, primary_keys)
    return {
        "table": {"objectName": table},
        "fields": [
            {"fieldName": column.name, "fieldType": column.type, "dataExtractionKey": False}
            for column in columns
        ],
        "primaryKeys": list(primary_keys),
    }


def check_table_definition(columns: Sequence[Column], primary_keys: Sequence[str]) -> None:
    if not columns:
        raise ValueError("a supplemental table needs at least one column")
    check_field_names([column.name for column in columns])
    for column in columns:
        if column.type not in FIELD_TYPES:
            raise ValueError(
                f"column {column.name} has the invalid type {column.type!r}. "
                f"Responsys allows {sorted(FIELD_TYPES)}"
            )
        too_long = len(column.name) > MAX_FIELD_NAME_LENGTH
        if too_long or not column.name[0].isalpha() or column.name.endswith("_"):
            raise ValueError(
                f"column name {column.name!r} is invalid: Responsys needs at most "
                f"{MAX_FIELD_NAME_LENGTH} characters, a leading letter and no trailing underscore"
            )
    if not primary_keys:
        raise ValueError("Responsys cannot create a supplemental table without a primary key")
    column_names = {column.name for column in columns}
    unknown = [name for name in primary_keys if name not in column_names]
    if unknown:
        raise ValueError(f"primary key columns {unknown} are not among the table's columns")


def key_params(key: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Build the repeated qa=COLUMN and id=VALUE query parameters that select one record."""
    if not key:
        raise ValueError("the record key must name at least one primary-key column")
    for name, value in key.items():
        if not isinstance(value, str):
            raise TypeError(f"key value for {name} is {type(value).__name__}, but it must be a str")
    return (*(("qa", name) for name in key), *(("id", value) for value in key.values()))


def field_list(fields: str | Sequence[str]) -> str:
    """Join the `fs` parameter of a retrieve call, which Responsys limits to 150 characters."""
    joined = fields if isinstance(fields, str) else ",".join(fields)
    if len(joined) > MAX_FIELD_LIST_LENGTH:
        raise ValueError(
            f"the field list is {len(joined)} characters long, but "
            f"Responsys allows {MAX_FIELD_LIST_LENGTH}"
        )
    return joined


# --- Reading responses -------------------------------------------------------------------------


def merge_outcomes_from_response(body: Any, record_count: int) -> list[MergeOutcome]:
    """Turn a merge response (sync, or the `response` of a polled async merge) into outcomes.

    A row whose first cell starts with "MERGEFAILED:" failed and every other row succeeded.
    Raises ResponsysError when the response does not echo exactly `record_count` rows, because
    then no row can be matched to its record safely.
    """
    _, rows = record_data(body, "mergeTableMembers")
    if len(rows) != record_count:
        raise unexpected_response(
            "mergeTableMembers", f"the response has {len(rows)} rows for {record_count} records"
        )

    outcomes = []
    for index, row in enumerate(rows):
        first_cell = row[0] if isinstance(row, list) and row else None
        if isinstance(first_cell, str) and first_cell.startswith(MERGE_FAILED_PREFIX):
            outcomes.append(MergeOutcome(index, False, first_cell.rstrip("\r\n")))
        else:
            outcomes.append(MergeOutcome(index, True, ""))
    return outcomes


def record_data(body: Any, function: str) -> tuple[list[str], list[Any]]:
    """Return `recordData.fieldNames` and `recordData.records` of a response body."""
    data = body.get("recordData") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise unexpected_response(function, "the response has no recordData object")
    rows = data.get("records")
    if not isinstance(rows, list):
        raise unexpected_response(function, "recordData.records is not a list")
    return list(data.get("fieldNames") or []), rows


def delete_failure_reason(body: Any) -> str:
    """Return the DELETEFAILED text of a delete response without its CRLF, or "" on success."""
    _, rows = record_data(body, "deleteTableMembers")
    first_cell = rows[0][0] if rows and isinstance(rows[0], list) and rows[0] else None
    if isinstance(first_cell, str) and first_cell.startswith(DELETE_FAILED_PREFIX):
        return first_cell.rstrip("\r\n")
    return ""


def columns_from_description(body: Any) -> list[Column]:
    fields = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(fields, list):
        raise unexpected_response("describeTable", "the table description has no 'fields' list")
    return [Column(str(item["fieldName"]), str(item["fieldType"])) for item in fields]


def async_results(body: Any) -> list[AsyncResult]:
    """Read a polling response: a list of per-request objects, or one bare object."""
    items = body if isinstance(body, list) else [body]
    return [
        _async_result(item) for item in items if isinstance(item, dict) and item.get("requestId")
    ]


def _async_result(item: dict[str, Any]) -> AsyncResult:
    response = item.get("response")
    error_code = ""
    if isinstance(response, dict) and response.get("errorCode"):
        error_code = str(response["errorCode"])
    status = str(item.get("status") or "")
    # An unfinished request may carry only the nested PROCESSING_REQUEST error.
    if error_code == "PROCESSING_REQUEST":
        status = "IN_PROGRESS"
    return AsyncResult(str(item["requestId"]), status, response, error_code)
