"""`batch FILE`: a list of orders (JSON or CSV) placed in batches of up to 5.

Every row is checked as `buy`/`sell` check their arguments, and every batch by the
symbol's rules, before anything is sent; one announcement (and, on mainnet, one
confirmation) covers them all. Each order is answered on its own: placed, refused (the
exchange's reason), or unknown (looked up by its client order id, never sent again).
The exit code is 0 when every order was placed, 7 when one is unknown, else 4.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import OrderKind, TifChoice
from execution.cli.commands.trading import (
    ORDER_COLUMNS,
    ORDER_NUMERIC,
    OrderRequest,
    build_order_request,
    order_row,
)
from execution.cli.connect import Connection, open_exchange
from execution.cli.exit_codes import ExitCode
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.placing import describe
from execution.cli.safety import announce
from execution.errors import ConfigurationError, OrderStatusUnknownError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.batches import MAX_BATCH_ORDERS, BatchDesk, BatchLeg, LegResult
from execution.intent import OrderIntent
from execution.models import OrderSide, PositionSide
from execution.money import format_decimal

FIELDS = ("symbol", "side", "quantity", "type", "price", "stop_price", "time_in_force",
          "reduce_only", "client_id", "position_side")
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
        value["client_id"] or None, None,
    )
    return request, PositionSide(side_of_position)


def parse_legs(rows: list[dict[str, str]]) -> list[BatchLeg]:
    """Every row as a batch leg; a bad row raises `ValidationError` naming it (1-based)."""
    if not rows:
        raise ValidationError("file", 0, "has no orders")
    legs: list[BatchLeg] = []
    for number, row in enumerate(rows, start=1):
        try:
            request, position_side = parse_row(row)
        except ValidationError as exc:
            raise ValidationError(f"row {number}: {exc.field}", exc.value, exc.rule) from exc
        intent = OrderIntent(request.symbol, request.side, request.order_type,
                             request.quantity, price=request.price,
                             stop_price=request.stop_price,
                             time_in_force=request.time_in_force,
                             reduce_only=request.reduce_only)
        legs.append(BatchLeg(intent, request.client_order_id, position_side))
    return legs


def batch_desk(connection: Connection) -> BatchDesk:
    exchange = connection.exchange
    if not isinstance(exchange, AsterDEXExchange):
        raise ConfigurationError(f"{type(exchange).__name__} has no batch orders")
    return exchange.batches


def _chunks(legs: list[BatchLeg]) -> list[list[BatchLeg]]:
    return [legs[i:i + MAX_BATCH_ORDERS] for i in range(0, len(legs), MAX_BATCH_ORDERS)]


@command("batch", confirm=True)
def batch(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    file: Annotated[Path, typer.Argument(help="Orders: a JSON list of objects, or CSV with "
                                         "a header (" + ", ".join(FIELDS) + ").")],
) -> None:
    """Place a list of orders in batches of up to 5 (one request each); each order is
    checked like buy/sell before anything is sent and answered on its own."""
    legs = parse_legs(read_rows(file))  # before connecting: a bad row sends nothing
    venue.require_trading_allowed()

    async def body() -> list[LegResult]:
        async with open_exchange(venue) as connection:
            desk = batch_desk(connection)
            chunks = _chunks(legs)
            for chunk in chunks:  # every batch checked before the first is sent
                for leg, built in zip(chunk, desk.build(chunk), strict=True):
                    say_rounding(out, leg, built.order.quantity, built.order.price)
            what = "; ".join(describe(leg.intent) for leg in legs)
            announce(out, venue, connection,
                     f"place {len(legs)} orders in {len(chunks)} batch(es): {what}", yes=yes)
            results: list[LegResult] = []
            for chunk in chunks:
                results += await desk.place(chunk)
            return results

    results = run_async(body())
    show_results(out, results)
    if any(isinstance(r.error, OrderStatusUnknownError) for r in results):
        raise typer.Exit(int(ExitCode.STATUS_UNKNOWN))
    if any(not r.ok for r in results):
        raise typer.Exit(int(ExitCode.REJECTED))


def say_rounding(out: Output, leg: BatchLeg, quantity: object, price: object) -> None:
    intent = leg.intent
    for field, asked, sent in (("quantity", intent.quantity, quantity),
                               ("price", intent.price, price)):
        if asked is not None and sent is not None and sent != asked:
            out.notice(f"[yellow]{intent.symbol} {field} {format_decimal(asked)} is sent as "
                       f"{sent} (the symbol's rules)[/yellow]")


def show_results(out: Output, results: list[LegResult]) -> None:
    if out.json_mode:
        out.emit_json({"orders": [
            {"client_order_id": r.client_order_id, "ok": r.ok, "order": r.order,
             "error": None if r.error is None else {"type": type(r.error).__name__,
                                                    "message": str(r.error)}}
            for r in results
        ]})
        return
    placed = [r.order for r in results if r.order is not None]
    out.table("Batch orders", ORDER_COLUMNS, [order_row(o) for o in placed],
              right_align=ORDER_NUMERIC, empty="no order placed")
    for result in results:
        if result.error is not None:
            out.error(f"{result.client_order_id}: {type(result.error).__name__}: "
                      f"{result.error}")
