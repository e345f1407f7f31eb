"""The end-of-soak checks: the exchange against the last manager and the SQLite store.

- duplicates: a client order id the exchange accepted more than once (its ledger);
- lost: an order on the exchange that the manager or the store does not know;
- mismatches: an order whose (status, filled quantity) differ between the exchange and the
  manager or the store; an order the manager or store holds as placed or open that the
  exchange does not have; an order still in flight after settling; a position that differs
  from the exchange's (the store's fills summed per symbol, and the manager's positions);
- foreign: an order of the second process (client id prefix `p2-`) that the main manager or
  its store took in (adopted). The second process's orders are left out of the checks
  above: they are not the driver's. It trades far from the market and is never filled by
  the counterparty, so the account's positions are the driver's alone; what it left open
  on the exchange after finishing is reported too (`second_left_open`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.soak.config import SECOND_PREFIX, SYMBOLS
from bench.soak.hedge import leg_positions, stored_legs
from execution.exchange.parsing import parse_order, parse_positions
from execution.models import Order, OrderSide, OrderStatus
from execution.simulator import SimulatedExchange
from execution.store import OrderStore

ZERO = Decimal(0)
_IN_FLIGHT = (OrderStatus.PENDING_NEW.value, OrderStatus.PENDING_CANCEL.value)
_ENDED = (OrderStatus.CANCELED.value, OrderStatus.EXPIRED.value, OrderStatus.REJECTED.value)


@dataclass(slots=True)
class Verification:
    exchange_orders: int = 0
    manager_orders: int = 0
    store_orders: int = 0
    duplicates: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    position_mismatches: list[str] = field(default_factory=list)  # store fills vs exchange
    manager_position_mismatches: list[str] = field(default_factory=list)
    exchange_positions: dict[str, str] = field(default_factory=dict)
    foreign_adopted: list[str] = field(default_factory=list)
    duplicate_symbols: dict[str, str] = field(default_factory=dict)  # client id -> symbol
    second_orders: int = 0  # the second process's orders on the exchange
    second_left_open: list[str] = field(default_factory=list)
    second_disagreements: list[str] = field(default_factory=list)
    # the hedge-mode account (its entries also in lost / mismatches, marked "[hedge]")
    hedge_exchange_orders: int = 0
    hedge_manager_orders: int = 0
    hedge_store_orders: int = 0
    hedge_legs: dict[str, str] = field(default_factory=dict)  # its positions per leg

    @property
    def mismatch_count(self) -> int:
        return (
            len(self.mismatches) + len(self.position_mismatches)
            + len(self.manager_position_mismatches)
        )


def is_foreign(client_order_id: str) -> bool:
    """An order of the second process."""
    return client_order_id.startswith(SECOND_PREFIX + "-")


def exchange_orders(sim: SimulatedExchange, account_id: str | None = None
                    ) -> dict[str, Order]:
    """Every order of an account (the default one), by client order id (the latest of an
    id)."""
    account_id = account_id or sim.account.account_id
    orders: dict[str, Order] = {}
    for symbol in SYMBOLS:
        from_id = 1
        while True:
            page: list[dict[str, Any]] = sim.engine.private(
                account_id, "GET", "allOrders",
                {"symbol": symbol, "orderId": str(from_id), "limit": "1000"},
            )
            for raw in page:
                order = parse_order(raw)
                orders[order.client_order_id] = order
            if len(page) < 1000:
                break
            from_id = int(page[-1]["orderId"]) + 1
    return orders


def unplaced_legs(sim: SimulatedExchange) -> dict[str, str]:
    """Strategy legs (a native bracket's exits) the exchange never placed, by client order
    id: PENDING_NEW while they wait for their trigger, else the status they ended with."""
    legs: dict[str, str] = {}
    for strategy in sim.engine.strategies.strategies_of(sim.account.account_id):
        for leg in strategy.legs:
            client_order_id = leg.request.client_order_id
            if leg.order is None and client_order_id:
                legs[client_order_id] = leg.dropped or OrderStatus.PENDING_NEW.value
    return legs


def exchange_positions(sim: SimulatedExchange) -> dict[str, Decimal]:
    raw = sim.engine.private(sim.account.account_id, "GET", "positionRisk", {})
    positions: dict[str, Decimal] = {}
    for position in parse_positions(raw):
        positions[position.symbol] = positions.get(position.symbol, ZERO) + position.quantity
    return positions


async def stored_orders(db: Path) -> dict[str, tuple[str, str, Decimal, str, str]]:
    """(order id, status, filled, symbol, side) of every stored order."""
    async with OrderStore(db) as store:
        return {
            m.client_order_id: (
                m.order_id, m.status.value, m.filled_quantity, m.symbol, m.order.side.value
            )
            for m in await store.query_orders()
        }


def _compare(
    where: str,
    known: dict[str, tuple[str, str, Decimal]],
    on_exchange: dict[str, Order],
    result: Verification,
    unplaced: dict[str, str],
) -> None:
    for client_order_id, order in on_exchange.items():
        mine = known.get(client_order_id)
        if mine is None:
            result.lost.append(f"{client_order_id}: on the exchange, unknown to the {where}")
            continue
        _, status, filled = mine
        if (status, filled) != (order.status.value, order.filled_quantity):
            result.mismatches.append(
                f"{client_order_id}: {where} {status} {filled}, exchange "
                f"{order.status.value} {order.filled_quantity}"
            )
    for client_order_id, (order_id, status, _) in known.items():
        if client_order_id in on_exchange:
            continue
        held = unplaced.get(client_order_id)
        if held is not None:  # a strategy leg the exchange holds, or ended unplaced
            if status != held and not (status in _ENDED and held in _ENDED):
                result.mismatches.append(
                    f"{client_order_id}: {where} {status}, its strategy leg {held}")
            continue
        if status in _IN_FLIGHT:
            result.mismatches.append(f"{client_order_id}: {where} still {status}")
        elif status != OrderStatus.REJECTED.value or order_id:
            result.mismatches.append(
                f"{client_order_id}: {where} has it {status} (id {order_id or '-'}), "
                "the exchange never had it"
            )


def _check_second(on_exchange: dict[str, Order], second_states: list[Path],
                  result: Verification) -> None:
    """The second process's orders: none left open, and each as its last state says."""
    result.second_orders = len(on_exchange)
    result.second_left_open = sorted(
        cid for cid, order in on_exchange.items()
        if order.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
    )
    for path in second_states:
        state: dict[str, str] = json.loads(path.read_text())["orders"]
        for cid, status in state.items():
            order = on_exchange.get(cid)
            if order is None:
                # never on the exchange: refused, or an unknown outcome still open (honest
                # as long as no copy exists)
                if status not in (OrderStatus.REJECTED.value, OrderStatus.PENDING_NEW.value):
                    result.second_disagreements.append(f"{cid}: {status}, not on the exchange")
            elif order.status.value != status:
                result.second_disagreements.append(
                    f"{cid}: second process {status}, exchange {order.status.value}"
                )


async def verify(
    sim: SimulatedExchange, db: Path, manager_state: dict[str, Any] | None,
    second_states: list[Path] | None = None,
) -> Verification:
    """Compare the exchange with the last manager's state (None: it never finished) and the
    store; check the second process's orders (`second_states`: the state files of its
    runs that finished)."""
    result = Verification()
    result.duplicates = sorted(cid for cid, count in sim.ledger.items() if count > 1)
    everything = exchange_orders(sim)
    result.duplicate_symbols = {
        cid: everything[cid].symbol for cid in result.duplicates if cid in everything
    }
    on_exchange = {c: o for c, o in everything.items() if not is_foreign(c)}
    _check_second({c: o for c, o in everything.items() if is_foreign(c)},
                  second_states or [], result)
    result.exchange_orders = len(on_exchange)
    positions = exchange_positions(sim)
    result.exchange_positions = {s: str(q) for s, q in positions.items() if q != 0}

    _check_moved_stops(manager_state, result)
    stored = await stored_orders(db)
    result.foreign_adopted += [f"{cid}: in the store" for cid in stored if is_foreign(cid)]
    stored = {c: row for c, row in stored.items() if not is_foreign(c)}
    result.store_orders = len(stored)
    unplaced = unplaced_legs(sim)
    _compare("store", {c: (o, s, f) for c, (o, s, f, _, _) in stored.items()}, on_exchange,
             result, unplaced)
    implied: dict[str, Decimal] = {}
    for _, _, filled, symbol, side in stored.values():
        signed = filled if side == OrderSide.BUY.value else -filled
        implied[symbol] = implied.get(symbol, ZERO) + signed
    for symbol in SYMBOLS:
        held, from_fills = positions.get(symbol, ZERO), implied.get(symbol, ZERO)
        if held != from_fills:
            result.position_mismatches.append(
                f"{symbol}: exchange position {held}, store fills sum to {from_fills}"
            )

    if manager_state is None:
        result.mismatches.append("the last driver never reported its state")
        return result
    result.foreign_adopted += [
        f"{cid}: adopted by the manager" for cid in manager_state["orders"] if is_foreign(cid)
    ]
    managed = {
        cid: (o["order_id"], o["status"], Decimal(o["filled"]))
        for cid, o in manager_state["orders"].items() if not is_foreign(cid)
    }
    result.manager_orders = len(managed)
    _compare("manager", managed, on_exchange, result, unplaced)
    manager_positions = {s: Decimal(q) for s, q in manager_state["positions"].items()}
    for symbol in SYMBOLS:
        held, tracked = positions.get(symbol, ZERO), manager_positions.get(symbol, ZERO)
        if held != tracked:
            result.manager_position_mismatches.append(
                f"{symbol}: exchange position {held}, manager position {tracked}"
            )
    return result


async def verify_hedge(
    sim: SimulatedExchange, account_id: str, db: Path, manager_state: dict[str, Any] | None,
    result: Verification,
) -> None:
    """The hedge-mode account as the main one: none lost, no status or fill that differs
    between the exchange, its manager (`manager_state`: the driver's state's "hedge") and
    its store, and each leg's position equal to the store's fills on that leg. (Its
    manager's positions are not compared: the manager nets a symbol's legs.)"""
    on_exchange = exchange_orders(sim, account_id)
    result.hedge_exchange_orders = len(on_exchange)
    stored, implied = await stored_legs(db)
    result.hedge_store_orders = len(stored)
    marked = Verification()
    _compare("store", stored, on_exchange, marked, {})
    if manager_state is None:
        marked.mismatches.append("its manager never reported its state")
    else:
        managed = {cid: (o["order_id"], o["status"], Decimal(o["filled"]))
                   for cid, o in manager_state["orders"].items()}
        result.hedge_manager_orders = len(managed)
        _compare("manager", managed, on_exchange, marked, {})
    legs = leg_positions(sim, account_id)
    result.hedge_legs = {leg: str(q) for leg, q in legs.items()}
    for leg in sorted(set(legs) | set(implied)):
        if legs.get(leg, ZERO) != implied.get(leg, ZERO):
            marked.position_mismatches.append(
                f"{leg}: exchange position {legs.get(leg, ZERO)}, store fills sum to "
                f"{implied.get(leg, ZERO)}")
    result.lost += [f"[hedge] {entry}" for entry in marked.lost]
    result.mismatches += [f"[hedge] {entry}" for entry in marked.mismatches]
    result.position_mismatches += [f"[hedge] {e}" for e in marked.position_mismatches]


def _check_moved_stops(manager_state: dict[str, Any] | None, result: Verification) -> None:
    """A moved stop stays moved: an active bracket whose stop the last life moved has no
    live stop but one at the bracket's (moved) price. (One with no live stop at all is the
    stop watch's to count: it measures every moment a position goes without a stop.)"""
    for bracket_id, seen in (manager_state or {}).get("moved_stops", {}).items():
        live, price = seen["live"], seen["price"]
        if seen.get("status") != "ACTIVE" or not live:
            continue
        if [Decimal(p) for p in live] != [Decimal(price)]:
            result.mismatches.append(f"bracket {bracket_id}: live stops {live}, its moved "
                                     f"stop is at {price}")
