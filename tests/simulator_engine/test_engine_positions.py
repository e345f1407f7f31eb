"""Positions, PnL, fees, reduce-only, hedge mode, leverage and margin."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.simulator.api import ApiError

START = Decimal(10000)


def test_pnl_open_add_partial_close_and_flip(sim):
    sim.fill_at("BUY", "0.1", "49000")
    sim.fill_at("BUY", "0.1", "48000")
    position = sim.position()
    assert (position["positionAmt"], position["entryPrice"]) == ("0.2", "48500")
    sim.fill_at("SELL", "0.05", "50000")  # close 0.05: +75
    assert sim.position()["positionAmt"] == "0.15"
    assert sim.position()["entryPrice"] == "48500"
    sim.fill_at("SELL", "0.25", "50500")  # close 0.15 (+300), open short 0.1 at 50500
    position = sim.position()
    assert (position["positionAmt"], position["entryPrice"]) == ("-0.1", "50500")
    realized = [Decimal(t["realizedPnl"]) for t in sim.call("GET", "userTrades",
                                                             symbol="BTCUSDT")]
    assert sum(realized) == Decimal(375)
    fees = sum(Decimal(t["commission"]) for t in sim.call("GET", "userTrades", symbol="BTCUSDT"))
    assert fees == (Decimal("4900") + 4800 + 2500 + Decimal("12625")) * Decimal("0.0002")
    assert sim.wallet() == START + 375 - fees
    income = sim.call("GET", "income")
    assert sum(Decimal(i["income"]) for i in income) == 375 - fees
    assert {i["incomeType"] for i in income} == {"REALIZED_PNL", "COMMISSION"}


def test_unrealized_pnl_follows_the_mark(sim):
    sim.fill_at("BUY", "0.1", "49000")
    sim.price("49500")
    assert sim.position()["unRealizedProfit"] == "50"
    account = sim.call("GET", "account")
    assert account["totalUnrealizedProfit"] == "50"
    assert Decimal(account["totalMarginBalance"]) == sim.wallet() + 50


def test_account_update_event_carries_balances_and_position(sim):
    sim.order(side="BUY", type="MARKET", quantity="0.01")
    update = sim.user_events("ACCOUNT_UPDATE")[-1]
    assert update["a"]["m"] == "ORDER"
    (balance,) = update["a"]["B"]
    assert balance["a"] == "USDT" and Decimal(balance["wb"]) == sim.wallet()
    (position,) = update["a"]["P"]
    assert position["s"] == "BTCUSDT" and position["pa"] == "0.01" and position["ps"] == "BOTH"
    assert position["mt"] == "cross" and set(position) >= {"ep", "cr", "up", "iw"}
    assert {"E", "T"} <= set(update)


def test_order_trade_update_has_every_field(sim):
    sim.order(side="BUY", type="MARKET", quantity="0.01")
    event = sim.user_events("ORDER_TRADE_UPDATE")[-1]
    fields = {"s", "c", "S", "o", "f", "q", "p", "ap", "sp", "x", "X", "i", "l", "z", "L", "n",
              "N", "T", "t", "b", "a", "m", "R", "wt", "ot", "ps", "cp", "rp"}
    assert fields <= set(event["o"])
    assert {"E", "T"} <= set(event)


def test_reduce_only_rejected_when_it_would_increase(sim):
    with pytest.raises(ApiError) as caught:
        sim.order(side="SELL", type="MARKET", quantity="0.01", reduceOnly="true")
    assert (caught.value.code, caught.value.msg) == (-2022, "ReduceOnly Order is rejected.")
    sim.order(side="BUY", type="MARKET", quantity="0.01")
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="MARKET", quantity="0.01", reduceOnly="true")
    assert caught.value.code == -2022


def test_reduce_only_is_capped_at_the_position(sim):
    sim.order(side="BUY", type="MARKET", quantity="0.05")
    closing = sim.order(side="SELL", type="MARKET", quantity="0.08", reduceOnly="true")
    assert closing["executedQty"] == "0.05" and closing["status"] == "EXPIRED"
    assert sim.position()["positionAmt"] == "0"


def test_resting_reduce_only_expires_when_the_position_is_gone(sim):
    sim.order(side="BUY", type="MARKET", quantity="0.05")
    resting = sim.order(side="SELL", type="LIMIT", timeInForce="GTC", price="50500",
                        quantity="0.05", reduceOnly="true")
    sim.order(side="SELL", type="MARKET", quantity="0.05")
    sim.price("50500")
    assert sim.query(resting["orderId"])["status"] == "EXPIRED"


def test_hedge_mode_positions_and_position_side_checks(sim):
    assert sim.call("GET", "positionSide/dual") == {"dualSidePosition": False}
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="MARKET", quantity="0.01", positionSide="LONG")
    assert caught.value.code == -4061
    assert sim.call("POST", "positionSide/dual", dualSidePosition="true")["code"] == 200
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "positionSide/dual", dualSidePosition="true")
    assert caught.value.code == -4059
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="MARKET", quantity="0.01")
    assert caught.value.code == -4061
    sim.order(side="BUY", type="MARKET", quantity="0.02", positionSide="LONG")
    sim.order(side="SELL", type="MARKET", quantity="0.01", positionSide="SHORT")
    assert sim.position(side="LONG")["positionAmt"] == "0.02"
    assert sim.position(side="SHORT")["positionAmt"] == "-0.01"
    with pytest.raises(ApiError) as caught:  # closing more than the long
        sim.order(side="SELL", type="MARKET", quantity="0.03", positionSide="LONG")
    assert caught.value.code == -2022
    with pytest.raises(ApiError) as caught:
        sim.order(side="SELL", type="MARKET", quantity="0.01", positionSide="LONG",
                  reduceOnly="true")
    assert caught.value.code == -1106
    sim.order(side="SELL", type="MARKET", quantity="0.02", positionSide="LONG")
    assert sim.position(side="LONG")["positionAmt"] == "0"
    assert sim.position(side="SHORT")["positionAmt"] == "-0.01"
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "positionSide/dual", dualSidePosition="false")
    assert caught.value.code == -4068


def test_position_mode_change_refused_with_open_orders(sim):
    sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="49000")
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "positionSide/dual", dualSidePosition="true")
    assert caught.value.code == -4067


def test_leverage_and_bracket_limits(sim):
    result = sim.call("POST", "leverage", symbol="BTCUSDT", leverage=10)
    assert result == {"leverage": 10, "maxNotionalValue": "30000000", "symbol": "BTCUSDT"}
    assert sim.position()["leverage"] == "10"
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "leverage", symbol="BTCUSDT", leverage=126)
    assert caught.value.code == -4028
    config = [e for a, e in sim.events if a and e.get("e") == "ACCOUNT_CONFIG_UPDATE"]
    assert config[-1]["ac"] == {"s": "BTCUSDT", "l": 10}
    brackets = sim.call("GET", "leverageBracket", symbol="BTCUSDT")
    assert brackets["brackets"][0]["initialLeverage"] == 125


def test_margin_is_checked_against_leverage(sim):
    # 10000 USDT at 20x buys at most ~4 BTC of notional 200k
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="4.1", price="49000")
    assert (caught.value.code, caught.value.msg) == (-2019, "Margin is insufficient.")
    sim.call("POST", "leverage", symbol="BTCUSDT", leverage=50)
    sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="4.1", price="49000")
    account = sim.call("GET", "account")
    assert Decimal(account["totalOpenOrderInitialMargin"]) == Decimal("4.1") * 49000 / 50
    with pytest.raises(ApiError) as caught:  # the open order holds margin
        sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="6.1", price="49000")
    assert caught.value.code == -2019


def test_order_margin_is_released_on_cancel(sim):
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="1", price="49000")
    assert sim.call("GET", "account")["totalOpenOrderInitialMargin"] == "2450"
    sim.call("DELETE", "order", symbol="BTCUSDT", orderId=placed["orderId"])
    assert sim.call("GET", "account")["totalOpenOrderInitialMargin"] == "0"


def test_closing_needs_no_margin(sim):
    sim.order(side="BUY", type="MARKET", quantity="3.9")
    closing = sim.order(side="SELL", type="MARKET", quantity="3.9")
    assert closing["status"] == "FILLED"


def test_margin_type_switch_and_isolated_wallet(sim):
    assert sim.call("POST", "marginType", symbol="BTCUSDT", marginType="ISOLATED") == {
        "code": 200, "msg": "success"}
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "marginType", symbol="BTCUSDT", marginType="ISOLATED")
    assert (caught.value.code, caught.value.msg) == (-4046, "No need to change margin type.")
    sim.fill_at("BUY", "0.2", "49000")
    position = sim.position()
    assert position["marginType"] == "isolated" and position["isolatedWallet"] == "490"
    balance = sim.call("GET", "balance")[0]
    assert Decimal(balance["crossWalletBalance"]) == Decimal(balance["balance"]) - 490
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "marginType", symbol="BTCUSDT", marginType="CROSSED")
    assert caught.value.code == -4048
    with pytest.raises(ApiError) as caught:  # isolated: no leverage cut with a position
        sim.call("POST", "leverage", symbol="BTCUSDT", leverage=5)
    assert caught.value.code == -4161
    sim.fill_at("SELL", "0.1", "50000")
    assert sim.position()["isolatedWallet"] == "245"
    sim.fill_at("SELL", "0.1", "50000")
    assert sim.position()["isolatedWallet"] == "0"
    assert sim.wallet() == START + 200 - (Decimal(9800) + 10000) * Decimal("0.0002")


def test_margin_type_refused_with_open_orders(sim):
    sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="49000")
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "marginType", symbol="BTCUSDT", marginType="ISOLATED")
    assert caught.value.code == -4047
