"""Mask the webhook's secret token, and the event data in its query string, in log lines.

The webhook URL /callbacks/gupshup/<token>/ contains the client's secret, and a GET callback
carries the whole event, recipient phone number included, in its query string. Every line a
server writes about a request path passes through `mask_callback_tokens` first.
"""
import re

_WEBHOOK_PATH = re.compile(r"(/callbacks/gupshup/)[^/?#\s\"]+(/?)(\?[^\s\"#]*)?", re.IGNORECASE)
MASK = "********"


def mask_callback_tokens(text: str) -> str:
    """Return `text` with the token and query string of every webhook path masked."""
    if "/gupshup/" not in text.lower():
        return text
    return _WEBHOOK_PATH.sub(_masked_path, text)


def _masked_path(match: re.Match) -> str:
    query = "?" + MASK if match.group(3) else ""
    return f"{match.group(1)}{MASK}{match.group(2)}{query}"
