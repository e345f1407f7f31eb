"""Post-only (GTX) with re-pricing: a post-only order the venue refuses because it would
take (-5022, "could not be executed as maker") is placed again at the best passive price
(a BUY at the best bid, a SELL at the best ask) up to a bounded number of times.

Exactly once: each try has its own client order id, and the next is made only after the
previous one is proven refused: the venue's own -5022 answer, which leaves that order
REJECTED (nothing rests, nothing filled). Any other outcome (placed, refused for another
reason, unknown) ends the re-pricing and is the caller's, as for any order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal

from execution.errors import ExchangeError, ValidationError
from execution.exchange.base import BaseExchange
from execution.intent import OrderIntent
from execution.market.rest import market_rest_of
from execution.models import OrderSide, OrderType, TimeInForce
from execution.orders.managed import ManagedOrder

logger = logging.getLogger(__name__)

POST_ONLY_REJECTED = -5022  # the docs' and the simulator's code for a GTX that would take
MAX_REPRICES = 10

Place = Callable[[OrderIntent, str | None], Awaitable[ManagedOrder]]


def check_reprices(intent: OrderIntent, reprices: int) -> int:
    """`reprices` checked: a whole number 0..MAX_REPRICES, and > 0 only for a post-only
    LIMIT order (GTX) with a price of its own (not pegged)."""
    if isinstance(reprices, bool) or not isinstance(reprices, int) or not (
            0 <= reprices <= MAX_REPRICES):
        raise ValidationError("reprices", reprices, f"must be a whole number 0..{MAX_REPRICES}")
    if reprices and (intent.order_type is not OrderType.LIMIT
                     or intent.time_in_force is not TimeInForce.GTX
                     or intent.peg_price_type is not None):
        raise ValidationError("reprices", reprices,
                              "only for a post-only (GTX) LIMIT order with a price")
    return reprices


def is_post_only_rejection(exc: BaseException) -> bool:
    """The venue refused a post-only order because it would take: proof it is not live."""
    return isinstance(exc, ExchangeError) and exc.code == POST_ONLY_REJECTED


async def best_passive_price(exchange: BaseExchange, side: OrderSide, symbol: str) -> Decimal:
    """The best price that rests without taking: the best bid for a BUY, the best ask for
    a SELL (the top of the venue's book)."""
    book = await market_rest_of(exchange).depth(symbol, 5)
    levels = book.bids if side is OrderSide.BUY else book.asks
    if not levels:
        raise ValidationError("price", None, f"no {'bid' if side is OrderSide.BUY else 'ask'} "
                              f"in the {symbol} book to re-price at")
    return levels[0][0]  # (price, quantity)


async def place_with_reprices(
    exchange: BaseExchange,
    place: Place,
    intent: OrderIntent,
    client_order_id: str | None,
    reprices: int,
) -> ManagedOrder:
    """Place `intent` (through the manager's one path, `place`); on -5022 re-price and try
    again with a new client order id, at most `reprices` times; the last refusal is raised."""
    attempt, cid = intent, client_order_id
    for tries_left in range(reprices, -1, -1):
        try:
            return await place(attempt, cid)
        except ExchangeError as exc:
            if not (tries_left and is_post_only_rejection(exc)):
                raise
        price = await best_passive_price(exchange, intent.side, intent.symbol)
        logger.info("post-only %s %s refused as a taker: re-priced %s -> %s",
                    intent.side.value, intent.symbol, attempt.price, price)
        attempt, cid = replace(intent, price=price, rounded=()), None  # a new client id
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
