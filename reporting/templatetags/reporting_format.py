"""Template filters for the dashboards' numbers."""
import json

from django import template
from django.utils.html import format_html_join

from callbacks.models import STATUS_CHOICES

register = template.Library()
STATUS_LABELS = dict(STATUS_CHOICES)


@register.filter
def percent(value) -> str:
    """Format a ratio as a percentage with one decimal; a dash when it cannot be computed."""
    if value is None:
        return "–"
    return f"{value * 100:.1f}%"


@register.filter
def share(part, whole) -> float:
    """Return part/whole as a number from 0 to 100 for bar widths; 0 when whole is 0."""
    return round(100 * part / whole, 1) if whole else 0


@register.filter
def pretty_json(value) -> str:
    """Show a stored raw event as indented JSON, the way Gupshup sent its fields."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@register.filter
def status_label(code) -> str:
    """Show a status as its code and its plain name ("SUCCESS · Delivered"), as the tiles do."""
    if not code:
        return ""
    label = STATUS_LABELS.get(code)
    return f"{code} · {label}" if label else code


@register.filter
def status_name(code) -> str:
    """Return only the plain name of a status ("Delivered" for SUCCESS); the code if unknown."""
    return STATUS_LABELS.get(code, code or "")


@register.filter
def breakable(code) -> str:
    """Let a code such as UNKNOWN_SUBSCRIBER wrap only after its underscores, never mid-word."""
    parts = str(code or "").split("_")
    pieces = [(part + "_",) for part in parts[:-1]] + [(parts[-1],)]
    return format_html_join("<wbr>", "{}", pieces)
