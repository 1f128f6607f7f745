"""Keyset pages of messages, newest first, and the CSV export of a selection.

Pages never count the table: each page fetches one row more than it shows to know whether a
next page exists, and the next page starts after the last (first_event_at, id) shown.
"""
import base64
import csv
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from callbacks.models import Client
from responsys_sync.dlr_report import recipient_id

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
EXPORT_CHUNK_ROWS = 2000
EXPORT_COLUMNS = (
    "client", "message_id", "recipient_id", "phone", "status", "status_time", "cause",
    "error_code", "error_title", "sender", "channel", "first_event_at", "sent_at",
    "delivered_at", "read_at", "wa_message_id",
)
_EXPORT_FIELDS = ("client_id", "message_id", "phone", "status", "status_time", "cause",
                  "error_code", "error_title", "sender", "channel", "first_event_at", "sent_at",
                  "delivered_at", "read_at", "wa_message_id", "extra")


def encode_cursor(first_event_at: datetime, pk: int) -> str:
    raw = f"{first_event_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """Return (first_event_at, id) of a cursor, or None when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, _, pk = base64.urlsafe_b64decode(padded).decode().partition("|")
        return datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Page:
    messages: list
    next_cursor: str | None
    is_first: bool


def page_of(queryset, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    """Return one page of `queryset`, newest first, after `cursor` (None for the first page)."""
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        moment, pk = position
        queryset = queryset.filter(Q(first_event_at__lt=moment) | Q(first_event_at=moment,
                                                                     pk__lt=pk))
    rows = list(queryset.select_related("client").order_by("-first_event_at", "-id")[:size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(rows[-1].first_event_at, rows[-1].pk)
    return Page(messages=rows, next_cursor=next_cursor, is_first=position is None)


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value):
        return value


def _timestamp(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def export_rows(queryset, clients: list[Client]):
    """Yield the CSV lines of `queryset`, oldest first, reading the rows in chunks.

    `iterator()` makes Django read through a server-side cursor, so memory stays flat however
    many rows the selection holds.
    """
    by_id = {client.pk: client for client in clients}
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    rows = queryset.order_by("first_event_at", "id").values_list(*_EXPORT_FIELDS)
    written = 0
    for row in rows.iterator(chunk_size=EXPORT_CHUNK_ROWS):
        (client_id, message_id, phone, status, status_time, cause, error_code, error_title,
         sender, channel, first_event_at, sent_at, delivered_at, read_at, wa_message_id,
         extra) = row
        client = by_id[client_id]
        recipient = recipient_id(client, _RecipientSource(phone, extra))
        yield writer.writerow((
            client.name, message_id, recipient, phone, status or "", _timestamp(status_time),
            cause, error_code, error_title, sender, channel, _timestamp(first_event_at),
            _timestamp(sent_at), _timestamp(delivered_at), _timestamp(read_at), wa_message_id,
        ))
        written += 1
    logger.info("CSV export finished: %s messages", written)


@dataclass
class _RecipientSource:
    """The two message fields recipient_id() reads, without building a Message per row."""

    phone: str
    extra: str
