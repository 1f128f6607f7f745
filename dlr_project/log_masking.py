"""Mask the webhook's secret token in log lines.

The webhook URL /callbacks/gupshup/<token>/ contains the client's secret, so every line a server
writes about a request path passes through `mask_callback_tokens` first.
"""
import re

_TOKEN_SEGMENT = re.compile(r"(/callbacks/gupshup/)[^/?#\s\"]+", re.IGNORECASE)
MASK = "********"


def mask_callback_tokens(text: str) -> str:
    """Return `text` with the token segment of every webhook path replaced by a fixed mask."""
    if "/gupshup/" not in text.lower():
        return text
    return _TOKEN_SEGMENT.sub(r"\g<1>" + MASK, text)
