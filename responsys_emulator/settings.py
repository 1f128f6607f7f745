"""Emulator settings: the knobs shared by the command line and the control API."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

# Emulator function names, used for throttling, fault injection and call counters.
FUNCTIONS = (
    "login", "refresh", "create_folder", "list_folders", "create_table", "describe_table",
    "list_tables", "delete_table", "merge", "retrieve", "delete_member", "async_merge",
    "async_delete", "poll", "ratelimit",
)

# Responsys-style API names and paths, as listed by GET /rest/api/ratelimit.
# NOTE: Oracle does not publish the system names; these are the emulator's own choice.
FUNCTION_CATALOGUE = {
    "login": ("login", "/auth/token", "POST", "Log in with user name and password"),
    "refresh": ("refreshToken", "/auth/token", "POST", "Refresh an authentication token"),
    "create_folder": ("createFolder", "/folders", "POST", "Create a folder"),
    "list_folders": ("listFolders", "/folders", "GET", "List folders"),
    "create_table": ("createSupplementalTable", "/folders/{folderName}/suppData", "POST",
                     "Create a supplemental table"),
    "describe_table": ("getSupplementalTableFields",
                       "/folder/{folderName}/suppData/{tableName}", "GET",
                       "Get primary keys or all fields of a supplemental table"),
    "list_tables": ("listSupplementalTables", "/suppData", "GET",
                    "List supplemental tables"),
    "delete_table": ("deleteSupplementalTable",
                     "/folders/{folderName}/suppData/{tableName}/table", "DELETE",
                     "Delete a supplemental table"),
    "merge": ("mergeTableMembers", "/folders/{folderName}/suppData/{tableName}/members", "POST",
              "Merge supplemental table members"),
    "retrieve": ("retrieveTableMembers", "/folders/{folderName}/suppData/{tableName}/members",
                 "GET", "Retrieve a supplemental table member"),
    "delete_member": ("deleteTableMembers",
                      "/folders/{folderName}/suppData/{tableName}/members", "DELETE",
                      "Delete a supplemental table member"),
    "async_merge": ("asyncMergeTableMembers",
                    "/folders/{folderName}/suppData/{tableName}/members", "POST",
                    "Merge supplemental table members asynchronously"),
    "async_delete": ("asyncDeleteTableMembers",
                     "/folders/{folderName}/suppData/{tableName}/members/members", "POST",
                     "Delete supplemental table members asynchronously"),
    "poll": ("asyncPolling", "/requests/{requestId}", "GET",
             "Poll the results of asynchronous requests"),
    "ratelimit": ("getThrottlingLimits", "/ratelimit", "GET", "Get throttling limits"),
}

# Error returned for an invalid, expired or missing token.
INVALID_TOKEN_SHAPES = ("invalid_token", "unexpected_exception", "token_expired")

# Outcome of each call hit by a "fail the next N calls" fault.
FAIL_MODES = ("error", "drop", "async_submit")

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass
class FaultRule:
    """Failures injected into calls of one function, or of every function when it is "*".

    Each call first consumes `fail_next`. Otherwise it is dropped with probability
    `drop_rate` or gets a 500 with probability `error_rate`. Independently it is delayed by
    `slow_ms` with probability `slow_rate`. The random draws come from a generator seeded
    with `seed`.
    """

    function: str = "*"
    error_rate: float = 0.0
    drop_rate: float = 0.0
    slow_ms: int = 0
    slow_rate: float = 1.0
    fail_next: int = 0
    fail_mode: str = "error"
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_function_name(self.function, allow_wildcard=True)
        for name in ("error_rate", "drop_rate", "slow_rate"):
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault {name} must be between 0 and 1, got {value}")
            setattr(self, name, value)
        self.slow_ms = int(self.slow_ms)
        self.fail_next = int(self.fail_next)
        if self.slow_ms < 0 or self.fail_next < 0:
            raise ValueError("fault slow_ms and fail_next must not be negative")
        if self.fail_mode not in FAIL_MODES:
            raise ValueError(f"fault fail_mode must be one of {', '.join(FAIL_MODES)}")
        self.rng = random.Random(self.seed)

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data.pop("rng")
        return data


@dataclass
class Settings:
    """Behaviour choices that tests switch; every field can be set by flag or control call."""

    token_ttl: float = 7200.0
    invalid_token_shape: str = "invalid_token"
    # Per-minute limits by function; a function that is absent is not throttled. The login
    # default of 10 per minute follows a third-party summary of Oracle's sample table.
    throttle: dict[str, int] = field(default_factory=lambda: {"login": 10})
    throttle_status: int = 400
    throttle_window: float = 60.0
    capacity_limit: int | None = None
    capacity_window: float = 600.0
    async_delay: float = 1.0
    async_retention: float = 86400.0
    refresh_revokes_old: bool = False
    refresh_login_host_only: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    time_zone: str = "UTC"
    # Responsys closes the connection after every response; the default keeps it open
    # because tests and benchmarks run faster on reused connections.
    connection_close: bool = False

    def copy(self) -> "Settings":
        return dataclasses.replace(self, throttle=dict(self.throttle))

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    def update(self, changes: dict) -> None:
        """Apply a partial update, validating every value before changing anything."""
        candidate = self.copy()
        for name, value in changes.items():
            if name not in SETTING_TYPES:
                raise ValueError(f"unknown setting {name!r}")
            setattr(candidate, name, coerce_setting(name, value))
        candidate.validate()
        for item in dataclasses.fields(self):
            setattr(self, item.name, getattr(candidate, item.name))

    def validate(self) -> None:
        if self.invalid_token_shape not in INVALID_TOKEN_SHAPES:
            raise ValueError(
                f"invalid_token_shape must be one of {', '.join(INVALID_TOKEN_SHAPES)}")
        for function, limit in self.throttle.items():
            check_function_name(function)
            if limit < 0:
                raise ValueError(f"throttle limit for {function} must not be negative")
        positive = ("token_ttl", "throttle_window", "capacity_window", "max_body_bytes")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.async_delay < 0 or self.async_retention <= 0:
            raise ValueError("async_delay must not be negative and async_retention positive")
        if not 100 <= self.throttle_status <= 599:
            raise ValueError("throttle_status must be an HTTP status code")


SETTING_TYPES = {item.name: item.type for item in dataclasses.fields(Settings)}


def coerce_setting(name: str, value):
    """Convert a JSON or command-line value to the type of setting `name`."""
    if name == "throttle":
        if not isinstance(value, dict):
            raise ValueError("throttle must be an object of function name to limit")
        return {key: int(limit) for key, limit in value.items() if limit is not None}
    if name == "capacity_limit":
        return None if value in (None, "", "none") else int(value)
    if name in ("refresh_revokes_old", "refresh_login_host_only", "connection_close"):
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes", "on")
        return bool(value)
    if name in ("throttle_status", "max_body_bytes"):
        return int(value)
    if name in ("invalid_token_shape", "time_zone"):
        return str(value)
    return float(value)


def check_function_name(function: str, allow_wildcard: bool = False) -> None:
    if allow_wildcard and function == "*":
        return
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {function!r}; expected one of {', '.join(FUNCTIONS)}")


def parse_throttle_spec(spec: str) -> tuple[str, int | None]:
    """Parse `function=limit` from the command line; a limit of `none` removes the limit."""
    function, separator, limit = spec.partition("=")
    if not separator:
        raise ValueError(f"throttle {spec!r} must look like merge=100")
    check_function_name(function)
    if limit.lower() in ("none", "off"):
        return function, None
    return function, int(limit)


def parse_fault_spec(spec: str) -> FaultRule:
    """Parse `function:key=value,...` (for example `merge:error_rate=0.1,seed=7`)."""
    function, _, options = spec.partition(":")
    values: dict = {}
    for option in filter(None, options.split(",")):
        key, separator, value = option.partition("=")
        if not separator:
            raise ValueError(f"fault option {option!r} must look like key=value")
        values[key.strip()] = value.strip()
    if "seed" in values:
        values["seed"] = int(values["seed"])
    return fault_rule_from_json({"function": function or "*", **values})


def fault_rule_from_json(data: dict) -> FaultRule:
    allowed = {item.name for item in dataclasses.fields(FaultRule)} - {"rng"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown fault options: {', '.join(sorted(unknown))}")
    return FaultRule(**data)
