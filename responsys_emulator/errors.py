"""Error envelopes the emulator returns, in the shape Responsys uses.

Every request-level failure is a JSON object with `type` (always ""), `title`, `errorCode`,
`detail` and `errorDetails` (always an empty list). Clients must branch on `errorCode`.
"""

from __future__ import annotations

# Texts recorded from real Responsys traffic or printed in Oracle's documentation. Clients may
# match on them, so they are reproduced character for character, including the missing space
# after the period in NO_PRIMARY_KEY_DETAIL.
NOT_A_VALID_TOKEN_DETAIL = "Not a valid authentication token"
ALLOWED_FIELD_TYPES_DETAIL = (
    "Some Field Types are invalid. Allowed Field Types are 'CHAR', 'STR25', 'STR100', "
    "'STR500', 'STR4000', 'INTEGER', 'NUMBER' and 'TIMESTAMP'."
)
NO_PRIMARY_KEY_DETAIL = "Create Table Without PK is not supported.Please include Primary Key."
MATCH_COLUMNS_ON_PK_TABLE_DETAIL = (
    "MatchColumnNames must be null or must not be specified to merge into a table that has "
    "primary keys"
)
INVALID_FOLDER_NAME_DETAIL = "Invalid Folder Name in the Request"
RECORD_NOT_FOUND_DETAIL = "No Records found for the Id"
RECIPIENT_LIMIT_DETAIL = (
    "Recipient limit exceeded, maximum of 200 recipients are allowed per each api call"
)
INVALID_REQUEST_CONTENT_DETAIL = "Request body is empty or invalid"
UNABLE_TO_SUBMIT_ASYNC_DETAIL = "Error in submitting async request"


class ApiError(Exception):
    """A request-level failure that is sent to the client as an error envelope."""

    def __init__(self, status: int, error_code: str, title: str, detail: str) -> None:
        super().__init__(f"{status} {error_code}: {detail}")
        self.status = status
        self.error_code = error_code
        self.title = title
        self.detail = detail

    def envelope(self) -> dict:
        """Build the JSON body of this error."""
        return error_envelope(self.error_code, self.title, self.detail)


class DropConnection(Exception):
    """Close the client's socket without writing any response.

    Mimics the Oracle gateway, which resets the connection on oversized bodies and under load.
    """


def error_envelope(error_code: str, title: str, detail: str, details_as_string: bool = False):
    """Build an error object; polling responses nest it with `errorDetails` as the string "[]"."""
    return {
        "type": "",
        "title": title,
        "errorCode": error_code,
        "detail": detail,
        "errorDetails": "[]" if details_as_string else [],
    }


def invalid_parameter(detail: str) -> ApiError:
    return ApiError(400, "INVALID_PARAMETER", "Invalid request parameters", detail)


def recipient_limit_exceeded() -> ApiError:
    return ApiError(400, "RECIPIENT_LIMIT_EXCEEDED", "Recipient limit exceeded",
                    RECIPIENT_LIMIT_DETAIL)


def resource_not_found(table_name: str) -> ApiError:
    return ApiError(404, "RESOURCE_NOT_FOUND", "Resource not found",
                    f"Supplemental name [{table_name}] does not exist")


def folder_not_found(folder_name: str) -> ApiError:
    return ApiError(404, "FOLDER_NOT_FOUND", "Folder not found",
                    f"Folder name [{folder_name}] does not exist")


def table_not_found(table_name: str) -> ApiError:
    return ApiError(404, "TABLE_NOT_FOUND", "Table not found",
                    f"No Supplemental Table found for given name [{table_name}]")


def record_not_found() -> ApiError:
    return ApiError(404, "RECORD_NOT_FOUND", "Record not found", RECORD_NOT_FOUND_DETAIL)


def unexpected_exception(detail: str = "Unexpected exception occurred") -> ApiError:
    return ApiError(500, "UNEXPECTED_EXCEPTION", "Unexpected exception", detail)


def unable_to_submit_async() -> ApiError:
    return ApiError(500, "UNABLE_TO_SUBMIT_ASYNC_REQUEST", "Unable to submit async request",
                    UNABLE_TO_SUBMIT_ASYNC_DETAIL)


def invalid_request_content() -> ApiError:
    return ApiError(400, "INVALID_REQUEST_CONTENT", "Invalid request content",
                    INVALID_REQUEST_CONTENT_DETAIL)


def invalid_token(shape: str) -> ApiError:
    """Build the invalid-token error in the configured shape (see settings.INVALID_TOKEN_SHAPES)."""
    if shape == "unexpected_exception":
        return ApiError(500, "UNEXPECTED_EXCEPTION", "Unexpected exception",
                        NOT_A_VALID_TOKEN_DETAIL)
    if shape == "token_expired":
        return ApiError(401, "TOKEN_EXPIRED", "Authentication token expired", "Token expired")
    return ApiError(401, "INVALID_TOKEN", "Not a valid token", NOT_A_VALID_TOKEN_DETAIL)
