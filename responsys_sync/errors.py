"""Exceptions raised by the Responsys REST client (`responsys_sync.client`)."""


class ResponsysError(Exception):
    """A Responsys call failed.

    Attributes:
        error_code: Responsys' `errorCode` (for example "INVALID_PARAMETER"), a client-side code
            such as "UNEXPECTED_RESPONSE", the network exception's class name, or "" when unknown.
        http_status: the HTTP status of the last response, or None when no response arrived.
        detail: Responsys' `detail` text (or the start of a non-JSON body), at most 500 characters.
        function: the Responsys API function that failed, for example "mergeTableMembers".
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: str = "",
        http_status: int | None = None,
        detail: str = "",
        function: str = "",
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.http_status = http_status
        self.detail = detail
        self.function = function


class ResponsysAuthError(ResponsysError):
    """Login was rejected, or a fresh token was rejected again after the one re-login."""


class ResponsysNotFound(ResponsysError):
    """The folder, table or record does not exist, or the URL path is unknown (HTTP 404)."""


class ResponsysThrottled(ResponsysError):
    """Responsys kept returning API_LIMIT_EXCEEDED or INTERNAL_CAPACITY_LIMIT_EXCEEDED until the
    client ran out of retries."""


class ResponsysUnavailable(ResponsysError):
    """Responsys kept returning 5xx, or the connection kept failing or timing out, until the client
    ran out of retries."""


class ResponsysAsyncTimeout(ResponsysError):
    """Some asynchronous requests were still in progress when `wait_for_async` timed out.

    `pending_request_ids` lists them, and `finished` contains the results of the others.
    """

    def __init__(self, message: str, *, pending_request_ids: list[str], finished: dict) -> None:
        super().__init__(message, error_code="PROCESSING_REQUEST", function="getAsyncResponses")
        self.pending_request_ids = pending_request_ids
        self.finished = finished
