"""The selection a marketer makes on every dashboard page, parsed once from query parameters.

The overview, the explorer, the CSV export and the API all read the same parameters.
They are
`client` (repeatable), `range` (today, 7d, 30d or custom), `from` and `to` (YYYY-MM-DD, for a
custom range), `sender`, `status` (one of the six, or `none` for messages with no status yet),
`cause` (a cause text or an error code), `channel`, and `q` (a message id, recipient id or
phone number; explorer only).
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone

from callbacks.models import STATUSES, Client, Message

from .access import visible_clients

NO_STATUS = "none"
PRESETS = {"today": 0, "7d": 6, "30d": 29}
PRESET_LABELS = [("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days"),
                 ("custom", "Custom")]
DEFAULT_PRESET = "7d"
_NON_DIGITS = re.compile(r"\D")


def _parse_date(value: str | None) -> date | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


def _checked_date(params, name: str, label: str, ignored: list[str]) -> date | None:
    """Parse one date parameter, and record in `ignored` a value that is not a date."""
    value = params.get(name, "").strip()
    parsed = _parse_date(value)
    if value and parsed is None:
        ignored.append(f"{label} “{value}” was ignored: write dates as YYYY-MM-DD, "
                       "for example 2026-03-31.")
    return parsed


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Selection:
    """A selection: the chosen clients among those visible, a date range and filters."""

    clients: list[Client]
    available_clients: list[Client]
    preset: str
    date_from: date
    date_to: date
    sender: str = ""
    status: str = ""
    cause: str = ""
    channel: str = ""
    search: str = ""
    chosen_client_ids: list[int] = field(default_factory=list)
    # Sentences saying which parameter values were ignored and why, for the pages to show.
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, user, params) -> "Selection":
        available = list(visible_clients(user))
        chosen = {int(value) for value in params.getlist("client") if str(value).isdigit()}
        clients = [client for client in available if client.pk in chosen] if chosen else available
        ignored: list[str] = []
        preset, date_from, date_to = _date_range(params, ignored)
        status = params.get("status", "").strip()
        if status and status not in STATUSES and status != NO_STATUS:
            ignored.append(f"Status “{status}” was ignored: it is none of "
                           f"{', '.join(STATUSES)} or {NO_STATUS}, so all statuses are shown.")
            status = ""
        return cls(
            clients=clients, available_clients=available, preset=preset,
            date_from=date_from, date_to=date_to,
            sender=params.get("sender", "").strip(), status=status,
            cause=params.get("cause", "").strip(), channel=params.get("channel", "").strip(),
            search=params.get("q", "").strip(),
            chosen_client_ids=sorted(client.pk for client in clients) if chosen else [],
            ignored=ignored,
        )

    @property
    def client_ids(self) -> list[int]:
        return [client.pk for client in self.clients]

    @property
    def start(self) -> datetime:
        return _day_start(self.date_from)

    @property
    def end(self) -> datetime:
        return _day_start(self.date_to + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def messages(self):
        """Messages of the selection, unordered; the search term applies here too."""
        queryset = Message.objects.filter(
            client_id__in=self.client_ids, first_event_at__gte=self.start,
            first_event_at__lt=self.end,
        )
        queryset = queryset.filter(self._dimension_filter())
        if self.search:
            queryset = queryset.filter(self._search_filter())
        return queryset

    def bucket_filter(self, period: str = "hour") -> Q:
        """Return the selection as a filter on hourly or daily buckets, without the search term.

        `period` names the bucket's time column: "hour" or "day".
        """
        return Q(client_id__in=self.client_ids, **{f"{period}__gte": self.start,
                                                    f"{period}__lt": self.end},
                 ) & self._dimension_filter()

    def _dimension_filter(self) -> Q:
        condition = Q()
        if self.sender:
            condition &= Q(sender=self.sender)
        if self.status == NO_STATUS:
            condition &= Q(status__isnull=True) | Q(status="")
        elif self.status:
            condition &= Q(status=self.status)
        if self.cause:
            condition &= Q(cause=self.cause) | Q(error_code=self.cause)
        if self.channel:
            condition &= Q(channel=self.channel)
        return condition

    def _search_filter(self) -> Q:
        term = self.search
        condition = Q(message_id=term) | Q(wa_message_id=term)
        digits = _NON_DIGITS.sub("", term)
        if digits:
            # Stored numbers have no "+" and no leading "00".
            condition |= Q(phone=digits.removeprefix("00"))
        extra_sourced = [client.pk for client in self.clients
                         if client.recipient_id_source != Client.RecipientIdSource.PHONE]
        if extra_sourced:
            # A recipient id taken from `extra`: match it as a whole `|`-separated part or as a
            # key=value part's value. Bounded by the client and date range of the selection.
            pattern = rf"(^|\|)\s*([^|=]*=)?\s*{re.escape(term)}\s*(\||$)"
            condition |= Q(client_id__in=extra_sourced, extra__regex=pattern)
        return condition

    def query_string(self, **overrides) -> str:
        """Return the selection as query parameters, for links that keep it (export, pages)."""
        pairs = [("client", client_id) for client_id in self.chosen_client_ids]
        values = {"range": self.preset, "sender": self.sender, "status": self.status,
                  "cause": self.cause, "channel": self.channel, "q": self.search}
        if self.preset == "custom":
            values.update({"from": self.date_from.isoformat(), "to": self.date_to.isoformat()})
        values.update(overrides)
        pairs += [(key, value) for key, value in values.items() if value]
        return urlencode(pairs)


def _date_range(params, ignored: list[str]) -> tuple[str, date, date]:
    today = timezone.localdate()
    preset = params.get("range", "")
    date_from = _checked_date(params, "from", "From", ignored)
    date_to = _checked_date(params, "to", "To", ignored)
    if preset == "custom" or (not preset and (date_from or date_to)):
        date_to = date_to or today
        date_from = date_from or date_to - timedelta(days=PRESETS[DEFAULT_PRESET])
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return "custom", date_from, date_to
    if preset not in PRESETS:
        if preset:
            ignored.append(f"Range “{preset}” was ignored: it is none of today, 7d, 30d or "
                           "custom, so the last 7 days are shown.")
        preset = DEFAULT_PRESET
    return preset, today - timedelta(days=PRESETS[preset]), today
