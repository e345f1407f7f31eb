"""Fault injection, switchable at runtime: latency, lost responses, 5xx, clock skew, an
endpoint down and WebSocket drops.

A request matches a rule when the rule's `path` (an endpoint name such as "order", or a full
path such as "/fapi/v1/order"; None matches every path) and `method` (None: any) fit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

SERVER_ERROR_MESSAGES: dict[int, tuple[int, str]] = {
    500: (-1000, "An unknown error occurred while processing the request."),
    502: (-1001, "Internal error; unable to process your request. Please try again."),
    503: (
        -1007,
        "Timeout waiting for response from backend server. Send status unknown; "
        "execution status unknown.",
    ),
    504: (-1007, "Timeout waiting for response from backend server."),
}


@dataclass(slots=True)
class _Rule:
    remaining: int
    path: str | None
    method: str | None

    def matches(self, method: str, endpoint: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        wanted = self.path.strip("/")
        return wanted == endpoint or wanted == path.strip("/")


@dataclass(slots=True)
class _FailRule(_Rule):
    status: int = 503
    code: int = -1007
    execute: bool = False
    execute_after_ms: int = 0


@dataclass(frozen=True, slots=True)
class Failure:
    """An injected server error: answer `status` with `code`; `execute` first or not."""

    status: int
    code: int
    message: str
    execute: bool
    execute_after_ms: int = 0


@functools.cache
def _known_messages() -> dict[int, str]:
    """The exchange's message for each error code the engine knows (for injected errors)."""
    from execution.simulator.engine import rejections

    return {
        value[0]: value[1]
        for value in vars(rejections).values()
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int)
    }


class FaultController:
    """The simulator's faults. Every setting applies from the next request on."""

    def __init__(self) -> None:
        self.latency_ms: int = 0
        self.clock_skew_ms: int = 0
        self._drops: list[_Rule] = []
        self._failures: list[_FailRule] = []
        self._down: set[int] = set()
        self._websocket_droppers: list[Callable[[], None]] = []
        self._endpoint_listeners: list[Callable[[int, bool], None]] = []

    def drop_responses(self, count: int = 1, path: str | None = "order",
                       method: str | None = "POST") -> None:
        """Execute the next `count` matching requests, then drop the connection unanswered."""
        self._drops.append(_Rule(count, path, method))

    def fail_requests(
        self,
        count: int = 1,
        status: int = 503,
        code: int = -1007,
        execute: bool = False,
        path: str | None = None,
        method: str | None = None,
        execute_after_ms: int = 0,
    ) -> None:
        """Answer the next `count` matching requests with a server error (`execute=True`:
        the request is carried out before the error is returned, or `execute_after_ms`
        later: a backend that timed out but still processes the request)."""
        self._failures.append(
            _FailRule(count, path, method, status, code, execute, execute_after_ms)
        )

    def set_endpoint_down(self, index: int, down: bool = True) -> None:
        """Endpoint `index` drops every connection (REST and WebSocket) while down."""
        if down:
            self._down.add(index)
        else:
            self._down.discard(index)
        for listener in self._endpoint_listeners:
            listener(index, down)

    def is_down(self, index: int) -> bool:
        return index in self._down

    def drop_websockets(self) -> None:
        """Cut every open WebSocket connection now (abruptly, without a close frame)."""
        for dropper in self._websocket_droppers:
            dropper()

    def reset(self) -> None:
        """Back to no faults."""
        self.latency_ms = 0
        self.clock_skew_ms = 0
        self._drops.clear()
        self._failures.clear()
        for index in list(self._down):
            self.set_endpoint_down(index, False)

    # used by the server ------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return bool(self._drops or self._failures or self.latency_ms)

    def take_failure(self, method: str, endpoint: str, path: str) -> Failure | None:
        for rule in self._failures:
            if rule.remaining > 0 and rule.matches(method, endpoint, path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._failures.remove(rule)
                code, message = SERVER_ERROR_MESSAGES.get(rule.status, (rule.code, ""))
                if rule.code != code or not message:
                    code = rule.code
                    message = _known_messages().get(code, message or "Internal error.")
                return Failure(rule.status, code, message, rule.execute, rule.execute_after_ms)
        return None

    def take_drop(self, method: str, endpoint: str, path: str) -> bool:
        for rule in self._drops:
            if rule.remaining > 0 and rule.matches(method, endpoint, path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._drops.remove(rule)
                return True
        return False

    def on_websocket_drop(self, dropper: Callable[[], None]) -> None:
        self._websocket_droppers.append(dropper)

    def on_endpoint_change(self, listener: Callable[[int, bool], None]) -> None:
        self._endpoint_listeners.append(listener)
