"""How orders and order events are written as rows of the order store, and read back.

Money is TEXT (a Decimal's str), never REAL. An event's payload is the JSON object of its
fields (Decimals as strings); it is assembled directly for the known event types, which
is several times quicker than the generic `json.dumps(..., default=str)` it equals.
"""

from __future__ import annotations

import dataclasses
import json
import json.encoder
import sqlite3
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from execution.models import Order, OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.state import (
    EVENT_TYPES,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderCancelRequested,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)

OrderRow = tuple[Any, ...]
EventRow = tuple[str, str, int, int, str]
"""An audit-trail row as written: (client order id, kind, timestamp, recorded at, payload
JSON)."""


@dataclasses.dataclass(frozen=True, slots=True)
class StoredEvent:
    """One row of the audit trail. `event` is None for notes (kind not an event type)."""

    seq: int
    client_order_id: str
    kind: str
    timestamp: int
    recorded_at: int
    payload: dict[str, Any]
    event: OrderEvent | None


def stored_event(seq: int, row: EventRow) -> StoredEvent:
    """The audit-trail row `row`, number `seq` in the store's one sequence, read back."""
    client_order_id, kind, timestamp, recorded_at, payload_text = row
    payload = json.loads(payload_text)
    return StoredEvent(
        seq, client_order_id, kind, timestamp, recorded_at, payload,
        event_from_payload(kind, payload),
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# A hedge-mode order's leg, kept in its attributes (the key of `placement.POSITION_SIDE`).
POSITION_SIDE = "position_side"


def order_row(managed: ManagedOrder) -> OrderRow:
    """A snapshot of `managed` as a row of the orders table (runs once per changed order
    per loop iteration: enum values are read from their slots, not their properties)."""
    o = managed.order
    price, stop_price, average_price = o.price, o.stop_price, o.average_price
    time_in_force, tags, attributes = o.time_in_force, managed.tags, managed.attributes
    if o.position_side is not PositionSide.BOTH and POSITION_SIDE not in attributes:
        attributes = {**attributes, POSITION_SIDE: o.position_side._value_}  # (adopted)
    return (
        o.client_order_id, o.order_id, o.symbol, o.side._value_, o.order_type._name_,
        str(o.quantity), None if price is None else str(price),
        None if stop_price is None else str(stop_price),
        None if time_in_force is None else time_in_force._value_, 1 if o.reduce_only else 0,
        o.status._value_, str(o.filled_quantity),
        None if average_price is None else str(average_price), str(o.commission),
        o.commission_asset, str(o.realized_pnl), o.created_at, o.updated_at,
        managed.strategy_name, json.dumps(tags) if tags else "[]",
        managed.parent_order_id,
        managed.role._value_, managed.replaces, managed.replaced_by, 1 if managed.adopted else 0,
        managed.submitted_at, managed.filled_at,
        json.dumps(attributes) if attributes else "{}",
    )


def managed_from_row(row: sqlite3.Row | OrderRow) -> ManagedOrder:
    """The order a row of the orders table holds (the inverse of `order_row`), without
    its events."""
    (
        client_order_id, order_id, symbol, side, order_type, quantity, price, stop_price,
        time_in_force, reduce_only, status, filled_quantity, average_price, commission,
        commission_asset, realized_pnl, created_at, updated_at, strategy_name, tags,
        parent_order_id, role, replaces, replaced_by, adopted, submitted_at, filled_at,
        attributes,
    ) = tuple(row)
    facts = json.loads(attributes)
    order = Order(
        symbol=symbol,
        side=OrderSide(side),
        order_type=OrderType[order_type],
        quantity=Decimal(quantity),
        client_order_id=client_order_id,
        order_id=order_id,
        price=_decimal(price),
        stop_price=_decimal(stop_price),
        status=OrderStatus(status),
        filled_quantity=Decimal(filled_quantity),
        average_price=_decimal(average_price),
        time_in_force=TimeInForce(time_in_force) if time_in_force else None,
        reduce_only=bool(reduce_only),
        position_side=PositionSide(facts.get(POSITION_SIDE, "BOTH")),
        commission=Decimal(commission),
        commission_asset=commission_asset,
        realized_pnl=Decimal(realized_pnl),
        created_at=created_at,
        updated_at=updated_at,
    )
    return ManagedOrder(
        order=order,
        strategy_name=strategy_name,
        tags=tuple(json.loads(tags)),
        parent_order_id=parent_order_id,
        role=OrderRole(role),
        replaces=replaces,
        replaced_by=replaced_by,
        adopted=bool(adopted),
        submitted_at=submitted_at,
        filled_at=filled_at,
        attributes=facts,
    )


_EVENT_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in EVENT_TYPES.values()
}


def event_payload(event: OrderEvent) -> dict[str, Any]:
    """The event's fields by name (Decimals stay Decimals; `event_json` writes them as text)."""
    return {name: getattr(event, name) for name in _EVENT_FIELDS[type(event)]}


def event_json(event: OrderEvent) -> str:
    """The event's payload as JSON text (Decimals as strings): `json.dumps(event_payload(
    event), default=str)`, written directly for the known event types."""
    encode = _EVENT_ENCODERS.get(type(event))
    if encode is None:  # pragma: no cover - every event type has an encoder
        return json.dumps(event_payload(event), default=str)
    return encode(event)


_text_json = json.encoder.encode_basestring_ascii  # a str as a JSON string literal
# A fill (the most common event) is assembled by %-formatting, CPython's quickest way;
# "%s" of an int or a Decimal is its str, which is what the generic encoding writes.


def _decimal_json(value: Decimal | None) -> str:
    return "null" if value is None else f'"{value!s}"'


def _accepted_json(e: OrderAccepted) -> str:
    return (
        f'{{"client_order_id": {_text_json(e.client_order_id)}, '
        f'"order_id": {_text_json(e.order_id)}, "timestamp": {e.timestamp}}}'
    )


def _with_reason_json(e: OrderRejected | OrderCancelRejected) -> str:
    return (
        f'{{"client_order_id": {_text_json(e.client_order_id)}, '
        f'"reason": {_text_json(e.reason)}, "timestamp": {e.timestamp}}}'
    )


def _rejected_json(e: OrderRejected) -> str:
    local = "true" if e.local else "false"
    return (
        f'{{"client_order_id": {_text_json(e.client_order_id)}, '
        f'"reason": {_text_json(e.reason)}, "timestamp": {e.timestamp}, "local": {local}}}'
    )


def _plain_json(e: OrderCancelRequested | OrderCanceled | OrderExpired) -> str:
    return f'{{"client_order_id": {_text_json(e.client_order_id)}, "timestamp": {e.timestamp}}}'


_FILLED_JSON = (
    '{"client_order_id": %s, "trade_id": %s, "last_quantity": "%s", "last_price": "%s", '
    '"cumulative_quantity": "%s", "timestamp": %s, "average_price": %s, "commission": "%s", '
    '"commission_asset": %s, "realized_pnl": "%s"}'
)


def _filled_json(e: OrderFilled) -> str:
    return _FILLED_JSON % (
        _text_json(e.client_order_id), e.trade_id, e.last_quantity, e.last_price,
        e.cumulative_quantity, e.timestamp, _decimal_json(e.average_price), e.commission,
        _text_json(e.commission_asset), e.realized_pnl,
    )


_EVENT_ENCODERS: dict[type, Callable[[Any], str]] = {
    OrderAccepted: _accepted_json,
    OrderRejected: _rejected_json,
    OrderCancelRejected: _with_reason_json,
    OrderFilled: _filled_json,
    OrderCancelRequested: _plain_json,
    OrderCanceled: _plain_json,
    OrderExpired: _plain_json,
}


def attach_events(orders: list[ManagedOrder], events: Iterable[StoredEvent]) -> None:
    """Give the open ones of `orders` their events (and trade ids) from the audit trail
    `events`, in the trail's order: what a store hands back on load."""
    open_ids = {m.client_order_id: m for m in orders if m.is_open}
    if not open_ids:
        return
    for stored in events:
        managed = open_ids.get(stored.client_order_id)
        if managed is not None and stored.event is not None:
            managed.events.append(stored.event)
            if isinstance(stored.event, OrderFilled) and stored.event.trade_id:
                managed.trade_ids.add(stored.event.trade_id)


def event_from_payload(kind: str, payload: dict[str, Any]) -> OrderEvent | None:
    """The event a row of the audit trail holds; None for a note (`kind` not an event type)."""
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        return None
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in payload:
            continue
        value = payload[f.name]
        if isinstance(value, str) and "Decimal" in str(f.type):
            value = Decimal(value)
        values[f.name] = value
    return cls(**values)
