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
from execution.models import Order, OrderStatus, Position
from execution.orders.adoption import AdoptionLog, Origin, origin_of, owners_of
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


Baseline = dict[str, tuple[OrderStatus, Decimal]]


@dataclass(slots=True)
class Unfinished:
    """What a reconciliation could not do because the exchange could not be read (a ban, a
    5xx, the network): done again later (`Reconciler.finish`), never dropped. An order
    sent from memory while the store could not write and then lost with the process is
    only found in its symbol's history: a sweep skipped for a passing fault would leave it
    unknown for good."""

    orders: Baseline = field(default_factory=dict)  # not queried: client id -> as stored
    history: dict[str, int] = field(default_factory=dict)  # symbol -> swept from (ms)
    positions: bool = False
    protection: bool = False

    def __bool__(self) -> bool:
        return bool(self.orders or self.history or self.positions or self.protection)


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
    unfinished: Unfinished = field(default_factory=Unfinished)  # done again later

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


def baseline_of(orders: list[ManagedOrder]) -> Baseline:
    """(status, filled) of each order not final, as the store had them."""
    return {m.client_order_id: (m.status, m.filled_quantity) for m in orders if m.is_open}


HISTORY_MARGIN_MS = 300_000  # how far before the oldest open order the history is read
RECENT_MS = 86_400_000  # a symbol whose last stored order is older is not read at start
HISTORY_PAGE = 1000  # the most orders one history read returns (the venue's maximum)
RETRY_FIRST = 1.0  # s before what a reconciliation could not read is read again, doubling
RETRY_LAST = 30.0


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
        start began (kept by the lifecycle); by default, one kept for this call. What could
        not be read is in the report's `unfinished`, for `finish`."""
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

    async def finish(self, unfinished: Unfinished) -> None:
        """Do again what a reconciliation could not (`unfinished`: orders it could not
        query, symbols whose history it could not read, the positions, the protection
        audit), after a back-off on the manager's clock (1, 2, 4, ... s, at most 30 s),
        until all of it is done. Meant to run in the background after a start."""
        delay = RETRY_FIRST
        while unfinished:
            await self._core.clock.sleep(delay)
            delay = min(delay * 2, RETRY_LAST)
            report = ReconciliationReport()
            for client_order_id, before in list(unfinished.orders.items()):
                if await self._check_order(client_order_id, before, None, report):
                    del unfinished.orders[client_order_id]
            for symbol, first in list(unfinished.history.items()):
                if await self._sweep_symbol(symbol, first, report):
                    del unfinished.history[symbol]
            if unfinished.positions:
                unfinished.positions = not await self._read_positions(report)
            if unfinished.protection:
                unfinished.protection = (await self._auditor.audit()).error is not None
            for change in report.changed:
                logger.warning("reconciled later %s: %s -> %s, filled %s -> %s",
                               change.client_order_id, change.status_before.value,
                               change.status_after.value, change.filled_before,
                               change.filled_after)
        logger.info("reconciliation finished: what the start could not read is done")

    def _sweep_since(self, baseline: Baseline) -> dict[str, int]:
        """Per symbol, from when its history is swept: every symbol with an open stored
        order or one placed in the last day, from its oldest open order or its last order,
        whichever is earlier."""
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
        return since

    async def _sweep_symbol(self, symbol: str, first: int, report: ReconciliationReport
                            ) -> bool:
        """Orders this manager sent that its store never recorded: protective orders (a
        bracket's exits, a flattening) go out from memory while the store cannot write, and a
        crash before it could write again leaves them only on the exchange, possibly ended
        already (no longer among the open orders). The symbol's order history from a while
        before `first` is read and such orders are taken over (`consider`: adopted by the
        policy, recorded, reported). False (and flagged) when the history cannot be read."""
        core = self._core
        try:
            history = await self._history(symbol, first - HISTORY_MARGIN_MS)
        except ExecutionError as exc:
            report.flagged.append(("", f"order history of {symbol} unreadable: {exc}"))
            return False
        prefix = core.settings.client_order_id_prefix
        for snapshot in history:
            # Only this manager's and the exchange's own: the history of other managers'
            # orders is theirs (their open ones are met, and reported, at start).
            if core.registry.get(snapshot.client_order_id) is None and origin_of(
                snapshot.client_order_id, prefix, owners_of(core.recorder.store)
            ) in (Origin.OWN, Origin.EXCHANGE):
                self._lifecycle.consider(snapshot)
        return True

    async def _history(self, symbol: str, start_time: int) -> list[Order]:
        """The symbol's orders from `start_time` on, page after page (a page holds at most
        `HISTORY_PAGE`: a busy symbol has more since its oldest open order)."""
        orders: dict[str, Order] = {}
        while True:
            page = await self._core.exchange.get_all_orders(
                symbol, start_time=start_time, limit=HISTORY_PAGE
            )
            for order in page:
                orders.setdefault(order.client_order_id, order)
            latest = max((o.created_at or 0 for o in page), default=0)
            if len(page) < HISTORY_PAGE or latest <= start_time:
                return list(orders.values())
            start_time = latest  # the next page from the last order's time (overlap: once)

    async def _check_order(
        self, client_order_id: str, before: tuple[OrderStatus, Decimal],
        snapshot: Order | None, report: ReconciliationReport,
    ) -> bool:
        """Bring one stored order to the exchange's state (`snapshot`: as listed open, None:
        not listed, queried by client id) and report what changed. False (and flagged) when
        it could not be queried."""
        core, lifecycle = self._core, self._lifecycle
        managed = core.registry.get(client_order_id)
        if managed is None:
            return True
        report.checked += 1
        if not managed.is_open:
            pass  # already brought up to date (by the stream) since the baseline
        elif snapshot is not None:
            lifecycle.apply_open_snapshot(managed, snapshot)
        elif waiting_leg(managed):
            await self._lookup.refresh(managed)  # through its strategy
        else:
            try:
                snapshot = await core.exchange.fetch_order(
                    managed.symbol, client_order_id=client_order_id
                )
            except OrderNotFoundError as exc:
                await self._not_found(managed, before, exc, report)
                return True
            except ExecutionError as exc:
                report.flagged.append((client_order_id, f"could not be queried: {exc}"))
                return False
            lifecycle.apply_open_snapshot(managed, snapshot)
        if (managed.status, managed.filled_quantity) != before:
            report.changed.append(OrderChange(
                client_order_id, before[0], managed.status, before[1], managed.filled_quantity,
            ))
        return True

    async def _not_found(
        self, managed: ManagedOrder, before: tuple[OrderStatus, Decimal],
        cause: OrderNotFoundError, report: ReconciliationReport,
    ) -> None:
        client_order_id = managed.client_order_id
        if not managed.never_acknowledged:
            report.flagged.append((client_order_id, "unknown to the exchange"))
            await settle_missing(self._core, self._lifecycle, managed, cause)  # settled
        elif self._lookup.grace_over(managed):
            # The same settling as while running: the order history, then taken as never
            # placed (and looked at again later).
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
            # Sent just before the restart: the exchange may not have processed it yet.
            # Settled by its client id once the grace period is over.
            report.pending.append(client_order_id)

    async def _read_positions(self, report: ReconciliationReport) -> bool:
        try:
            report.positions = await self._feed.refresh_positions()
        except ExecutionError as exc:
            report.flagged.append(("", f"positions could not be read: {exc}"))
            return False
        return True

    async def _reconcile(
        self, baseline: Baseline | None, log: AdoptionLog
    ) -> ReconciliationReport:
        core, lifecycle = self._core, self._lifecycle
        registry = core.registry
        report = ReconciliationReport()
        unfinished = report.unfinished
        exchange_open = {o.client_order_id: o for o in await core.exchange.get_open_orders()}
        if baseline is None:
            baseline = baseline_of(registry.open_orders())
        for client_order_id, before in baseline.items():
            snapshot = exchange_open.get(client_order_id)
            if not await self._check_order(client_order_id, before, snapshot, report):
                unfinished.orders[client_order_id] = before
        for symbol, first in self._sweep_since(baseline).items():
            if not await self._sweep_symbol(symbol, first, report):
                unfinished.history[symbol] = first
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
        unfinished.positions = not await self._read_positions(report)
        # From the protection audit: the exchange's own open orders, not local state.
        audit = await self._auditor.audit(act=False)
        report.unprotected = audit.unprotected_symbols
        if audit.error is not None:
            unfinished.protection = True
            report.flagged.append(("", f"protection could not be checked: {audit.error}"))
        report.adopted = list(log.adopted)
        report.foreign = list(log.foreign)
        report.unknown = list(log.unknown)
        self._log(report)
        return report

    @staticmethod
    def _log(report: ReconciliationReport) -> None:
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
        if report.unfinished:
            logger.warning("reconciliation unfinished (%d orders, %d histories, positions "
                           "%s, protection %s): done again in the background",
                           len(report.unfinished.orders), len(report.unfinished.history),
                           report.unfinished.positions, report.unfinished.protection)
