"""Isolated margin moved in and out (`positionMargin`), the countdown cancel (dead man's
switch), and the small account/market endpoints beside them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.simulator.api import ApiError
from execution.simulator.json_number import JsonNumber


def _isolated_long(sim):
    sim.call("POST", "marginType", symbol="BTCUSDT", marginType="ISOLATED")
    sim.call("POST", "leverage", symbol="BTCUSDT", leverage=20)
    sim.fill_at("BUY", "0.1", "50000")  # isolated margin 250


def _code(call) -> int:
    with pytest.raises(ApiError) as raised:
        call()
    return raised.value.code


def test_adding_margin_moves_the_liquidation_price_away(sim):
    _isolated_long(sim)
    before = Decimal(sim.position()["liquidationPrice"])
    wallet = sim.wallet()
    answer = sim.call("POST", "positionMargin", symbol="BTCUSDT", amount="100", type=1)
    # a JSON number in the docs' example (written bare by the server)
    assert answer == {"amount": JsonNumber(Decimal("100")), "code": 200,
                      "msg": "Successfully modify position margin.", "type": 1}
    position = sim.position()
    assert position["isolatedWallet"] == "350"
    assert Decimal(position["liquidationPrice"]) < before
    assert sim.wallet() == wallet  # moved inside the wallet, not out of it
    update = sim.user_events("ACCOUNT_UPDATE")[-1]["a"]
    assert update["m"] == "MARGIN_TRANSFER" and update["P"][0]["iw"] == "350"
    sim.call("POST", "positionMargin", symbol="BTCUSDT", amount="50", type=2)
    assert sim.position()["isolatedWallet"] == "300"
    history = sim.call("GET", "positionMargin/history", symbol="BTCUSDT")
    assert [(h["type"], h["amount"]) for h in history] == [(1, "100"), (2, "50")]
    assert [h["type"] for h in sim.call("GET", "positionMargin/history", symbol="BTCUSDT",
                                        type=2)] == [2]


def test_position_margin_needs_an_isolated_position(sim):
    sim.fill_at("BUY", "0.1", "50000")  # a cross position
    assert _code(lambda: sim.call("POST", "positionMargin", symbol="BTCUSDT", amount="10",
                                  type=1)) == -4049
    sim.call("POST", "marginType", symbol="ETHUSDT", marginType="ISOLATED")  # no position
    assert _code(lambda: sim.call("POST", "positionMargin", symbol="ETHUSDT", amount="10",
                                  type=1)) == -4054


def test_margin_amount_and_balance_limits(sim):
    _isolated_long(sim)

    def modify(amount, kind):
        return lambda: sim.call("POST", "positionMargin", symbol="BTCUSDT", amount=amount,
                                type=kind)

    assert _code(modify("0", 1)) == -4055
    assert _code(modify("10", 3)) == -1130
    assert _code(modify("1000000", 1)) == -4050  # more than the cross wallet has free
    assert _code(modify("1", 2)) == -4051  # 250 is exactly the initial margin: none spare
    assert sim.position()["isolatedWallet"] == "250"


def test_the_countdown_cancels_the_symbols_orders_unless_renewed(sim):
    btc = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
                    price="45000")
    eth = sim.order(symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                    quantity="0.1", price="2500")
    assert sim.call("POST", "countdownCancelAll", symbol="BTCUSDT", countdownTime=1000) == {
        "symbol": "BTCUSDT", "countdownTime": "1000"}
    sim.clock.now += 900
    sim.call("POST", "countdownCancelAll", symbol="BTCUSDT", countdownTime=1000)  # renewed
    sim.clock.now += 900
    sim.price("50000")
    assert sim.query(btc["orderId"])["status"] == "NEW"
    sim.clock.now += 200
    sim.price("50000")
    assert sim.query(btc["orderId"])["status"] == "CANCELED"
    assert sim.query(eth["orderId"], "ETHUSDT")["status"] == "NEW"  # other symbols untouched


def test_a_disarmed_countdown_never_fires(sim):
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
                       price="45000")
    sim.call("POST", "countdownCancelAll", symbol="BTCUSDT", countdownTime=500)
    sim.call("POST", "countdownCancelAll", symbol="BTCUSDT", countdownTime=0)
    sim.clock.now += 10_000
    sim.price("50000")
    assert sim.query(placed["orderId"])["status"] == "NEW"


def test_funding_info_and_multi_assets_mode(sim):
    info = sim.engine.public("fundingInfo", {})
    assert {row["symbol"] for row in info} == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    assert all(row["fundingIntervalHours"] == 8 for row in info)
    assert sim.call("GET", "multiAssetsMargin") == {"multiAssetsMargin": False}


def test_open_interest_counts_the_accounts_positions(sim):
    sim.fill_at("BUY", "0.1", "50000")
    answer = sim.engine.public("openInterest", {"symbol": "BTCUSDT"})
    assert (answer["symbol"], answer["openInterest"]) == ("BTCUSDT", "0.1")
