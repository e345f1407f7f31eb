"""An algo order's ids in the manager: known by its algo id until it triggers, then by the
actual order's id (same client id); an answer about any other order is still refused."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from execution.errors import MismatchedAnswerError
from execution.models import Order, OrderSide, OrderStatus, OrderType
from execution.orders.managed import ALGO_ID, ManagedOrder

STOP = Order("BTCUSDT", OrderSide.SELL, OrderType.STOP_LOSS, Decimal("0.01"), "x-stop-1",
             order_id="1000000007", status=OrderStatus.NEW)


def _managed(**attributes: str) -> ManagedOrder:
    return ManagedOrder(order=dataclasses.replace(STOP), attributes=dict(attributes))


def test_the_first_algo_answer_is_remembered_and_the_trigger_hands_the_id_over() -> None:
    managed = _managed()
    managed.check_describes(dataclasses.replace(STOP, algo_id="1000000007"))
    assert managed.attributes[ALGO_ID] == "1000000007" and managed.order.algo_id == "1000000007"
    actual = dataclasses.replace(STOP, order_id="88937381063", order_type=OrderType.MARKET,
                                 status=OrderStatus.FILLED)  # names no algo id
    managed.check_describes(actual)
    assert managed.order_id == "88937381063"
    managed.check_describes(actual)  # and from then on it is that order


def test_after_a_restart_the_persisted_algo_id_is_enough() -> None:
    managed = _managed(**{ALGO_ID: "1000000007"})
    managed.check_describes(dataclasses.replace(STOP, order_id="88937381063"))
    assert managed.order_id == "88937381063" and managed.order.algo_id == "1000000007"


@pytest.mark.parametrize("other", [
    dataclasses.replace(STOP, order_id="88937381063"),  # not an algo order: another order
    dataclasses.replace(STOP, order_id="88937381063", client_order_id="x-other",
                        algo_id="1000000007"),  # another client id
])
def test_any_other_answer_is_still_refused(other: Order) -> None:
    managed = _managed() if not other.algo_id else _managed(**{ALGO_ID: "1000000007"})
    with pytest.raises(MismatchedAnswerError):
        managed.check_describes(other)
    assert managed.order_id == "1000000007"
