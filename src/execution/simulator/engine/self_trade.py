"""Self-trade prevention: an account's taking order that would trade against the account's
own resting order.

The book a taker walks is synthetic (`book`), and resting orders wait beside it; an order
of the account that rests at a price the taker reaches (at or better than the worst price
it would take, or its limit when it would rest) is where a self-trade would happen. The
STP mode (the order's, else the account's) decides who expires: the taker (after what it
takes at strictly better prices), the makers, or both.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from execution.simulator.engine.accounts import Account
from execution.simulator.engine.book import Level
from execution.simulator.engine.orders import ZERO, Order, OrderType, Side


def own_makers(
    account: Account, taker: Order, fills: Sequence[Level], fillable: Decimal,
    limit: Decimal | None,
) -> list[Order]:
    """The account's resting orders on the other side that `taker` would trade against."""
    sides = account.open_notional.get(taker.symbol)
    if not sides or not sides[1 if taker.side is Side.BUY else 0]:
        return []  # nothing of the account rests on the other side
    taken = sum((level.quantity for level in fills), ZERO)
    if taken >= fillable and fills:
        reach: Decimal | None = fills[-1].price
    elif limit is not None:
        reach = limit
    else:
        reach = fills[-1].price if fills else None
    if reach is None:
        return []
    buying = taker.side is Side.BUY
    return [
        order for order in account.open_orders.get(taker.symbol, {}).values()
        if order is not taker and order.type is OrderType.LIMIT and order.is_open
        and order.side is not taker.side
        and (order.price <= reach if buying else order.price >= reach)
    ]


def before_makers(taker: Order, fills: Sequence[Level], makers: Sequence[Order]) -> list[Level]:
    """The fills at prices strictly better than the best of `makers` (they come first)."""
    if taker.side is Side.BUY:
        best = min(order.price for order in makers)
        return [level for level in fills if level.price < best]
    best = max(order.price for order in makers)
    return [level for level in fills if level.price > best]
