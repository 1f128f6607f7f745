"""The overview's numbers for a selection, read from the pre-computed message buckets."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection

from callbacks.models import STATUS_CHOICES
from responsys_sync.models import SyncRun

from .error_codes import describe
from .filters import Selection
from .models import AggregateWatermark, DailyMessageBucket, MessageBucket

FAILURE_STATUSES = ("UNKNOWN_SUBSCRIBER", "DEFERRED", "OTHER")
TOP_SENDERS = 10
# Hourly points up to this many days; daily points beyond.
HOURLY_UP_TO_DAYS = 2

# GROUPING(t, status, sender, error_code, cause): a bit is set for each column not grouped.
_BY_STATUS = 0b10111
_BY_TIME_AND_STATUS = 0b00111
_BY_FAILURE = 0b10100
_BY_SENDER = 0b11011


@dataclass
class Funnel:
    sent: int = 0
    delivered: int = 0
    read: int = 0

    @property
    def delivery_rate(self) -> float | None:
        return self.delivered / self.sent if self.sent else None

    @property
    def read_rate(self) -> float | None:
        return self.read / self.delivered if self.delivered else None


@dataclass
class Failure:
    status: str
    error_code: str
    cause: str
    messages: int

    @property
    def description(self) -> str:
        return describe(self.error_code, self.cause)


@dataclass
class SenderRow:
    sender: str
    messages: int
    delivered: int
    read: int


@dataclass
class Overview:
    """Everything the overview page and the overview API show for one selection."""

    status_counts: dict[str, int] = field(default_factory=dict)
    no_status: int = 0
    funnel: Funnel = field(default_factory=Funnel)
    failures: list[Failure] = field(default_factory=list)
    granularity: str = "day"
    series_labels: list[datetime] = field(default_factory=list)
    series: dict[str, list[int]] = field(default_factory=dict)
    top_senders: list[SenderRow] = field(default_factory=list)
    last_syncs: list[SyncRun] = field(default_factory=list)
    refreshed_at: datetime | None = None

    @property
    def total_with_status(self) -> int:
        return sum(self.status_counts.values())

    @property
    def status_rows(self) -> list[tuple[str, str, int]]:
        return [(code, label, self.status_counts.get(code, 0)) for code, label in STATUS_CHOICES]


def build_overview(selection: Selection) -> Overview:
    """Read the buckets of the selection once (one GROUPING SETS query) and shape the result."""
    overview = Overview(granularity="hour" if selection.days <= HOURLY_UP_TO_DAYS else "day")
    overview.status_counts = {code: 0 for code, _label in STATUS_CHOICES}
    points: dict[tuple[datetime, str], int] = {}
    senders = []
    for row in _grouped_rows(selection, overview.granularity):
        grouping, moment, status, sender, error_code, cause, messages, sent, delivered, read = row
        if grouping == _BY_STATUS:
            _add_status(overview, status, messages, sent, delivered, read)
        elif grouping == _BY_TIME_AND_STATUS and status:
            points[(moment, status)] = messages
        elif grouping == _BY_FAILURE and status in FAILURE_STATUSES:
            overview.failures.append(Failure(status, error_code, cause, messages))
        elif grouping == _BY_SENDER:
            senders.append(SenderRow(sender, messages, delivered, read))

    overview.failures.sort(key=lambda failure: -failure.messages)
    senders.sort(key=lambda row: -row.messages)
    overview.top_senders = senders[:TOP_SENDERS]
    _fill_series(overview, selection, points)
    overview.last_syncs = last_syncs(selection.client_ids)
    watermark = AggregateWatermark.objects.filter(name="messages").first()
    overview.refreshed_at = watermark.refreshed_at if watermark else None
    return overview


def _add_status(overview, status, messages, sent, delivered, read) -> None:
    if status:
        overview.status_counts[status] = messages
    else:
        overview.no_status = messages
    overview.funnel.sent += sent
    overview.funnel.delivered += delivered
    overview.funnel.read += read


def _grouped_rows(selection: Selection, granularity: str):
    if not selection.client_ids:
        return []
    model, period = (MessageBucket, "hour") if granularity == "hour" else (DailyMessageBucket, "day")
    buckets = model.objects.filter(selection.bucket_filter(period)).values_list(
        period, "status", "sender", "error_code", "cause", "messages", "sent", "delivered", "read",
    )
    inner_sql, params = buckets.query.sql_with_params()
    sql = f"""
        SELECT GROUPING(t, status, sender, error_code, cause), t, status, sender, error_code,
               cause, SUM(messages)::bigint, SUM(sent)::bigint, SUM(delivered)::bigint,
               SUM(read)::bigint
        FROM (SELECT b.hour AS t, b.status, b.sender, b.error_code, b.cause,
                     b.messages, b.sent, b.delivered, b.read
              FROM ({inner_sql}) AS b(hour, status, sender, error_code, cause, messages, sent,
                                      delivered, read)) AS s
        GROUP BY GROUPING SETS ((status), (t, status), (status, error_code, cause), (sender))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fill_series(overview: Overview, selection: Selection, points) -> None:
    step = timedelta(hours=1) if overview.granularity == "hour" else timedelta(days=1)
    moment, labels = selection.start, []
    while moment < selection.end:
        labels.append(moment)
        moment += step
    overview.series_labels = labels
    overview.series = {
        code: [points.get((label, code), 0) for label in labels] for code, _ in STATUS_CHOICES
    }


def last_syncs(client_ids: list[int]) -> list[SyncRun]:
    """Return the latest sync run of each client, newest first."""
    runs = (SyncRun.objects.filter(client_id__in=client_ids).select_related("client")
            .order_by("client_id", "-started_at").distinct("client_id"))
    return sorted(runs, key=lambda run: run.started_at, reverse=True)
