"""Reconciliation at start: what the store remembers against what the exchange says.

Each order the store holds as not final is looked up (in the exchange's open orders, else by
its client order id) and brought to the exchange's state: fills and cancels that happened
while the manager was down are applied as events. An order still PENDING_NEW that the
exchange does not know never reached it and is marked REJECTED (so is one PENDING_CANCEL
with no exchange order id: cancelled while its placement was in flight), once the grace
period is over. Open orders the store does not know are adopted or only reported, as the
manager's adoption policy says (`adoption`); the report lists every order adopted during
the start, including those the user stream's resync or polling met first. The
positions are read into `manager.positions` and reported, with those no tracked reduce-only
order protects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from execution.errors import ExecutionError, OrderNotFoundError
from execution.models import OrderStatus, Position
from execution.orders.adoption import AdoptionLog, Origin, origin_of
from execution.orders.bracket import waiting_leg
from execution.orders.core import ManagerCore
from execution.orders.feed import EventFeed
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.lookup import OrderLookup
from execution.orders.managed import ManagedOrder
from execution.orders.missing import settle_missing
from execution.orders.protection_audit import ProtectionAuditor

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One order whose state the exchange changed while the manager was down."""

    client_order_id: str
    status_before: OrderStatus
    status_after: OrderStatus
    filled_before: Decimal
    filled_after: Decimal


@dataclass(slots=True)
class ReconciliationReport:
    """The differences found (and resolved) at start."""

    checked: int = 0
    changed: list[OrderChange] = field(default_factory=list)
    never_placed: list[str] = field(default_factory=list)  # PENDING_NEW, unknown: REJECTED
    # Not acknowledged and not found yet, sent less than `pending_grace` ago: settled later.
    pending: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # every order adopted during start
    # Met on the exchange and not adopted: another manager's orders (`foreign`, which do
    # not make the report unclean), others the adoption policy leaves (`unknown`).
    foreign: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (client id, why)
    positions: list[Position] = field(default_factory=list)
    unprotected: list[str] = field(default_factory=list)  # symbols

    @property
    def is_clean(self) -> bool:
        """True when the store and the exchange agreed on everything."""
        return not (
            self.changed or self.never_placed or self.pending or self.adopted or self.unknown
            or self.flagged
        )

    def summary(self) -> str:
        return (
            f"reconciliation: {self.checked} checked, {len(self.changed)} changed, "
            f"{len(self.never_placed)} never placed, {len(self.pending)} pending, "
            f"{len(self.adopted)} adopted, "
            f"{len(self.unknown)} unknown, {len(self.foreign)} foreign, "
            f"{len(self.flagged)} flagged, "
            f"{len(self.positions)} positions ({len(self.unprotected)} unprotected)"
        )


Baseline = dict[str, tuple[OrderStatus, Decimal]]


def baseline_of(orders: list[ManagedOrder]) -> Baseline:
    """(status, filled) of each order not final, as the store had them."""
    return {m.client_order_id: (m.status, m.filled_quantity) for m in orders if m.is_open}


HISTORY_MARGIN_MS = 300_000  # how far before the oldest open order the history is read
RECENT_MS = 86_400_000  # a symbol whose last stored order is older is not read at start


class Reconciler:
    """Brings a manager's orders to the exchange's state at start, and reports."""

    def __init__(
        self,
        core: ManagerCore,
        lifecycle: OrderLifecycle,
        lookup: OrderLookup,
        feed: EventFeed,
        auditor: ProtectionAuditor,
    ) -> None:
        self._core = core
        self._lifecycle = lifecycle
        self._lookup = lookup
        self._feed = feed
        self._auditor = auditor

    async def reconcile(
        self, baseline: Baseline | None = None, log: AdoptionLog | None = None
    ) -> ReconciliationReport:
        """Bring the orders to the exchange's state and report what differed.

        `baseline` is the state the store had (taken before the user stream started, so
        that what the stream's own resync already applied is reported too); by default,
        the open orders as they are now. `log` holds the untracked orders met since the
        start began (kept by the lifecycle); by default, one kept for this call."""
        lifecycle = self._lifecycle
        own_log = log is None
        if log is None:
            log = lifecycle.adoption_log = AdoptionLog()
        try:
            report = await self._reconcile(baseline, log)
        finally:
            if own_log:
                lifecycle.adoption_log = None
        return report



    async def _sweep_history(
        self, baseline: Baseline, report: ReconciliationReport
    ) -> None:
        """Orders this manager sent that its store never recorded: protective orders (a
        bracket's exits, a flattening) go out from memory while the store cannot write, and a
        crash before it could write again leaves them only on the exchange, possibly ended
        already (no longer among the open orders). The order history of every symbol with an
        open stored order or one placed in the last day, from a while before its oldest open
        order or its last order, whichever is earlier, is read and such orders are taken over
        (`consider`: adopted by the policy, recorded, reported)."""
        core = self._core
        since: dict[str, int] = {}
        latest: dict[str, int] = {}
        for managed in core.registry.by_client_id.values():
            if managed.submitted_at:
                symbol = managed.symbol
                latest[symbol] = max(latest.get(symbol, 0), managed.submitted_at)
                if managed.client_order_id in baseline:
                    since[symbol] = min(since.get(symbol, managed.submitted_at),
                                        managed.submitted_at)
        recent = core.now_ms() - RECENT_MS
        for symbol, last in latest.items():  # and from its last order, if it traded of late
            if last >= recent:
                since[symbol] = min(since.get(symbol, last), last)
        for symbol, first in since.items():
            try:
                history = await core.exchange.get_all_orders(
                    symbol, start_time=first - HISTORY_MARGIN_MS, limit=1000
                )
            except ExecutionError as exc:
                report.flagged.append(("", f"order history of {symbol} unreadable: {exc}"))
                continue
            prefix = core.settings.client_order_id_prefix
            for snapshot in history:
                # Only this manager's and the exchange's own: the history of other managers'
                # orders is theirs (their open ones are met, and reported, just below).
                if core.registry.get(snapshot.client_order_id) is None and origin_of(
                    snapshot.client_order_id, prefix
                ) in (Origin.OWN, Origin.EXCHANGE):
                    self._lifecycle.consider(snapshot)


    async def _reconcile(
        self, baseline: Baseline | None, log: AdoptionLog
    ) -> ReconciliationReport:
        core, lifecycle = self._core, self._lifecycle
        registry = core.registry
        exchange = core.exchange
        report = ReconciliationReport()
        exchange_open = {o.client_order_id: o for o in await exchange.get_open_orders()}
        if baseline is None:
            baseline = baseline_of(registry.open_orders())
        for client_order_id, before in baseline.items():
            managed = registry.get(client_order_id)
            if managed is None:
                continue
            report.checked += 1
            snapshot = exchange_open.get(client_order_id)
            if not managed.is_open:
                pass  # already brought up to date by the stream since the baseline
            elif snapshot is not None:
                lifecycle.apply_open_snapshot(managed, snapshot)
            elif waiting_leg(managed):
                await self._lookup.refresh(managed)  # through its strategy
            else:
                try:
                    snapshot = await exchange.fetch_order(
                        managed.symbol, client_order_id=client_order_id
                    )
                except OrderNotFoundError as exc:
                    if not managed.never_acknowledged:
                        report.flagged.append((client_order_id, "unknown to the exchange"))
                        # not left open: settled
                        await settle_missing(core, lifecycle, managed, exc)
                    elif self._lookup.grace_over(managed):
                        # The same settling as while running: the order history, then taken as
                        # never placed (and looked at again later).
                        await self._lookup.refresh(managed)
                        if managed.rejected_locally:
                            report.never_placed.append(client_order_id)
                        elif managed.status is OrderStatus.PENDING_NEW:
                            report.pending.append(client_order_id)  # history unreadable
                        else:
                            report.changed.append(OrderChange(
                                client_order_id, before[0], managed.status, before[1],
                                managed.filled_quantity,
                            ))
                    else:
                        # Sent just before the restart: the exchange may not have processed it
                        # yet. Settled by its client id once the grace period is over.
                        report.pending.append(client_order_id)
                    continue
                except ExecutionError as exc:
                    report.flagged.append((client_order_id, f"could not be queried: {exc}"))
                    continue
                lifecycle.apply_open_snapshot(managed, snapshot)
            if (managed.status, managed.filled_quantity) != before:
                report.changed.append(
                    OrderChange(
                        client_order_id, before[0], managed.status, before[1],
                        managed.filled_quantity,
                    )
                )
        await self._sweep_history(baseline, report)
        for client_order_id, snapshot in exchange_open.items():
            known = registry.get(client_order_id)
            if known is not None:
                if known.rejected_locally:  # the exchange has it after all: it wins
                    lifecycle.apply_open_snapshot(known, snapshot)
                    report.changed.append(
                        OrderChange(client_order_id, OrderStatus.REJECTED, known.status,
                                    Decimal(0), known.filled_quantity)
                    )
                continue
            lifecycle.consider(snapshot)  # adopted or reported, as the policy says: in `log`
        try:
            report.positions = await self._feed.refresh_positions()
        except ExecutionError as exc:
            report.flagged.append(("", f"positions could not be read: {exc}"))
        # From the protection audit: the exchange's own open orders, not local state.
        audit = await self._auditor.audit(act=False)
        report.unprotected = audit.unprotected_symbols
        if audit.error is not None:
            report.flagged.append(("", f"protection could not be checked: {audit.error}"))
        report.adopted = list(log.adopted)
        report.foreign = list(log.foreign)
        report.unknown = list(log.unknown)
        say = logger.info if report.is_clean else logger.warning
        say("%s", report.summary())
        for change in report.changed:
            logger.info(
                "reconciled %s: %s -> %s, filled %s -> %s", change.client_order_id,
                change.status_before.value, change.status_after.value, change.filled_before,
                change.filled_after,
            )
        for client_order_id, reason in report.flagged:
            logger.warning("reconciliation flagged %s: %s", client_order_id, reason)
        return report
