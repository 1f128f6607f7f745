"""Template filters for the dashboards' numbers."""
import json

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

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
    """Return a status as its code and its plain name ("SUCCESS · Delivered"), like the tiles."""
    if not code:
        return ""
    label = STATUS_LABELS.get(code)
    return f"{code} · {label}" if label else code


@register.filter
def status_name(code) -> str:
    """Return the plain name of a status ("Delivered" for SUCCESS), or the code when unknown."""
    return STATUS_LABELS.get(code, code or "")


@register.filter
def breakable(code) -> str:
    """Mark a code such as UNKNOWN_SUBSCRIBER so that it wraps only after an underscore."""
    parts = str(code or "").split("_")
    pieces = [(part + "_",) for part in parts[:-1]] + [(parts[-1],)]
    return format_html_join(mark_safe("<wbr>"), "{}", pieces)
