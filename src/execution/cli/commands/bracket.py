"""`bracket SYMBOL SIDE QUANTITY --sl P --tp P [--price P]`: an entry (market, or limit at
`--price`) with a reduce-only stop-loss and take-profit, one-cancels-other, through the
order manager (`OrderManager.place_bracket_order`): held by the exchange as one strategy
order where the venue has them (AsterDEX v3, `--backend native`), else by the manager
(`emulated`: the exits follow the entry's fills while the manager runs, so a bracket that
outlives the command needs `--store` and a manager started on it again)."""

from __future__ import annotations

from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import (
    ClientIdOpt,
    PriceOpt,
    QuantityArg,
    StoreOpt,
    StrategyOpt,
    SymbolArg,
    TifChoice,
    TifOpt,
)
from execution.cli.commands.trading import ORDER_COLUMNS, ORDER_NUMERIC, check_store, order_row
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.models import OrderSide, TimeInForce
from execution.money import positive
from execution.orders.bracket import Bracket, BracketBackend
from execution.orders.manager import OrderManager


@command("bracket", confirm=True)
def bracket(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    symbol: SymbolArg,
    side: Annotated[OrderSide, typer.Argument(case_sensitive=False, help="BUY or SELL.")],
    quantity: QuantityArg,
    stop_loss: Annotated[str, typer.Option("--sl", help="Stop-loss trigger price.")],
    take_profit: Annotated[str, typer.Option("--tp", help="Take-profit trigger price.")],
    price: PriceOpt = None,
    time_in_force: TifOpt = None,
    backend: Annotated[BracketBackend | None, typer.Option(
        "--backend", case_sensitive=False, show_default=False,
        help="native (the exchange holds the exits) or emulated (the manager).")] = None,
    client_id: ClientIdOpt = None,
    store: StoreOpt = None,
    strategy: StrategyOpt = None,
) -> None:
    """Place an entry with its stop-loss and take-profit (one-cancels-other)."""
    amount = positive(quantity, "quantity")
    stop = positive(stop_loss, "stop_loss_price")
    profit = positive(take_profit, "take_profit_price")
    entry = None if price is None else positive(price, "price")
    tif = TimeInForce((time_in_force or TifChoice.GTC).value)
    venue.require_trading_allowed()
    check_store(venue, store)

    async def body() -> Bracket:
        async with (open_exchange(venue) as connection,
                    OrderManager(connection.exchange, store=store) as manager):
            what = (f"{side.value} {amount} {symbol.upper()} "
                    f"{'@ ' + str(entry) if entry else 'at market'}, stop {stop}, take {profit}")
            announce(out, venue, connection, f"bracket: {what}", yes=yes)
            return await manager.place_bracket_order(
                symbol, side, amount, entry_price=entry, stop_loss_price=stop,
                take_profit_price=profit, time_in_force=tif, strategy_name=strategy,
                client_order_id=client_id, backend=backend)

    placed = run_async(body())
    legs = [leg for leg in (placed.entry, placed.stop_loss, placed.take_profit) if leg]
    if out.json_mode:
        out.emit_json({"bracket": {
            "backend": placed.backend.value, "status": placed.status.value,
            "error": placed.error, "entry": placed.entry.order,
            "stop_loss": placed.stop_loss.order if placed.stop_loss else None,
            "take_profit": placed.take_profit.order if placed.take_profit else None,
        }})
        return
    out.table(f"Bracket ({placed.backend.value}, {placed.status.value})", ORDER_COLUMNS,
              [order_row(leg.order) for leg in legs], right_align=ORDER_NUMERIC)
