"""Request and response values passed between the HTTP server and the endpoint handlers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qs

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8"


@dataclass
class Request:
    """One decoded HTTP request.

    `segments` are the path segments, each percent-decoded on its own in RFC 3986 style, so
    `%2F` stays inside its segment and `+` stays a plus sign.
    """

    method: str
    path: str
    segments: list[str]
    raw_query: str
    headers: Message
    body: bytes
    port_role: str
    client_host: str
    user: str | None = None
    query: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        # Query strings use form encoding, where `+` is a space, as `requests` sends them.
        self.query = parse_qs(self.raw_query, keep_blank_values=True)

    def query_value(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    """A response: a JSON value, raw text, or a stream of byte chunks of unknown length."""

    status: int
    body: object = None
    text: str | None = None
    stream: Iterator[bytes] | None = None
    content_type: str = JSON_CONTENT_TYPE

    def encode(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(status: int, body: object) -> Response:
    return Response(status, body)


def not_found_response() -> Response:
    """Build the gateway's plain-text 404 for an unknown path, which has no JSON envelope."""
    return Response(404, text="HTTP Status 404 - Not Found", content_type=TEXT_CONTENT_TYPE)
