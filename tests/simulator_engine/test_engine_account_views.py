"""The read endpoints: account, balance, brackets, commission, income filters."""

from __future__ import annotations

from decimal import Decimal

import pytest


def test_account_has_the_exchange_fields(sim):
    sim.order(side="BUY", type="MARKET", quantity="0.1")
    account = sim.call("GET", "account")
    for field in ("totalWalletBalance", "totalUnrealizedProfit", "totalMarginBalance",
                  "totalInitialMargin", "totalMaintMargin", "availableBalance",
                  "maxWithdrawAmount", "assets", "positions", "canTrade"):
        assert field in account
    btc = next(p for p in account["positions"] if p["symbol"] == "BTCUSDT")
    assert btc["positionAmt"] == "0.1" and btc["leverage"] == "20"
    assert Decimal(btc["positionInitialMargin"]) == Decimal("0.1") * 50000 / 20
    assert Decimal(btc["maintMargin"]) == Decimal("0.1") * 50000 * Decimal("0.004")
    assert Decimal(account["availableBalance"]) == (
        Decimal(account["totalWalletBalance"]) + Decimal(account["totalUnrealizedProfit"])
        - Decimal(account["totalInitialMargin"])
    )


def test_balance_lists_every_asset(make_sim):
    sim = make_sim()
    sim.engine.add_account("multi", {"USDT": Decimal(100), "BNB": Decimal("1.5")})
    rows = sim.engine.private("multi", "GET", "balance", {})
    assert {(r["asset"], r["balance"]) for r in rows} == {("USDT", "100"), ("BNB", "1.5")}
    assert all({"crossWalletBalance", "availableBalance", "updateTime"} <= set(r) for r in rows)


def test_brackets_commission_and_income_filters(sim):
    assert len(sim.call("GET", "leverageBracket")) == 3
    rate = sim.call("GET", "commissionRate", symbol="BTCUSDT")
    assert (rate["makerCommissionRate"], rate["takerCommissionRate"]) == ("0.0002", "0.0005")
    sim.order(side="BUY", type="MARKET", quantity="0.01")
    sim.order(side="SELL", type="MARKET", quantity="0.01")
    commissions = sim.call("GET", "income", incomeType="COMMISSION")
    assert len(commissions) == 2 and all(Decimal(i["income"]) < 0 for i in commissions)
    pnl = sim.call("GET", "income", incomeType="REALIZED_PNL", symbol="BTCUSDT")
    assert [i["income"] for i in pnl] == ["-0.002"]  # bought at the ask, sold at the bid
    assert sim.call("GET", "income", symbol="ETHUSDT") == []


def test_position_risk_in_hedge_mode_lists_both_sides(sim):
    sim.call("POST", "positionSide/dual", dualSidePosition="true")
    rows = sim.call("GET", "positionRisk", symbol="ETHUSDT")
    assert [r["positionSide"] for r in rows] == ["LONG", "SHORT"]
    assert len(sim.call("GET", "positionRisk")) == 6


def test_set_price_rejects_nonsense(sim):
    with pytest.raises(ValueError):
        sim.engine.set_price("BTCUSDT", Decimal(0))
    with pytest.raises(ValueError):
        sim.engine.set_price("BTCUSDT", Decimal(100), mark_price=Decimal(-1))
