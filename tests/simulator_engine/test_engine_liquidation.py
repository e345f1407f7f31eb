"""Liquidation prices, liquidation (isolated and cross) and funding settlement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.simulator.api import ApiError
from execution.simulator.engine.market_data import next_funding_time

START = Decimal(10000)


def _liquidations(sim):
    return [e["o"] for e in sim.user_events("ORDER_TRADE_UPDATE")
            if e["o"]["c"].startswith("autoclose-")]


def _income(sim, kind):
    return [Decimal(row["income"]) for row in sim.call("GET", "income")
            if row["incomeType"] == kind]


def test_isolated_long_is_liquidated_at_its_price_and_loses_exactly_its_margin(sim):
    sim.call("POST", "marginType", symbol="BTCUSDT", marginType="ISOLATED")
    sim.call("POST", "leverage", symbol="BTCUSDT", leverage=20)
    sim.fill_at("BUY", "0.1", "50000")  # isolated margin 250, maker fee 1
    resting = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.1",
                        price="40000")
    # 250 + 0.1 (P - 50000) = 0.1 P * 0.004  ->  P = 4750 / 0.0996
    expected = (Decimal(4750) / Decimal("0.0996")).quantize(Decimal("0.00000001"))
    assert Decimal(sim.position()["liquidationPrice"]) == expected  # 47690.76...

    sim.price("47690.8")  # just above: still healthy
    assert sim.position()["positionAmt"] == "0.1"
    assert _liquidations(sim) == []

    sim.price("47690.7")  # just below
    assert sim.position()["positionAmt"] == "0"
    assert sim.position()["liquidationPrice"] == "0"
    new, calculated = _liquidations(sim)
    assert (new["x"], new["X"], new["o"], new["S"]) == ("NEW", "NEW", "LIQUIDATION", "SELL")
    assert (calculated["x"], calculated["X"]) == ("CALCULATED", "FILLED")
    assert calculated["L"] == "47500"  # the bankruptcy price: 50000 - 250 / 0.1
    assert calculated["rp"] == "-250" and calculated["n"] == "0"
    assert sim.wallet() == START - 1 - 250
    assert sim.query(resting["orderId"])["status"] == "EXPIRED"
    assert sim.engine.liquidator.liquidations == 1


def test_isolated_short_is_closed_at_its_bankruptcy_price(sim):
    sim.call("POST", "marginType", symbol="BTCUSDT", marginType="ISOLATED")
    sim.call("POST", "leverage", symbol="BTCUSDT", leverage=10)
    sim.fill_at("SELL", "0.1", "50000")  # isolated margin 500
    # 500 - 0.1 (P - 50000) = 0.1 P * 0.004  ->  P = 5500 / 0.1004
    expected = (Decimal(5500) / Decimal("0.1004")).quantize(Decimal("0.00000001"))
    assert Decimal(sim.position()["liquidationPrice"]) == expected  # 54780.87...
    sim.price("54780.8")
    assert sim.position()["positionAmt"] == "-0.1"
    sim.price("54781")
    assert sim.position()["positionAmt"] == "0"
    _new, calculated = _liquidations(sim)
    assert (calculated["S"], calculated["L"], calculated["rp"]) == ("BUY", "55000", "-500")
    assert sim.wallet() == START - 1 - 500


def test_cross_positions_are_closed_at_the_mark_and_the_rest_of_the_margin_is_cleared(sim):
    sim.fill_at("BUY", "2", "50000")  # cross, 20x: notional 100000 (bracket 2), fee 20
    # 9980 + 2 (P - 50000) = 2 P * 0.005 - 50  ->  P = 89970 / 1.99
    expected = (Decimal(89970) / Decimal("1.99")).quantize(Decimal("0.00000001"))
    assert Decimal(sim.position()["liquidationPrice"]) == expected  # 45211.05...
    sim.price("45211.1")
    assert sim.position()["positionAmt"] == "2"
    sim.price("45211.0")
    assert sim.position()["positionAmt"] == "0"
    _new, calculated = _liquidations(sim)
    assert (calculated["L"], calculated["rp"]) == ("45211", "-9578")
    assert _income(sim, "INSURANCE_CLEAR") == [Decimal(-402)]  # 9980 - 9578 left over
    assert sim.wallet() == 0
    reasons = [e["a"]["m"] for e in sim.user_events("ACCOUNT_UPDATE")]
    assert reasons[-1] == "INSURANCE_CLEAR"
    incomes = sum(Decimal(row["income"]) for row in sim.call("GET", "income"))
    assert sim.wallet() == START + incomes


def test_a_gap_through_the_bankruptcy_price_never_leaves_a_negative_wallet(sim):
    sim.fill_at("BUY", "2", "50000")
    sim.price("40000")  # far below the liquidation and the bankruptcy price
    assert sim.position()["positionAmt"] == "0"
    assert sim.wallet() == 0
    assert _income(sim, "INSURANCE_CLEAR") == [Decimal(20000 - 9980)]  # the fund covers it


def test_isolated_liquidation_leaves_the_rest_of_the_wallet_alone(sim):
    sim.call("POST", "marginType", symbol="BTCUSDT", marginType="ISOLATED")
    sim.fill_at("BUY", "0.1", "50000")  # 20x: margin 250
    sim.fill_at("BUY", "1", "3000", symbol="ETHUSDT")  # cross, healthy
    sim.price("30000")
    assert sim.position()["positionAmt"] == "0"
    assert sim.position("ETHUSDT")["positionAmt"] == "1"
    assert sim.wallet() == START - 1 - Decimal("0.6") - 250


def test_a_long_at_1x_has_no_liquidation_price(sim):
    sim.call("POST", "leverage", symbol="BTCUSDT", leverage=1)
    sim.fill_at("BUY", "0.1", "50000")
    assert sim.position()["liquidationPrice"] == "0"


def test_users_cannot_send_liquidation_orders(sim):
    with pytest.raises(ApiError) as raised:
        sim.order(side="SELL", type="LIQUIDATION", quantity="0.1")
    assert raised.value.code == -1116


def test_funding_is_settled_once_per_funding_time(sim):
    sim.fill_at("BUY", "0.1", "50000")  # long BTC: pays at a positive rate
    sim.fill_at("SELL", "1", "3000", symbol="ETHUSDT")  # short ETH: receives
    wallet = sim.wallet()
    sim.price("50000")
    assert _income(sim, "FUNDING_FEE") == []  # not yet funding time
    sim.clock.now = next_funding_time(sim.clock.now)
    sim.price("50000", mark="50000")
    sim.engine.set_price("ETHUSDT", Decimal(3000))
    fees = _income(sim, "FUNDING_FEE")
    assert sorted(fees) == [Decimal("-0.5"), Decimal("0.3")]  # 0.1*50000*0.0001, 1*3000*0.0001
    assert sim.wallet() == wallet - Decimal("0.5") + Decimal("0.3")
    funding_updates = [e for e in sim.user_events("ACCOUNT_UPDATE")
                       if e["a"]["m"] == "FUNDING_FEE"]
    assert len(funding_updates) == 1
    assert {p["s"] for p in funding_updates[0]["a"]["P"]} == {"BTCUSDT", "ETHUSDT"}
    sim.price("50010")  # same funding period: nothing more
    assert len(_income(sim, "FUNDING_FEE")) == 2
