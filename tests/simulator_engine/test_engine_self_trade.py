"""Self-trade prevention (v3 "Change STP Mode", "Get Current STP Mode", New Order's
`stpMode`): an order that would trade against the account's own resting order."""

from __future__ import annotations

from typing import Any

import pytest

from execution.simulator.api import ApiError

from .conftest import Harness

SYMBOL = "BTCUSDT"
# the price 50000: asks at 50000.1, 50000.6, ... (1 BTC each)
OWN_ASK = "50000.6"


@pytest.fixture
def sim() -> Harness:
    harness = Harness()
    harness.price("50000")
    return harness


def _rest_own_sell(sim: Harness) -> dict[str, Any]:
    maker = sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.5",
                      price=OWN_ASK)
    assert maker["status"] == "NEW"
    return maker


def test_the_account_mode_defaults_to_expire_taker_and_can_be_changed(sim: Harness) -> None:
    assert sim.call("GET", "stpMode") == {"stpMode": "EXPIRE_TAKER"}
    for mode in ("EXPIRE_MAKER", "EXPIRE_BOTH", "EXPIRE_TAKER"):
        assert sim.call("POST", "stpMode", stpMode=mode) == {"code": 200, "msg": "success"}
        assert sim.call("GET", "stpMode") == {"stpMode": mode}
    for bad in ("NONE", "expire_taker", ""):
        with pytest.raises(ApiError) as caught:
            sim.call("POST", "stpMode", stpMode=bad)
        assert caught.value.code in (-1130, -1102)


def test_expire_taker_takes_what_comes_before_the_own_order_then_expires(
    sim: Harness,
) -> None:
    maker = _rest_own_sell(sim)
    taker = sim.order(side="BUY", type="MARKET", quantity="1.5")
    # 1 BTC at 50000.1 comes before the own sell at 50000.6; the rest expires
    assert (taker["status"], taker["executedQty"]) == ("EXPIRED", "1")
    assert sim.query(maker["orderId"])["status"] == "NEW"
    assert sim.position()["positionAmt"] == "1"


def test_expire_maker_expires_the_resting_order_and_the_taker_trades_on(
    sim: Harness,
) -> None:
    maker = _rest_own_sell(sim)
    taker = sim.order(side="BUY", type="MARKET", quantity="1.5", stpMode="EXPIRE_MAKER")
    assert (taker["status"], taker["executedQty"]) == ("FILLED", "1.5")
    assert sim.query(maker["orderId"])["status"] == "EXPIRED"


def test_expire_both_expires_both_orders(sim: Harness) -> None:
    sim.call("POST", "stpMode", stpMode="EXPIRE_BOTH")
    maker = _rest_own_sell(sim)
    taker = sim.order(side="BUY", type="MARKET", quantity="1.5")
    assert (taker["status"], taker["executedQty"]) == ("EXPIRED", "1")
    assert sim.query(maker["orderId"])["status"] == "EXPIRED"


def test_an_order_keeps_the_mode_it_was_placed_with(sim: Harness) -> None:
    maker = _rest_own_sell(sim)
    assert maker["selfTradePreventionMode"] == "EXPIRE_TAKER"
    # a buy stop placed under EXPIRE_MAKER keeps it when the account's mode changes
    sim.call("POST", "stpMode", stpMode="EXPIRE_MAKER")
    stop = sim.order(side="BUY", type="STOP_MARKET", quantity="1.5", stopPrice="50100")
    assert stop["selfTradePreventionMode"] == "EXPIRE_MAKER"
    sim.call("POST", "stpMode", stpMode="EXPIRE_TAKER")
    sim.price("50100")  # the stop fires as a taker reaching the own sell at 50000.6
    assert sim.query(maker["orderId"])["status"] == "EXPIRED"
    assert sim.query(stop["orderId"])["status"] == "FILLED"


def test_the_order_mode_overrides_the_account_mode(sim: Harness) -> None:
    sim.call("POST", "stpMode", stpMode="EXPIRE_MAKER")
    maker = _rest_own_sell(sim)
    taker = sim.order(side="BUY", type="MARKET", quantity="1.5", stpMode="EXPIRE_TAKER")
    assert taker["status"] == "EXPIRED"
    assert sim.query(maker["orderId"])["status"] == "NEW"


def test_a_limit_that_would_rest_across_the_own_order_is_a_self_trade(sim: Harness) -> None:
    maker = sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.5",
                      price="50000")  # between the book's bid and ask: it rests
    taker = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.5",
                      price="50000")
    assert (taker["status"], taker["executedQty"]) == ("EXPIRED", "0")
    assert sim.query(maker["orderId"])["status"] == "NEW"


def test_no_self_trade_when_the_taker_stops_short_of_the_own_order(sim: Harness) -> None:
    maker = _rest_own_sell(sim)
    taker = sim.order(side="BUY", type="MARKET", quantity="0.5")  # all at 50000.1
    assert (taker["status"], taker["executedQty"]) == ("FILLED", "0.5")
    assert sim.query(maker["orderId"])["status"] == "NEW"


def test_another_accounts_resting_order_is_no_self_trade(sim: Harness) -> None:
    sim.engine.add_account("other", {"USDT": sim.wallet()})
    sim.engine.private("other", "POST", "order", {
        "symbol": SYMBOL, "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.5", "price": OWN_ASK})
    taker = sim.order(side="BUY", type="MARKET", quantity="1.5")
    assert (taker["status"], taker["executedQty"]) == ("FILLED", "1.5")


def test_an_unknown_order_stp_mode_is_refused(sim: Harness) -> None:
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="MARKET", quantity="0.01", stpMode="NONE")
    assert caught.value.code == -1130
