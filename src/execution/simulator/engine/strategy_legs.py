"""Strategy orders (OTO, OCO, OTOCO) as data: the legs, their trigger rules, reading them
from `subOrderList` and rendering them as the v3 strategy queries answer.

A leg's rule says: when leg `driver` has event `on`, do `action` (PLACE_ORDER: place this
leg, which waits until then; CANCEL_ORDER: cancel it, or drop it if it still waits). A
leg without a PLACE_ORDER rule is placed with the strategy. When the sub-orders carry no
rules, each type's usual ones apply (docs/venue-decisions.md, "Strategy orders").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import money
from execution.simulator.engine.config import SymbolSpec
from execution.simulator.engine.order_params import OrderRequest, parse_order
from execution.simulator.engine.orders import ZERO, Order, OrderType, TimeInForce
from execution.simulator.engine.wire import fmt

LEG_COUNTS = {"OTO": 2, "OCO": 2, "OTOCO": 3}
STRATEGY_TYPES = frozenset(LEG_COUNTS)
DRIVEN_ON = frozenset({
    "NEW", "PARTIALLY_FILLED_OR_FILLED", "FILLED", "CANCELED", "REPLACED", "STOPPED",
    "REJECTED", "EXPIRED",
})
PLACE, CANCEL = "PLACE_ORDER", "CANCEL_ORDER"
ACTIONS = frozenset({PLACE, CANCEL})
# the request table names USDT_FUTURES; the query examples answer FUTURE
SECURITY_TYPES = frozenset({"USDT_FUTURES", "FUTURE"})
OTHER_SECURITY_TYPES = frozenset({"COIN_FUTURES", "OPTIONS"})
CLIENT_STRATEGY_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,28}$")
_SLOTS = ("first", "second")
# sub-order fields that are not order parameters
_LEG_ONLY = frozenset({
    "strategySubId", "securityType", "clientOrderId",
    *(f"{slot}{name}" for slot in _SLOTS for name in ("DrivenId", "DrivenOn", "Trigger")),
})
UPDATABLE = frozenset({
    "positionSide", "quantity", "price", "stopPrice", "timeInForce", "workingType",
    "reduceOnly", "closePosition", "priceProtect", "activationPrice", "callbackRate",
})
FILL = "PARTIALLY_FILLED_OR_FILLED"


@dataclass(frozen=True, slots=True)
class Rule:
    driver: int  # strategySubId of the leg whose event fires the rule
    on: str
    action: str


@dataclass(slots=True, eq=False)
class Leg:
    sub_id: int
    fields: dict[str, str]  # the sub-order as sent (strings), for updates
    request: OrderRequest
    security_type: str
    rules: tuple[Rule | None, Rule | None]
    order: Order | None = None
    dropped: str | None = None  # the status of a leg that was never placed
    events: set[str] = field(default_factory=set)
    fired: set[int] = field(default_factory=set)  # indexes of rules that fired
    trigger_time: int = 0

    @property
    def place_rule(self) -> Rule | None:
        return next((rule for rule in self.rules if rule and rule.action == PLACE), None)

    @property
    def waiting(self) -> bool:
        """Not placed yet, and still to be placed when its rule fires."""
        return self.order is None and self.dropped is None

    @property
    def final(self) -> bool:
        return self.dropped is not None or (self.order is not None and not self.order.is_open)

    @property
    def status(self) -> str:
        if self.order is not None:
            return self.order.status.value
        return self.dropped or "PENDING_NEW"


@dataclass(slots=True, eq=False)
class Strategy:
    strategy_id: int
    client_strategy_id: str
    strategy_type: str
    account_id: str
    legs: list[Leg]
    book_time: int
    update_time: int
    builder: str | None = None
    fee_rate: str | None = None

    @property
    def working(self) -> bool:
        return not all(leg.final for leg in self.legs)

    @property
    def status(self) -> str:
        """WORKING while a leg is open or may still be placed; EXPIRED once all are done
        (the docs' history example)."""
        return "WORKING" if self.working else "EXPIRED"

    def leg(self, sub_id: int) -> Leg | None:
        return self.legs[sub_id - 1] if 1 <= sub_id <= len(self.legs) else None


def strategy_type(params: p.Params) -> str:
    kind = p.required(params, "strategyType")
    if kind not in STRATEGY_TYPES:
        raise r.invalid_param("strategyType")
    return kind


def sub_orders(params: p.Params, most: int, *, exact: bool) -> list[p.Params]:
    """`subOrderList` as parameter dicts: exactly (or at most) `most` objects."""
    entries = p.json_list(params, "subOrderList")
    if not entries or len(entries) > most or (exact and len(entries) != most):
        raise r.invalid_param("subOrderList")
    if not all(isinstance(entry, dict) for entry in entries):
        raise r.mandatory("subOrderList")
    return [p.string_params(entry) for entry in entries]


def security_type(fields: p.Params) -> str:
    value = p.required(fields, "securityType")
    if value not in SECURITY_TYPES:
        raise r.invalid_param("securityType")  # the simulator lists USDⓈ-M futures only
    return value


def order_request(fields: p.Params, specs: Mapping[str, SymbolSpec]) -> OrderRequest:
    """A sub-order's fields read as a new order (IOC and FOK are not supported)."""
    if fields.get("timeInForce") in (TimeInForce.IOC, TimeInForce.FOK):
        raise r.invalid_param("timeInForce")
    order_params = {k: v for k, v in fields.items() if k not in _LEG_ONLY}
    client_order_id = p.text(fields, "clientOrderId")
    if client_order_id is not None:
        order_params["newClientOrderId"] = client_order_id
    return parse_order(order_params, specs)


def read_legs(
    kind: str, entries: list[p.Params], specs: Mapping[str, SymbolSpec]
) -> list[Leg]:
    """The legs of a new strategy, every one checked as an order, with their rules."""
    legs: list[Leg] = []
    for position, fields in enumerate(entries, start=1):
        if p.integer(fields, "strategySubId") != position:
            raise r.invalid_param("strategySubId")
        rules = (_rule(fields, "first", position, len(entries)),
                 _rule(fields, "second", position, len(entries)))
        legs.append(Leg(position, fields, order_request(fields, specs), security_type(fields),
                        rules))
    if not any(rule for leg in legs for rule in leg.rules):
        for leg, rules in zip(legs, _default_rules(kind), strict=True):
            leg.rules = rules
    _check_structure(kind, legs)
    return legs


def _rule(fields: p.Params, slot: str, own: int, count: int) -> Rule | None:
    names = (f"{slot}DrivenId", f"{slot}DrivenOn", f"{slot}Trigger")
    values = [p.text(fields, name) for name in names]
    if all(value is None for value in values):
        return None
    for name, value in zip(names, values, strict=True):
        if value is None:
            raise r.mandatory(name)
    driver = p.integer(fields, names[0])
    if driver is None or not 1 <= driver <= count or driver == own:
        raise r.invalid_param(names[0])
    if values[1] not in DRIVEN_ON:
        raise r.invalid_param(names[1])
    if values[2] not in ACTIONS:
        raise r.invalid_param(names[2])
    return Rule(driver, str(values[1]), str(values[2]))


def _default_rules(kind: str) -> list[tuple[Rule | None, Rule | None]]:
    if kind == "OTO":
        return [(None, None), (Rule(1, "FILLED", PLACE), None)]
    if kind == "OCO":
        return [(Rule(2, FILL, CANCEL), Rule(2, "CANCELED", CANCEL)),
                (Rule(1, FILL, CANCEL), Rule(1, "CANCELED", CANCEL))]
    return [(None, None), (Rule(1, "FILLED", PLACE), Rule(3, FILL, CANCEL)),
            (Rule(1, "FILLED", PLACE), Rule(2, FILL, CANCEL))]


def _check_structure(kind: str, legs: list[Leg]) -> None:
    """What makes the strategy its type: OTO/OTOCO, the first leg places the others; OCO
    and the OTOCO's exits, each cancels the other; at most one PLACE_ORDER rule a leg."""
    def placed_by_first(leg: Leg) -> bool:
        rule = leg.place_rule
        return rule is not None and rule.driver == 1

    def cancelled_by(leg: Leg, other: int) -> bool:
        return any(rule and rule.action == CANCEL and rule.driver == other for rule in leg.rules)

    ok = all(sum(1 for rule in leg.rules if rule and rule.action == PLACE) <= 1 for leg in legs)
    if kind == "OTO":
        ok = ok and legs[0].place_rule is None and placed_by_first(legs[1])
    elif kind == "OCO":
        ok = ok and all(leg.place_rule is None for leg in legs) and cancelled_by(
            legs[0], 2) and cancelled_by(legs[1], 1)
    else:
        ok = ok and legs[0].place_rule is None and placed_by_first(legs[1]) and (
            placed_by_first(legs[2])) and cancelled_by(legs[1], 3) and cancelled_by(legs[2], 2)
    if not ok:
        raise r.invalid_param("subOrderList")


# -- rendering ------------------------------------------------------------------------------


def render(strategy: Strategy) -> dict[str, Any]:
    """A strategy as `strategyOpenOrder` / `strategyHistoryOrder` answer it."""
    return {
        "strategyId": strategy.strategy_id,
        "clientStrategyId": strategy.client_strategy_id,
        "strategyType": strategy.strategy_type,
        "strategyStatus": strategy.status,
        "bookTime": strategy.book_time,
        "updateTime": strategy.update_time,
        "subOrders": [_render_leg(strategy, leg) for leg in strategy.legs],
    }


def summary(strategy: Strategy, **extra: Any) -> dict[str, Any]:
    """The short form `placeStrategyOrder` (and each `updateStrategyOrder` entry) answer."""
    result: dict[str, Any] = {
        "strategyId": strategy.strategy_id,
        "clientStrategyId": strategy.client_strategy_id,
        "strategyType": strategy.strategy_type,
        "strategyStatus": strategy.status,
    }
    result.update(extra)
    result.setdefault("updateTime", strategy.update_time)
    result.setdefault("failureCode", 0)
    result.setdefault("failureReason", "")
    return result


def _render_leg(strategy: Strategy, leg: Leg) -> dict[str, Any]:
    request, order = leg.request, leg.order
    trailing = request.type is OrderType.TRAILING_STOP_MARKET
    result: dict[str, Any] = {
        "strategyId": strategy.strategy_id,
        "orderId": order.order_id if order else 0,
        "clientOrderId": order.client_order_id if order else (request.client_order_id or ""),
        "status": leg.status,
        "strategySubId": leg.sub_id,
    }
    for slot, rule in zip(_SLOTS, leg.rules, strict=True):
        result[f"{slot}DrivenId"] = rule.driver if rule else 0
        result[f"{slot}DrivenOn"] = rule.on if rule else ""
        result[f"{slot}Trigger"] = rule.action if rule else ""
    position_side = order.position_side if order else (request.position_side or "BOTH")
    result.update({
        "securityType": leg.security_type,
        "symbol": request.symbol,
        "side": request.side.value,
        "positionSide": str(position_side),
        "type": request.type.value,
        "timeInForce": request.time_in_force.value,
        "quantity": fmt(order.quantity if order else request.quantity),
        "reduceOnly": request.reduce_only,
        "closePosition": request.close_position,
        "price": fmt(order.price if order else request.price),
        "avgPrice": fmt(money(order.avg_price)) if order else "0",
        "priceProtect": request.price_protect,
        "stopPrice": fmt(order.stop_price if order else request.stop_price),
        "activatePrice": fmt(request.activation_price or ZERO) if trailing else None,
        "callbackRate": fmt(request.callback_rate or ZERO) if trailing else None,
        "workingType": request.working_type.value,
        "triggerTime": leg.trigger_time,
    })
    return result
