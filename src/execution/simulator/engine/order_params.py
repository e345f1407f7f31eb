"""A new-order request read from its parameters and checked against the symbol's filters.

Only what can be decided from the request and the symbol alone is checked here; what
depends on the account or the market (position mode, reduce-only, margin, triggers) is the
trading module's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NoReturn

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.config import SymbolSpec
from execution.simulator.engine.orders import (
    ZERO,
    OrderType,
    PositionSide,
    Side,
    StpMode,
    TimeInForce,
    WorkingType,
)

CLIENT_ORDER_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_SIDES = frozenset(s.value for s in Side)
_TYPES = frozenset(t.value for t in OrderType if t is not OrderType.LIQUIDATION)
_TIFS = frozenset(t.value for t in TimeInForce)
_WORKING = frozenset(w.value for w in WorkingType)
_POSITION_SIDES = frozenset(s.value for s in PositionSide)
_RESP_TYPES = frozenset({"ACK", "RESULT"})
STP_MODES = frozenset(m.value for m in StpMode)
_WITH_PRICE = (OrderType.LIMIT, OrderType.STOP, OrderType.TAKE_PROFIT)
_CLOSE_POSITION_TYPES = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
MIN_CALLBACK_RATE = Decimal("0.1")
MAX_CALLBACK_RATE = Decimal(5)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    symbol: str
    side: Side
    type: OrderType
    position_side: PositionSide | None  # None: not sent
    time_in_force: TimeInForce
    quantity: Decimal  # 0 with closePosition
    price: Decimal  # 0 when the type has none
    stop_price: Decimal
    working_type: WorkingType
    price_protect: bool
    reduce_only: bool
    reduce_only_sent: bool
    close_position: bool
    client_order_id: str | None
    activation_price: Decimal | None
    callback_rate: Decimal | None
    respond_with_result: bool
    stp_mode: StpMode | None = None  # None: not sent (the account's mode applies)
    peg_price_type: str | None = None  # BBO peg of a LIMIT: the price is set from the book
    peg_offset: Decimal = ZERO


PEG_PRICE_TYPES = frozenset({"COUNTERPARTY_1", "QUEUE_1"})


def pegged_price(request: OrderRequest, bid: Decimal, ask: Decimal) -> Decimal:
    """A pegged LIMIT's price: COUNTERPARTY_1 the other side's best (a BUY at the ask),
    QUEUE_1 its own side's (a BUY at the bid), plus the signed `pegOffset`."""
    buy = request.side is Side.BUY
    if request.peg_price_type == "COUNTERPARTY_1":
        base = ask if buy else bid
    else:
        base = bid if buy else ask
    return base + request.peg_offset


def symbol_spec(params: p.Params, specs: Mapping[str, SymbolSpec]) -> SymbolSpec:
    return specs[p.known_symbol(params, specs)]


def parse_order(params: p.Params, specs: Mapping[str, SymbolSpec]) -> OrderRequest:
    """Read and filter-check a new order, raising the exchange's error on the first fault."""
    spec = symbol_spec(params, specs)
    side = Side(p.choice(params, "side", _SIDES, r.INVALID_SIDE) or _missing("side"))
    kind = OrderType(p.choice(params, "type", _TYPES, r.INVALID_TYPE) or _missing("type"))
    position_text = p.choice(params, "positionSide", _POSITION_SIDES, r.INVALID_POSITION_SIDE)
    working = WorkingType(
        p.choice(params, "workingType", _WORKING, r.INVALID_WORKING_TYPE, "CONTRACT_PRICE")
        or "CONTRACT_PRICE"
    )
    resp = p.choice(params, "newOrderRespType", _RESP_TYPES, r.INVALID_RESP_TYPE, "ACK")
    stp_text = p.text(params, "stpMode")
    if stp_text is not None and stp_text not in STP_MODES:
        raise r.invalid_param("stpMode")
    close_position = p.boolean(params, "closePosition")
    reduce_only_sent = p.text(params, "reduceOnly") is not None
    reduce_only = p.boolean(params, "reduceOnly")
    price_protect = p.boolean(params, "priceProtect")

    tif = TimeInForce.GTC
    tif_text = p.choice(params, "timeInForce", _TIFS, r.INVALID_TIF)
    if kind is OrderType.LIMIT and tif_text is None:
        raise r.mandatory("timeInForce")
    if tif_text is not None and kind in _WITH_PRICE:
        tif = TimeInForce(tif_text)

    client_order_id = p.text(params, "newClientOrderId")
    if client_order_id is not None and not CLIENT_ORDER_ID.match(client_order_id):
        raise r.error(r.CLIENT_ID_INVALID)

    if close_position:
        if kind not in _CLOSE_POSITION_TYPES:
            raise r.not_required("closePosition")
        if p.text(params, "quantity") is not None:
            raise r.error(r.QTY_WITH_CLOSE_POSITION)
        if reduce_only:
            raise r.not_required("reduceOnly")
        quantity = ZERO
    else:
        quantity = p.required_decimal(params, "quantity")
        _check_quantity(spec, quantity, market=kind.executes_as_market)

    peg, peg_offset = _peg(params, spec, kind, side)
    price = ZERO
    if peg is not None:
        if p.text(params, "price") is not None:
            raise r.not_required("price")  # the book sets a pegged order's price
    elif kind in _WITH_PRICE:
        price = p.required_decimal(params, "price")
        _check_price(spec, price)
    elif p.decimal(params, "price"):
        raise r.not_required("price")

    stop_price = ZERO
    if kind.is_conditional and kind is not OrderType.TRAILING_STOP_MARKET:
        stop_price = p.required_decimal(params, "stopPrice")
        if stop_price <= 0:
            raise r.error(r.STOP_PRICE_NOT_POSITIVE)
        _check_price(spec, stop_price)

    activation_price: Decimal | None = None
    callback_rate: Decimal | None = None
    if kind is OrderType.TRAILING_STOP_MARKET:
        callback_rate = p.required_decimal(params, "callbackRate")
        if not MIN_CALLBACK_RATE <= callback_rate <= MAX_CALLBACK_RATE:
            raise r.invalid_param("callbackRate")
        activation_price = p.decimal(params, "activationPrice")
        if activation_price is not None:
            _check_price(spec, activation_price)

    return OrderRequest(
        symbol=spec.symbol,
        side=side,
        type=kind,
        position_side=PositionSide(position_text) if position_text else None,
        time_in_force=tif,
        quantity=quantity,
        price=price,
        stop_price=stop_price,
        working_type=working,
        price_protect=price_protect,
        reduce_only=reduce_only,
        reduce_only_sent=reduce_only_sent,
        close_position=close_position,
        client_order_id=client_order_id,
        activation_price=activation_price,
        callback_rate=callback_rate,
        respond_with_result=resp == "RESULT",
        stp_mode=StpMode(stp_text) if stp_text is not None else None,
        peg_price_type=peg,
        peg_offset=peg_offset,
    )


def _peg(
    params: p.Params, spec: SymbolSpec, kind: OrderType, side: Side
) -> tuple[str | None, Decimal]:
    """`pegPriceType` and `pegOffset` as the docs state them: a LIMIT only; the offset a
    multiple of the tick, a BUY's <= 0 and a SELL's >= 0, and only with the peg."""
    peg = p.text(params, "pegPriceType")
    offset = p.decimal(params, "pegOffset")
    if peg is None:
        if offset is not None:
            raise r.not_required("pegOffset")
        return None, ZERO
    if peg not in PEG_PRICE_TYPES or kind is not OrderType.LIMIT:
        raise r.invalid_param("pegPriceType")
    offset = offset or ZERO
    if offset % spec.tick_size or (offset > 0 if side is Side.BUY else offset < 0):
        raise r.invalid_param("pegOffset")
    return peg, offset


def _missing(name: str) -> NoReturn:
    raise r.mandatory(name)


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check_quantity(spec: SymbolSpec, quantity: Decimal, *, market: bool) -> None:
    if quantity <= 0:
        raise r.error(r.QTY_NOT_POSITIVE)
    if _decimals(quantity) > spec.quantity_precision:
        raise r.bad_precision()
    if quantity % spec.step_size != 0:
        raise r.error(r.QTY_NOT_STEP)
    if quantity < spec.min_qty:
        raise r.error(r.QTY_BELOW_MIN)
    if quantity > (spec.market_max_qty if market else spec.max_qty):
        raise r.error(r.QTY_ABOVE_MAX)


def check_price(spec: SymbolSpec, price: Decimal) -> None:
    """PRICE_FILTER: precision, tick size and the min/max price."""
    _check_price(spec, price)


def _check_price(spec: SymbolSpec, price: Decimal) -> None:
    if price <= 0:
        raise ApiError(-4001, "Price less than 0.")
    if _decimals(price) > spec.price_precision:
        raise r.bad_precision()
    if price % spec.tick_size != 0:
        raise r.error(r.PRICE_NOT_TICK)
    if price < spec.min_price:
        raise r.error(r.PRICE_BELOW_MIN)
    if price > spec.max_price:
        raise r.error(r.PRICE_TOO_HIGH)


def check_quantity(spec: SymbolSpec, quantity: Decimal, *, market: bool = False) -> None:
    """LOT_SIZE (or MARKET_LOT_SIZE): positive, on the step, within min and max."""
    _check_quantity(spec, quantity, market=market)
