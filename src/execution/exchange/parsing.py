"""Wire JSON to models: orders, balances, positions and user-stream events.

Numbers arrive as strings (sometimes as JSON numbers) and become `Decimal` via `str`, never
via float arithmetic. Optional fields may be missing; a missing required field or a value of
the wrong shape raises `MalformedResponseError` naming the field, never a bare KeyError.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from execution.errors import ExchangeError
from execution.exchange.order_reply import STATUSES, read_order_reply
from execution.models import (
    ZERO,
    AccountConfigUpdate,
    AccountUpdate,
    Balance,
    MarginCall,
    MarginCallPosition,
    MarginType,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Position,
    PositionSide,
    TimeInForce,
    WorkingType,
)


class MalformedResponseError(ExchangeError):
    """The exchange sent data this client cannot read (a missing or ill-typed field)."""


_MISSING = object()
# Tuples, not `str | int | ...` unions: a union in an isinstance call is built on every call,
# and these checks run for every number of every order and stream event.
_NUMBER_TYPES = (str, int, float, Decimal)
_EXACT_TYPES = (str, int)
# value -> member of each enum read from the wire: a dict lookup instead of `EnumType(value)`,
# which costs a few calls per field.
# OrderStatus also maps EXPIRED_IN_MATCH, NEW_INSURANCE and NEW_ADL (`order_reply.STATUSES`).
_MEMBERS_BY_VALUE: dict[Any, dict[Any, Any]] = {OrderStatus: STATUSES}


def _get(data: Mapping[str, Any], key: str) -> Any:
    value = data.get(key, _MISSING)
    if value is _MISSING or value is None:
        raise MalformedResponseError(f"field {key!r} is missing")
    return value


def _dec(data: Mapping[str, Any], key: str, default: Decimal | None = ZERO) -> Decimal:
    value = data.get(key)
    if value.__class__ is str and value:
        # The common case, first and with the fewest checks: a non-empty decimal string.
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise MalformedResponseError(f"field {key!r} is not a number: {value!r}") from None
        if result.is_finite():
            return result
        raise MalformedResponseError(f"field {key!r} is not finite: {value!r}")
    if value is None or value == "":
        if default is None:
            raise MalformedResponseError(f"field {key!r} is missing")
        return default
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
        raise MalformedResponseError(f"field {key!r} is not a number: {value!r}")
    try:
        result = Decimal(value) if isinstance(value, _EXACT_TYPES) else Decimal(str(value))
    except InvalidOperation:
        raise MalformedResponseError(f"field {key!r} is not a number: {value!r}") from None
    if not result.is_finite():
        raise MalformedResponseError(f"field {key!r} is not finite: {value!r}")
    return result


def _opt_dec(data: Mapping[str, Any], key: str) -> Decimal | None:
    """A price that the exchange sends as "0" when it does not apply."""
    value = _dec(data, key)
    return value if value != 0 else None


def _int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise MalformedResponseError(f"field {key!r} is not an integer: {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedResponseError(f"field {key!r} is not an integer: {value!r}") from None


def _enum(enum_type: Any, data: Mapping[str, Any], key: str, default: Any = _MISSING) -> Any:
    value = data.get(key)
    if value is None or value == "":
        if default is _MISSING:
            raise MalformedResponseError(f"field {key!r} is missing")
        return default
    members = _MEMBERS_BY_VALUE.get(enum_type)
    if members is None:
        members = _MEMBERS_BY_VALUE[enum_type] = {member.value: member for member in enum_type}
    try:
        return members[value]
    except (KeyError, TypeError):  # TypeError: an unhashable value (a list, an object)
        raise MalformedResponseError(f"field {key!r} has an unknown value {value!r}") from None


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _mapping(data: Any, what: str) -> Mapping[str, Any]:
    if data.__class__ is dict:  # decoded JSON: skip the slower abstract-class check
        return data
    if not isinstance(data, Mapping):
        raise MalformedResponseError(f"{what} is not an object: {type(data).__name__}")
    return data


def _list(data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise MalformedResponseError(f"{what} is not a list: {type(data).__name__}")
    return data


def parse_order(data: Any) -> Order:
    """An order from `POST/GET/DELETE order`, `openOrders` or `allOrders`."""
    if data.__class__ is dict:
        order = read_order_reply(data)  # the usual shape, in one pass
        if order is not None:
            return order
    return parse_order_fields(data)


def parse_order_fields(data: Any) -> Order:
    """`parse_order` field by field: any shape the exchange may send, and a
    `MalformedResponseError` naming the field that cannot be read."""
    data = _mapping(data, "order")
    order_type = _enum(OrderType, data, "type", None) or _enum(OrderType, data, "origType")
    return Order(
        symbol=str(_get(data, "symbol")),
        side=_enum(OrderSide, data, "side"),
        order_type=order_type,
        quantity=_dec(data, "origQty"),
        client_order_id=str(_get(data, "clientOrderId")),
        order_id=str(_get(data, "orderId")),
        price=_opt_dec(data, "price"),
        stop_price=_opt_dec(data, "stopPrice"),
        status=_enum(OrderStatus, data, "status"),
        filled_quantity=_dec(data, "executedQty"),
        average_price=_opt_dec(data, "avgPrice"),
        time_in_force=_enum(TimeInForce, data, "timeInForce", None),
        reduce_only=_bool(data, "reduceOnly"),
        close_position=_bool(data, "closePosition"),
        position_side=_enum(PositionSide, data, "positionSide", PositionSide.BOTH),
        working_type=_enum(WorkingType, data, "workingType", None),
        activation_price=_opt_dec(data, "activatePrice"),
        callback_rate=_opt_dec(data, "priceRate"),
        created_at=_int(data, "time", _int(data, "updateTime")),
        updated_at=_int(data, "updateTime"),
    )


def parse_orders(data: Any) -> list[Order]:
    return [parse_order(item) for item in _list(data, "orders")]


def parse_balances(data: Any) -> dict[str, Balance]:
    """`GET balance` (v2/v3): one entry per asset."""
    balances: dict[str, Balance] = {}
    for item in _list(data, "balances"):
        item = _mapping(item, "balance")
        asset = str(_get(item, "asset"))
        cross = item.get("crossWalletBalance")
        balances[asset] = Balance(
            asset=asset,
            wallet_balance=_dec(item, "balance", None),
            # absent means unknown, not the wallet balance (that would overstate free margin)
            available_balance=(
                None if item.get("availableBalance") is None
                else _dec(item, "availableBalance", None)
            ),
            unrealized_pnl=_dec(item, "crossUnPnl"),
            cross_wallet_balance=None if cross is None else _dec(item, "crossWalletBalance"),
        )
    return balances


def parse_position(data: Any) -> Position:
    """One entry of `positionRisk`."""
    data = _mapping(data, "position")
    return Position(
        symbol=str(_get(data, "symbol")),
        quantity=_dec(data, "positionAmt", None),
        entry_price=_dec(data, "entryPrice"),
        mark_price=_dec(data, "markPrice"),
        unrealized_pnl=_dec(data, "unRealizedProfit", _dec(data, "unrealizedProfit")),
        leverage=_int(data, "leverage", 1),
        margin_type=_margin_type(data.get("marginType")),
        position_side=_enum(PositionSide, data, "positionSide", PositionSide.BOTH),
        isolated_margin=_dec(data, "isolatedMargin"),
        liquidation_price=_dec(data, "liquidationPrice"),
    )


def _margin_type(value: Any) -> MarginType:
    # positionRisk says "cross"/"isolated"; other places say CROSSED/ISOLATED
    text = str(value or "CROSSED").upper()
    return MarginType.ISOLATED if text.startswith("ISOLATED") else MarginType.CROSSED


def parse_positions(data: Any) -> list[Position]:
    return [parse_position(item) for item in _list(data, "positions")]


def parse_order_update(event: Any) -> OrderUpdate:
    """An `ORDER_TRADE_UPDATE` event."""
    event = _mapping(event, "event")
    o = _mapping(_get(event, "o"), "event field 'o'")
    status = _enum(OrderStatus, o, "X")
    commission = _dec(o, "n")
    realized_pnl = _dec(o, "rp")
    order = Order(
        symbol=str(_get(o, "s")),
        side=_enum(OrderSide, o, "S"),
        order_type=_enum(OrderType, o, "o"),
        quantity=_dec(o, "q"),
        client_order_id=str(_get(o, "c")),
        order_id=str(_get(o, "i")),
        price=_opt_dec(o, "p"),
        stop_price=_opt_dec(o, "sp"),
        status=status,
        filled_quantity=_dec(o, "z"),
        average_price=_opt_dec(o, "ap"),
        time_in_force=_enum(TimeInForce, o, "f", None),
        reduce_only=_bool(o, "R"),
        close_position=_bool(o, "cp"),
        position_side=_enum(PositionSide, o, "ps", PositionSide.BOTH),
        working_type=_enum(WorkingType, o, "wt", None),
        activation_price=_opt_dec(o, "AP"),
        callback_rate=_opt_dec(o, "cr"),
        commission=commission,
        commission_asset=str(o.get("N") or ""),
        realized_pnl=realized_pnl,
        updated_at=_int(o, "T", _int(event, "T")),
    )
    return OrderUpdate(
        order=order,
        execution_type=str(o.get("x") or status.value),
        event_time=_int(event, "E"),
        transaction_time=_int(event, "T", _int(o, "T")),
        last_filled_quantity=_dec(o, "l"),
        last_filled_price=_dec(o, "L"),
        trade_id=_int(o, "t"),
        commission=commission,
        commission_asset=str(o.get("N") or ""),
        realized_pnl=realized_pnl,
    )


def parse_account_update(event: Any) -> AccountUpdate:
    """An `ACCOUNT_UPDATE` event: changed balances (`a.B`) and positions (`a.P`)."""
    event = _mapping(event, "event")
    a = _mapping(_get(event, "a"), "event field 'a'")
    balances = tuple(
        Balance(
            asset=str(_get(b, "a")),
            wallet_balance=_dec(b, "wb", None),
            available_balance=None,  # not in the event (only wb and cw): unknown
            cross_wallet_balance=_dec(b, "cw") if b.get("cw") is not None else None,
        )
        for b in (_mapping(x, "balance") for x in _list(a.get("B", []), "a.B"))
    )
    positions = tuple(
        Position(
            symbol=str(_get(p, "s")),
            quantity=_dec(p, "pa", None),
            entry_price=_dec(p, "ep"),
            unrealized_pnl=_dec(p, "up"),
            margin_type=_margin_type(p.get("mt")),
            position_side=_enum(PositionSide, p, "ps", PositionSide.BOTH),
            isolated_margin=_dec(p, "iw"),
        )
        for p in (_mapping(x, "position") for x in _list(a.get("P", []), "a.P"))
    )
    return AccountUpdate(
        event_time=_int(event, "E"),
        reason=str(a.get("m") or ""),
        balances=balances,
        positions=positions,
    )


def parse_margin_call(event: Any) -> MarginCall:
    """A `MARGIN_CALL` event: `cw` (crossed calls only) and the positions `p`."""
    event = _mapping(event, "event")
    positions = tuple(
        MarginCallPosition(
            symbol=str(_get(p, "s")),
            position_side=_enum(PositionSide, p, "ps", PositionSide.BOTH),
            quantity=_dec(p, "pa", None),
            margin_type=_margin_type(p.get("mt")),
            isolated_wallet=_dec(p, "iw"),
            mark_price=_dec(p, "mp", None),
            unrealized_pnl=_dec(p, "up"),
            maintenance_margin=_dec(p, "mm", None),
        )
        for p in (_mapping(x, "position") for x in _list(_get(event, "p"), "p"))
    )
    cross = event.get("cw")
    return MarginCall(
        event_time=_int(event, "E"),
        positions=positions,
        cross_wallet_balance=None if cross is None or cross == "" else _dec(event, "cw"),
    )


def _opt_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MalformedResponseError(f"field {key!r} is not a boolean: {value!r}")


def parse_account_config_update(event: Any) -> AccountConfigUpdate:
    """An `ACCOUNT_CONFIG_UPDATE` event: `ac` (a symbol's leverage `l`) or `ai` (the
    account's multi-assets mode `j`, fee deduction `f`, position mode `d`)."""
    event = _mapping(event, "event")
    event_time, transaction_time = _int(event, "E"), _int(event, "T")
    if event.get("ac") is not None:
        ac = _mapping(event["ac"], "event field 'ac'")
        leverage = _int(ac, "l", -1)
        if leverage < 1:
            raise MalformedResponseError(f"field 'l' is not a leverage: {ac.get('l')!r}")
        return AccountConfigUpdate(event_time, transaction_time, symbol=str(_get(ac, "s")),
                                   leverage=leverage)
    ai = _mapping(_get(event, "ai"), "event field 'ai'")
    return AccountConfigUpdate(
        event_time, transaction_time, multi_assets=_opt_bool(ai, "j"),
        fee_deduction=_opt_bool(ai, "f"), dual_side=_opt_bool(ai, "d"),
    )
