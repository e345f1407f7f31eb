"""The end-of-fleet checks: every order on the exchange against the one driver it is of.

- unowned: an order on the exchange whose client id carries no driver's prefix (nor the
  exchange's own: liquidations, auto-deleveraging);
- duplicates: a client order id the exchange accepted more than once (its ledger);
- per driver, its prefix's orders on the exchange against its last manager's state and its
  store (`bench.soak.verify`'s comparison): lost (on the exchange, unknown to it) and
  mismatches (status, filled quantity; held open or placed and not on the exchange);
- adopted across managers: an order of another driver's prefix in a driver's manager or
  in the rows of its store (on a shared store: the rows it owns), or adopted by a start
  (the `READY` lines of every life);
- positions: the account's position per symbol against the fills of every driver's
  stored orders summed, and against each driver's manager.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.fleet.members import Member
from bench.soak.config import SYMBOLS
from bench.soak.verify import (
    Verification,
    _compare,
    exchange_orders,
    exchange_positions,
    unplaced_legs,
)
from execution.models import LIQUIDATION_CLIENT_ID_PREFIX, OrderSide
from execution.orders.adoption import ADL_CLIENT_ID
from execution.simulator import SimulatedExchange
from execution.store_location import open_store

ZERO = Decimal(0)
Row = tuple[str, str, Decimal, str, str]  # order id, status, filled, symbol, side


@dataclass(slots=True)
class FleetVerification:
    exchange_orders: int = 0
    per_driver_orders: dict[int, int] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    unowned: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    position_mismatches: list[str] = field(default_factory=list)
    adopted_across: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)  # drivers that reported no state
    exchange_positions: dict[str, str] = field(default_factory=dict)
    slot_clashes: list[str] = field(default_factory=list)  # v3 lives sharing a nonce slot

    @property
    def lost_count(self) -> int:
        return len({entry.split(":", 1)[0] for entry in self.lost})

    @property
    def mismatch_count(self) -> int:
        return len(self.mismatches) + len(self.position_mismatches)


def owner_of(client_order_id: str, prefixes: dict[str, int]) -> int | None:
    """The index of the driver whose prefix `client_order_id` carries (None: nobody's)."""
    head, dash, _ = client_order_id.partition("-")
    return prefixes.get(head) if dash else None


def _is_exchanges(client_order_id: str) -> bool:
    return client_order_id.startswith((LIQUIDATION_CLIENT_ID_PREFIX, ADL_CLIENT_ID))


async def stored_rows(location: str) -> dict[str, Row]:
    """Every stored order of the store at `location` (on a shared store: the rows its
    prefix owns) as (order id, status, filled, symbol, side). A PostgreSQL store is read
    without opening it (opening would take its prefix's lease: a write); a SQLite file is
    opened, read and closed."""
    store = open_store(location)
    shared = "://" in location and not location.startswith("sqlite:")
    if not shared:
        await store.open()
    try:
        orders = await store.load_orders()
    finally:
        if not shared:
            await store.close()
    return {
        m.client_order_id: (
            m.order_id or "", m.status.value, m.filled_quantity, m.symbol, m.order.side.value,
        )
        for m in orders
    }


def _adopted_at_start(member: Member, prefixes: dict[str, int]) -> list[str]:
    """Orders of others a start adopted, and lives that ran under another prefix."""
    index, prefix = member.identity.index, member.identity.prefix
    wrong = [
        f"{member.name} life {ready['life']} ran as prefix {ready.get('prefix')!r}"
        for ready in member.readies if ready.get("prefix") != prefix
    ]
    return wrong + [
        f"{cid}: adopted by {member.name} life {ready['life']} at its start"
        for ready in member.readies for cid in ready.get("adopted", ())
        if owner_of(cid, prefixes) != index and not _is_exchanges(cid)
    ]


async def verify_fleet(sim: SimulatedExchange, members: list[Member],
                       states: dict[int, dict[str, Any] | None]) -> FleetVerification:
    """Compare the exchange with every driver's last state (None: it never finished) and
    its store; see the module docstring."""
    result = FleetVerification()
    prefixes = {m.identity.prefix: m.identity.index for m in members}
    result.duplicates = sorted(cid for cid, count in sim.ledger.items() if count > 1)
    everything = exchange_orders(sim)
    result.exchange_orders = len(everything)
    mine: dict[int, dict[str, Any]] = {m.identity.index: {} for m in members}
    for cid, order in everything.items():
        owner = owner_of(cid, prefixes)
        if owner is None:
            if not _is_exchanges(cid):
                result.unowned.append(f"{cid}: on the exchange, no driver's prefix")
            continue
        mine[owner][cid] = order
    positions = exchange_positions(sim)
    result.exchange_positions = {s: str(q) for s, q in positions.items() if q != 0}
    unplaced = unplaced_legs(sim)
    implied: dict[str, Decimal] = {}
    for member in members:
        index, name = member.identity.index, member.name
        result.per_driver_orders[index] = len(mine[index])
        check = Verification()
        rows = await stored_rows(member.identity.store)
        result.adopted_across += [
            f"{cid}: in the store of {name}" for cid in rows if owner_of(cid, prefixes) != index
        ]
        own_rows = {c: r for c, r in rows.items() if owner_of(c, prefixes) == index}
        _compare(f"store of {name}", {c: r[:3] for c, r in own_rows.items()}, mine[index],
                 check, unplaced)
        for _, _, filled, symbol, side in own_rows.values():
            implied[symbol] = implied.get(symbol, ZERO) + (
                filled if side == OrderSide.BUY.value else -filled)
        result.adopted_across += _adopted_at_start(member, prefixes)
        state = states.get(index)
        if state is None:
            result.unfinished.append(f"{name} never reported its state")
        else:
            _check_manager(member, state, mine[index], unplaced, prefixes, positions,
                           check, result)
        result.lost += check.lost
        result.mismatches += check.mismatches
    for symbol in SYMBOLS:
        held, from_fills = positions.get(symbol, ZERO), implied.get(symbol, ZERO)
        if held != from_fills:
            result.position_mismatches.append(
                f"{symbol}: exchange position {held}, the stores' fills sum to {from_fills}")
    result.slot_clashes = slot_clashes(members)
    return result


def slot_clashes(members: list[Member]) -> list[str]:
    """Two v3 lives (processes signing for the one user) up at the same time on the same
    nonce slot: their nonces could collide. Each life is up from its READY to its end."""
    lives = sorted(
        (float(r["at"]), float(r["until"]), r["nonce_slot"], f"{m.identity.prefix}/{r['life']}")
        for m in members for r in m.readies
        if r.get("auth") == "v3" and r.get("nonce_slot") is not None and "at" in r
    )
    return [
        f"{a} and {b} on nonce slot {slot} at once"
        for i, (_, end, slot, a) in enumerate(lives)
        for start, _, other, b in lives[i + 1:]
        if other == slot and start < end
    ]


def _check_manager(member: Member, state: dict[str, Any], on_exchange: dict[str, Any],
                   unplaced: dict[str, str], prefixes: dict[str, int],
                   positions: dict[str, Decimal], check: Verification,
                   result: FleetVerification) -> None:
    index, name = member.identity.index, member.name
    orders: dict[str, Any] = state["orders"]
    result.adopted_across += [
        f"{cid}: held by the manager of {name}" for cid in orders
        if owner_of(cid, prefixes) != index
    ]
    managed = {
        cid: (o["order_id"] or "", o["status"], Decimal(o["filled"]))
        for cid, o in orders.items() if owner_of(cid, prefixes) == index
    }
    _compare(f"manager of {name}", managed, on_exchange, check, unplaced)
    tracked = {s: Decimal(q) for s, q in state["positions"].items()}
    for symbol in SYMBOLS:
        held, known = positions.get(symbol, ZERO), tracked.get(symbol, ZERO)
        if held != known:
            result.position_mismatches.append(
                f"{symbol}: exchange position {held}, manager of {name} {known}")
