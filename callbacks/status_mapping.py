"""Map Gupshup status words, causes and error codes to the six delivery-report statuses.

Every function here takes the raw text as received. Matching ignores case and surrounding
spaces, and the misspelling DEFERED counts as DEFERRED. A function returns None for a word
that maps to no status: Gupshup's enqueued and deleted, and unknown words. The caller keeps such
events in the event history, and they never reach DLR_REPORT.
"""

STATUSES = ("SENT", "SUCCESS", "READ", "UNKNOWN_SUBSCRIBER", "DEFERRED", "OTHER")

# The current status of a message is the event with the highest rank, so a late SENT never
# hides a failure and a failure never hides a delivery.
STATUS_RANK = {
    "READ": 4,
    "SUCCESS": 3,
    "UNKNOWN_SUBSCRIBER": 2,
    "DEFERRED": 2,
    "OTHER": 2,
    "SENT": 1,
}

# Enterprise eventType (POST) and status (GET) words that are not failures.
_ENTERPRISE_PROGRESS_WORDS = {
    "SENT": "SENT",
    "DELIVERED": "SUCCESS",
    "SUCCESS": "SUCCESS",
    "READ": "READ",
}

# FAILED is the WhatsApp eventType. FAILURE and UNKNOWN are the final GET statuses, where
# UNKNOWN means the operator never confirmed delivery. UNDELIV, UNDELIVERED and EXPIRED are
# SMS words that other integrators map to a failed delivery.
_ENTERPRISE_FAILURE_WORDS = frozenset(
    {"FAILED", "FAILURE", "UNKNOWN", "UNDELIV", "UNDELIVERED", "EXPIRED"}
)

# Gupshup's enterprise causes. DEFERRED means Gupshup never handed the message on (DND,
# blocked mask, cancelled, template mismatch). OTHER means it was handed on but not delivered.
_ENTERPRISE_CAUSE_STATUS = {
    "UNKNOWN_SUBSCRIBER": "UNKNOWN_SUBSCRIBER",
    "DEFERRED": "DEFERRED",
    "DEFERED": "DEFERRED",
    "DND_FAIL": "DEFERRED",
    "DND_TIMEOUT": "DEFERRED",
    "OUTSIDE_WORKING_HOURS": "DEFERRED",
    "BLOCKED_MASK": "DEFERRED",
    "CANCEL_CAUSEID": "DEFERRED",
    "CANCEL_SCHEDULE": "DEFERRED",
    "MSG_DOES_NOT_MATCH_TEMPLATE": "DEFERRED",
    "ABSENT_SUBSCRIBER": "OTHER",
    "CALL_BARRED": "OTHER",
    "SERVICE_DOWN": "OTHER",
    "SYSTEM_FAILURE": "OTHER",
    "BLOCKED": "OTHER",
    "BLOCKED_FOR_USER": "OTHER",
    "OTHER": "OTHER",
    "SMSCTIMEDOUT": "OTHER",
    "INBOXFULL": "OTHER",
    "CONGESTION": "OTHER",
    "NO_ACK_FROM_OPERATOR": "OTHER",
}

# The same causes by their three-character enterprise error code, used when the cause is
# empty or unknown. Codes that are not listed map to OTHER.
_ENTERPRISE_CODE_STATUS = {
    "003": "UNKNOWN_SUBSCRIBER",
    "006": "DEFERRED",
    "008": "DEFERRED",
    "009": "DEFERRED",
    "00b": "DEFERRED",
    "00d": "DEFERRED",
    "00e": "DEFERRED",
    "010": "DEFERRED",
    "038": "DEFERRED",
}

# Status words of the self-serve API (v2 payload.type, v3 statuses[].status).
_WHATSAPP_PROGRESS_WORDS = {
    "SENT": "SENT",
    "DELIVERED": "SUCCESS",
    "READ": "READ",
}

# 1002 (Gupshup) and 131026 (Meta) mean the number is not a WhatsApp user.
UNKNOWN_SUBSCRIBER_CODES = frozenset({"1002", "131026"})

# Gupshup rejects a message with these codes before it reaches WhatsApp.
GUPSHUP_SYNC_FAILURE_CODES = frozenset(
    {"500", "1001", "1003", "1004", "1005", "1006", "1007", "1008", "1010", "1011", "1012"}
    | {"4001", "4002", "4003", "4004", "4005"}
)


def map_enterprise_status(word: str, cause: str, error_code: str) -> str | None:
    """Map an enterprise eventType (or GET status) with its cause and error code.

    A failure word is classified by its cause, then by its error code, and is OTHER when
    neither is known. Any other unknown word returns None.
    """
    word = word.strip().upper()
    progress = _ENTERPRISE_PROGRESS_WORDS.get(word)
    if progress is not None:
        return progress
    if word not in _ENTERPRISE_FAILURE_WORDS:
        return None

    by_cause = _ENTERPRISE_CAUSE_STATUS.get(cause.strip().upper())
    if by_cause is not None:
        return by_cause
    return _ENTERPRISE_CODE_STATUS.get(error_code.strip().lower(), "OTHER")


def map_whatsapp_status(word: str, error_code: str, synchronous: bool) -> str | None:
    """Map a v2 or v3 status word, classifying a failure by error code and by its phase.

    `synchronous` is true when Gupshup rejected the message itself, which the caller knows
    because the event carries no WhatsApp message id. Such a failure with an unlisted code is
    DEFERRED; a failure reported by WhatsApp with an unlisted code is OTHER.
    """
    word = word.strip().upper()
    progress = _WHATSAPP_PROGRESS_WORDS.get(word)
    if progress is not None:
        return progress
    if word != "FAILED":
        return None
    return classify_whatsapp_failure(error_code, synchronous)


def classify_whatsapp_failure(error_code: str, synchronous: bool) -> str:
    """Return the status of a failed v2 or v3 message from its error code and phase."""
    code = error_code.strip()
    if code in UNKNOWN_SUBSCRIBER_CODES:
        return "UNKNOWN_SUBSCRIBER"
    if code in GUPSHUP_SYNC_FAILURE_CODES:
        return "DEFERRED"
    return "DEFERRED" if synchronous else "OTHER"
