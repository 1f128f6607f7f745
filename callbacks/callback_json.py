"""Load callback JSON without losing digits, and repair the bare tokens Gupshup sends.

Ids, phone numbers and timestamps arrive as JSON numbers, some longer than 2^53 or even
64 bits. The fast path (orjson 3.13) turns any integer beyond 64 bits and every fraction into a
float, so a body that yields a float is parsed again by the standard library with exact
integers and decimal.Decimal for fractions. Nothing in a returned value is a float.

Gupshup's own enterprise sample is invalid JSON: it sends `000` as an error code and an
unquoted `<digits>-<digits>` message id. A body that fails to parse is retried once with every
bare token that is not a JSON literal or number quoted as a string.
"""

import json
from decimal import Decimal

import orjson

_STRUCTURAL_CHARACTERS = frozenset("{}[],:")
_BARE_TOKEN_END = frozenset('{}[],:"\r\n')
_JSON_LITERALS = frozenset({"true", "false", "null"})


class InvalidJSONBody(ValueError):
    """The body is not JSON and the repair of bare tokens did not make it JSON."""


def load_json(text: bytes | str) -> tuple[object, bool]:
    """Parse `text` and return (value, repaired) or raise InvalidJSONBody.

    `repaired` is true when the value came from the body with its bare tokens quoted.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _load_exact_or_repaired(text)

    if contains_float(value):
        return _load_exact_or_repaired(text)
    return value, False


def contains_float(value: object) -> bool:
    """Return whether a float sits anywhere inside nested dicts and lists."""
    # A loop with an explicit stack, because orjson accepts about 1,000 levels of nesting,
    # as many as Python's default recursion limit.
    stack = [value]
    pop = stack.pop
    extend = stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is float:
            return True
    return False


def _load_exact_or_repaired(text: bytes | str) -> tuple[object, bool]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")

    try:
        return _load_exact(text), False
    except (ValueError, RecursionError) as error:
        original_error = error

    repaired = quote_bare_tokens(text)
    if repaired is not None and repaired != text:
        try:
            return _load_exact(repaired), True
        except (ValueError, RecursionError):
            pass
    raise InvalidJSONBody(f"invalid JSON: {original_error}") from original_error


def _load_exact(text: str) -> object:
    # parse_constant keeps NaN and Infinity out of floats as well.
    return json.loads(text, parse_float=Decimal, parse_constant=Decimal)


def quote_bare_tokens(text: str) -> str | None:
    """Return `text` with each bare token outside strings quoted, or None if a string is open.

    A bare token is a run of characters outside a string up to the next structural character,
    quote or line break. It stays as it is when it is `true`, `false`, `null` or a valid JSON
    number, so `000`, `026` and `123-456` become strings while `1718000000000` stays a number.
    """
    pieces = []
    position = 0
    length = len(text)
    while position < length:
        character = text[position]
        if character == '"':
            end = _string_end(text, position)
            if end < 0:
                return None
            pieces.append(text[position:end])
            position = end
        elif character in _STRUCTURAL_CHARACTERS or character.isspace():
            pieces.append(character)
            position += 1
        else:
            end = position
            while end < length and text[end] not in _BARE_TOKEN_END:
                end += 1
            token = text[position:end].rstrip()
            pieces.append(_quote_unless_literal(token))
            pieces.append(text[position + len(token):end])
            position = end
    return "".join(pieces)


def _string_end(text: str, opening_quote: int) -> int:
    """Return the index after the quote that closes the string, or -1 if none does."""
    search_from = opening_quote + 1
    while True:
        quote = text.find('"', search_from)
        if quote < 0:
            return -1
        backslashes = 0
        while text[quote - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return quote + 1
        search_from = quote + 1


def _quote_unless_literal(token: str) -> str:
    if token in _JSON_LITERALS or _is_json_number(token):
        return token
    return json.dumps(token)


def _is_json_number(token: str) -> bool:
    try:
        value = json.loads(token, parse_float=Decimal, parse_constant=_reject_constant)
    except ValueError:
        return False
    return type(value) in (int, Decimal)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")
