"""What every part of the order manager shares: the narrow core they depend on.

`ManagerCore` holds the exchange, the indexes (`registry`), the store's front (`recorder`),
the callbacks, the clock, the settings and the positions. Each part of the manager
(lifecycle, lookups, placement, cancellation, brackets, feed, protection, reconciliation)
is built on it and on the parts below it, never on the `OrderManager` facade, which only
composes them (see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from execution.exchange.base import BaseExchange
from execution.orders.account_config import AccountConfig
from execution.orders.adoption import AdoptPolicy
from execution.orders.callbacks import CallbackRegistry
from execution.orders.marks import MarkSource
from execution.orders.positions import PositionBook
from execution.orders.recorder import OrderRecorder
from execution.orders.registry import OrderRegistry
from execution.orders.validation import OrderGuards
from execution.risk.engine import RiskEngine
from execution.timekeeping import Clock


@dataclass
class ManagerSettings:
    """The order manager's settings, checked by the facade at construction."""

    guards: OrderGuards
    poll_interval: float  # s between REST polls while the user stream is down
    pending_grace: float  # s: the horizon after which an unknown outcome is settled
    adopt_policy: AdoptPolicy
    client_order_id_prefix: str

    @property
    def pending_grace_ms(self) -> int:
        return int(self.pending_grace * 1000)


@dataclass
class ManagerCore:
    """The state and collaborators every part of the manager shares."""

    exchange: BaseExchange
    registry: OrderRegistry
    recorder: OrderRecorder
    callbacks: CallbackRegistry
    clock: Clock
    settings: ManagerSettings
    risk: RiskEngine
    positions: PositionBook = field(default_factory=PositionBook)  # by (symbol, side)
    account: AccountConfig = field(default_factory=AccountConfig)  # leverage per symbol, modes
    marks: MarkSource | None = None  # a live mark source (the market stream); None: REST only
    # Work a part started on its own (a catch-up pass, a deferred cancel): the stop waits
    # for it before the store closes, so that nothing is applied to an order after that.
    background: set[asyncio.Future[Any]] = field(default_factory=set)

    def now_ms(self) -> int:
        """The manager's time (the injected clock: step-immune by default)."""
        return self.clock.now_ms()

    def in_background(self, work: Awaitable[Any]) -> None:
        """Run `work` on its own, tracked in `background` until it ends."""
        task = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)


T = TypeVar("T")


class HasSettings(Protocol):
    @property
    def settings(self) -> ManagerSettings: ...


class Setting(Generic[T]):
    """An attribute of the facade that reads and writes its `ManagerSettings` field of the
    same name; `check(value, name)` validates (and normalises) a value being set."""

    def __init__(self, check: Callable[[Any, str], T] | None = None, doc: str = "") -> None:
        self._check = check
        self.__doc__ = doc
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, objtype: type) -> Setting[T]: ...
    @overload
    def __get__(self, obj: HasSettings, objtype: type | None = None) -> T: ...
    def __get__(self, obj: HasSettings | None, objtype: type | None = None) -> T | Setting[T]:
        if obj is None:
            return self
        return cast(T, getattr(obj.settings, self._name))

    def __set__(self, obj: HasSettings, value: T) -> None:
        checked = value if self._check is None else self._check(value, self._name)
        setattr(obj.settings, self._name, checked)
