"""Stop, take-profit and trailing orders: triggers by working type, closePosition."""

from __future__ import annotations

import pytest

from execution.simulator.api import ApiError


def _long(sim, quantity="0.1"):
    sim.order(side="BUY", type="MARKET", quantity=quantity)


def test_stop_market_triggers_on_contract_price_and_closes(sim):
    _long(sim)
    stop = sim.order(side="SELL", type="STOP_MARKET", stopPrice="49500", quantity="0.1",
                     reduceOnly="true")
    assert stop["status"] == "NEW" and stop["type"] == "STOP_MARKET"
    sim.price("49600")
    assert sim.query(stop["orderId"])["status"] == "NEW"
    sim.price("49500")
    done = sim.query(stop["orderId"])
    assert done["status"] == "FILLED" and done["avgPrice"] == "49499.9"
    assert done["type"] == "STOP_MARKET" and done["origType"] == "STOP_MARKET"
    updates = sim.order_updates(stop["orderId"])
    assert [(u["x"], u["o"], u["ot"]) for u in updates] == [
        ("NEW", "STOP_MARKET", "STOP_MARKET"),
        ("NEW", "MARKET", "STOP_MARKET"),
        ("TRADE", "MARKET", "STOP_MARKET"),
    ]
    assert sim.position()["positionAmt"] == "0"


def test_mark_price_working_type_ignores_the_contract_price(sim):
    _long(sim)
    stop = sim.order(side="SELL", type="STOP_MARKET", stopPrice="49500", quantity="0.1",
                     reduceOnly="true", workingType="MARK_PRICE")
    sim.price("49400", mark="49800")  # last price through the stop, mark not
    assert sim.query(stop["orderId"])["status"] == "NEW"
    sim.engine.set_mark_price("BTCUSDT", sim.engine.mark_price("BTCUSDT") - 400)
    assert sim.query(stop["orderId"])["status"] == "FILLED"


def test_contract_price_working_type_ignores_the_mark_price(sim):
    _long(sim)
    stop = sim.order(side="SELL", type="STOP_MARKET", stopPrice="49500", quantity="0.1",
                     reduceOnly="true", workingType="CONTRACT_PRICE")
    sim.price("49800", mark="49000")
    assert sim.query(stop["orderId"])["status"] == "NEW"


@pytest.mark.parametrize(
    ("side", "kind", "stop"),
    [
        ("SELL", "STOP_MARKET", "50100"),  # sell stop above the price
        ("BUY", "STOP_MARKET", "49900"),  # buy stop below the price
        ("SELL", "TAKE_PROFIT_MARKET", "49900"),  # sell take-profit below
        ("BUY", "TAKE_PROFIT_MARKET", "50100"),  # buy take-profit above
    ],
)
def test_order_that_would_immediately_trigger_is_rejected(sim, side, kind, stop):
    with pytest.raises(ApiError) as caught:
        sim.order(side=side, type=kind, stopPrice=stop, quantity="0.01")
    assert (caught.value.code, caught.value.msg) == (-2021, "Order would immediately trigger.")


def test_take_profit_limit_becomes_a_resting_limit(sim):
    _long(sim)
    tp = sim.order(side="SELL", type="TAKE_PROFIT", stopPrice="50500", price="50600",
                   quantity="0.1", timeInForce="GTC", reduceOnly="true")
    sim.price("50500")
    after = sim.query(tp["orderId"])
    assert after["status"] == "NEW"  # triggered, resting at 50600
    assert sim.order_updates(tp["orderId"])[-1]["o"] == "LIMIT"
    sim.price("50600")
    assert sim.query(tp["orderId"])["status"] == "FILLED"
    assert sim.query(tp["orderId"])["avgPrice"] == "50600"


def test_stop_limit_buy_triggers_on_the_rise(sim):
    stop = sim.order(side="BUY", type="STOP", stopPrice="50200", price="50300", quantity="0.01",
                     timeInForce="GTC")
    sim.price("50250")
    done = sim.query(stop["orderId"])
    assert done["status"] == "FILLED" and done["avgPrice"] == "50250.1"


def test_take_profit_market_for_a_short(sim):
    sim.order(side="SELL", type="MARKET", quantity="0.1")
    tp = sim.order(side="BUY", type="TAKE_PROFIT_MARKET", stopPrice="49000", closePosition="true")
    assert tp["origQty"] == "0" and tp["closePosition"] is True
    sim.price("49000")
    done = sim.query(tp["orderId"])
    assert done["status"] == "FILLED" and done["executedQty"] == "0.1"
    assert sim.position()["positionAmt"] == "0"


def test_close_position_without_a_position_expires(sim):
    stop = sim.order(side="SELL", type="STOP_MARKET", stopPrice="49000", closePosition="true")
    sim.price("48900")
    assert sim.query(stop["orderId"])["status"] == "EXPIRED"


def test_close_position_rejects_quantity_and_reduce_only(sim):
    with pytest.raises(ApiError) as caught:
        sim.order(side="SELL", type="STOP_MARKET", stopPrice="49000", closePosition="true",
                  quantity="0.1")
    assert caught.value.code == -4137
    with pytest.raises(ApiError) as caught:
        sim.order(side="SELL", type="STOP_MARKET", stopPrice="49000", closePosition="true",
                  reduceOnly="true")
    assert caught.value.code == -1106


def test_trailing_stop_follows_the_high_and_fires_on_the_pullback(sim):
    _long(sim)
    trail = sim.order(side="SELL", type="TRAILING_STOP_MARKET", quantity="0.1",
                      callbackRate="1", activationPrice="50500", reduceOnly="true")
    assert trail["activatePrice"] == "50500" and trail["priceRate"] == "1"
    sim.price("50400")
    sim.price("49000")  # not yet active: no trigger
    assert sim.query(trail["orderId"])["status"] == "NEW"
    sim.price("50500")  # activates
    sim.price("51000")  # new high
    sim.price("50500")  # 0.98% below the high: holds
    assert sim.query(trail["orderId"])["status"] == "NEW"
    sim.price("50490")  # 1% pullback from 51000
    done = sim.query(trail["orderId"])
    assert done["status"] == "FILLED"
    assert sim.position()["positionAmt"] == "0"


def test_trailing_stop_validation(sim):
    with pytest.raises(ApiError) as caught:
        sim.order(side="SELL", type="TRAILING_STOP_MARKET", quantity="0.01", callbackRate="6")
    assert caught.value.code == -1130
    with pytest.raises(ApiError) as caught:
        sim.order(side="SELL", type="TRAILING_STOP_MARKET", quantity="0.01", callbackRate="1",
                  activationPrice="49000")
    assert caught.value.code == -2021


def test_buy_trailing_without_activation_price_starts_now(sim):
    trail = sim.order(side="BUY", type="TRAILING_STOP_MARKET", quantity="0.01", callbackRate="0.5")
    sim.price("49000")
    sim.price("49245")  # +0.5% from the low
    assert sim.query(trail["orderId"])["status"] == "FILLED"


def test_reduce_only_stop_with_no_position_left_expires(sim):
    _long(sim)
    stop = sim.order(side="SELL", type="STOP_MARKET", stopPrice="49000", quantity="0.1",
                     reduceOnly="true")
    sim.order(side="SELL", type="MARKET", quantity="0.1")
    sim.price("48900")
    assert sim.query(stop["orderId"])["status"] == "EXPIRED"


def test_conditional_orders_count_against_the_algo_limit(make_sim):
    from dataclasses import replace

    from execution.simulator.engine import DEFAULT_SYMBOLS

    symbols = [replace(DEFAULT_SYMBOLS[0], max_num_algo_orders=2, max_num_orders=2)]
    sim = make_sim(symbols=symbols)
    for _ in range(2):
        sim.order(side="BUY", type="STOP_MARKET", stopPrice="51000", quantity="0.01")
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="STOP_MARKET", stopPrice="51000", quantity="0.01")
    assert caught.value.code == -4045
    for _ in range(2):
        sim.order(side="BUY", type="LIMIT", timeInForce="GTC", price="49000", quantity="0.01")
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="LIMIT", timeInForce="GTC", price="49000", quantity="0.01")
    assert caught.value.code == -2025
