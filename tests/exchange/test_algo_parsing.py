"""Binance's algo orders read from the shapes its documentation gives ("Query Algo Order"
response, "Event: Algo Order Update") and from a TRIGGERED event as Binance sent it (quoted
in NautilusTrader issue #3287); docs/venue-decisions.md, "Binance algo orders"."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from execution.exchange.algo_parsing import algo_params, parse_algo_order, parse_algo_update
from execution.exchange.parsing import MalformedResponseError
from execution.models import OrderSide, OrderStatus, OrderType, WorkingType

QUERY_ANSWER: dict[str, Any] = {
    "algoId": 2146760, "clientAlgoId": "6B2I9XVcJpCjqPAJ4YoFX7", "algoType": "CONDITIONAL",
    "orderType": "TAKE_PROFIT", "symbol": "BNBUSDT", "side": "SELL", "positionSide": "BOTH",
    "timeInForce": "GTC", "quantity": "0.01", "algoStatus": "CANCELED", "actualOrderId": "",
    "actualPrice": "0.00000", "triggerPrice": "750.000", "price": "750.000",
    "icebergQuantity": None, "selfTradePreventionMode": "EXPIRE_MAKER",
    "workingType": "CONTRACT_PRICE", "priceMatch": "NONE", "closePosition": False,
    "priceProtect": False, "reduceOnly": False, "createTime": 1750485492076,
    "updateTime": 1750514545091, "triggerTime": 0, "goodTillDate": 0,
}
TRIGGERED_EVENT: dict[str, Any] = {
    "e": "ALGO_UPDATE", "T": 1765431097030, "E": 1765431097037, "o": {
        "caid": "O-20251211-053131-ZYWR-000-9", "aid": 1000000033225453, "at": "CONDITIONAL",
        "o": "STOP_MARKET", "s": "DOGEUSDT", "S": "BUY", "ps": "BOTH", "f": "GTC", "q": "38",
        "X": "TRIGGERED", "ai": "88937381063", "ap": "0", "aq": "0", "act": "MARKET",
        "tp": "0.13855", "p": "0", "V": "EXPIRE_MAKER", "wt": "CONTRACT_PRICE", "pm": "NONE",
        "cp": False, "pP": False, "R": False, "tt": 1765431097019, "gtd": 0,
    },
}


def test_the_documented_query_answer() -> None:
    order = parse_algo_order(QUERY_ANSWER)
    assert order.client_order_id == "6B2I9XVcJpCjqPAJ4YoFX7"
    assert order.order_id == order.algo_id == "2146760"
    assert order.order_type is OrderType.TAKE_PROFIT_LIMIT and order.side is OrderSide.SELL
    assert order.stop_price == Decimal("750.000") and order.price == Decimal("750.000")
    assert order.status is OrderStatus.CANCELED and order.quantity == Decimal("0.01")
    assert order.working_type is WorkingType.CONTRACT_PRICE
    assert order.updated_at == 1750514545091


@pytest.mark.parametrize(("status", "expected"), [
    ("NEW", OrderStatus.NEW), ("TRIGGERING", OrderStatus.NEW), ("TRIGGERED", OrderStatus.NEW),
    ("FINISHED", OrderStatus.NEW), ("CANCELED", OrderStatus.CANCELED),
    ("EXPIRED", OrderStatus.EXPIRED), ("REJECTED", OrderStatus.EXPIRED),
])
def test_every_algo_status_reads_as_an_order_status(status: str, expected: OrderStatus) -> None:
    assert parse_algo_order({**QUERY_ANSWER, "algoStatus": status}).status is expected


@pytest.mark.parametrize("broken", [
    {"algoStatus": "WORKING"}, {"algoId": None}, {"clientAlgoId": None}, {"quantity": "x"},
])
def test_a_malformed_answer_is_a_typed_error(broken: dict[str, Any]) -> None:
    with pytest.raises(MalformedResponseError):
        parse_algo_order({**QUERY_ANSWER, **broken})


def test_a_triggered_event_names_the_actual_order() -> None:
    update = parse_algo_update(TRIGGERED_EVENT)
    assert update is not None and update.execution_type == "TRIGGERED"
    order = update.order
    assert order.order_id == "88937381063" and order.algo_id == "1000000033225453"
    assert order.client_order_id == "O-20251211-053131-ZYWR-000-9"
    assert order.status is OrderStatus.NEW and order.order_type is OrderType.STOP_LOSS
    assert order.stop_price == Decimal("0.13855")


@pytest.mark.parametrize(("status", "kind"), [
    ("NEW", "NEW"), ("CANCELED", "CANCELED"), ("EXPIRED", "EXPIRED"), ("REJECTED", "EXPIRED"),
])
def test_the_other_events(status: str, kind: str) -> None:
    event = copy.deepcopy(TRIGGERED_EVENT)
    event["o"].update({"X": status, "ai": ""})
    update = parse_algo_update(event)
    assert update is not None and update.execution_type == kind
    assert update.order.order_id == update.order.algo_id == "1000000033225453"


@pytest.mark.parametrize("status", ["TRIGGERING", "FINISHED"])
def test_events_that_change_nothing_by_themselves(status: str) -> None:
    event = copy.deepcopy(TRIGGERED_EVENT)
    event["o"]["X"] = status
    assert parse_algo_update(event) is None


@pytest.mark.parametrize("broken", [{"X": "WORKING"}, {"aid": ""}, {"ai": ""}])
def test_a_malformed_event_is_a_typed_error(broken: dict[str, Any]) -> None:
    event = copy.deepcopy(TRIGGERED_EVENT)
    event["o"].update(broken)
    with pytest.raises(MalformedResponseError):
        parse_algo_update(event)


def test_the_order_parameters_under_their_algo_names() -> None:
    params = [("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "TRAILING_STOP_MARKET"),
              ("stopPrice", "1"), ("activationPrice", "2"), ("callbackRate", "1"),
              ("newClientOrderId", "x-1")]
    assert algo_params(params) == [
        ("algoType", "CONDITIONAL"), ("symbol", "BTCUSDT"), ("side", "SELL"),
        ("type", "TRAILING_STOP_MARKET"), ("triggerPrice", "1"), ("activatePrice", "2"),
        ("callbackRate", "1"), ("clientAlgoId", "x-1"),
    ]
