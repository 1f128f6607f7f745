"""Marketer dashboards: the overview, the message explorer, one message's history, CSV export."""
import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from callbacks.models import STATUS_CHOICES, Message, StatusEvent

from .access import visible_clients
from .explorer import export_rows, page_of
from .filters import NO_STATUS, PRESET_LABELS, PRESETS, Selection
from .summary import build_overview

logger = logging.getLogger(__name__)

STATUS_COLOURS = {
    "SENT": "#8a96a3", "SUCCESS": "#2f7ed8", "READ": "#1b9e5a",
    "UNKNOWN_SUBSCRIBER": "#c0392b", "DEFERRED": "#e08e0b", "OTHER": "#7d3c98",
}


def _filter_context(selection: Selection) -> dict:
    return {
        "selection": selection,
        # Days back from today per preset, so the page's script can fill From and To at once.
        "presets": [(value, label, PRESETS.get(value, "")) for value, label in PRESET_LABELS],
        "today": timezone.localdate(),
        "status_choices": [*STATUS_CHOICES, (NO_STATUS, "No status yet")],
        "query_string": selection.query_string(),
    }


@login_required
def overview(request):
    """Show totals, funnel, failures, time series, top senders and last syncs of a selection."""
    selection = Selection.from_params(request.user, request.GET)
    data = build_overview(selection)
    label_format = "%d %b %H:00" if data.granularity == "hour" else "%d %b"
    chart = {
        "labels": [moment.strftime(label_format) for moment in data.series_labels],
        "datasets": [{"label": code, "data": data.series[code],
                      "backgroundColor": STATUS_COLOURS[code]} for code, _ in STATUS_CHOICES],
    }
    return render(request, "reporting/overview.html", {
        **_filter_context(selection), "overview": data,
        "tiles": [(code, label, count, STATUS_COLOURS[code])
                  for code, label, count in data.status_rows],
        "chart": chart, "has_data": bool(data.total_with_status or data.no_status),
    })


@login_required
def message_list(request):
    """Show the message explorer: newest first, in keyset pages, searchable."""
    selection = Selection.from_params(request.user, request.GET)
    page = page_of(selection.messages(), request.GET.get("after"))
    return render(request, "reporting/messages.html", {
        **_filter_context(selection), "page": page,
        "next_query": selection.query_string(after=page.next_cursor) if page.next_cursor else "",
    })


@login_required
def message_detail(request, pk: int):
    """Show one message with its full event history, raw values included."""
    try:
        message = Message.objects.select_related("client").get(
            pk=pk, client__in=visible_clients(request.user))
    except Message.DoesNotExist:
        raise Http404("No such message among your clients.") from None
    events = StatusEvent.objects.filter(
        client_id=message.client_id, message_id=message.message_id,
    ).order_by("event_time", "id")
    return render(request, "reporting/message_detail.html", {
        "message": message, "events": events,
        "back_query": request.GET.urlencode(),
    })


@login_required
def export_csv(request):
    """Stream the selection's messages as CSV, however many there are."""
    selection = Selection.from_params(request.user, request.GET)
    logger.info("CSV export started by user %s for clients %s, %s to %s",
                request.user.pk, selection.client_ids, selection.date_from, selection.date_to)
    response = StreamingHttpResponse(
        export_rows(selection.messages(), selection.clients), content_type="text/csv",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="delivery-reports-{stamp}.csv"'
    return response
