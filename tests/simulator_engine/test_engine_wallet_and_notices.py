"""Transfers between the futures and spot wallets, direct announcements and the index
price references."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .conftest import Harness, code_of

START = Decimal(10000)


def _transfer(sim: Harness, amount: str, kind: str, client_id: str,
              asset: str = "USDT") -> dict[str, Any]:
    result: dict[str, Any] = sim.call("POST", "asset/wallet/transfer", amount=amount,
                                      asset=asset, clientTranId=client_id, kindType=kind)
    return result


def test_a_transfer_moves_balance_between_the_wallets(sim: Harness) -> None:
    answer = _transfer(sim, "1500.5", "FUTURE_SPOT", "t-1")
    assert answer["status"] == "SUCCESS" and isinstance(answer["tranId"], int)
    assert sim.wallet() == START - Decimal("1500.5")
    account = sim.engine.core.account("acct")
    assert account.spot_balances["USDT"] == Decimal("1500.5")
    (income,) = [row for row in sim.call("GET", "income") if row["incomeType"] == "TRANSFER"]
    assert (income["income"], income["asset"]) == ("-1500.5", "USDT")
    (update,) = sim.user_events("ACCOUNT_UPDATE")
    assert update["a"]["m"] == "WITHDRAW"
    _transfer(sim, "500.5", "SPOT_FUTURE", "t-2")
    assert sim.wallet() == START - 1000
    assert account.spot_balances["USDT"] == 1000


def test_a_transfer_is_refused_without_the_balance_or_with_a_used_id(sim: Harness) -> None:
    assert code_of(lambda: _transfer(sim, "1", "SPOT_FUTURE", "a")) == -2018  # spot empty
    assert code_of(lambda: _transfer(sim, "10000.01", "FUTURE_SPOT", "b")) == -2018
    _transfer(sim, "1", "FUTURE_SPOT", "c")
    assert code_of(lambda: _transfer(sim, "1", "FUTURE_SPOT", "c")) == -4115
    assert code_of(lambda: _transfer(sim, "1", "FUTURE_SPOT", "x" * 65)) == -4114
    assert code_of(lambda: _transfer(sim, "0", "FUTURE_SPOT", "d")) == -4055
    assert code_of(lambda: _transfer(sim, "1", "FUTURE_FUTURE", "e")) == -1130
    assert code_of(lambda: _transfer(sim, "1", "FUTURE_SPOT", "f", asset="DOGE")) == -1108
    assert code_of(lambda: _transfer(sim, "0.000000001", "FUTURE_SPOT", "g")) == -1111
    assert sim.wallet() == START - 1


def test_the_available_balance_bounds_a_transfer_out(sim: Harness) -> None:
    sim.price("50000")
    sim.fill_at("BUY", "1", "50000")  # 2500 of margin at leverage 20, fee 10
    assert code_of(lambda: _transfer(sim, "7500", "FUTURE_SPOT", "h")) == -2018
    _transfer(sim, "7000", "FUTURE_SPOT", "i")


def test_direct_announcements_are_the_accounts_own_newest_first(sim: Harness) -> None:
    assert sim.call("GET", "announcement/direct") == {"total": 0, "rows": []}
    board = sim.engine.announcements
    first = board.publish("acct", [("en", "One", "a", "first")], category="NOTICE",
                          publish_time=1)
    second = board.publish("acct", [("en", "Two", "b", "second"), ("zh", "二", "b", "二")],
                           category="MAINTENANCE", publish_time=2, jump_link="https://x")
    board.publish("someone-else", [("en", "Not yours", "", "")], category="NOTICE",
                  publish_time=3)
    listed = sim.call("GET", "announcement/direct")
    assert listed["total"] == 2 and [row["id"] for row in listed["rows"]] == [second, first]
    assert sim.call("GET", "announcement/direct", page=2, size=1)["rows"][0]["id"] == first
    one = sim.call("GET", "announcement/directById", id=second)
    assert one["contents"][1] == {"language": "zh", "title": "二", "subtitle": "b",
                                  "content": "二"}
    assert (one["category"], one["publishTime"], one["jumpLink"]) == (
        "MAINTENANCE", 2, "https://x")
    assert code_of(lambda: sim.call("GET", "announcement/directById", id=3)) == -1130
    assert code_of(lambda: sim.call("GET", "announcement/direct", size=0)) == -1130


def test_index_references_name_the_sources_and_their_weights(sim: Harness) -> None:
    answer = sim.engine.public("indexreferences", {"symbol": "ETHUSDT"})
    assert answer["symbol"] == "ETHUSDT" and isinstance(answer["time"], int)
    symbols = {row["exchange"]: row["symbol"] for row in answer["references"]}
    assert symbols["binance"] == "ETHUSDT" and symbols["okex"] == "ETH-USDT"
    assert symbols["gateio"] == "ETH_USDT"
    assert code_of(lambda: sim.engine.public("indexreferences", {"symbol": "NOPE"})) == -1000
    assert code_of(lambda: sim.engine.public("indexreferences", {})) == -1102
