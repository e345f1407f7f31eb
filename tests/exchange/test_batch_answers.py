"""Reading a batch answer leg by leg (`batches.read_answer`, a pure function): which legs
are final (placed, refused) and which stay open to be looked up by client order id."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution.errors import (
    DuplicateOrderError,
    InsufficientMarginError,
    InvalidOrderError,
    MismatchedAnswerError,
    OrderStatusUnknownError,
)
from execution.exchange.batches import LegResult, read_answer
from execution.exchange.order_request import OrderRequest, build_order_request
from execution.exchange.parsing import MalformedResponseError
from execution.models import OrderSide, OrderStatus, OrderType
from execution.rules import SymbolRules

RULES = SymbolRules(symbol="BTCUSDT", tick_size=Decimal("0.1"), step_size=Decimal("0.001"),
                    min_qty=Decimal("0.001"), max_qty=Decimal("1000"),
                    min_notional=Decimal("5"))


def request(client_id: str) -> OrderRequest:
    return build_order_request(RULES, OrderSide.BUY, OrderType.LIMIT, Decimal("0.001"),
                               price=Decimal("40000"), client_order_id=client_id)


def order_json(client_id: str) -> dict[str, Any]:
    return {"symbol": "BTCUSDT", "orderId": 7, "clientOrderId": client_id, "side": "BUY",
            "type": "LIMIT", "status": "NEW", "origQty": "0.001", "price": "40000",
            "executedQty": "0", "timeInForce": "GTC"}


def test_each_leg_read_on_its_own() -> None:
    legs = [request(f"r-{i}") for i in range(5)]
    answer = [
        order_json("r-0"),
        {"code": -2022, "msg": "ReduceOnly Order is rejected."},  # refused: final
        {"code": -1007, "msg": "Timeout waiting for response from backend server."},  # open
        order_json("someone-else"),  # about another order: open
        {"code": -2019, "msg": "Margin is insufficient."},
    ]
    results = read_answer(legs, answer, resent=False)
    placed = results["r-0"]
    assert isinstance(placed, LegResult) and placed.order is not None
    assert placed.order.status is OrderStatus.NEW
    refused = results["r-1"]
    assert isinstance(refused, LegResult) and isinstance(refused.error, InvalidOrderError)
    assert isinstance(results["r-2"], OrderStatusUnknownError)
    assert isinstance(results["r-3"], MismatchedAnswerError)
    margin = results["r-4"]
    assert isinstance(margin, LegResult) and isinstance(margin.error, InsufficientMarginError)


@pytest.mark.parametrize("resent", [False, True])
def test_a_duplicate_id_is_final_first_and_open_on_a_copy_sent_again(resent: bool) -> None:
    answer = [{"code": -4116, "msg": "ClientOrderId is duplicated."}]
    result = read_answer([request("r-dup")], answer, resent=resent)["r-dup"]
    if resent:
        assert isinstance(result, DuplicateOrderError)
    else:
        assert isinstance(result, LegResult) and isinstance(result.error, DuplicateOrderError)


@pytest.mark.parametrize("answer", [{}, [], [{"code": -1}] * 3, None, "[]"],
                         ids=["object", "empty", "too-long", "null", "text"])
def test_an_answer_of_the_wrong_shape_leaves_the_whole_batch_unknown(answer: Any) -> None:
    with pytest.raises(MalformedResponseError):
        read_answer([request("r-a"), request("r-b")], answer, resent=False)
