"""Account modes and risk views: multi-assets mode changes, ADL quantiles, the account's
force (liquidation) orders, and the notional it may still open."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .conftest import Harness, code_of

SYMBOL = "BTCUSDT"


def number(value: Any) -> Decimal:
    """A JSON number the engine marks for the encoder, as a Decimal."""
    return Decimal(str(value).strip("\x00"))


def test_multi_assets_mode_is_changed_and_read_back(sim: Harness) -> None:
    assert sim.call("GET", "multiAssetsMargin") == {"multiAssetsMargin": False}
    assert sim.call("POST", "multiAssetsMargin", multiAssetsMargin="true") == {
        "code": 200, "msg": "success"}
    assert sim.call("GET", "multiAssetsMargin") == {"multiAssetsMargin": True}
    # crossed only: no isolated symbol in multi-assets mode
    assert code_of(lambda: sim.call("POST", "marginType", symbol=SYMBOL,
                                    marginType="ISOLATED")) == -1130
    sim.call("POST", "multiAssetsMargin", multiAssetsMargin="FALSE")
    sim.call("POST", "marginType", symbol=SYMBOL, marginType="ISOLATED")
    assert code_of(lambda: sim.call("POST", "multiAssetsMargin",
                                    multiAssetsMargin="true")) == -1130
    assert code_of(lambda: sim.call("POST", "multiAssetsMargin",
                                    multiAssetsMargin="yes")) == -1130


def test_adl_quantile_rises_with_the_positions_profit(sim: Harness) -> None:
    assert sim.call("GET", "adlQuantile") == []
    sim.price("50000")
    sim.fill_at("BUY", "0.1", "50000")  # margin 250 at leverage 20
    rows = sim.call("GET", "adlQuantile")
    assert rows == [{"symbol": SYMBOL, "adlQuantile": {"LONG": 0, "SHORT": 0, "BOTH": 0}}]
    sim.price("51000")  # +100 on 255 of margin: 39%
    assert sim.call("GET", "adlQuantile", symbol=SYMBOL)[0]["adlQuantile"]["BOTH"] == 2
    sim.price("60000")  # far in profit
    assert sim.call("GET", "adlQuantile")[0]["adlQuantile"]["BOTH"] == 4
    assert sim.call("GET", "adlQuantile", symbol="ETHUSDT") == [
        {"symbol": "ETHUSDT", "adlQuantile": {"LONG": 0, "SHORT": 0, "BOTH": 0}}]
    assert code_of(lambda: sim.call("GET", "adlQuantile", symbol="NOPE")) == -1121


def test_adl_quantile_in_hedge_mode_crossed_shows_hedge(sim: Harness) -> None:
    sim.call("POST", "positionSide/dual", dualSidePosition="true")
    sim.price("50000")
    placed = sim.order(side="BUY", positionSide="LONG", type="LIMIT", timeInForce="GTC",
                       quantity="0.1", price="50000")
    sim.engine.counterparty_fill("acct", SYMBOL, order_id=placed["orderId"])
    sim.price("60000")
    quantiles = sim.call("GET", "adlQuantile")[0]["adlQuantile"]
    assert quantiles == {"LONG": 4, "SHORT": 4, "HEDGE": 0}


def test_force_orders_list_the_accounts_liquidations_as_the_docs_show_them(
    sim: Harness,
) -> None:
    sim.call("POST", "marginType", symbol=SYMBOL, marginType="ISOLATED")
    sim.call("POST", "leverage", symbol=SYMBOL, leverage=20)
    sim.price("50000")
    sim.fill_at("BUY", "0.1", "50000")
    assert sim.call("GET", "forceOrders") == []
    sim.price("47000")
    (forced,) = sim.call("GET", "forceOrders", symbol=SYMBOL)
    assert forced["clientOrderId"].startswith("autoclose-")
    assert (forced["type"], forced["origType"], forced["timeInForce"]) == (
        "LIMIT", "LIMIT", "IOC")
    assert (forced["status"], forced["side"], forced["executedQty"]) == ("FILLED", "SELL", "0.1")
    assert sim.call("GET", "forceOrders", autoCloseType="LIQUIDATION") == [forced]
    assert sim.call("GET", "forceOrders", autoCloseType="ADL") == []
    assert sim.call("GET", "forceOrders", symbol="ETHUSDT") == []
    assert sim.call("GET", "forceOrders", endTime=forced["time"] - 1) == []
    assert code_of(lambda: sim.call("GET", "forceOrders", autoCloseType="OTHER")) == -1130
    assert code_of(lambda: sim.call("GET", "forceOrders", startTime=2, endTime=1)) == -1023


def test_remaining_openable_notional_is_capped_by_bracket_and_balance(sim: Harness) -> None:
    sim.price("50000")
    answer = sim.call("GET", "remainingOpenableNotionalValue", symbol=SYMBOL, leverage=2)
    assert number(answer["remainingOpenableNotionalValue"]) == 20000  # 10000 x 2
    at_20 = sim.call("GET", "remainingOpenableNotionalValue", symbol=SYMBOL, leverage=20)
    sim.fill_at("BUY", "0.1", "50000")
    after = sim.call("GET", "remainingOpenableNotionalValue", symbol=SYMBOL, leverage=20)
    assert number(after["remainingOpenableNotionalValue"]) < number(
        at_20["remainingOpenableNotionalValue"])
    assert code_of(lambda: sim.call("GET", "remainingOpenableNotionalValue", symbol=SYMBOL,
                                    leverage=1000)) == -4028
    assert code_of(lambda: sim.call("GET", "remainingOpenableNotionalValue",
                                    symbol=SYMBOL)) == -1102
