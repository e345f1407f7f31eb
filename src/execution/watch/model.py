"""The watch view's data model: rows for positions, open orders and fills, and the PnL.

Built from what the order manager knows (its positions, its open orders, the protection
audit's last report) and from its events (each fill seen once, from the order's events),
with marks from the market stream where it has fresh ones. No widget here: the Textual app
(`watch.app`) draws a `WatchSnapshot`, and tests read the same snapshot.

Unknown stays unknown: a fill read from a REST snapshot (trade id 0) has no fee or realised
PnL (None, shown as "?"), a position with no mark has no unrealised PnL.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from execution.models import Position
from execution.orders.managed import ManagedOrder
from execution.orders.protection import PositionProtection, ProtectionReport
from execution.orders.state import OrderFilled

ZERO = Decimal(0)
MAX_FILLS = 50  # the fills table keeps the latest this many

MarkLookup = Callable[[str], Decimal | None]
"""A fresh mark of a symbol, or None (no stream, or stale)."""


@dataclass(frozen=True, slots=True)
class PositionRow:
    """One open position as shown, with the protection audit's verdict."""

    key: str  # "<symbol>" or "<symbol>:<LONG|SHORT>" in hedge mode
    symbol: str
    side: str  # LONG / SHORT
    quantity: Decimal  # signed
    entry_price: Decimal
    mark_price: Decimal | None
    unrealized_pnl: Decimal
    leverage: int
    protected: bool | None  # None: not audited yet
    verdict: str


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One open order as shown."""

    client_order_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    filled: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    status: str


@dataclass(frozen=True, slots=True)
class FillRow:
    """One fill (one trade of an order)."""

    time_ms: int
    client_order_id: str
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal
    fee: Decimal | None  # None: unknown (the fill was read from a snapshot)
    fee_asset: str
    realized_pnl: Decimal | None
    trade_id: int


@dataclass(frozen=True, slots=True)
class PnlSummary:
    """What the session's fills earned and what the open positions show now."""

    realized: Decimal  # over the fills whose realised PnL is known
    fees: dict[str, Decimal]  # by asset, over the fills whose fee is known
    unrealized: Decimal  # at the live marks (else the exchange's last figure)
    fills: int
    unknown_fills: int  # fills without a fee or realised PnL (read from a snapshot)

    @property
    def net(self) -> Decimal | None:
        """Realised PnL less the fees, when every fee was in one asset (else None)."""
        if len(self.fees) > 1:
            return None
        return self.realized - sum(self.fees.values(), ZERO)


@dataclass(frozen=True, slots=True)
class WatchSnapshot:
    """Everything the view shows at one moment."""

    positions: tuple[PositionRow, ...]
    orders: tuple[OrderRow, ...]
    fills: tuple[FillRow, ...]  # newest first
    pnl: PnlSummary
    stream_connected: bool
    audited_at: int | None
    notices: tuple[str, ...] = ()  # newest first: margin calls, liquidations, results


def position_key(position: Position) -> str:
    """A position's row key: its symbol, with the leg in hedge mode."""
    if position.position_side.value == "BOTH":
        return position.symbol
    return f"{position.symbol}:{position.position_side.value}"


def verdict_of(finding: PositionProtection | None) -> tuple[bool | None, str]:
    """The audit's word on one position: (protected, text)."""
    if finding is None:
        return None, "not audited"
    if finding.protected:
        return True, "protected by " + ", ".join(finding.stops)
    text = f"UNPROTECTED ({finding.covered} of {abs(finding.quantity)} covered)"
    return False, text + (f": {finding.action}" if finding.action else "")


def fills_of(managed: ManagedOrder) -> tuple[FillRow, ...]:
    """The fills of one order: one row a trade (with its fee and realised PnL), and, for
    quantity a REST snapshot showed filled that no trade has told yet, one row of unknown
    fee and PnL (it becomes the trades' rows when they arrive)."""
    order = managed.order
    events = [e for e in managed.events if isinstance(e, OrderFilled)]
    trades = [e for e in events if e.trade_id]

    def row(event: OrderFilled, quantity: Decimal, price: Decimal, known: bool) -> FillRow:
        return FillRow(
            time_ms=event.timestamp, client_order_id=managed.client_order_id,
            symbol=order.symbol, side=order.side.value, quantity=quantity, price=price,
            fee=event.commission if known else None,
            fee_asset=event.commission_asset if known else "",
            realized_pnl=event.realized_pnl if known else None, trade_id=event.trade_id,
        )

    rows = [row(e, e.last_quantity, e.last_price, True) for e in trades]
    untold = managed.filled_quantity - sum((e.last_quantity for e in trades), ZERO)
    snapshots = [e for e in events if not e.trade_id]
    if untold > 0 and snapshots:
        last = snapshots[-1]
        rows.append(row(last, untold, order.average_price or last.last_price, False))
    return tuple(rows)


@dataclass
class WatchModel:
    """The fills of every order seen (each trade once) and the notices; `snapshot` puts
    them together with the manager's state (the app redraws when the snapshot differs
    from the last drawn)."""

    max_fills: int = MAX_FILLS
    # the fills of each order seen, by client id
    _fills: dict[str, tuple[FillRow, ...]] = field(default_factory=dict, init=False)
    # orders whose fills may still change: open, or with quantity no trade has told yet
    _pending: dict[str, ManagedOrder] = field(default_factory=dict, init=False)
    _notices: deque[str] = field(default_factory=lambda: deque(maxlen=20), init=False)

    def notice(self, text: str) -> None:
        """A line for the notices (margin calls, liquidations, what a key did)."""
        self._notices.appendleft(text)

    def record_fills(self, managed: ManagedOrder) -> int:
        """Read the fills of `managed` again; how many rows it gained."""
        client_order_id = managed.client_order_id
        rows = fills_of(managed)
        before = len(self._fills.get(client_order_id, ()))
        if rows or before:
            self._fills[client_order_id] = rows
        if managed.is_open or any(r.fee is None for r in rows):
            self._pending[client_order_id] = managed
        else:
            self._pending.pop(client_order_id, None)
        return len(rows) - before

    def refresh(self) -> None:
        """Read again the orders whose fills may still change (a trade that follows a
        snapshot's fill changes no state, so no callback tells it)."""
        for managed in list(self._pending.values()):
            self.record_fills(managed)

    def _pnl(self, unrealized: Decimal) -> tuple[PnlSummary, tuple[FillRow, ...]]:
        every = [row for rows in self._fills.values() for row in rows]
        realized, fees, unknown = ZERO, dict[str, Decimal](), 0
        for row in every:
            if row.fee is None or row.realized_pnl is None:
                unknown += 1
                continue
            realized += row.realized_pnl
            if row.fee or row.fee_asset:
                asset = row.fee_asset or "?"
                fees[asset] = fees.get(asset, ZERO) + row.fee
        every.sort(key=lambda r: (r.time_ms, r.trade_id), reverse=True)
        summary = PnlSummary(realized, fees, unrealized, len(every), unknown)
        return summary, tuple(every[: self.max_fills])

    def snapshot(
        self,
        positions: Iterable[Position],
        open_orders: Iterable[ManagedOrder],
        report: ProtectionReport | None,
        *,
        mark: MarkLookup | None = None,
        stream_connected: bool = True,
    ) -> WatchSnapshot:
        """The rows to show now."""
        self.refresh()
        rows = tuple(self._position_rows(positions, report, mark))
        pnl, fills = self._pnl(sum((row.unrealized_pnl for row in rows), ZERO))
        orders = tuple(sorted((order_row(m) for m in open_orders),
                              key=lambda r: (r.symbol, r.client_order_id)))
        return WatchSnapshot(
            rows, orders, fills, pnl, stream_connected,
            report.checked_at if report is not None else None, tuple(self._notices),
        )

    @staticmethod
    def _position_rows(
        positions: Iterable[Position], report: ProtectionReport | None,
        mark: MarkLookup | None,
    ) -> Iterable[PositionRow]:
        findings = {} if report is None else {
            (f.symbol, f.position_side): f for f in report.positions
        }
        for position in sorted(positions, key=position_key):
            if position.quantity == 0:
                continue
            live = mark(position.symbol) if mark is not None else None
            price = live if live is not None else (position.mark_price or None)
            # at the live mark; without one, as the exchange last said it
            unrealized = (position.unrealized_pnl if price is None
                          else (price - position.entry_price) * position.quantity)
            protected, verdict = verdict_of(
                findings.get((position.symbol, position.position_side)))
            yield PositionRow(
                key=position_key(position), symbol=position.symbol,
                side=position.direction.value, quantity=position.quantity,
                entry_price=position.entry_price, mark_price=price,
                unrealized_pnl=unrealized, leverage=position.leverage,
                protected=protected, verdict=verdict,
            )


def order_row(managed: ManagedOrder) -> OrderRow:
    """An open order's row."""
    order = managed.order
    return OrderRow(
        client_order_id=managed.client_order_id, symbol=order.symbol,
        side=order.side.value, order_type=order.order_type.value, quantity=order.quantity,
        filled=managed.filled_quantity, price=order.price, stop_price=order.stop_price,
        status=managed.status.value,
    )
