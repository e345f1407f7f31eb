"""`modify ORDER`: a working order's new price and/or total quantity, through the order
manager (`OrderManager.modify_order`): a LIMIT order in place where the venue can (PUT
order: the same ids, no gap), any other by cancel-and-replace (the replacement keeps every
parameter the original was sent with). The order is found by its client order id or order
id: in the `--store` file, or on the exchange (the manager takes over the account's open
orders for this command)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import StoreOpt
from execution.cli.commands.trading import check_store, show_order
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.errors import ValidationError
from execution.models import Order
from execution.money import format_decimal, positive
from execution.orders.adoption import AdoptPolicy
from execution.orders.manager import OrderManager


@command("modify", confirm=True)
def modify(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    order_id: Annotated[str, typer.Argument(help="Client order id or exchange order id.")],
    price: Annotated[str | None, typer.Option(
        "--price", "-p", show_default=False,
        help="New price: the limit price, or the trigger of a stop or take-profit.")] = None,
    quantity: Annotated[str | None, typer.Option(
        "--quantity", "-q", show_default=False,
        help="New total quantity (what has filled counts).")] = None,
    store: StoreOpt = None,
) -> None:
    """Modify a working order's price and/or quantity: in place for a LIMIT order where
    the venue can, else cancel-and-replace."""
    new_price = None if price is None else positive(price, "price")
    new_quantity = None if quantity is None else positive(quantity, "quantity")
    if new_price is None and new_quantity is None:
        raise ValidationError("price", None, "give --price and/or --quantity")
    venue.require_trading_allowed()
    check_store(venue, store)
    run_async(_modify(out, venue, yes, order_id, new_price, new_quantity, store))


async def _modify(
    out: Output, venue: VenueConfig, yes: bool, order_id: str, new_price: Decimal | None,
    new_quantity: Decimal | None, store: str | Path | None,
) -> None:
    async with (open_exchange(venue) as connection,
                OrderManager(connection.exchange, store=store, adopt=AdoptPolicy.ALL)
                as manager):
        managed = manager.get_order(order_id)
        if managed is None or not managed.is_open:
            raise ValidationError("order_id", order_id, "not an open order of this account")
        what = ", ".join(f"{name} {format_decimal(value)}" for name, value in (
            ("price", new_price), ("quantity", new_quantity)) if value is not None)
        announce(out, venue, connection, f"modify {managed.client_order_id}: {what}", yes=yes)
        result = await manager.modify_order(order_id, new_price=new_price,
                                            new_quantity=new_quantity)
        order: Order = result.order
        if result.client_order_id != managed.client_order_id:
            out.notice(f"replaced by {result.client_order_id} (cancel-and-replace)")
    show_order(out, "Order", order)
