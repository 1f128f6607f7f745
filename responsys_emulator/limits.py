"""In-memory runtime controls: call counters, throttle windows, capacity bucket and faults.

None of this is persisted: a restart starts with zero counters, fresh windows and the faults
given on the command line.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from .settings import FUNCTIONS, FaultRule, Settings, fault_rule_from_json


@dataclass(frozen=True)
class FaultDecision:
    """Fault outcome of one call: an optional delay, then a dropped connection or an error."""

    drop: bool = False
    error_mode: str | None = None
    delay_seconds: float = 0.0


NO_FAULT = FaultDecision()


class RuntimeControls:
    """Thread-safe state behind throttling, fault injection and call counting."""

    def __init__(self, settings: Settings, faults: list[FaultRule]) -> None:
        self.lock = threading.Lock()
        self.initial_settings = settings.copy()
        self.initial_faults = [fault.to_json() for fault in faults]
        self.settings = settings
        self.faults: dict[str, FaultRule] = {fault.function: fault for fault in faults}
        self.call_counts: Counter[str] = Counter()
        self.throttle_windows: dict[str, tuple[int, int]] = {}
        self.capacity_window: tuple[int, int] = (-1, 0)

    def reset(self) -> None:
        """Restore the start-up settings and faults and zero all counters and windows."""
        with self.lock:
            self.settings.update(self.initial_settings.to_json())
            self.faults = {}
            for data in self.initial_faults:
                fault = fault_rule_from_json(data)
                self.faults[fault.function] = fault
            self.call_counts.clear()
            self.throttle_windows.clear()
            self.capacity_window = (-1, 0)

    def count_call(self, function: str) -> None:
        with self.lock:
            self.call_counts[function] += 1

    def call_counts_json(self) -> dict[str, int]:
        with self.lock:
            return {function: self.call_counts[function] for function in FUNCTIONS}

    def clear_call_counts(self) -> None:
        with self.lock:
            self.call_counts.clear()

    def take_throttle_slot(self, function: str, now: float | None = None) -> bool:
        """Count one call in the function's fixed window; return False when over the limit.

        Windows are aligned to multiples of the window length since the epoch, so a limit of
        N per minute allows N calls in each clock minute. Rejected calls count too.
        """
        now = time.time() if now is None else now
        with self.lock:
            limit = self.settings.throttle.get(function)
            if limit is None:
                return True
            window = int(now // self.settings.throttle_window)
            start, used = self.throttle_windows.get(function, (window, 0))
            used = used + 1 if start == window else 1
            self.throttle_windows[function] = (window, used)
            return used <= limit

    def take_capacity_slot(self, now: float | None = None) -> bool:
        """Count one call in the account-wide capacity window; False when over the limit."""
        now = time.time() if now is None else now
        with self.lock:
            limit = self.settings.capacity_limit
            if limit is None:
                return True
            window = int(now // self.settings.capacity_window)
            start, used = self.capacity_window
            used = used + 1 if start == window else 1
            self.capacity_window = (window, used)
            return used <= limit

    def set_throttle(self, function: str, per_minute: int | None) -> None:
        with self.lock:
            limits = dict(self.settings.throttle)
            if per_minute is None:
                limits.pop(function, None)
            else:
                limits[function] = per_minute
            self.settings.update({"throttle": limits})
            self.throttle_windows.pop(function, None)

    def set_fault(self, fault: FaultRule) -> None:
        with self.lock:
            self.faults[fault.function] = fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def faults_json(self) -> list[dict]:
        with self.lock:
            return [fault.to_json() for fault in self.faults.values()]

    def decide_fault(self, function: str) -> FaultDecision:
        """Draw the injected failure, if any, for one call of `function`.

        A rule for the function itself takes precedence over the "*" rule.
        """
        with self.lock:
            fault = self.faults.get(function) or self.faults.get("*")
            if fault is None:
                return NO_FAULT
            delay = 0.0
            if fault.slow_ms and fault.rng.random() < fault.slow_rate:
                delay = fault.slow_ms / 1000.0
            if fault.fail_next > 0:
                fault.fail_next -= 1
                if fault.fail_mode == "drop":
                    return FaultDecision(drop=True, delay_seconds=delay)
                return FaultDecision(error_mode=fault.fail_mode, delay_seconds=delay)
            if fault.drop_rate and fault.rng.random() < fault.drop_rate:
                return FaultDecision(drop=True, delay_seconds=delay)
            if fault.error_rate and fault.rng.random() < fault.error_rate:
                return FaultDecision(error_mode="error", delay_seconds=delay)
            return FaultDecision(delay_seconds=delay)
