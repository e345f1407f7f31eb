"""`batch FILE` and `ladder`: several orders placed in batches of up to 5, through the order
manager (`OrderManager.place_batch`): the one path of an order.

Every row is checked as `buy`/`sell` check their arguments, then every order by the
manager (the symbol's rules, the risk layer) before anything is sent; one announcement
(and, on mainnet, one confirmation) covers them all. Each order is recorded before its
batch leaves (with `--store`, in that file) and answered on its own: placed, refused (the
exchange's reason), or unknown (looked up by its client order id, never sent again). The
exit code is 0 when every order was placed, 7 when one is unknown, else 4.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import (
    OrderFlags,
    OrderKind,
    PegChoice,
    RiskOpt,
    StoreOpt,
    StrategyOpt,
    SymbolArg,
    TifChoice,
    WorkingChoice,
)
from execution.cli.commands.trading import (
    ORDER_COLUMNS,
    ORDER_NUMERIC,
    OrderRequest,
    build_order_request,
    check_store,
    order_row,
)
from execution.cli.connect import open_exchange
from execution.cli.exit_codes import ExitCode
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.placing import describe
from execution.cli.safety import announce
from execution.errors import ValidationError
from execution.intent import OrderIntent
from execution.models import (
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    StpMode,
    TimeInForce,
)
from execution.money import positive
from execution.orders.batch import MAX_BATCH_ORDERS, BatchOrder
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.orders.state import OrderRejected
from execution.risk.limits import RiskLimits

E = TypeVar("E", WorkingChoice, PegChoice, StpMode)
FIELDS = ("symbol", "side", "quantity", "type", "price", "stop_price", "time_in_force",
          "reduce_only", "client_id", "position_side", "working_type", "trailing",
          "callback_rate", "activation_price", "price_protect", "close_position", "stp_mode",
          "peg", "peg_offset")
_MAX_FILE_BYTES = 1_000_000


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a JSON list of objects or a CSV file with a header (by its suffix, or
    its first character), every value as text."""
    try:
        data = path.read_bytes()[: _MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise ValidationError("file", str(path), f"cannot be read ({exc.strerror})") from None
    if len(data) > _MAX_FILE_BYTES:
        raise ValidationError("file", str(path), f"larger than {_MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("file", str(path), "is not UTF-8 text") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        try:
            rows: Any = json.loads(text, parse_float=str, parse_int=str)
        except ValueError as exc:
            raise ValidationError("file", str(path), f"is not valid JSON ({exc})") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValidationError("file", str(path), "must be a JSON list of order objects")
        return [{str(k): v if isinstance(v, str) else json.dumps(v) for k, v in r.items()}
                for r in rows]
    reader = csv.DictReader(io.StringIO(text))
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _flag(text: str, field: str) -> bool:
    if text.lower() in ("", "false", "0", "no"):
        return False
    if text.lower() in ("true", "1", "yes"):
        return True
    raise ValidationError(field, text, "must be true or false")


def parse_row(row: dict[str, str]) -> tuple[OrderRequest, PositionSide]:
    """One row as the checked request `buy`/`sell` would build, and its position side."""
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise ValidationError(unknown[0], row[unknown[0]],
                              f"is not a column (columns: {', '.join(FIELDS)})")
    value = {name: (row.get(name) or "").strip() for name in FIELDS}
    side_text = value["side"].upper()
    if side_text not in ("BUY", "SELL"):
        raise ValidationError("side", value["side"], "must be BUY or SELL")
    kind_text = value["type"].lower()
    kinds = {kind.value: kind for kind in OrderKind}
    if kind_text and kind_text not in kinds:
        raise ValidationError("type", value["type"], f"must be one of {', '.join(kinds)}")
    tif_text = value["time_in_force"].upper()
    if tif_text and tif_text not in TifChoice.__members__:
        raise ValidationError("time_in_force", value["time_in_force"],
                              f"must be one of {', '.join(TifChoice.__members__)}")
    side_of_position = value["position_side"].upper() or "BOTH"
    if side_of_position not in PositionSide.__members__:
        raise ValidationError("position_side", value["position_side"],
                              "must be BOTH, LONG or SHORT")
    request = build_order_request(
        OrderSide(side_text), value["symbol"], value["quantity"],
        kinds.get(kind_text), value["price"] or None, value["stop_price"] or None,
        TifChoice(tif_text) if tif_text else None, _flag(value["reduce_only"], "reduce_only"),
        value["client_id"] or None,
        _choice(WorkingChoice, value["working_type"].lower(), "working_type"),
        _flags(value),
    )
    return request, PositionSide(side_of_position)


def _choice(kind: type[E], text: str, field: str) -> E | None:
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        names = ", ".join(str(m.value) for m in kind)
        raise ValidationError(field, text, f"must be one of {names}") from None


def _flags(value: dict[str, str]) -> OrderFlags:
    return OrderFlags(
        trailing=_flag(value["trailing"], "trailing"),
        callback_rate=value["callback_rate"] or None,
        activation_price=value["activation_price"] or None,
        price_protect=_flag(value["price_protect"], "price_protect"),
        close_position=_flag(value["close_position"], "close_position"),
        stp_mode=_choice(StpMode, value["stp_mode"].upper(), "stp_mode"),
        peg=_choice(PegChoice, value["peg"].lower(), "peg"),
        peg_offset=value["peg_offset"] or None,
    )


def parse_orders(rows: list[dict[str, str]], strategy: str | None) -> list[BatchOrder]:
    """Every row as an order of the batch; a bad row raises `ValidationError` naming it
    (1-based)."""
    if not rows:
        raise ValidationError("file", 0, "has no orders")
    orders: list[BatchOrder] = []
    for number, row in enumerate(rows, start=1):
        try:
            request, position_side = parse_row(row)
            intent = request.intent(position_side)
        except ValidationError as exc:
            raise ValidationError(f"row {number}: {exc.field}", exc.value, exc.rule) from exc
        orders.append(BatchOrder(intent, request.client_order_id, strategy_name=strategy))
    return orders


def place_orders(
    out: Output, venue: VenueConfig, yes: bool, orders: list[BatchOrder],
    store: str | Path | None, risk: Path | None,
) -> None:
    """Check `orders` through an order manager, announce them, place them in batches of up
    to 5 and show each result; the exit code says whether all were placed."""
    venue.require_trading_allowed()
    check_store(venue, store)
    limits = None if risk is None else RiskLimits.from_file(risk)

    async def body() -> list[ManagedOrder]:
        async with (open_exchange(venue) as connection,
                    OrderManager(connection.exchange, store=store, risk=limits) as manager):
            checked: list[BatchOrder] = []
            for number, order in enumerate(orders, start=1):
                try:
                    intent = await manager.check_order(order.intent)
                except ValidationError as exc:
                    raise ValidationError(f"order {number}: {exc.field}", exc.value,
                                          exc.rule) from exc
                for notice in intent.rounded:
                    out.notice(f"[yellow]{intent.symbol} {notice}[/yellow]")
                checked.append(BatchOrder(intent, order.client_order_id,
                                          order.strategy_name))
            batches = -(-len(checked) // MAX_BATCH_ORDERS)
            what = "; ".join(describe(order.intent) for order in checked)
            announce(out, venue, connection,
                     f"place {len(checked)} orders in {batches} batch(es): {what}",
                     yes=yes)
            return await manager.place_batch(checked)

    placed = run_async(body())
    show_results(out, placed)
    if any(m.status is OrderStatus.PENDING_NEW for m in placed):
        raise typer.Exit(int(ExitCode.STATUS_UNKNOWN))
    if any(m.status is OrderStatus.REJECTED for m in placed):
        raise typer.Exit(int(ExitCode.REJECTED))


@command("batch", confirm=True)
def batch(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    file: Annotated[Path, typer.Argument(help="Orders: a JSON list of objects, or CSV with "
                                         "a header (" + ", ".join(FIELDS) + ").")],
    store: StoreOpt = None,
    strategy: StrategyOpt = None,
    risk: RiskOpt = None,
) -> None:
    """Place a list of orders in batches of up to 5 (one request each) through the order
    manager; each order is checked like buy/sell before anything is sent and answered on
    its own."""
    orders = parse_orders(read_rows(file), strategy)  # before connecting: a bad row sends nothing
    place_orders(out, venue, yes, orders, store, risk)


@command("ladder", confirm=True)
def ladder(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    symbol: SymbolArg,
    side: Annotated[OrderSide, typer.Argument(case_sensitive=False, help="BUY or SELL.")],
    quantity: Annotated[str, typer.Argument(help="Quantity of each order.")],
    first: Annotated[str, typer.Option("--from", help="Price of the first order.")],
    last: Annotated[str, typer.Option("--to", help="Price of the last order.")],
    count: Annotated[int, typer.Option("--count", min=2, max=100,
                                       help="Number of orders, evenly spaced.")] = 5,
    post_only: Annotated[bool, typer.Option("--post-only", help="Each order GTX.")] = False,
    store: StoreOpt = None,
    strategy: StrategyOpt = None,
    risk: RiskOpt = None,
) -> None:
    """Place COUNT limit orders from --from to --to (prices evenly spaced, rounded by the
    symbol's rules) in batches of up to 5 through the order manager."""
    amount = positive(quantity, "quantity")
    start, end = positive(first, "from"), positive(last, "to")
    step = (end - start) / Decimal(count - 1)
    tif = TimeInForce.GTX if post_only else TimeInForce.GTC
    orders = [BatchOrder(OrderIntent(symbol.upper(), side, OrderType.LIMIT, amount,
                                     price=start + step * i, time_in_force=tif),
                         strategy_name=strategy) for i in range(count)]
    place_orders(out, venue, yes, orders, store, risk)


def _reason(managed: ManagedOrder) -> str:
    return next((e.reason for e in reversed(managed.events) if isinstance(e, OrderRejected)),
                "outcome unknown: settled later by its client order id")


def show_results(out: Output, placed: list[ManagedOrder]) -> None:
    failed = {m.client_order_id: _reason(m) for m in placed
              if m.status in (OrderStatus.REJECTED, OrderStatus.PENDING_NEW)}
    if out.json_mode:
        out.emit_json({"orders": [
            {"client_order_id": m.client_order_id, "ok": m.client_order_id not in failed,
             "order": m.order, "attributes": m.attributes,
             "error": None if m.client_order_id not in failed else {
                 "type": "OrderStatusUnknownError" if m.status is OrderStatus.PENDING_NEW
                 else "Rejected", "message": failed[m.client_order_id]}}
            for m in placed
        ]})
        return
    shown = [order_row(m.order) for m in placed if m.client_order_id not in failed]
    out.table("Batch orders", ORDER_COLUMNS, shown, right_align=ORDER_NUMERIC,
              empty="no order placed")
    for cid, reason in failed.items():
        out.error(f"{cid}: {reason}")
