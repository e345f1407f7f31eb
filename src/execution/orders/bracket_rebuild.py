"""Brackets recreated from stored orders after a restart: each entry with its exit prices
(its attributes), its exits linked by parent id, the current exit of a role the last one
placed (a replacement follows what it replaced)."""

from __future__ import annotations

import logging
from decimal import Decimal

from execution.orders.bracket import (
    BACKEND,
    CLOSED_BECAUSE,
    STOP_LOSS_PRICE,
    TAKE_PROFIT_PRICE,
    Bracket,
    BracketBackend,
    update_status,
)
from execution.orders.managed import ManagedOrder, OrderRole

logger = logging.getLogger("execution.orders.brackets")


def rebuild_brackets(brackets: dict[str, Bracket], orders: list[ManagedOrder]) -> None:
    """Add to `brackets` (by entry client id) every bracket `orders` hold that it lacks."""
    entries = {m.client_order_id: m for m in orders if m.role is OrderRole.ENTRY}
    for entry in entries.values():
        if entry.client_order_id in brackets:
            continue
        try:
            stop = Decimal(entry.attributes[STOP_LOSS_PRICE])
            profit = Decimal(entry.attributes[TAKE_PROFIT_PRICE])
        except KeyError:
            logger.warning("bracket entry %s lacks its exit prices", entry.client_order_id)
            continue
        backend = BracketBackend(entry.attributes.get(BACKEND, BracketBackend.EMULATED))
        brackets[entry.client_order_id] = Bracket(entry, stop, profit, backend=backend)
    for m in orders:
        if m.role not in (OrderRole.STOP_LOSS, OrderRole.TAKE_PROFIT):
            continue
        bracket = brackets.get(m.parent_order_id or "")
        if bracket is None:
            continue
        bracket.exits.append(m)
        if m.role is OrderRole.STOP_LOSS:
            bracket.stop_loss = m
        else:
            bracket.take_profit = m
        if CLOSED_BECAUSE in m.attributes:
            bracket.exit_reason = m.attributes[CLOSED_BECAUSE]
    for bracket in brackets.values():
        update_status(bracket)
