"""`buy`, `sell`, `orders`, `cancel` and `cancel-all`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from execution.cli.app import command, run_async
from execution.cli.commands.account_history import OrderCost, order_costs
from execution.cli.commands.order_options import (
    ActivationOpt,
    CallbackRateOpt,
    ClientIdOpt,
    ClosePositionOpt,
    HiddenOpt,
    KindOpt,
    LegOpt,
    OrderFlags,
    OrderKind,
    PegOffsetOpt,
    PegOpt,
    PostOnlyOpt,
    PriceOpt,
    PriceProtectOpt,
    QuantityArg,
    ReduceOpt,
    RepriceOpt,
    RiskOpt,
    StopLimitOpt,
    StopOpt,
    StoreOpt,
    StpOpt,
    StrategyOpt,
    SymbolArg,
    TifChoice,
    TifOpt,
    TrailingOpt,
    WorkingChoice,
    WorkingOpt,
    order_type_of,
)
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output, to_jsonable
from execution.cli.placing import place_order
from execution.cli.tabular import CsvOption, check_modes, show_table
from execution.errors import ValidationError
from execution.intent import OrderIntent
from execution.models import (
    Order,
    OrderSide,
    OrderType,
    PositionSide,
    TimeInForce,
    WorkingType,
)
from execution.money import positive
from execution.risk.limits import RiskLimits
from execution.rules import normalize_symbol

CLIENT_ORDER_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_NUMBER_CONTEXT = {"ignore_unknown_options": True}  # lets "-1" reach validation as a number


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A fully validated order intent, before any connection is made."""

    symbol: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    time_in_force: TimeInForce | None
    reduce_only: bool
    client_order_id: str | None
    working_type: WorkingType | None
    extras: dict[str, object] = field(default_factory=dict)  # OrderIntent fields: flags
    reprices: int = 0  # --post-only --reprice N

    def intent(self, position_side: PositionSide | None = None) -> OrderIntent:
        """The `OrderIntent` this request stands for (a `ValidationError` if its
        parameters contradict each other)."""
        return OrderIntent(
            self.symbol, self.side, self.order_type, self.quantity, price=self.price,
            stop_price=self.stop_price, time_in_force=self.time_in_force,
            reduce_only=self.reduce_only, working_type=self.working_type,
            position_side=position_side or PositionSide.BOTH,
            **self.extras,  # type: ignore[arg-type]
        )


def build_order_request(
    side: OrderSide,
    symbol: str,
    quantity: str,
    kind: OrderKind | None,
    price: str | None,
    stop_price: str | None,
    time_in_force: TifChoice | None,
    reduce_only: bool,
    client_id: str | None,
    working_type: WorkingChoice | None,
    flags: OrderFlags | None = None,
) -> OrderRequest:
    """Check everything that can be checked without the exchange; raise ValidationError.
    (The manager checks the rest, by the symbol's rules, before anything is sent.)"""
    flags = flags or OrderFlags()
    symbol = normalize_symbol(symbol)
    if flags.close_position:
        if quantity.strip().lower() not in ("0", "all"):
            raise ValidationError("quantity", quantity, "with --close-position give 0 or "
                                  "all: the stop closes the whole position")
        amount = Decimal(0)
    else:
        amount = positive(quantity, "quantity")
    limit_price = positive(price, "price") if price is not None else None
    trigger = positive(stop_price, "stop_price") if stop_price is not None else None
    order_type = order_type_of(kind, limit_price, trigger, flags)
    choice = flags.time_in_force(time_in_force)
    tif = TimeInForce(choice.value) if choice is not None else None
    if tif is not None and not order_type.needs_price:
        raise ValidationError("time_in_force", tif.value, "applies only to orders with a --price")
    if order_type.needs_price and tif is None:
        tif = TimeInForce.GTC
    if client_id is not None and not CLIENT_ORDER_ID.match(client_id):
        raise ValidationError(
            "client_id", client_id, "must be 1-36 characters of letters, digits and .:/_-"
        )
    working = None
    if working_type is not None:
        if not order_type.is_conditional:
            raise ValidationError("working_type", working_type.value, "only for stop orders")
        working = (
            WorkingType.MARK_PRICE if working_type is WorkingChoice.MARK
            else WorkingType.CONTRACT_PRICE
        )
    request = OrderRequest(
        symbol, side, order_type, amount, limit_price, trigger, tif, reduce_only, client_id,
        working, flags.intent_fields(), flags.reprice,
    )
    request.intent()  # the parameters' own coercion, before connecting
    return request


ORDER_COLUMNS = [
    "order id", "client id", "symbol", "side", "type", "status", "quantity", "filled",
    "price", "stop", "avg price", "reduce-only",
]
ORDER_NUMERIC = ["quantity", "filled", "price", "stop", "avg price"]


def order_row(order: Order) -> list[object]:
    return [
        order.order_id, order.client_order_id, order.symbol, order.side.value,
        order.order_type.name, order.status.value, order.quantity, order.filled_quantity,
        order.price, order.stop_price, order.average_price, order.reduce_only,
    ]


def show_order(out: Output, title: str, order: Order) -> None:
    """One order, as field/value rows (or JSON)."""
    if out.json_mode:
        out.emit_json({"order": order})
        return
    rows = [
        ("order id", order.order_id), ("client order id", order.client_order_id),
        ("symbol", order.symbol), ("side", order.side.value),
        ("type", f"{order.order_type.name} ({order.order_type.exchange_type})"),
        ("status", order.status.value), ("quantity", order.quantity),
        ("filled", order.filled_quantity), ("price", order.price),
        ("stop price", order.stop_price), ("average price", order.average_price),
        ("time in force", order.time_in_force), ("reduce-only", order.reduce_only),
        ("commission", f"{order.commission} {order.commission_asset}".strip()),
    ]
    out.table(title, ["field", "value"], rows)


def show_orders(out: Output, title: str, orders: list[Order], empty: str) -> None:
    if out.json_mode:
        out.emit_json({"orders": orders})
        return
    out.table(title, ORDER_COLUMNS, [order_row(o) for o in orders], right_align=ORDER_NUMERIC,
              empty=empty)


def check_store(venue: VenueConfig, store: str | Path | None) -> None:
    """An order store needs a venue that outlives the command: the orders of an embedded
    simulator would outlive the exchange that knew them (and the next reuses the ids)."""
    if store is not None and venue.embedded:
        raise ValidationError(
            "--store", str(store),
            "needs a venue that outlives the command: pass --url of a running simulator",
        )


def place(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    request: OrderRequest,
    store: str | Path | None = None,
    strategy: str | None = None,
    risk: Path | None = None,
    position_side: PositionSide | None = None,
) -> None:
    """Send one order through an `OrderManager` (`cli.placing`): every check applies and
    any rounding is said; with an order store the order and its events are recorded for
    `aster-exec history`, without it the manager keeps them in memory."""
    venue.require_trading_allowed()
    check_store(venue, store)
    limits = None if risk is None else RiskLimits.from_file(risk)  # refused before connecting
    intent = request.intent(position_side)

    async def body() -> Order:
        async with open_exchange(venue) as connection:
            return await place_order(
                out, venue, connection, intent, yes=yes, store=store, strategy=strategy,
                client_order_id=request.client_order_id, working_type=request.working_type,
                risk=limits, reprices=request.reprices,
            )

    show_order(out, "Order", run_async(body()))


def _trade(side: OrderSide) -> None:
    verb = "buy" if side is OrderSide.BUY else "sell"

    def trade(
        out: Output,
        venue: VenueConfig,
        yes: bool,
        symbol: SymbolArg,
        quantity: QuantityArg,
        kind: KindOpt = None,
        price: PriceOpt = None,
        stop_price: StopOpt = None,
        time_in_force: TifOpt = None,
        reduce_only: ReduceOpt = False,
        client_id: ClientIdOpt = None,
        working_type: WorkingOpt = None,
        store: StoreOpt = None,
        strategy: StrategyOpt = None,
        risk: RiskOpt = None,
        position_side: LegOpt = None,
        trailing: TrailingOpt = False,
        callback_rate: CallbackRateOpt = None,
        activation_price: ActivationOpt = None,
        price_protect: PriceProtectOpt = False,
        close_position: ClosePositionOpt = False,
        stop_limit: StopLimitOpt = False,
        post_only: PostOnlyOpt = False,
        reprice: RepriceOpt = 0,
        hidden: HiddenOpt = False,
        stp_mode: StpOpt = None,
        peg: PegOpt = None,
        peg_offset: PegOffsetOpt = None,
    ) -> None:
        flags = OrderFlags(trailing, callback_rate, activation_price, price_protect,
                           close_position, stop_limit, post_only, reprice, hidden, stp_mode,
                           peg, peg_offset)
        request = build_order_request(
            side, symbol, quantity, kind, price, stop_price, time_in_force, reduce_only,
            client_id, working_type, flags,
        )
        place(out, venue, yes, request, store, strategy, risk, position_side)

    trade.__doc__ = (
        f"Place a {verb} order: market (default), limit (--price), stop or take-profit "
        "(--type with --stop-price; add --price for the limit variant)."
    )
    trade.__name__ = verb
    command(verb, confirm=True, context_settings=_NUMBER_CONTEXT)(trade)


_trade(OrderSide.BUY)
_trade(OrderSide.SELL)


@command("orders")
def orders(
    out: Output,
    venue: VenueConfig,
    symbol: Annotated[
        str | None, typer.Option("--symbol", "-s", help="Only this symbol (needed with "
                                 "--history).", show_default=False)
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Recent orders in any state, from the exchange.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000,
                                       help="At most this many (with --history).")] = 50,
    as_csv: CsvOption = False,
) -> None:
    """Show open orders, or with --history the recent orders of a symbol in any state."""
    check_modes(out, as_csv)
    wanted = normalize_symbol(symbol) if symbol else None
    if history and wanted is None:
        raise ValidationError("symbol", None, "--history needs --symbol")

    async def body() -> tuple[list[Order], dict[str, OrderCost]]:
        async with open_exchange(venue) as connection:
            out.notice(f"[dim]{escape(connection.label)}[/dim]")
            exchange = connection.exchange
            if wanted is not None:
                await exchange.get_symbol_rules(wanted)
            if history:
                assert wanted is not None
                found = await exchange.get_all_orders(wanted, limit=limit)
                # An order's answer has no fees or PnL: its trades have them.
                return found, await order_costs(exchange, wanted, found)
            return await exchange.get_open_orders(wanted), {}

    result, costs = run_async(body())
    if history:
        show_history(out, f"Order history {wanted}", result, costs, as_csv)
    elif as_csv:
        show_table(out, True, "Open orders", ORDER_COLUMNS, [order_row(o) for o in result])
    else:
        show_orders(out, "Open orders", result, "no open orders")


def show_history(out: Output, title: str, orders: list[Order], costs: dict[str, OrderCost],
                 as_csv: bool = False) -> None:
    """Orders in any state with the fees and realised PnL of their trades (unknown where
    the trades were not found, never 0)."""
    if out.json_mode:
        out.emit_json({"orders": [
            {**to_jsonable(o), "commission": costs[o.order_id][0],
             "commission_asset": costs[o.order_id][1] or o.commission_asset,
             "realized_pnl": costs[o.order_id][2]} for o in orders]})
        return
    unknown = None if as_csv else "unknown"
    show_table(out, as_csv, title, [*ORDER_COLUMNS, "fee", "realised PnL"],
               [[*order_row(o), *((unknown if v is None else v)
                                  for v in (costs[o.order_id][0], costs[o.order_id][2]))]
                for o in orders],
               right_align=[*ORDER_NUMERIC, "fee", "realised PnL"], empty="no orders")
