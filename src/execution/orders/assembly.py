"""Putting an order manager together: the composition root of `orders/`.

`assemble` builds the shared core and every part on it, bottom up, and wires the few calls
that go the other way (the lifecycle asking for a bracket sync or a deferred cancel, the
protection audit flattening a position) as plain callables. The `OrderManager` facade
holds the result and adds nothing but its public API.
"""

from __future__ import annotations

from dataclasses import dataclass

from execution.exchange.base import BaseExchange
from execution.models import PositionSide
from execution.orders.bracket_exits import BracketExits
from execution.orders.bracket_orders import BracketOrders
from execution.orders.brackets import BracketCoordinator
from execution.orders.callbacks import CallbackRegistry
from execution.orders.cancellation import OrderCanceller
from execution.orders.closing import close_position
from execution.orders.core import ManagerCore, ManagerSettings
from execution.orders.deadman import DeadmanConfig, DeadMansSwitch
from execution.orders.feed import EventFeed
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.lookup import OrderLookup
from execution.orders.managed import ManagedOrder
from execution.orders.marks import MarkSource
from execution.orders.native_brackets import NativeBrackets
from execution.orders.placement import OrderPlacer
from execution.orders.protection import ProtectionConfig, ProtectionPolicy, ProtectionReport
from execution.orders.protection_audit import ProtectionAuditor
from execution.orders.reconcile import Reconciler
from execution.orders.recorder import OrderRecorder
from execution.orders.registry import OrderRegistry
from execution.orders.risk_setup import risk_engine_for
from execution.orders.session import ManagerSession
from execution.risk.engine import RiskEngine
from execution.risk.limits import RiskLimits
from execution.store_interface import OrderStorage
from execution.timekeeping import Clock


@dataclass(frozen=True)
class ManagerParts:
    """Every part of one order manager."""

    core: ManagerCore
    lifecycle: OrderLifecycle
    lookup: OrderLookup
    placer: OrderPlacer
    canceller: OrderCanceller
    exits: BracketExits
    brackets: BracketCoordinator
    bracket_orders: BracketOrders
    feed: EventFeed
    auditor: ProtectionAuditor
    session: ManagerSession


def assemble(
    exchange: BaseExchange,
    store: OrderStorage | None,
    settings: ManagerSettings,
    clock: Clock,
    protection: ProtectionConfig,
    risk: RiskEngine | RiskLimits | None,
    deadman: DeadmanConfig | None = None,
    *,
    owner: object,
    owns_store: bool,
    marks: MarkSource | None = None,
) -> ManagerParts:
    """Build the parts of a manager over `exchange` and `store`; `owner` claims the store."""
    callbacks = CallbackRegistry()
    core = ManagerCore(
        exchange, OrderRegistry(), OrderRecorder(store, callbacks, clock), callbacks, clock,
        settings, risk_engine_for(risk, clock, store), marks=marks,
    )
    # The lifecycle sits below brackets and cancellation: these close over the parts
    # built after it, and are only called once everything exists.
    def leg_changed(managed: ManagedOrder) -> None:
        brackets.notify(managed)

    async def cancel_quietly(managed: ManagedOrder) -> None:
        await canceller.cancel_quietly(managed)

    async def flatten(
        symbol: str, leg: PositionSide, tags: tuple[str, ...]
    ) -> list[ManagedOrder]:
        return await close_position(core, placer, symbol, cancel_all=None,
                                    position_side=leg, tags=tags)

    lifecycle = OrderLifecycle(core, leg_changed, cancel_quietly)
    lookup = OrderLookup(core, lifecycle)
    placer = OrderPlacer(core, lifecycle, lookup)
    canceller = OrderCanceller(core, lifecycle, lookup)
    exits = BracketExits(core, placer, canceller)
    brackets = BracketCoordinator(core, placer, canceller, exits, lookup)
    feed = EventFeed(core, lifecycle, lookup)
    auditor = ProtectionAuditor(core, protection, placer, flatten)

    async def audit_after_switch(policy: ProtectionPolicy) -> ProtectionReport:
        return await auditor.audit(policy=policy)

    switch = None if deadman is None else DeadMansSwitch(core, deadman, audit_after_switch)
    session = ManagerSession(
        core, lifecycle, brackets, feed, auditor,
        Reconciler(core, lifecycle, lookup, feed, auditor),
        owner=owner, owns_store=owns_store, deadman=switch,
    )
    return ManagerParts(
        core, lifecycle, lookup, placer, canceller, exits, brackets,
        BracketOrders(core, placer, brackets,
                      NativeBrackets(core, placer, lifecycle, lookup, brackets)),
        feed, auditor, session,
    )
