"""The simulator refuses what the docs say the venue refuses (New Order): a BBO peg off a
LIMIT, with a price, an offset through the peg or off the tick, an offset without a peg;
closePosition opening a hedge-mode leg. A pegged order is priced from the book."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.simulator.api import ApiError

from .conftest import Harness, code_of


def test_a_pegged_limit_is_priced_from_the_book(sim: Harness) -> None:
    sim.price("50000")  # bid 49999.9, ask 50000.1 (tick 0.1)
    queue = sim.order(side="BUY", type="LIMIT", timeInForce="GTX", quantity="0.01",
                      pegPriceType="QUEUE_1", pegOffset="-0.5")
    assert Decimal(queue["price"]) == Decimal("49999.4") and queue["status"] == "NEW"
    other = sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.01",
                      pegPriceType="COUNTERPARTY_1", pegOffset="0.3")
    assert Decimal(other["price"]) == Decimal("50000.2")


@pytest.mark.parametrize("params", [
    {"type": "MARKET", "pegPriceType": "QUEUE_1"},
    {"type": "LIMIT", "timeInForce": "GTC", "pegPriceType": "BEST"},
    {"type": "LIMIT", "timeInForce": "GTC", "pegPriceType": "QUEUE_1", "price": "49000"},
    {"type": "LIMIT", "timeInForce": "GTC", "pegPriceType": "QUEUE_1", "pegOffset": "0.5"},
    {"type": "LIMIT", "timeInForce": "GTC", "pegPriceType": "QUEUE_1", "pegOffset": "-0.05"},
    {"type": "LIMIT", "timeInForce": "GTC", "price": "49000", "pegOffset": "-0.5"},
])
def test_a_peg_the_docs_refuse_is_refused(sim: Harness, params: dict[str, str]) -> None:
    sim.price("50000")
    with pytest.raises(ApiError):
        sim.order(side="BUY", quantity="0.01", **params)


def test_close_position_cannot_open_a_hedge_leg(sim: Harness) -> None:
    sim.call("POST", "positionSide/dual", dualSidePosition="true")
    sim.price("50000")
    for side, leg, stop in (("BUY", "LONG", "51000"), ("SELL", "SHORT", "49000")):
        assert code_of(lambda s=side, g=leg, t=stop: sim.order(  # type: ignore[misc]
            side=s, type="STOP_MARKET", stopPrice=t, closePosition="true",
            positionSide=g)) == -1130
    placed = sim.order(side="SELL", type="STOP_MARKET", stopPrice="49000",
                       closePosition="true", positionSide="LONG")
    assert placed["status"] == "NEW"
