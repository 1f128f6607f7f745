"""Parse every Gupshup callback format into status events, without Django or a database.

The webhook receives three formats on one URL, and the format is read from the body alone,
because Gupshup sends no reliable Content-Type:

* enterprise: a JSON array of events with `externalId`. The array comes bare, wrapped as
  `{"response": [...]}` or in a form field `response`. A single event may also come as query
  parameters or form fields (GET style).
* v2: the self-serve `message-event` envelope, one event per body;
* v3: the Meta-shaped `entry[].changes[].value.statuses[]` envelope.

`parse_callback` never raises. An element that cannot be parsed becomes a RejectedEvent with
its own reason while the rest of the body is parsed, and a bug in this module turns into one
RejectedEvent for the whole body.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs

from callbacks.callback_json import InvalidJSONBody, load_json
from callbacks.form_body import find_response_field, multipart_fields, unquote_plus_bytes
from callbacks.status_mapping import (
    STATUS_RANK,
    STATUSES,
    map_enterprise_status,
    map_whatsapp_status,
)

__all__ = [
    "STATUSES",
    "STATUS_RANK",
    "ParseResult",
    "ParsedEvent",
    "RejectedEvent",
    "parse_callback",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# An epoch value of 1e11 or more is read as milliseconds: in seconds it would lie past the
# year 5000, in milliseconds it is 1973 or later.
_MILLISECONDS_THRESHOLD = 100_000_000_000

# Larger epoch values are past the year 9999 even in milliseconds.
_MAX_EPOCH_VALUE = 1_000_000_000_000_000
_MAX_ID_DIGITS = 100

_UTF8_BOM = b"\xef\xbb\xbf"
_ENTERPRISE_QUERY_FIELDS = ("externalId", "deliveredTS", "status", "phoneNo")
_WHATSAPP_ID_PREFIXES = ("wamid.", "gBEG")


# Not frozen, because a frozen dataclass sets each field through object.__setattr__. Building this
# 14-field event took 1.5 instead of 0.24 microseconds (Python 3.11), once per event.
@dataclass(slots=True)
class ParsedEvent:
    """One status event of one message, normalised from any callback format."""

    format: str
    message_id: str
    wa_message_id: str
    status: str | None
    raw_status: str
    cause: str
    error_code: str
    error_title: str
    event_time: datetime
    phone: str
    sender: str
    channel: str
    extra: str
    raw: dict


@dataclass(slots=True)
class RejectedEvent:
    """An element, or the whole body as text, that could not be parsed, and why."""

    raw: object
    reason: str


@dataclass(slots=True)
class ParseResult:
    """The events of one callback body, what was rejected and what was ignored.

    `format` is "enterprise", "v2" or "v3" when the body held status events or rejected ones,
    else "health_check", "empty", "non_status", "unknown" or "invalid". `repaired_json` is
    true when the body was invalid JSON that parsed once its bare tokens were quoted.
    """

    format: str
    events: list[ParsedEvent] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    health_check: bool = False
    repaired_json: bool = False


class _Rejection(Exception):
    """Raised by the event builders when one element cannot become a ParsedEvent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_callback(
    body: bytes,
    content_type: str | None,
    query: Mapping[str, str | list[str]],
    method: str,
) -> ParseResult:
    """Parse one callback request into status events. It never raises.

    The format is detected from the body. `content_type` and `method` do not steer parsing,
    because Gupshup's enterprise callbacks carry no dependable Content-Type and may come as
    GET or POST. The query string is read only when the body is empty.
    """
    try:
        return _parse_request(body, query)
    except Exception as error:  # noqa: BLE001 - the webhook must answer, whatever the body
        reason = f"internal parser error: {type(error).__name__}: {error}"
        return ParseResult("invalid", rejected=[RejectedEvent(_body_as_text(body), reason)])


def _parse_request(body: bytes, query: Mapping[str, str | list[str]]) -> ParseResult:
    if isinstance(body, str):
        body = body.encode("utf-8")
    content = body.strip() if body else b""
    if content.startswith(_UTF8_BOM):
        content = content[len(_UTF8_BOM):].strip()

    if not content:
        if query and _has_enterprise_fields(query):
            return _parse_enterprise_query(query)
        return ParseResult("empty")

    if content[:1] in b'[{"':
        return _parse_json_body(content)
    if content.startswith(b"--"):
        fields = multipart_fields(content)
        if fields is not None:
            return _parse_multipart_fields(fields)
    return _parse_form_body(content)


def _parse_multipart_fields(fields: dict[str, bytes]) -> ParseResult:
    """Parse a multipart/form-data body: the `response` field, or GET-style fields."""
    if "response" in fields:
        value = fields["response"].strip()
        return _parse_json_body(value) if value else ParseResult("empty")
    text_fields = {name: [value.decode("utf-8", errors="replace")] for name, value in fields.items()}
    if _has_enterprise_fields(text_fields):
        return _parse_enterprise_query(text_fields)
    reason = "multipart body has neither a response field nor an externalId field"
    return ParseResult("invalid", rejected=[RejectedEvent(str(sorted(fields)), reason)])


def _body_as_text(body: object) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return str(body)


# --- Body encodings --------------------------------------------------------------------------


def _parse_json_body(content: bytes | str) -> ParseResult:
    try:
        data, repaired = load_json(content)
    except InvalidJSONBody as error:
        return ParseResult("invalid", rejected=[RejectedEvent(_body_as_text(content), str(error))])

    result = _parse_document(data, content)
    result.repaired_json = result.repaired_json or repaired
    return result


def _parse_form_body(content: bytes) -> ParseResult:
    """Parse a form body: the `response` field holding the JSON array, or GET-style fields."""
    response_field = find_response_field(content)
    if response_field is not None:
        value, unencoded = response_field
        if unencoded:
            return _parse_unencoded_response(value)
        value = unquote_plus_bytes(value).strip()
        return _parse_json_body(value) if value else ParseResult("empty")

    text = content.decode("utf-8", errors="replace")
    fields = parse_qs(text, keep_blank_values=True)
    if _has_enterprise_fields(fields):
        return _parse_enterprise_query(fields)

    reason = ("body is neither a JSON object or array nor a form with a response field or "
              "externalId")
    return ParseResult("invalid", rejected=[RejectedEvent(text, reason)])


def _parse_unencoded_response(value: bytes) -> ParseResult:
    """Parse a `response=` value sent without URL encoding, trying cuts that recover it."""
    closing = b"]" if value[:1] == b"[" else b"}"
    candidates = [value]
    last_closing = value.rfind(closing)
    if 0 < last_closing < len(value) - 1:
        # Fields after the JSON (`&other=1`) end the value at its last closing bracket.
        candidates.append(value[: last_closing + 1])
    if b"%" in value:
        candidates.append(unquote_plus_bytes(value))

    first_failure = None
    for candidate in candidates:
        result = _parse_json_body(candidate)
        if result.format != "invalid":
            return result
        first_failure = first_failure or result
    return first_failure


def _has_enterprise_fields(fields: Mapping) -> bool:
    return any(name in fields for name in _ENTERPRISE_QUERY_FIELDS) or any(
        isinstance(name, str) and name.strip() in _ENTERPRISE_QUERY_FIELDS for name in fields
    )


# --- Format detection ------------------------------------------------------------------------


def _parse_document(data: object, content: bytes | str) -> ParseResult:
    """Detect the format of a parsed JSON body and parse its events."""
    if type(data) is list:
        return _parse_enterprise_batch(data)

    if type(data) is dict:
        return _parse_object(data)

    if type(data) is str and data.strip()[:1] in ("[", "{"):
        # A JSON document sent as a JSON string, as some relays double-encode.
        return _parse_json_body(data.strip())

    reason = f"body is a JSON {_json_type_name(data)}, not an object or array"
    return ParseResult("invalid", rejected=[RejectedEvent(_body_as_text(content), reason)])


def _parse_object(data: dict) -> ParseResult:
    if not data:
        return ParseResult("empty")

    if "response" in data:
        return _parse_enterprise_response(data["response"])

    if data.get("object") == "whatsapp_business_account" or type(data.get("entry")) is list:
        return _parse_v3(data)

    if "type" in data and ("payload" in data or "version" in data or "app" in data):
        return _parse_v2(data)

    if "externalId" in data:
        return _parse_enterprise_batch([data])

    return _unknown_shape(data)


def _unknown_shape(data: dict) -> ParseResult:
    """Quarantine a JSON object that matches no Gupshup format, so that it can be replayed."""
    keys = ", ".join(sorted(str(key) for key in data)[:10]) or "none"
    reason = f"JSON object of unknown shape (top-level keys: {keys}); no Gupshup format matched"
    return ParseResult("unknown", rejected=[RejectedEvent(data, reason)])


def _parse_enterprise_response(response: object) -> ParseResult:
    if type(response) is list:
        return _parse_enterprise_batch(response)
    if type(response) is dict:
        return _parse_enterprise_batch([response])
    if type(response) is str and response.strip()[:1] in ("[", "{"):
        return _parse_json_body(response.strip())
    if type(response) is str and not response.strip():
        return ParseResult("empty")

    reason = f"response is a JSON {_json_type_name(response)}, not an array of events"
    return ParseResult("invalid", rejected=[RejectedEvent(response, reason)])


def _result(
    format_name: str,
    events: list,
    rejected: list,
    ignored: list,
    health_check: bool,
) -> ParseResult:
    """Build a result whose format names what the body turned out to contain."""
    if events or rejected:
        resolved = format_name
    elif health_check:
        resolved = "health_check"
    elif ignored:
        resolved = "non_status"
    else:
        resolved = "empty"
    return ParseResult(resolved, events, rejected, ignored, health_check)


# --- Enterprise format -----------------------------------------------------------------------


def _parse_enterprise_batch(items: list) -> ParseResult:
    events = []
    rejected = []
    for item in items:
        try:
            events.append(_enterprise_event(item))
        except _Rejection as rejection:
            rejected.append(RejectedEvent(item, rejection.reason))
    return _result("enterprise", events, rejected, [], False)


def _enterprise_event(item: object) -> ParsedEvent:
    if type(item) is not dict:
        raise _Rejection(f"event is a JSON {_json_type_name(item)}, not an object")

    get = item.get
    message_id = _required_id(get("externalId"), "externalId")
    event_time = _required_time(get("eventTs"), "eventTs")
    raw_status = _text(get("eventType"), "eventType")
    cause = _text(get("cause"), "cause")
    error_code = _enterprise_error_code(item)
    return _build_enterprise_event(
        item, message_id, event_time, raw_status, cause, error_code,
        phone=_phone(get("destAddr"), "destAddr"), sender=_text(get("srcAddr"), "srcAddr"),
    )


def _build_enterprise_event(raw: dict, message_id: str, event_time, raw_status: str, cause: str,
                            error_code: str, *, phone: str, sender: str) -> ParsedEvent:
    """Build an enterprise event, whether it came as a JSON object or as query fields."""
    return ParsedEvent(
        format="enterprise",
        message_id=message_id,
        wa_message_id="",
        status=map_enterprise_status(raw_status, cause, error_code),
        raw_status=raw_status,
        cause=cause,
        error_code=error_code,
        error_title="",
        event_time=event_time,
        phone=phone,
        sender=sender,
        channel=_text(raw.get("channel"), "channel").upper() or "WHATSAPP",
        extra=_extra(raw.get("extra")),
        raw=raw,
    )


def _enterprise_error_code(item: dict) -> str:
    """Return errorCode (WhatsApp) or errCode (SMS) as the three-character code text."""
    value = item.get("errorCode")
    name = "errorCode"
    if value is None or value == "":
        value = item.get("errCode", value)
        name = "errCode"
    if type(value) is int and value >= 0:
        # Enterprise codes are three characters with leading zeros ("003"), which a JSON
        # number cannot carry.
        return str(value).zfill(3)
    return _code(value, name)


def _parse_enterprise_query(query: Mapping) -> ParseResult:
    """Parse one enterprise event sent as GET query parameters or as plain form fields."""
    fields = {}
    for name in query:
        value = query[name]
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else ""
        # Gupshup's documented URL template puts a space before one parameter name.
        fields[str(name).strip()] = value

    try:
        event = _enterprise_query_event(fields)
    except _Rejection as rejection:
        return _result("enterprise", [], [RejectedEvent(fields, rejection.reason)], [], False)
    return _result("enterprise", [event], [], [], False)


def _enterprise_query_event(fields: dict) -> ParsedEvent:
    message_id = _required_id(fields.get("externalId"), "externalId")
    event_time = _required_time(fields.get("deliveredTS"), "deliveredTS")
    raw_status = _text(fields.get("status"), "status")
    cause = _text(fields.get("cause"), "cause")
    error_code = _code(fields.get("errCode", fields.get("errorCode")), "errCode")
    return _build_enterprise_event(
        fields, message_id, event_time, raw_status, cause, error_code,
        phone=_phone(fields.get("phoneNo"), "phoneNo"), sender=_text(fields.get("mask"), "mask"),
    )


# --- v2 message-event envelope ---------------------------------------------------------------


def _parse_v2(envelope: dict) -> ParseResult:
    kind = _lenient_text(envelope.get("type")).lower()
    if not kind:
        return _unknown_shape(envelope)
    if kind == "platform-event":
        return _result("v2", [], [], [], True)
    if kind != "message-event":
        return _result("v2", [], [], [f"v2:{kind}"], False)

    payload = envelope.get("payload")
    if type(payload) is list:
        # No public sample batches v2 events; a list is split so each event keeps its own raw.
        pairs = [(item, {**envelope, "payload": item}) for item in payload]
    else:
        pairs = [(payload, envelope)]

    events = []
    rejected = []
    for item, raw in pairs:
        try:
            events.append(_v2_event(envelope, item, raw))
        except _Rejection as rejection:
            rejected.append(RejectedEvent(raw, rejection.reason))
    return _result("v2", events, rejected, [], False)


def _v2_event(envelope: dict, payload: object, raw: dict) -> ParsedEvent:
    if type(payload) is not dict:
        raise _Rejection(f"payload is a JSON {_json_type_name(payload)}, not an object")

    inner = payload.get("payload")
    if type(inner) is not dict:
        inner = {}

    gs_id = _optional_id(payload.get("gsId"), "payload.gsId")
    payload_id = _optional_id(payload.get("id"), "payload.id")
    message_id = gs_id or payload_id
    if not message_id:
        raise _Rejection("missing payload.gsId and payload.id")

    raw_status = _text(payload.get("type"), "payload.type")
    error_code = _code(inner.get("code"), "payload.payload.code")
    reason = _text(inner.get("reason"), "payload.payload.reason")
    wa_message_id = _v2_whatsapp_id(gs_id, payload_id, raw_status, inner)
    synchronous = not gs_id and not wa_message_id

    return ParsedEvent(
        format="v2",
        message_id=message_id,
        wa_message_id=wa_message_id,
        status=map_whatsapp_status(raw_status, error_code, synchronous),
        raw_status=raw_status,
        cause=reason,
        error_code=error_code,
        error_title=reason,
        event_time=_v2_event_time(envelope, payload, inner),
        phone=_phone(payload.get("destination"), "payload.destination"),
        sender=_text(envelope.get("app"), "app"),
        channel="WHATSAPP",
        extra="",
        raw=raw,
    )


def _v2_whatsapp_id(gs_id: str, payload_id: str, raw_status: str, inner: dict) -> str:
    """Return the WhatsApp message id of a v2 event, or "" when it carries none."""
    if gs_id:
        return payload_id
    enqueued_id = _optional_id(inner.get("whatsappMessageId"), "payload.payload.whatsappMessageId")
    if enqueued_id:
        return enqueued_id
    # Without gsId (more than about a week after the send) a DLR's id is the WhatsApp id,
    # while on enqueued and synchronous failed events it is Gupshup's own id.
    if payload_id.startswith(_WHATSAPP_ID_PREFIXES) or raw_status.lower() in (
        "sent",
        "delivered",
        "read",
    ):
        return payload_id
    return ""


def _v2_event_time(envelope: dict, payload: dict, inner: dict) -> datetime:
    """Return the event time: payload.ts, else the inner payload's ts, else the envelope's.

    enqueued and failed events carry no ts, so their time is when Gupshup built the callback.
    """
    if payload.get("ts") is not None:
        return _required_time(payload["ts"], "payload.ts")
    if inner.get("ts") is not None:
        return _required_time(inner["ts"], "payload.payload.ts")
    return _required_time(envelope.get("timestamp"), "timestamp")


# --- v3 Meta-shaped envelope -----------------------------------------------------------------


def _parse_v3(document: dict) -> ParseResult:
    events = []
    rejected = []
    ignored = []
    health_check = False

    entries = document.get("entry")
    if type(entries) is not list:
        entries = []
    for entry in entries:
        if type(entry) is not dict:
            reason = f"entry is a JSON {_json_type_name(entry)}, not an object"
            rejected.append(RejectedEvent(entry, reason))
            continue
        changes = entry.get("changes")
        if type(changes) is not list:
            rejected.append(RejectedEvent(entry, "entry has no changes array"))
            continue
        for change in changes:
            if type(change) is not dict:
                reason = f"change is a JSON {_json_type_name(change)}, not an object"
                rejected.append(RejectedEvent(change, reason))
                continue
            health_check |= _parse_v3_change(change, events, rejected, ignored)

    return _result("v3", events, rejected, ignored, health_check)


def _parse_v3_change(change: dict, events: list, rejected: list, ignored: list) -> bool:
    """Append the change's status events, rejections and ignored kinds.

    Returns whether the change is a platform health check.
    """
    field_name = _lenient_text(change.get("field"))
    value = change.get("value")
    if field_name == "platform-event" or (
        type(value) is dict and value.get("type") == "connectivity-check"
    ):
        return True

    if type(value) is not dict:
        if field_name == "messages":
            rejected.append(RejectedEvent(change, "change value is not an object"))
        else:
            ignored.append(f"v3:field={field_name}")
        return False

    statuses = value.get("statuses")
    if statuses is not None:
        _parse_v3_statuses(statuses, value, events, rejected)
    if "messages" in value:
        ignored.append("v3:value.messages")
    elif statuses is None:
        ignored.append(f"v3:field={field_name}")
    return False


def _parse_v3_statuses(statuses: object, value: dict, events: list, rejected: list) -> None:
    if type(statuses) is not list:
        rejected.append(RejectedEvent(value, "value.statuses is not an array"))
        return

    metadata = value.get("metadata")
    sender = ""
    if type(metadata) is dict:
        sender = _lenient_text(metadata.get("display_phone_number"))

    for status in statuses:
        try:
            events.append(_v3_event(status, sender))
        except _Rejection as rejection:
            rejected.append(RejectedEvent(status, rejection.reason))


def _v3_event(status: object, sender: str) -> ParsedEvent:
    if type(status) is not dict:
        raise _Rejection(f"status is a JSON {_json_type_name(status)}, not an object")

    gs_id = _optional_id(status.get("gs_id"), "gs_id")
    whatsapp_id = _optional_id(status.get("id"), "id")
    message_id = gs_id or whatsapp_id
    if not message_id:
        raise _Rejection("missing gs_id and id")
    if whatsapp_id == gs_id:
        whatsapp_id = ""

    raw_status = _text(status.get("status"), "status")
    error_code, error_title = _v3_first_error(status.get("errors"))
    synchronous = not whatsapp_id.startswith(_WHATSAPP_ID_PREFIXES)

    return ParsedEvent(
        format="v3",
        message_id=message_id,
        wa_message_id=whatsapp_id,
        status=map_whatsapp_status(raw_status, error_code, synchronous),
        raw_status=raw_status,
        cause=error_title,
        error_code=error_code,
        error_title=error_title,
        event_time=_required_time(status.get("timestamp"), "timestamp"),
        phone=_phone(status.get("recipient_id"), "recipient_id"),
        sender=sender,
        channel="WHATSAPP",
        extra="",
        raw=status,
    )


def _v3_first_error(errors: object) -> tuple[str, str]:
    """Return (code, title) of the first error object, or two empty strings."""
    if type(errors) is not list or not errors or type(errors[0]) is not dict:
        return "", ""
    first = errors[0]
    return _code(first.get("code"), "errors[0].code"), _text(first.get("title"), "errors[0].title")


# --- Values ----------------------------------------------------------------------------------


def _required_id(value: object, name: str) -> str:
    text = _optional_id(value, name)
    if not text:
        raise _Rejection(f"missing {name}")
    return text


def _optional_id(value: object, name: str) -> str:
    """Return an id as text with every digit kept, whether sent as a string or a number."""
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if kind is Decimal:
        digits = _integral_decimal_text(value)
        if digits is not None:
            return digits
    raise _Rejection(f"{name} is not a string or integer: {value!r}")


def _required_time(value: object, name: str) -> datetime:
    """Return an epoch time in seconds or milliseconds, chosen by magnitude, as aware UTC."""
    kind = type(value)
    if kind is int:
        number = value
    elif kind is str:
        number = _time_text_number(value, name)
        if type(number) is datetime:
            return number
    elif value is None:
        raise _Rejection(f"missing {name}")
    elif kind is Decimal and value.is_finite():
        number = value
    else:
        raise _Rejection(f"{name} is not a number: {value!r}")

    if number <= 0:
        raise _Rejection(f"{name} is not a positive epoch time: {value!r}")
    if number >= _MAX_EPOCH_VALUE:
        raise _Rejection(f"{name} is out of range: {value!r}")
    try:
        if number >= _MILLISECONDS_THRESHOLD:
            if kind is int or type(number) is int:
                return _EPOCH + timedelta(milliseconds=number)
            return _EPOCH + timedelta(microseconds=int(number * 1000))
        if type(number) is int:
            return _EPOCH + timedelta(seconds=number)
        return _EPOCH + timedelta(microseconds=int(number * 1_000_000))
    except OverflowError:
        raise _Rejection(f"{name} is out of range: {value!r}") from None


def _time_text_number(value: str, name: str) -> int | Decimal | datetime:
    """Return the number in a timestamp string, or the time of an ISO 8601 string with offset."""
    text = value.strip()
    if text.isdigit() and text.isascii() and len(text) <= 18:
        return int(text)
    if not text:
        raise _Rejection(f"missing {name}")

    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is not None and number.is_finite():
        return number

    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _Rejection(f"{name} is not a number: {value!r}") from None
    if parsed.tzinfo is None:
        raise _Rejection(f"{name} has no UTC offset: {value!r}")
    return parsed.astimezone(timezone.utc)


def _phone(value: object, name: str) -> str:
    """Return the digits of a phone number with country code, without `+` or a leading 00."""
    kind = type(value)
    if kind is str:
        text = value
    elif kind is int:
        text = str(value)
    elif value is None:
        return ""
    elif kind is Decimal and _integral_decimal_text(value) is not None:
        text = _integral_decimal_text(value)
    else:
        raise _Rejection(f"{name} is not a phone number: {value!r}")

    if not (text.isdigit() and text.isascii()):
        text = text.strip().lstrip("+")
    if not (text.isdigit() and text.isascii()):
        text = "".join(character for character in text if "0" <= character <= "9")
    # A country code never starts with 0, so every leading 00 is an international prefix.
    while text.startswith("00"):
        text = text[2:]
    return text


def _integral_decimal_text(value: Decimal) -> str | None:
    """Return the digits of a whole-number Decimal such as 1E+12, else None."""
    # The size limit keeps an exponent like 1E+999999 from building a huge integer.
    if not value.is_finite() or value.adjusted() > _MAX_ID_DIGITS:
        return None
    if value != value.to_integral_value():
        return None
    return str(int(value))


def _lenient_text(value: object) -> str:
    """Return a string stripped, and "" for anything else (for names that steer parsing)."""
    return value.strip() if type(value) is str else ""


def _text(value: object, name: str) -> str:
    """Return a scalar as stripped text and null as "". An object or array is rejected."""
    kind = type(value)
    if kind is str:
        return value.strip()
    if value is None:
        return ""
    if kind is int or kind is Decimal or kind is bool:
        return str(value)
    raise _Rejection(f"{name} is a JSON {_json_type_name(value)}, not text")


def _code(value: object, name: str) -> str:
    """Return an error code as stripped text, keeping leading zeros and letters ("00a")."""
    return _text(value, name)


def _extra(value: object) -> str:
    """Return the enterprise pass-through `extra` unchanged, "" for null."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    return _text(value, "extra")


def _json_type_name(value: object) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "boolean"
    if type(value) in (int, Decimal, float):
        return "number"
    if type(value) is str:
        return "string"
    if type(value) is list:
        return "array"
    if type(value) is dict:
        return "object"
    return type(value).__name__
