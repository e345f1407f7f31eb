"""`trades` and `income`: what the account did, as the exchange recorded it (each fill's
fee and realised PnL; funding, commissions, transfers), with totals."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.market import iso_utc
from execution.cli.commands.order_options import SymbolArg
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.exchange.account_history import (
    AccountTrade,
    IncomeRecord,
    account_history_of,
)
from execution.money import format_decimal
from execution.rules import normalize_symbol

LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="At most this many (1-1000).",
                                       min=1, max=1000)]
TypeOpt = Annotated[
    str | None,
    typer.Option("--type", help="Only this income type (FUNDING_FEE, COMMISSION, "
                 "REALIZED_PNL, TRANSFER, ...).", show_default=False),
]
OptionalSymbol = Annotated[str | None, typer.Argument(help="Only this symbol.")]


def _sums(pairs: list[tuple[str, Decimal]]) -> str:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for asset, amount in pairs:
        totals[asset] += amount
    return ", ".join(f"{format_decimal(v)} {k}" for k, v in sorted(totals.items())) or "none"


@command("trades")
def trades(out: Output, venue: VenueConfig, symbol: SymbolArg, limit: LimitOpt = 100) -> None:
    """The account's fills of SYMBOL with their fees and realised PnL, and the totals."""
    symbol = normalize_symbol(symbol)

    async def body() -> list[AccountTrade]:
        async with open_exchange(venue) as connection:
            await connection.exchange.get_symbol_rules(symbol)  # an unknown symbol stops here
            return await account_history_of(connection.exchange).trades(symbol, limit=limit)

    fills = run_async(body())
    pnl = _sums([("USDT", t.realized_pnl) for t in fills])
    fees = _sums([(t.commission_asset, t.commission) for t in fills])
    if out.json_mode:
        out.emit_json({"symbol": symbol, "trades": fills, "realized_pnl": pnl, "fees": fees})
        return
    out.table(f"Trades {symbol}", ["time", "side", "price", "qty", "fee", "realised PnL",
                                   "maker", "order id"],
              [[iso_utc(t.time), t.side.value, t.price, t.quantity,
                f"{format_decimal(t.commission)} {t.commission_asset}", t.realized_pnl,
                "yes" if t.maker else "no", t.order_id] for t in fills],
              empty="no trades")
    out.line(f"{len(fills)} fill(s); realised PnL {pnl}; fees paid {fees}")


@command("income")
def income(out: Output, venue: VenueConfig, symbol: OptionalSymbol = None,
           income_type: TypeOpt = None, limit: LimitOpt = 100) -> None:
    """The account's income history (funding, commissions, realised PnL, transfers), and
    the totals per type and asset."""
    name = None if symbol is None else normalize_symbol(symbol)

    async def body() -> list[IncomeRecord]:
        async with open_exchange(venue) as connection:
            return await account_history_of(connection.exchange).income(
                name, income_type=income_type, limit=limit)

    records = run_async(body())
    by_type: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for record in records:
        by_type[record.income_type].append((record.asset, record.income))
    totals = {kind: _sums(pairs) for kind, pairs in sorted(by_type.items())}
    if out.json_mode:
        out.emit_json({"income": records, "totals": totals})
        return
    out.table("Income", ["time", "symbol", "type", "income", "asset", "info"],
              [[iso_utc(r.time), r.symbol, r.income_type, r.income, r.asset, r.info]
               for r in records], empty="no income records")
    for kind, total in totals.items():
        out.line(f"{kind}: {total}")
