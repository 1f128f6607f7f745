"""Plain-language descriptions of the error codes Gupshup and Meta report, for marketers."""

DESCRIPTIONS = {
    # Gupshup self-serve codes.
    "500": "Gupshup had an internal error and did not send the message.",
    "1001": "The sender is not live or not connected to this app, so Gupshup could not send.",
    "1002": "The phone number is not on WhatsApp.",
    "1003": "The Gupshup wallet balance is too low to send.",
    "1004": "The recipient has no open session and template messages are turned off.",
    "1005": "The recipient has no open session and the text matched no approved template.",
    "1006": "The recipient has no open session and has not opted in.",
    "1007": "No open session, no opt-in, and the text matched no approved template.",
    "1008": "The recipient has neither opted in nor written recently.",
    "1010": "The media link is not valid.",
    "1011": "The media file is too large or too small.",
    "1012": "The recipient has opted out of messages from this sender.",
    "4001": "Too many requests: Gupshup's rate limit was reached.",
    "4002": "WhatsApp gave Gupshup an answer it could not use.",
    "4003": "The text matched no approved template.",
    "4004": "This message type is only available on Meta's Cloud API.",
    "4005": "The template is paused.",
    # Meta Cloud API codes seen in failed events.
    "131000": "Meta reported a generic error.",
    "131026": "WhatsApp could not deliver: the number is probably not a WhatsApp user.",
    "131031": "The business account is locked or restricted.",
    "131042": "A payment problem on the business account.",
    "131047": "More than 24 hours since the recipient last wrote: only templates may be sent.",
    "131048": "Held back by Meta's spam rate limit.",
    "131049": "Held back by Meta's per-user limit on marketing messages.",
    "131050": "The recipient has stopped marketing messages from this business.",
}


# Enterprise (GatewayAPI) callbacks send a cause name with a three-character code whose
# WhatsApp meaning Gupshup does not publish, so the cause name carries the meaning.
CAUSE_DESCRIPTIONS = {
    "UNKNOWN_SUBSCRIBER": "The number is invalid or not on WhatsApp.",
    "DEFERRED": "Gupshup could not hand the message to WhatsApp.",
    "DEFERED": "Gupshup could not hand the message to WhatsApp.",
    "BLOCKED_FOR_USER": "The recipient's number is blocked for this business.",
    "BLOCKED": "The recipient has blocked this sender.",
    "OTHER": "The message failed for a reason Gupshup did not name.",
    "ABSENT_SUBSCRIBER": "The recipient's phone could not be reached for now.",
    "SERVICE_DOWN": "The messaging service was down.",
    "SYSTEM_FAILURE": "A system failure at Gupshup or WhatsApp stopped the message.",
}


def describe(error_code: str, cause: str = "") -> str:
    """Return a readable description of a failure.

    A known Gupshup or Meta code wins, then a known enterprise cause name; otherwise the raw
    cause as reported, so nothing is hidden.
    """
    description = DESCRIPTIONS.get((error_code or "").strip())
    if description:
        return description
    description = CAUSE_DESCRIPTIONS.get((cause or "").strip().upper())
    if description:
        return description
    if cause:
        return cause
    return "No cause or error code was reported."
