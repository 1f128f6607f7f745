"""Template filters for the dashboards' numbers."""
import json

from django import template

register = template.Library()


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
