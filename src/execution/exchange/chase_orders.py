"""Chase orders (v3 "Place Chase Order", `POST /fapi/v3/chase`): a post-only LIMIT order the
venue pegs to the best bid (a BUY at `bid1 - chaseOffset`) or ask (a SELL at `ask1 +
chaseOffset`) and moves as the book moves, until it fills, is cancelled (`DELETE order`)
or the market moves beyond `maxChaseOffset` from the first peg.

Checked before anything is sent, by the docs' rules: `quantityUnit` BASE (a quantity on
the market step, at least the market minimum) or QUOTE (an amount of at least the minimum
notional); `chaseOffset` >= 0 on the tick (rounded up: a BUY pegs no higher, a SELL no
lower than asked); `chaseOffsetType` ABSOLUTE only (PERCENTAGE is not implemented by the
venue); `maxChaseOffset` > 0, on the tick for ABSOLUTE (rounded down: it cancels no later
than asked) or with at most 2 decimals for PERCENTAGE; `timeInForce` GTX (default), GTC or
HIDDEN, never IOC/FOK; `clientStrategyId` at most 28 characters of `[.A-Z:/a-z0-9_-]`.

Sent once: the docs name no query of a chase, so an answer that says nothing (status
unknown, no response) is `OrderStatusUnknownError` and the chase is never sent again (its
order, if any, shows among the symbol's open orders).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from execution.errors import ConfigurationError, OrderStatusUnknownError, ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.markets import Markets
from execution.exchange.outcome import OUTCOME_UNKNOWN
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rest import RestClient
from execution.models import OrderSide, PositionSide, TimeInForce
from execution.money import format_decimal, positive, to_decimal
from execution.rules import Rounding, normalize_symbol

__all__ = ["ChaseOrder", "ChaseOrders", "ChaseRequest"]

CLIENT_STRATEGY_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,28}$")
UNITS = ("BASE", "QUOTE")
MAX_OFFSET_TYPES = ("ABSOLUTE", "PERCENTAGE")
_TIFS = (TimeInForce.GTX, TimeInForce.GTC, TimeInForce.HIDDEN)


@dataclass(frozen=True, slots=True)
class ChaseRequest:
    """A chase as asked (see the module docstring for the rules `ChaseOrders` checks)."""

    symbol: str
    side: OrderSide
    quantity: Decimal
    quantity_unit: str = "BASE"
    chase_offset: Decimal = Decimal(0)
    max_chase_offset: Decimal | None = None
    max_chase_offset_type: str = "ABSOLUTE"
    position_side: PositionSide = PositionSide.BOTH
    reduce_only: bool = False
    time_in_force: TimeInForce = TimeInForce.GTX
    client_strategy_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChaseOrder:
    """The venue's answer: the chase strategy and its state."""

    strategy_id: str
    client_strategy_id: str
    symbol: str
    side: str
    quantity: Decimal
    quantity_unit: str
    chase_offset: Decimal
    max_chase_offset: Decimal | None
    status: str
    raw: dict[str, Any]


class ChaseOrders:
    """Chase orders over the client's REST session (`rest`) and symbol rules (`markets`)."""

    def __init__(self, rest: RestClient, markets: Markets) -> None:
        self.rest = rest
        self.markets = markets

    def params(self, request: ChaseRequest) -> list[tuple[str, str]]:
        """The wire parameters of `request`, checked and rounded; `ValidationError` naming
        the field otherwise. Nothing is sent."""
        if not self.rest.has(ep.PLACE_CHASE):
            raise ValidationError("chase", request.symbol,
                                  "chase orders are in AsterDEX's v3 API only (EIP-712)")
        rules = self.markets.rules_for(normalize_symbol(request.symbol))
        side = OrderSide(request.side)
        if request.quantity_unit not in UNITS:
            raise ValidationError("quantity_unit", request.quantity_unit, "BASE or QUOTE")
        if request.quantity_unit == "BASE":
            quantity = rules.rounded_quantity(request.quantity, market=True)
        else:
            quantity = positive(request.quantity, "quantity")
            if not request.reduce_only and quantity < rules.min_notional:
                raise ValidationError("quantity", quantity,
                                      f"a QUOTE amount below the minimum notional "
                                      f"{rules.min_notional}")
        offset = to_decimal(request.chase_offset, "chase_offset")
        if offset < 0:
            raise ValidationError("chase_offset", offset, "must be >= 0")
        offset = rules.round_offset(offset, Rounding.UP)  # never pegged nearer than asked
        if request.time_in_force not in _TIFS:
            raise ValidationError("time_in_force", request.time_in_force.value,
                                  "GTX, GTC or HIDDEN: a chase rests (never IOC or FOK)")
        params = [("symbol", rules.symbol), ("side", side.value),
                  ("quantityUnit", request.quantity_unit),
                  ("quantity", format_decimal(quantity)),
                  ("chaseOffset", format_decimal(offset)), ("chaseOffsetType", "ABSOLUTE"),
                  ("timeInForce", request.time_in_force.value),
                  ("reduceOnly", "true" if request.reduce_only else "false")]
        params += self._max_offset(request, rules.tick_size)
        if request.position_side is not PositionSide.BOTH:
            params.append(("positionSide", request.position_side.value))
        cid = request.client_strategy_id or "ch-" + uuid.uuid4().hex[:24]
        if not CLIENT_STRATEGY_ID.match(cid):
            raise ValidationError("client_strategy_id", cid,
                                  "must match ^[\\.A-Z\\:/a-z0-9_-]{1,28}$ (28 characters)")
        params.append(("clientStrategyId", cid))
        return params

    @staticmethod
    def _max_offset(request: ChaseRequest, tick: Decimal) -> list[tuple[str, str]]:
        if request.max_chase_offset is None:
            return []
        kind = request.max_chase_offset_type
        if kind not in MAX_OFFSET_TYPES:
            raise ValidationError("max_chase_offset_type", kind, "ABSOLUTE or PERCENTAGE")
        value = positive(request.max_chase_offset, "max_chase_offset")
        if kind == "ABSOLUTE":
            value = (value / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
            if value <= 0:
                raise ValidationError("max_chase_offset", request.max_chase_offset,
                                      f"below one tick ({tick})")
        elif value != value.quantize(Decimal("0.01")):
            raise ValidationError("max_chase_offset", value,
                                  "a PERCENTAGE has at most 2 decimals")
        return [("maxChaseOffset", format_decimal(value)), ("maxChaseOffsetType", kind)]

    async def place(self, request: ChaseRequest) -> ChaseOrder:
        """Check and send the chase once (see the module docstring)."""
        params = self.params(request)
        cid = dict(params)["clientStrategyId"]
        try:
            data = await self.rest.request(ep.PLACE_CHASE, params)
        except OUTCOME_UNKNOWN as exc:
            raise OrderStatusUnknownError(
                f"chase {cid}: the answer said nothing ({exc}); not sent again: look for "
                "its order among the open orders") from exc
        return _chase(data)


def _chase(data: object) -> ChaseOrder:
    if not isinstance(data, dict) or "strategyId" not in data:
        raise MalformedResponseError(f"chase: unexpected answer {data!r:.80}")
    try:
        offset = data.get("maxChaseOffset")
        return ChaseOrder(
            strategy_id=str(data["strategyId"]),
            client_strategy_id=str(data.get("clientStrategyId", "")),
            symbol=str(data["symbol"]), side=str(data["side"]),
            quantity=Decimal(str(data["quantity"])),
            quantity_unit=str(data.get("quantityUnit", "BASE")),
            chase_offset=Decimal(str(data.get("chaseOffset", "0"))),
            max_chase_offset=None if offset is None else Decimal(str(offset)),
            status=str(data.get("strategyStatus", "")), raw=dict(data),
        )
    except (KeyError, ArithmeticError, ValueError) as exc:
        raise MalformedResponseError(f"chase: unreadable answer ({exc})") from None


def chase_orders_of(exchange: object) -> ChaseOrders:
    """The chase orders of an AsterDEX client (its `rest` and `markets`)."""
    rest, markets = getattr(exchange, "rest", None), getattr(exchange, "markets", None)
    if not isinstance(rest, RestClient) or not isinstance(markets, Markets):
        raise ConfigurationError(f"{type(exchange).__name__} has no chase orders")
    return ChaseOrders(rest, markets)
