"""Marketer dashboards."""
from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from callbacks.models import STATUS_CHOICES, Message

from .access import visible_clients


def _parse_date(value: str | None, default):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else default
    except ValueError:
        return default


@login_required
def overview(request):
    """Show how many messages are in each of the six statuses for a client and a date range."""
    clients = visible_clients(request.user)
    today = timezone.localdate()
    date_from = _parse_date(request.GET.get("from"), today - timedelta(days=6))
    date_to = _parse_date(request.GET.get("to"), today)
    selected = request.GET.get("client", "")

    messages = Message.objects.filter(
        client__in=clients,
        first_event_at__gte=timezone.make_aware(datetime.combine(date_from, time.min)),
        first_event_at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min)),
        status__isnull=False,
    )
    if selected.isdigit():
        messages = messages.filter(client_id=int(selected))
    counts = dict(messages.values_list("status").annotate(total=Count("id")).order_by())
    rows = [(code, label, counts.get(code, 0)) for code, label in STATUS_CHOICES]
    return render(request, "reporting/overview.html", {
        "clients": clients, "selected": selected, "date_from": date_from, "date_to": date_to,
        "rows": rows, "total": sum(counts.values()),
    })
