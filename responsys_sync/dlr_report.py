"""The DLR_REPORT table: its columns and how a message becomes one row.

One row per message, primary key MESSAGE_ID, merged with insertOnNoMatch and REPLACE_ALL so that
sending the same version twice leaves the table unchanged.
"""
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from callbacks.models import Client, Message

from .client import Column

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

# Logical column name and Responsys type, in table order; message_record fills the values.
DLR_COLUMNS = (
    ("MESSAGE_ID", "STR100"),
    ("RECIPIENT_ID", "STR100"),
    ("MOBILE_NUMBER", "STR25"),
    ("STATUS", "STR25"),
    ("STATUS_TIMESTAMP", "TIMESTAMP"),
    ("CAUSE", "STR100"),
    ("ERROR_CODE", "STR25"),
    ("SENDER", "STR100"),
    ("CHANNEL", "STR25"),
    ("SENT_TIMESTAMP", "TIMESTAMP"),
    ("DELIVERED_TIMESTAMP", "TIMESTAMP"),
    ("READ_TIMESTAMP", "TIMESTAMP"),
)
PRIMARY_KEY = "MESSAGE_ID"
# Responsys' field-name rules: up to 30 characters, a leading letter, no trailing underscore.
VALID_COLUMN_NAME = re.compile(r"[A-Z][A-Z0-9_$#]{0,28}[A-Z0-9$#]|[A-Z][A-Z0-9$#]?")
_STRING_LIMITS = {name: int(kind[3:]) for name, kind in DLR_COLUMNS if kind.startswith("STR")}


@dataclass(frozen=True)
class TableLayout:
    """The client's actual names for the logical DLR_REPORT columns."""

    folder: str
    table: str
    names: dict[str, str]          # logical name -> column name in the client's table

    @property
    def field_names(self) -> list[str]:
        return [self.names[logical] for logical, _type in DLR_COLUMNS]

    @property
    def columns(self) -> list[Column]:
        return [Column(self.names[logical], kind) for logical, kind in DLR_COLUMNS]

    @property
    def primary_key(self) -> str:
        return self.names[PRIMARY_KEY]


class LayoutError(ValueError):
    """Error raised when a client's column names cannot form a valid DLR_REPORT table."""


def table_layout(client: Client) -> TableLayout:
    """Return the client's table layout; raise LayoutError for unusable column names."""
    overrides = client.responsys_columns or {}
    if not isinstance(overrides, dict):
        raise LayoutError("The client's column names must be an object such as "
                          '{"MESSAGE_ID": "MSG_ID"}.')
    unknown = sorted(set(overrides) - {logical for logical, _type in DLR_COLUMNS})
    if unknown:
        raise LayoutError(f"Unknown DLR_REPORT columns in the client's column names: "
                          f"{', '.join(map(str, unknown))}.")
    names = {logical: str(overrides.get(logical, logical)).strip().upper()
             for logical, _ in DLR_COLUMNS}
    invalid = [name for name in names.values() if not VALID_COLUMN_NAME.fullmatch(name)]
    if invalid:
        raise LayoutError(f"Invalid Responsys column names: {', '.join(invalid)}. A name has "
                          "at most 30 letters, digits, _, $ or #, starts with a letter and "
                          "does not end with _.")
    if len(set(names.values())) != len(names):
        raise LayoutError(f"Two DLR_REPORT columns share one name: {sorted(names.values())}.")
    return TableLayout(client.responsys_folder, client.responsys_table, names)


def recipient_id(client: Client, message: Message) -> str:
    """Return the RECIPIENT_ID value from the client's configured source ("" when absent)."""
    source = client.recipient_id_source
    if source == Client.RecipientIdSource.PHONE:
        return message.phone
    parts = [part.strip() for part in message.extra.split("|")] if message.extra else []
    part_name = client.recipient_id_extra_part.strip()
    if source == Client.RecipientIdSource.EXTRA_POSITION:
        try:
            position = int(part_name)
        except ValueError:
            return ""
        return parts[position - 1] if 1 <= position <= len(parts) else ""
    for part in parts:
        key, separator, value = part.partition("=")
        if separator and key.strip() == part_name:
            return value.strip()
    return ""


def _timestamp(value, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime(TIMESTAMP_FORMAT) if value else ""


def _fit(name: str, value: str) -> str:
    # The primary key is never cut: a cut id would overwrite another message's row, so an
    # over-long id is left for Responsys to reject with MERGEFAILED.
    limit = _STRING_LIMITS.get(name)
    if limit is None or name == PRIMARY_KEY or len(value) <= limit:
        return value
    return value[:limit]


def message_record(client: Client, message: Message, zone: ZoneInfo) -> list[str]:
    """Return the message as a DLR_REPORT row, every value a string, in DLR_COLUMNS order."""
    values = {
        "MESSAGE_ID": message.message_id,
        "RECIPIENT_ID": recipient_id(client, message),
        "MOBILE_NUMBER": message.phone,
        "STATUS": message.status or "",
        "STATUS_TIMESTAMP": _timestamp(message.status_time, zone),
        "CAUSE": message.cause or message.error_title,
        "ERROR_CODE": message.error_code,
        "SENDER": message.sender,
        "CHANNEL": message.channel or "WHATSAPP",
        "SENT_TIMESTAMP": _timestamp(message.sent_at, zone),
        "DELIVERED_TIMESTAMP": _timestamp(message.delivered_at, zone),
        "READ_TIMESTAMP": _timestamp(message.read_at, zone),
    }
    return [_fit(name, values[name]) for name, _type in DLR_COLUMNS]
