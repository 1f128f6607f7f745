"""Routing and the per-call pipeline shared by the login and API servers.

Every Responsys call goes through the same steps, in this order: count the call, apply any
injected fault (delay, dropped connection, 500), take a throttle slot and a capacity slot,
check the token, then run the endpoint handler.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import api, asyncapi, control, errors
from .limits import RuntimeControls
from .protocol import Request, Response, not_found_response
from .settings import FUNCTION_CATALOGUE
from .storage import Storage

# A path pattern is a tuple of literal segments; VARIABLE matches any one segment.
VARIABLE = None
SYNC = ("rest", "api", "v1.3")
ASYNC = ("rest", "asyncApi", "v1.3")
MEMBERS = (VARIABLE, "suppData", VARIABLE, "members")
CONTROL = ("_emulator",)


@dataclass(frozen=True)
class Route:
    """One endpoint: `function` is a function name, or a callable that derives it."""

    method: str
    pattern: tuple
    handler: Callable
    function: str | Callable[[Request], str] | None = None
    port_role: str = "api"
    needs_token: bool = True

    def match(self, request: Request) -> list[str] | None:
        """Return the path variables when method, port and path match, else None."""
        if request.method != self.method or request.port_role != self.port_role:
            return None
        segments = request.segments
        if len(segments) != len(self.pattern):
            return None
        variables = []
        for literal, segment in zip(self.pattern, segments):
            if literal is VARIABLE:
                variables.append(segment)
            elif literal != segment:
                return None
        return variables

    def function_name(self, request: Request) -> str | None:
        return self.function(request) if callable(self.function) else self.function


ROUTES = (
    # Login and refresh on the login port; refresh is also accepted on the API port.
    Route("POST", SYNC + ("auth", "token"), api.auth_token, api.auth_function, "login", False),
    Route("POST", SYNC + ("auth", "token"), api.auth_token, api.auth_function, "api", False),
    Route("POST", SYNC + ("folders",), api.create_folder, "create_folder"),
    Route("GET", SYNC + ("folders",), api.list_folders, "list_folders"),
    Route("POST", SYNC + ("folders", VARIABLE, "suppData"), api.create_table, "create_table"),
    # Describe is the one call whose path contains "folder", not "folders".
    Route("GET", SYNC + ("folder", VARIABLE, "suppData", VARIABLE), api.describe_table,
          "describe_table"),
    Route("GET", SYNC + ("suppData",), api.list_tables, "list_tables"),
    Route("DELETE", SYNC + ("folders", VARIABLE, "suppData", VARIABLE, "table"),
          api.delete_table, "delete_table"),
    Route("POST", SYNC + ("folders",) + MEMBERS, api.merge_members, "merge"),
    Route("GET", SYNC + ("folders",) + MEMBERS, api.retrieve_member, "retrieve"),
    Route("DELETE", SYNC + ("folders",) + MEMBERS, api.delete_member, "delete_member"),
    # The rate-limit path has no version segment.
    Route("GET", ("rest", "api", "ratelimit"), api.rate_limits, "ratelimit"),
    Route("POST", ASYNC + ("folders",) + MEMBERS, asyncapi.accept_members_request,
          asyncapi.async_members_function),
    # Oracle's page prints the async delete path with "members" twice; both forms work.
    Route("POST", ASYNC + ("folders",) + MEMBERS + ("members",),
          asyncapi.accept_delete_request, "async_delete"),
    Route("GET", ASYNC + ("requests", VARIABLE), asyncapi.poll_by_path, "poll"),
    Route("POST", ASYNC + ("requests",), asyncapi.poll_by_body, "poll"),
    # Control API: no token, no counting, loopback clients only.
    Route("GET", CONTROL + ("health",), control.health),
    Route("POST", CONTROL + ("reset",), control.reset),
    Route("POST", CONTROL + ("tokens", "expire"), control.expire_tokens),
    Route("GET", CONTROL + ("settings",), control.get_settings),
    Route("PATCH", CONTROL + ("settings",), control.patch_settings),
    Route("PUT", CONTROL + ("throttle", VARIABLE), control.set_throttle),
    Route("GET", CONTROL + ("faults",), control.get_faults),
    Route("PUT", CONTROL + ("faults",), control.set_faults),
    Route("DELETE", CONTROL + ("faults",), control.clear_faults),
    Route("GET", CONTROL + ("calls",), control.get_call_counts),
    Route("DELETE", CONTROL + ("calls",), control.clear_call_counts),
    Route("GET", CONTROL + ("tables", VARIABLE, VARIABLE, "rows"), control.table_rows),
    Route("GET", CONTROL + ("tables", VARIABLE, VARIABLE, "count"), control.table_row_count),
)


class Emulator:
    """The emulator's state and request pipeline, shared by both HTTP servers."""

    def __init__(self, storage: Storage, controls: RuntimeControls, login_url: str,
                 api_url: str) -> None:
        self.storage = storage
        self.controls = controls
        self.login_url = login_url
        self.api_url = api_url
        # Serialises async processing against itself and against a reset.
        self.async_lock = threading.RLock()

    def handle(self, request: Request) -> Response:
        """Route one request and run it; raises ApiError or DropConnection on failure."""
        for route in ROUTES:
            variables = route.match(request)
            if variables is not None:
                break
        else:
            return not_found_response()
        function = route.function_name(request)
        if function is None:
            control.check_loopback(request)
            return route.handler(self, request, *variables)
        self.controls.count_call(function)
        self.apply_faults(function)
        self.check_limits(function)
        if route.needs_token:
            request.user = self.authenticate(request)
        return route.handler(self, request, *variables)

    def apply_faults(self, function: str) -> None:
        decision = self.controls.decide_fault(function)
        if decision.delay_seconds:
            time.sleep(decision.delay_seconds)
        if decision.drop:
            raise errors.DropConnection(f"injected drop on {function}")
        if decision.error_mode == "async_submit":
            raise errors.unable_to_submit_async()
        if decision.error_mode:
            raise errors.unexpected_exception()

    def check_limits(self, function: str) -> None:
        settings = self.controls.settings
        if not self.controls.take_throttle_slot(function):
            api_name = FUNCTION_CATALOGUE[function][0]
            raise errors.ApiError(
                settings.throttle_status, "API_LIMIT_EXCEEDED", "API limit exceeded",
                f"The per-minute call limit of the {api_name} API function was reached; "
                f"retry after the current {settings.throttle_window:g}-second window ends")
        if not self.controls.take_capacity_slot():
            raise errors.ApiError(
                settings.throttle_status, "INTERNAL_CAPACITY_LIMIT_EXCEEDED",
                "Internal capacity limit exceeded",
                f"The account's internal capacity limit was reached; retry after the current "
                f"{settings.capacity_window:g}-second period ends")

    def authenticate(self, request: Request) -> str:
        """Return the token's user; the header must hold the raw token, with no `Bearer `."""
        token = request.headers.get("Authorization", "")
        user_name = self.storage.token_user(token) if token else None
        if user_name is None:
            raise errors.invalid_token(self.controls.settings.invalid_token_shape)
        return user_name
