"""AsterDEX strategy orders (v3): OTO, OCO and OTOCO, held and triggered by the exchange.

A strategy is sent in one request (`placeStrategyOrder`): its legs are validated and
rounded by the same rules as single orders (`order_request.build_order_request`), each
under its own client order id; legs that wait for a trigger are not on the book yet (the
strategy queries show them PENDING_NEW, with no order id), and once placed they are orders
like any other (open orders, `ORDER_TRADE_UPDATE`). The request is sent once: after an
answer that says nothing (status unknown, no response) the strategy is looked up by its
client strategy id, never sent again; not found, the caller gets `OrderStatusUnknownError`.

The docs name the queries `strategyOpenOrder` and `strategyHistoryOrder` (the CHANGELOG
spells them `strategyOrder` and `strategyOrder/history`); this client uses the names of
the endpoint sections, the strictest reading (docs/venue-decisions.md).
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from execution.errors import (
    ExecutionError,
    MismatchedAnswerError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    ValidationError,
)
from execution.exchange import endpoints as ep
from execution.exchange.error_map import map_error
from execution.exchange.markets import Markets
from execution.exchange.order_request import build_order_request, check_client_order_id
from execution.exchange.outcome import OUTCOME_UNKNOWN
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rest import RestClient
from execution.intent import OrderIntent
from execution.models import OrderStatus, PositionSide, TimeInForce
from execution.rules import normalize_symbol

LOOKUP_DELAYS = (0.5, 1.0, 2.0)  # s: looks for a strategy whose placement answer was lost
_NEEDS_LEGS = {"OTO": 2, "OCO": 2, "OTOCO": 3}
UNSUPPORTED_TIF = frozenset({TimeInForce.IOC, TimeInForce.FOK})  # the docs' sub-order table


class StrategyType(enum.StrEnum):
    """The documented strategy types."""

    OTO = "OTO"  # the first leg's fill places the second
    OCO = "OCO"  # either leg's fill cancels the other
    OTOCO = "OTOCO"  # the first leg's fill places the other two, which cancel each other


@dataclass(frozen=True, slots=True)
class StrategyLeg:
    """One leg: an order (checked and rounded like any other) and its trigger rules, as
    the docs' `firstDrivenId` / `firstDrivenOn` / `firstTrigger` (and `second...`): the
    `strategySubId` of the leg whose event drives it, the event, the action."""

    intent: OrderIntent
    client_order_id: str
    first: tuple[int, str, str] | None = None
    second: tuple[int, str, str] | None = None


@dataclass(frozen=True, slots=True)
class StrategySubOrder:
    """A leg as the exchange shows it: `order_id` is "" while it waits for its trigger."""

    sub_id: int
    client_order_id: str
    order_id: str
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class StrategyOrder:
    """A strategy as the exchange shows it (`legs` only from the queries)."""

    strategy_id: str
    client_strategy_id: str
    strategy_type: StrategyType
    status: str  # WORKING, FINISHED, CANCELED, EXPIRED, ...
    legs: tuple[StrategySubOrder, ...] = ()

    def leg(self, client_order_id: str) -> StrategySubOrder | None:
        return next((leg for leg in self.legs if leg.client_order_id == client_order_id), None)


class StrategyOrders:
    """Places and queries strategy orders over one `RestClient` (EIP-712 only)."""

    def __init__(
        self, rest: RestClient, markets: Markets,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rest = rest
        self.markets = markets
        self._sleep = sleep

    async def place(
        self, strategy_type: StrategyType, legs: Sequence[StrategyLeg], client_strategy_id: str
    ) -> StrategyOrder:
        """Send the strategy once; see the module's docstring for an unknown answer."""
        strategy_type = StrategyType(strategy_type)
        if len(legs) != _NEEDS_LEGS[strategy_type.value]:
            raise ValidationError("legs", len(legs), f"{strategy_type.value} needs exactly "
                                  f"{_NEEDS_LEGS[strategy_type.value]}")
        check_client_order_id(client_strategy_id)
        sub_orders = [self._wire_leg(number, leg) for number, leg in enumerate(legs, 1)]
        if len({leg.client_order_id for leg in legs}) != len(legs):
            raise ValidationError("legs", [leg.client_order_id for leg in legs],
                                  "each leg needs its own client order id")
        params = [("strategyType", strategy_type.value), ("clientStrategyId", client_strategy_id),
                  ("subOrderList", json.dumps(sub_orders, separators=(",", ":")))]
        try:
            data = await self.rest.request(ep.PLACE_STRATEGY_ORDER, params)
        except OUTCOME_UNKNOWN as exc:
            return await self._settle(strategy_type, client_strategy_id, exc)
        placed = _strategy(data)
        if placed.client_strategy_id not in ("", client_strategy_id):
            raise MismatchedAnswerError(
                f"placeStrategyOrder answered for {placed.client_strategy_id!r}, "
                f"not {client_strategy_id!r}",
                expected={"client_strategy_id": client_strategy_id},
                answered={"client_strategy_id": placed.client_strategy_id},
            )
        return placed

    def _wire_leg(self, number: int, leg: StrategyLeg) -> dict[str, Any]:
        intent = leg.intent
        if intent.time_in_force in UNSUPPORTED_TIF:
            raise ValidationError("time_in_force", intent.time_in_force.value,
                                  "IOC and FOK are not supported in strategy orders (the docs)")
        rules = self.markets.rules_for(normalize_symbol(intent.symbol))
        request = build_order_request(
            rules, intent.side, intent.order_type, intent.quantity, price=intent.price,
            stop_price=intent.stop_price, time_in_force=intent.time_in_force,
            # hedge mode: the leg's positionSide, and no reduceOnly (the docs refuse it)
            reduce_only=intent.reduce_only and intent.position_side is PositionSide.BOTH,
            position_side=intent.position_side, working_type=intent.working_type,
            client_order_id=leg.client_order_id,
        )
        wire: dict[str, Any] = {"strategySubId": str(number), "securityType": "USDT_FUTURES"}
        for key, value in request.params:
            wire["clientOrderId" if key == "newClientOrderId" else key] = value
        for prefix, rule in (("first", leg.first), ("second", leg.second)):
            if rule is not None:
                driver, event, action = rule
                wire.update({f"{prefix}DrivenId": str(driver), f"{prefix}DrivenOn": event,
                             f"{prefix}Trigger": action})
        return wire

    async def update(
        self, strategy_type: StrategyType, strategy_id: str, sub_id: int, leg: StrategyLeg
    ) -> None:
        """Change one leg of a working strategy in place (its stop price, price or
        quantity; a placed leg is amended on the book, a waiting one before it is placed):
        no cancel-and-replace gap. The new figures are checked like a new order's; the
        exchange's refusal of the leg is raised as its typed error. Sent once: after an
        answer that says nothing the caller reads the strategy back."""
        wire = self._wire_leg(sub_id, leg)
        for key in ("clientOrderId", "firstDrivenId", "firstDrivenOn", "firstTrigger",
                    "secondDrivenId", "secondDrivenOn", "secondTrigger"):
            wire.pop(key, None)  # not updatable (the docs' update fields)
        params = [("strategyId", strategy_id), ("strategyType", StrategyType(strategy_type).value),
                  ("subOrderList", json.dumps([wire], separators=(",", ":")))]
        answer = await self.rest.request(ep.UPDATE_STRATEGY_ORDER, params)
        results = answer if isinstance(answer, list) else [answer]
        for result in results:
            if isinstance(result, dict) and result.get("updateStatus") not in (None, "SUCCESS"):
                code = result.get("failureCode")
                raise map_error(400, int(code) if code else None,
                                str(result.get("failureReason") or "update refused"))

    async def _settle(
        self, strategy_type: StrategyType, client_strategy_id: str, cause: ExecutionError
    ) -> StrategyOrder:
        for delay in LOOKUP_DELAYS:
            await self._sleep(delay)
            try:
                found = await self.find(strategy_type, client_strategy_id)
            except ExecutionError:
                continue
            if found is not None:
                return found
        raise OrderStatusUnknownError(
            f"strategy {client_strategy_id}: placement answer lost ({cause}) and not found "
            "since; not sent again"
        ) from cause

    async def find(
        self, strategy_type: StrategyType, client_strategy_id: str
    ) -> StrategyOrder | None:
        """The strategy by its client id: open, else in the history; None if neither."""
        params = [("clientStrategyId", client_strategy_id),
                  ("strategyType", StrategyType(strategy_type).value)]
        for endpoint in (ep.STRATEGY_OPEN_ORDER, ep.STRATEGY_HISTORY_ORDER):
            try:
                data = await self.rest.request(endpoint, params)
            except OrderNotFoundError:
                continue
            found = _strategy(data)
            if found.strategy_id:
                return found
        return None


def _status(value: Any) -> OrderStatus:
    try:
        return OrderStatus(str(value or "PENDING_NEW"))
    except ValueError:
        raise MalformedResponseError(f"a strategy leg's status {value!r} is unknown") from None


def _strategy(data: Any) -> StrategyOrder:
    if isinstance(data, list):  # some answers come as a one-element array
        data = data[0] if data else {}
    if not isinstance(data, dict):
        raise MalformedResponseError(f"a strategy order answer is not an object: {data!r}")
    legs = tuple(
        StrategySubOrder(
            sub_id=int(sub.get("strategySubId") or 0),
            client_order_id=str(sub.get("clientOrderId") or ""),
            order_id="" if str(sub.get("orderId") or "0") == "0" else str(sub["orderId"]),
            status=_status(sub.get("status")),
        )
        for sub in data.get("subOrders") or ()
    )
    return StrategyOrder(
        strategy_id=str(data.get("strategyId") or ""),
        client_strategy_id=str(data.get("clientStrategyId") or ""),
        strategy_type=StrategyType(str(data.get("strategyType") or "OTOCO")),
        status=str(data.get("strategyStatus") or ""),
        legs=legs,
    )
