"""`trades` and `income`: what the account did, as the exchange recorded it (each fill's
fee and realised PnL; funding, commissions, transfers), with totals; with `--store`, from
the account ledger of an order store instead (what the manager recorded, and syncs)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.ledger_source import LedgerStoreOpt, SyncOpt, load_view, sync_store
from execution.cli.commands.market import iso_utc
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.tabular import CsvOption, check_modes, show_table
from execution.errors import ValidationError
from execution.exchange.account_history import AccountTrade, account_history_of
from execution.exchange.base import BaseExchange
from execution.ledger.records import LedgerFill, LedgerIncome, fill_from_trade, income_from_record
from execution.ledger.sync import WEEK_MS
from execution.models import Order
from execution.money import format_decimal
from execution.rules import normalize_symbol
from execution.timekeeping import now_ms

LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="At most this many (1-1000).",
                                       min=1, max=1000)]
TypeOpt = Annotated[
    str | None,
    typer.Option("--type", help="Only this income type (FUNDING_FEE, COMMISSION, "
                 "REALIZED_PNL, TRANSFER, ...).", show_default=False),
]
OptionalSymbol = Annotated[str | None, typer.Argument(
    help="Only this symbol (needed when reading the exchange).", show_default=False)]
UNKNOWN = "unknown"


def _sums(pairs: list[tuple[str | None, Decimal | None]]) -> str:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    unknown = 0
    for asset, amount in pairs:
        if amount is None:
            unknown += 1
            continue
        totals[asset or "?"] += amount
    text = ", ".join(f"{format_decimal(v)} {k}" for k, v in sorted(totals.items())) or "none"
    return text + (f" (and {unknown} not known yet)" if unknown else "")


def _fee(fill: LedgerFill) -> str:
    return UNKNOWN if fill.commission is None else format_decimal(fill.commission)


TRADE_COLUMNS = ["time", "symbol", "side", "price", "qty", "fee", "fee asset", "realised PnL",
                 "maker", "order id", "strategy"]


def _trade_row(fill: LedgerFill, table: bool) -> list[Any]:
    maker = None if fill.maker is None else ("yes" if fill.maker else "no")
    if table:
        return [iso_utc(fill.time), fill.symbol, fill.side, fill.price, fill.quantity,
                _fee(fill), fill.commission_asset,
                UNKNOWN if fill.realized_pnl is None else fill.realized_pnl,
                maker or UNKNOWN, fill.order_id, fill.strategy]
    return [iso_utc(fill.time), fill.symbol, fill.side, fill.price, fill.quantity,
            fill.commission, fill.commission_asset, fill.realized_pnl, maker, fill.order_id,
            fill.strategy]


@command("trades")
def trades(out: Output, venue: VenueConfig, symbol: OptionalSymbol = None,
           limit: LimitOpt = 100, store: LedgerStoreOpt = None, sync: SyncOpt = False,
           as_csv: CsvOption = False) -> None:
    """The account's fills (of SYMBOL) with their fees and realised PnL, and the totals:
    from the exchange (SYMBOL needed), or with --store from the order store's ledger."""
    check_modes(out, as_csv)
    name = None if symbol is None else normalize_symbol(symbol)
    if store is not None:
        if sync:
            run_async(sync_store(venue, store))
        fills = [f for f in run_async(load_view(store)).fills
                 if name is None or f.symbol == name][-limit:]
    else:
        if name is None:
            raise ValidationError("symbol", None, "reading the exchange needs a SYMBOL "
                                  "(or read an order store's ledger with --store)")
        fills = run_async(_exchange_fills(venue, name, limit))
    pnl = _sums([("USDT", f.realized_pnl) for f in fills])
    fees = _sums([(f.commission_asset, f.commission) for f in fills])
    if out.json_mode:
        out.emit_json({"symbol": name, "trades": fills, "realized_pnl": pnl, "fees": fees})
        return
    show_table(out, as_csv, f"Trades {name or ''}".strip(), TRADE_COLUMNS,
               [_trade_row(f, not as_csv) for f in fills],
               right_align=["price", "qty", "fee", "realised PnL"], empty="no trades")
    if not as_csv:
        out.line(f"{len(fills)} fill(s); realised PnL {pnl}; fees paid {fees}")


async def _exchange_fills(venue: VenueConfig, symbol: str, limit: int) -> list[LedgerFill]:
    async with open_exchange(venue) as connection:
        await connection.exchange.get_symbol_rules(symbol)  # an unknown symbol stops here
        answer = await account_history_of(connection.exchange).trades(symbol, limit=limit)
        return [fill_from_trade(t) for t in answer]


@command("income")
def income(out: Output, venue: VenueConfig, symbol: OptionalSymbol = None,
           income_type: TypeOpt = None, limit: LimitOpt = 100, store: LedgerStoreOpt = None,
           sync: SyncOpt = False, as_csv: CsvOption = False) -> None:
    """The account's income history (funding, commissions, realised PnL, transfers), and
    the totals per type and asset: from the exchange, or with --store from the order
    store's ledger."""
    check_modes(out, as_csv)
    name = None if symbol is None else normalize_symbol(symbol)
    kind = None if income_type is None else income_type.upper()
    if store is not None:
        if sync:
            run_async(sync_store(venue, store))
        records = [r for r in run_async(load_view(store)).income
                   if (name is None or r.symbol == name)
                   and (kind is None or r.income_type == kind)][-limit:]
    else:
        records = run_async(_exchange_income(venue, name, kind, limit))
    by_type: dict[str, list[tuple[str | None, Decimal | None]]] = defaultdict(list)
    for record in records:
        by_type[record.income_type].append((record.asset, record.income))
    totals = {k: _sums(pairs) for k, pairs in sorted(by_type.items())}
    if out.json_mode:
        out.emit_json({"income": records, "totals": totals})
        return
    show_table(out, as_csv, "Income", ["time", "symbol", "type", "income", "asset", "info",
                                       "tran id"],
               [[iso_utc(r.time), r.symbol, r.income_type, r.income, r.asset, r.info,
                 r.tran_id] for r in records], empty="no income records")
    if not as_csv:
        for kind_name, total in totals.items():
            out.line(f"{kind_name}: {total}")


async def _exchange_income(venue: VenueConfig, symbol: str | None, kind: str | None,
                           limit: int) -> list[LedgerIncome]:
    async with open_exchange(venue) as connection:
        answer = await account_history_of(connection.exchange).income(
            symbol, income_type=kind, limit=limit)
        return [income_from_record(r) for r in answer]


OrderCost = tuple[Decimal | None, str | None, Decimal | None]
"""An order's fees, their asset and its realised PnL from its trades (None: unknown)."""


async def order_costs(exchange: BaseExchange, symbol: str, orders: list[Order]
                      ) -> dict[str, OrderCost]:
    """Each order's fees and realised PnL, added up from the exchange's trades of the
    orders' time (an order's own answer has neither): 0 for an order that filled nothing,
    None (unknown) for one that filled but whose trades are not in the window read."""
    now = now_ms()
    start = max(min((o.created_at or now for o in orders), default=now) - 60_000,
                now - WEEK_MS + 1)
    trades = await account_history_of(exchange).trades(symbol, start_time=start, limit=1000)
    by_order: dict[str, list[AccountTrade]] = defaultdict(list)
    for trade in trades:
        by_order[trade.order_id].append(trade)
    costs: dict[str, OrderCost] = {}
    for order in orders:
        mine = by_order.get(order.order_id, [])
        traded = sum((t.quantity for t in mine), start=Decimal(0))
        if order.filled_quantity == 0:
            costs[order.order_id] = (Decimal(0), None, Decimal(0))
        elif traded < order.filled_quantity:
            costs[order.order_id] = (None, None, None)
        else:
            costs[order.order_id] = (
                sum((t.commission for t in mine), start=Decimal(0)),
                mine[0].commission_asset,
                sum((t.realized_pnl for t in mine), start=Decimal(0)),
            )
    return costs
