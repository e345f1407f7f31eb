"""Callbacks by event name: sync or async, isolated from the manager and from each other.

A callback that raises is logged and forgotten; an async callback runs as its own task so a
slow one never holds up the events behind it.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from execution.errors import ValidationError
from execution.models import AccountConfigUpdate, MarginCall
from execution.orders.managed import ManagedOrder
from execution.orders.protection import PositionProtection

logger = logging.getLogger(__name__)

OrderCallback = Callable[[ManagedOrder], Awaitable[None] | None]
# `position_unprotected` callbacks receive the audit's `PositionProtection` instead.
PositionCallback = Callable[[PositionProtection], Awaitable[None] | None]
# `margin_call` callbacks receive the `MarginCall`, `account_config_updated` ones the
# `AccountConfigUpdate` (after the manager took it in).
MarginCallCallback = Callable[[MarginCall], Awaitable[None] | None]
AccountConfigCallback = Callable[[AccountConfigUpdate], Awaitable[None] | None]
Callback = OrderCallback | PositionCallback | MarginCallCallback | AccountConfigCallback
Subject = ManagedOrder | PositionProtection | MarginCall | AccountConfigUpdate
_Callback = Callable[[Any], Awaitable[None] | None]

class CallbackEvent(enum.StrEnum):
    """The events `OrderManager.on(event, callback)` takes (the enum or its string)."""

    ORDER_PLACED = "order_placed"
    ORDER_FILLED = "order_filled"
    ORDER_PARTIALLY_FILLED = "order_partially_filled"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REJECTED = "order_rejected"
    # A placement ended with no answer about the order and was not sent again (no proof
    # it could not execute): it is looked up by its client id until settled.
    ORDER_OUTCOME_UNKNOWN = "order_outcome_unknown"
    STOP_LOSS_PLACED = "stop_loss_placed"
    TAKE_PROFIT_PLACED = "take_profit_placed"
    # A bracket's exit trigger was already passed: its position was closed at market (the
    # callback gets that market order).
    BRACKET_EXIT_CROSSED = "bracket_exit_crossed"
    # The exchange liquidated a position: the callback gets its liquidation order (client
    # id "autoclose-...", adopted and tagged "liquidation").
    POSITION_LIQUIDATED = "position_liquidated"
    # The store could not commit the order before it was sent: an ordinary order is
    # refused (StoreUnavailableError), a protective one (a bracket's exit) is sent from
    # memory. `store_recovered`: the store writes again and has committed it.
    STORE_FAILED = "store_failed"
    STORE_RECOVERED = "store_recovered"
    # The protection audit found an open position without a live stop on the exchange
    # (the callback gets the `protection.PositionProtection`, after the policy acted).
    POSITION_UNPROTECTED = "position_unprotected"
    # The exchange's MARGIN_CALL: positions near liquidation (the callback gets the
    # `models.MarginCall`, every figure a Decimal). "Risk guidance", the docs say: the
    # positions may be liquidated already.
    MARGIN_CALL = "margin_call"
    # ACCOUNT_CONFIG_UPDATE: a symbol's leverage or the account's multi-assets / position
    # mode changed (the callback gets the `models.AccountConfigUpdate`; the manager's
    # `account` already says the new values).
    ACCOUNT_CONFIG_UPDATED = "account_config_updated"


CALLBACK_EVENTS: frozenset[str] = frozenset(event.value for event in CallbackEvent)


class CallbackRegistry:
    """Holds the callbacks and runs them."""

    def __init__(self) -> None:
        self._callbacks: dict[str, list[_Callback]] = {name: [] for name in CALLBACK_EVENTS}
        self._tasks: set[asyncio.Task[Any]] = set()

    def add(self, event_name: str, callback: Callback) -> None:
        if event_name not in self._callbacks:
            raise ValidationError(
                "event_name", event_name, f"must be one of {sorted(CALLBACK_EVENTS)}"
            )
        self._callbacks[event_name].append(callback)

    def remove(self, event_name: str, callback: Callback) -> None:
        callbacks = self._callbacks.get(event_name, [])
        if callback in callbacks:
            callbacks.remove(callback)

    def emit(self, event_name: str, subject: Subject) -> None:
        label = _label(subject)
        for callback in self._callbacks[event_name]:
            try:
                result = callback(subject)
            except Exception:
                logger.exception("callback %r for %s on %s raised", callback, event_name, label)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(self._run(event_name, label, result))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(event_name: str, label: str, awaitable: Awaitable[None]) -> None:
        try:
            await awaitable
        except Exception:
            logger.exception("async callback for %s on %s raised", event_name, label)

    async def drain(self, limit_seconds: float = 5.0) -> None:
        """Wait (a bounded time) for async callbacks still running."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=limit_seconds)


def _label(subject: Subject) -> str:
    """What a log line names a callback's subject by."""
    if isinstance(subject, ManagedOrder):
        return subject.client_order_id
    if isinstance(subject, MarginCall):
        return ",".join(sorted({p.symbol for p in subject.positions})) or "margin call"
    if isinstance(subject, AccountConfigUpdate):
        return subject.symbol or "account"
    return subject.symbol
