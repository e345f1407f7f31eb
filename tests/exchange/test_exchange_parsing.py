"""Wire JSON to models, including malformed input (never a crash, always a typed error)."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.exchange.parsing import (
    MalformedResponseError,
    parse_account_update,
    parse_balances,
    parse_order,
    parse_order_update,
    parse_positions,
)
from execution.models import MarginType, OrderSide, OrderStatus, OrderType, PositionDirection

ORDER = {
    "orderId": 22542179,
    "clientOrderId": "x-abc",
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "STOP_MARKET",
    "origType": "STOP_MARKET",
    "origQty": "0.010",
    "executedQty": "0.004",
    "avgPrice": "50000.10",
    "price": "0",
    "stopPrice": "49000.5",
    "status": "PARTIALLY_FILLED",
    "timeInForce": "GTC",
    "reduceOnly": False,
    "closePosition": False,
    "positionSide": "BOTH",
    "workingType": "MARK_PRICE",
    "time": 1700000000000,
    "updateTime": 1700000000123,
}

ORDER_EVENT = {
    "e": "ORDER_TRADE_UPDATE",
    "E": 1700000000200,
    "T": 1700000000199,
    "o": {
        "s": "ETHUSDT", "c": "cid-1", "S": "SELL", "o": "LIMIT", "f": "GTC", "q": "1.5",
        "p": "3000.5", "ap": "3000.5", "sp": "0", "x": "TRADE", "X": "PARTIALLY_FILLED",
        "i": 8886774, "l": "0.5", "z": "0.5", "L": "3000.5", "N": "USDT", "n": "0.3",
        "T": 1700000000199, "t": 42, "R": False, "ps": "BOTH", "rp": "1.25", "wt": "CONTRACT_PRICE",
    },
}


def test_parse_order() -> None:
    order = parse_order(ORDER)
    assert order.order_id == "22542179" and order.client_order_id == "x-abc"
    assert order.order_type is OrderType.STOP_LOSS and order.side is OrderSide.BUY
    assert order.quantity == Decimal("0.010") and order.filled_quantity == Decimal("0.004")
    assert order.price is None and order.stop_price == Decimal("49000.5")
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.is_open
    assert order.remaining_quantity == Decimal("0.006")


def test_parse_order_tolerates_missing_optional_fields() -> None:
    minimal = {k: ORDER[k] for k in ("orderId", "clientOrderId", "symbol", "side", "type",
                                     "origQty", "status")}
    order = parse_order(minimal)
    assert order.filled_quantity == 0 and order.average_price is None
    assert order.time_in_force is None and order.working_type is None


def test_parse_order_update() -> None:
    update = parse_order_update(ORDER_EVENT)
    assert update.execution_type == "TRADE" and update.trade_id == 42
    assert update.last_filled_quantity == Decimal("0.5")
    assert update.order.symbol == "ETHUSDT" and update.order.stop_price is None
    assert update.realized_pnl == Decimal("1.25") and not update.from_resync


def test_parse_liquidation_update_and_self_trade_expiry() -> None:
    liquidation = {**ORDER_EVENT, "o": {
        **ORDER_EVENT["o"], "c": "autoclose-1700000000199", "o": "LIQUIDATION", "f": "IOC",
        "x": "CALCULATED", "X": "FILLED", "q": "0.5", "z": "0.5", "n": "0",
    }}
    update = parse_order_update(liquidation)
    assert update.order.order_type is OrderType.LIQUIDATION
    assert update.execution_type == "CALCULATED" and update.order.status is OrderStatus.FILLED
    expired = parse_order({**ORDER, "status": "EXPIRED_IN_MATCH"})
    assert expired.status is OrderStatus.EXPIRED and not expired.is_open


def test_parse_balances_and_positions() -> None:
    balances = parse_balances([
        {"asset": "USDT", "balance": "100.5", "availableBalance": "90", "crossUnPnl": "-1.5",
         "crossWalletBalance": "100.5"},
    ])
    assert balances["USDT"].locked == Decimal("10.5") and balances["USDT"].total == Decimal(99)
    positions = parse_positions([
        {"symbol": "BTCUSDT", "positionAmt": "-0.010", "entryPrice": "50000",
         "markPrice": "49000", "unRealizedProfit": "10", "leverage": "10",
         "marginType": "isolated", "positionSide": "BOTH", "isolatedMargin": "50"},
    ])
    assert positions[0].direction is PositionDirection.SHORT
    assert positions[0].margin_type is MarginType.ISOLATED and positions[0].leverage == 10


def test_parse_account_update() -> None:
    update = parse_account_update({
        "e": "ACCOUNT_UPDATE", "E": 1, "T": 1,
        "a": {"m": "ORDER", "B": [{"a": "USDT", "wb": "10", "cw": "9"}],
              "P": [{"s": "BTCUSDT", "pa": "0.001", "ep": "50000", "up": "0", "mt": "cross",
                     "iw": "0", "ps": "BOTH"}]},
    })
    assert update.reason == "ORDER" and update.balances[0].wallet_balance == 10
    assert update.positions[0].quantity == Decimal("0.001")


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "order",
        {**ORDER, "origQty": "abc"},
        {**ORDER, "origQty": "NaN"},
        {**ORDER, "side": "UP"},
        {**ORDER, "status": None},
        {k: v for k, v in ORDER.items() if k != "clientOrderId"},
        {**ORDER, "executedQty": [1]},
        {**ORDER, "time": "soon"},
    ],
)
def test_malformed_orders_raise_a_typed_error(bad: Any) -> None:
    with pytest.raises(MalformedResponseError):
        parse_order(bad)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from(sorted(ORDER)), _json))
def test_parse_order_never_crashes_on_arbitrary_fields(data: dict[str, Any]) -> None:
    with contextlib.suppress(MalformedResponseError):
        parse_order({**ORDER, **data})


@given(_json)
def test_stream_parsers_never_crash(data: Any) -> None:
    for parser in (parse_order_update, parse_account_update, parse_balances, parse_positions):
        with contextlib.suppress(MalformedResponseError):
            parser(data)


@given(st.dictionaries(st.sampled_from(sorted(ORDER_EVENT["o"])), _json))
def test_parse_order_update_never_crashes(fields: dict[str, Any]) -> None:
    with contextlib.suppress(MalformedResponseError):
        parse_order_update({**ORDER_EVENT, "o": {**ORDER_EVENT["o"], **fields}})
