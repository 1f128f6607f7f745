"""Responsys naming rules and column value checks for supplemental tables."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

FIELD_TYPES = ("CHAR", "STR25", "STR100", "STR500", "STR4000", "INTEGER", "NUMBER", "TIMESTAMP")
MAX_FIELD_NAME_LENGTH = 30
MAX_TABLE_NAME_LENGTH = 30
MAX_FOLDER_NAME_LENGTH = 100
MAX_TABLES_PER_ACCOUNT = 250

# Single letters that Responsys keeps for system use.
RESERVED_SINGLE_LETTERS = frozenset("AEGKMPTU")

# Oracle SQL reserved words plus the extra words Responsys forbids as column names.
# NOTE: Responsys' full list is longer; this set covers the words its field-name page names
# and Oracle's own reserved words.
RESERVED_FIELD_NAMES = frozenset("""
    ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT
    COMPRESS CONNECT CREATE CURRENT DATA DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE
    EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING ID IDENTIFIED IMMEDIATE IN
    INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS
    MINUS MLSLABEL MODE MODIFY NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE
    OPTION OR ORDER PCTFREE PRIOR PRIVILEGES PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID
    ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE
    TEST THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE VALUES VARCHAR VARCHAR2 VIEW
    WHENEVER WHERE WITH
""".split())

FIELD_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9$#_]*")
TABLE_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
FOLDER_NAME_PATTERN = re.compile(r"[A-Za-z0-9 !\-=@_\[\]{}]+")

INTEGER_PATTERN = re.compile(r"-?\d+")
NUMBER_PATTERN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
SPACE_TIMESTAMP_PATTERN = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})")
ISO_TIMESTAMP_PATTERN = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?")
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


def field_name_problem(name: str) -> str | None:
    """Return why `name` is not a legal column name, or None when it is legal."""
    if not FIELD_NAME_PATTERN.fullmatch(name):
        return ("must start with a letter and contain only letters, digits, '$', '#' "
                "and '_'")
    if len(name) > MAX_FIELD_NAME_LENGTH:
        return f"must be at most {MAX_FIELD_NAME_LENGTH} characters long"
    if name.endswith("_"):
        return "must not end with '_', which marks system fields"
    upper = name.upper()
    if upper in RESERVED_SINGLE_LETTERS:
        return "is a single letter reserved for system use"
    if upper in RESERVED_FIELD_NAMES:
        return "is a reserved word"
    return None


def table_name_problem(name: str) -> str | None:
    """Return why `name` is not a legal supplemental table name, or None.

    NOTE: Responsys documents no character set for table names; letters, digits and '_'
    starting with a letter is the emulator's choice.
    """
    if not TABLE_NAME_PATTERN.fullmatch(name):
        return "must start with a letter and contain only letters, digits and '_'"
    if len(name) > MAX_TABLE_NAME_LENGTH:
        return f"must be at most {MAX_TABLE_NAME_LENGTH} characters long"
    return None


def is_valid_folder_name(name: str) -> bool:
    return len(name) <= MAX_FOLDER_NAME_LENGTH and bool(FOLDER_NAME_PATTERN.fullmatch(name))


def max_text_length(field_type: str) -> int | None:
    """Return the maximum characters of a text type, or None for non-text types."""
    if field_type == "CHAR":
        return 1
    if field_type.startswith("STR"):
        return int(field_type[3:])
    return None


def value_problem(field_name: str, field_type: str, value: str) -> str | None:
    """Return the MERGEFAILED reason for a non-empty string cell, or None when it fits.

    STRn and CHAR limits count characters, not bytes.
    """
    limit = max_text_length(field_type)
    if limit is not None:
        if len(value) > limit:
            return (f"The value for the field {field_name} is {len(value)} characters long, "
                    f"more than the {limit} allowed for the field type {field_type}")
        return None
    if field_type == "INTEGER":
        valid = INTEGER_PATTERN.fullmatch(value) and INTEGER_MIN <= int(value) <= INTEGER_MAX
    elif field_type == "NUMBER":
        valid = NUMBER_PATTERN.fullmatch(value)
    else:
        valid = is_valid_timestamp(value)
    if valid:
        return None
    # Same wording as the recorded Responsys reason for a bad INTEGER value.
    return f'The value "{value}" is not valid for the field type {field_type}'


def is_valid_timestamp(value: str) -> bool:
    """Accept `yyyy-MM-dd HH:mm:ss` and ISO 8601 with optional fraction and `Z` or offset."""
    match = SPACE_TIMESTAMP_PATTERN.fullmatch(value)
    zone = None
    if match is None:
        match = ISO_TIMESTAMP_PATTERN.fullmatch(value)
        if match is None:
            return False
        zone = match.group(8)
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        datetime(year, month, day, hour, minute, second)
        if zone and zone != "Z":
            digits = zone[1:].replace(":", "")
            if int(digits[2:]) >= 60:
                return False
            # timezone() rejects offsets of 24 hours or more.
            timezone(timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    except ValueError:
        return False
    return True
