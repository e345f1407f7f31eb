"""`WatchApp`: the Textual application of `aster-exec watch`.

Three tables (positions with the protection audit's verdict, open orders, recent fills),
the PnL line and the notices, redrawn from `WatchFeed.snapshot()` whenever it changes (it is
polled a few times a second; the data behind it comes from the user-data and market
streams). Keys: `c` cancels the order under the cursor of the orders table, `f` flattens
the symbol under the cursor of the positions table, each after a `ConfirmScreen`; `a` runs
the protection audit now; `q` quits. The audit also runs every `audit_every` seconds and
whenever the positions change.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Label, Static

from execution.watch.confirm import ConfirmScreen
from execution.watch.feed import WatchFeed
from execution.watch.model import FillRow, OrderRow, PnlSummary, PositionRow, WatchSnapshot

logger = logging.getLogger(__name__)

# The API reference (pdoc) leaves the Textual classes out: their inherited members'
# annotations cannot be evaluated outside Textual. docs/watch.md describes them.
__all__ = ["POSITION_COLUMNS", "pnl_line", "show"]

POSITION_COLUMNS = ("symbol", "side", "quantity", "entry", "mark", "unrealised PnL",
                    "leverage", "protection")
ORDER_COLUMNS = ("client id", "symbol", "side", "type", "quantity", "filled", "price",
                 "stop", "status")
FILL_COLUMNS = ("time (UTC)", "symbol", "side", "quantity", "price", "fee", "realised PnL",
                "client id")


def show(value: Decimal | None) -> str:
    """A figure as plain decimal text; "?" for unknown."""
    if value is None:
        return "?"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _position_cells(row: PositionRow) -> tuple[str, ...]:
    return (row.symbol, row.side, show(row.quantity), show(row.entry_price),
            show(row.mark_price), show(row.unrealized_pnl), f"{row.leverage}x", row.verdict)


def _order_cells(row: OrderRow) -> tuple[str, ...]:
    return (row.client_order_id, row.symbol, row.side, row.order_type, show(row.quantity),
            show(row.filled), "" if row.price is None else show(row.price),
            "" if row.stop_price is None else show(row.stop_price), row.status)


def _fill_cells(row: FillRow) -> tuple[str, ...]:
    when = datetime.fromtimestamp(row.time_ms / 1000, UTC).strftime("%H:%M:%S")
    fee = "?" if row.fee is None else f"{show(row.fee)} {row.fee_asset}".strip()
    return (when, row.symbol, row.side, show(row.quantity), show(row.price), fee,
            show(row.realized_pnl), row.client_order_id)


def pnl_line(pnl: PnlSummary, snapshot: WatchSnapshot) -> str:
    """The PnL line: realised, fees, net, unrealised, the fill count, the stream's state."""
    fees = ", ".join(f"{show(v)} {k}" for k, v in sorted(pnl.fees.items())) or "0"
    parts = [f"realised {show(pnl.realized)}", f"fees {fees}",
             f"net {show(pnl.net)}", f"unrealised {show(pnl.unrealized)}",
             f"fills {pnl.fills}"]
    if pnl.unknown_fills:
        parts.append(f"({pnl.unknown_fills} without fee or PnL: read from a snapshot)")
    parts.append("stream up" if snapshot.stream_connected else "STREAM DOWN (polling)")
    return " | ".join(parts)


class WatchApp(App[None]):
    """The live view over one `WatchFeed`."""

    TITLE = "aster-exec watch"
    CSS = """
    DataTable { height: auto; max-height: 14; }
    .title { text-style: bold; margin-top: 1; }
    #pnl { margin-top: 1; }
    #notices { height: auto; max-height: 6; color: $warning; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_order", "Cancel order"),
        Binding("f", "flatten", "Flatten symbol"),
        Binding("a", "audit", "Audit now"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, feed: WatchFeed, *, refresh_every: float = 0.25,
                 audit_every: float = 10.0) -> None:
        super().__init__()
        self.feed = feed
        self.refresh_every = refresh_every
        self.audit_every = audit_every
        self.drawn: WatchSnapshot | None = None
        self._positions_seen: tuple[tuple[str, Decimal], ...] | None = None
        self._auditing = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="pnl")
        yield Label("Positions (f: flatten)", classes="title")
        yield DataTable(id="positions", cursor_type="row", zebra_stripes=True)
        yield Label("Open orders (c: cancel)", classes="title")
        yield DataTable(id="orders", cursor_type="row", zebra_stripes=True)
        yield Label("Recent fills", classes="title")
        yield DataTable(id="fills", cursor_type="row", zebra_stripes=True)
        yield Static("", id="notices")
        yield Footer()

    def on_mount(self) -> None:
        for table_id, columns in (("positions", POSITION_COLUMNS), ("orders", ORDER_COLUMNS),
                                  ("fills", FILL_COLUMNS)):
            self.query_one(f"#{table_id}", DataTable).add_columns(*columns)
        self.feed.attach()
        self.redraw()
        self.set_interval(self.refresh_every, self.redraw)
        self.set_interval(self.audit_every, self.action_audit)
        self.query_one("#orders", DataTable).focus()
        self.action_audit()

    def on_unmount(self) -> None:
        self.feed.detach()

    # -- drawing ----------------------------------------------------------------------------

    def redraw(self) -> None:
        """Draw the feed's snapshot if it changed since the last drawn."""
        snapshot = self.feed.snapshot()
        if snapshot == self.drawn:
            return
        self.drawn = snapshot
        self._fill("positions", [(r.key, _position_cells(r)) for r in snapshot.positions])
        self._fill("orders", [(r.client_order_id, _order_cells(r)) for r in snapshot.orders])
        self._fill("fills", [(f"{r.client_order_id}#{i}", _fill_cells(r))
                             for i, r in enumerate(snapshot.fills)])
        self.query_one("#pnl", Static).update(pnl_line(snapshot.pnl, snapshot))
        self.query_one("#notices", Static).update("\n".join(snapshot.notices[:5]))
        seen = tuple((r.key, r.quantity) for r in snapshot.positions)
        if self._positions_seen is not None and seen != self._positions_seen:
            self.action_audit()  # a position opened, changed or closed: its verdict
        self._positions_seen = seen

    def _fill(self, table_id: str, rows: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        """Replace a table's rows, the cursor kept on the same row key where it still is."""
        table = self.query_one(f"#{table_id}", DataTable)
        selected = self.selected_key(table_id)
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        if selected in keys:
            table.move_cursor(row=keys.index(selected))

    def selected_key(self, table_id: str) -> str | None:
        """The key of the row under the cursor of a table (None: the table is empty)."""
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        row = min(max(table.cursor_row, 0), table.row_count - 1)
        value = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return None if value is None else str(value)

    # -- actions ----------------------------------------------------------------------------

    def action_cancel_order(self) -> None:
        client_order_id = self.selected_key("orders")
        if client_order_id is None:
            self.notify("no open order to cancel")
            return
        self._confirm(f"Cancel order {client_order_id}?", self.feed.cancel, client_order_id)

    def action_flatten(self) -> None:
        key = self.selected_key("positions")
        if key is None:
            self.notify("no position to flatten")
            return
        symbol = key.split(":", 1)[0]
        self._confirm(f"Flatten {symbol}: cancel its open orders and close the position at "
                      "market?", self.feed.flatten, symbol)

    def _confirm(self, question: str, action: Callable[[str], Awaitable[str]],
                 target: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._act(action, target), exit_on_error=False)
            else:
                self.feed.model.notice(f"declined: {question}")
                self.redraw()

        self.push_screen(ConfirmScreen(question), answered)

    async def _act(self, action: Callable[[str], Awaitable[str]], target: str) -> None:
        text = await action(target)
        self.notify(text)
        self.redraw()

    def action_audit(self) -> None:
        if not self._auditing:
            self._auditing = True
            self.run_worker(self._audit(), exit_on_error=False)

    async def _audit(self) -> None:
        try:
            await self.feed.audit()
        except Exception:  # the view goes on; the audit is tried again later
            logger.exception("protection audit failed")
        finally:
            self._auditing = False
        self.redraw()
