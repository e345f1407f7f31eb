"""Strategy orders (v3 "Place Strategy Order" and after): OTO, OCO and OTOCO legs, their
triggers, what the other legs do when one fills, triggers or is cancelled, updates, and
the open and history queries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import ACCOUNT, Harness, code_of

SYMBOL = "BTCUSDT"


def leg(sub_id: int, **fields: Any) -> dict[str, Any]:
    return {"strategySubId": str(sub_id), "securityType": "USDT_FUTURES", "symbol": SYMBOL,
            **fields}


def place(sim: Harness, kind: str, *legs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = sim.call("POST", "placeStrategyOrder", strategyType=kind,
                                      subOrderList=json.dumps(list(legs)), **extra)
    return result


def open_strategy(sim: Harness, strategy_id: int, kind: str) -> dict[str, Any]:
    result: dict[str, Any] = sim.call("GET", "strategyOpenOrder", strategyId=strategy_id,
                                      strategyType=kind)
    return result


def history(sim: Harness, strategy_id: int, kind: str) -> dict[str, Any]:
    result: dict[str, Any] = sim.call("GET", "strategyHistoryOrder", strategyId=strategy_id,
                                      strategyType=kind)
    return result


def open_ids(sim: Harness) -> set[int]:
    return {o["orderId"] for o in sim.call("GET", "openOrders", symbol=SYMBOL)}


ENTRY = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
         "price": "49900"}
STOP = {"side": "SELL", "type": "STOP_MARKET", "stopPrice": "49000", "closePosition": "true"}
TAKE = {"side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
        "price": "51000", "reduceOnly": "true"}


@pytest.fixture
def sim() -> Harness:
    harness = Harness()
    harness.price("50000")
    return harness


def test_oto_places_the_second_leg_when_the_first_fills(sim: Harness) -> None:
    placed = place(sim, "OTO", leg(1, **ENTRY), leg(2, **STOP), clientStrategyId="oto-1")
    assert (placed["strategyType"], placed["strategyStatus"]) == ("OTO", "WORKING")
    assert placed["clientStrategyId"] == "oto-1" and placed["failureCode"] == 0
    view = open_strategy(sim, placed["strategyId"], "OTO")
    entry, stop = view["subOrders"]
    assert entry["status"] == "NEW" and entry["orderId"] in open_ids(sim)
    assert (stop["status"], stop["orderId"]) == ("PENDING_NEW", 0)
    assert (stop["firstDrivenId"], stop["firstDrivenOn"], stop["firstTrigger"]) == (
        1, "FILLED", "PLACE_ORDER")

    sim.engine.counterparty_fill(ACCOUNT, SYMBOL, order_id=entry["orderId"])
    entry, stop = open_strategy(sim, placed["strategyId"], "OTO")["subOrders"]
    assert entry["status"] == "FILLED" and stop["status"] == "NEW"
    assert stop["orderId"] in open_ids(sim) and stop["triggerTime"] > 0

    sim.price("48990")  # the stop fires and closes the position
    assert sim.position()["positionAmt"] == "0"
    done = history(sim, placed["strategyId"], "OTO")
    assert done["strategyStatus"] == "EXPIRED"
    assert [s["status"] for s in done["subOrders"]] == ["FILLED", "FILLED"]
    assert code_of(lambda: open_strategy(sim, placed["strategyId"], "OTO")) == -2013


def test_oto_whose_first_leg_is_cancelled_never_places_the_second(sim: Harness) -> None:
    placed = place(sim, "OTO", leg(1, **ENTRY), leg(2, **STOP))
    entry_id = open_strategy(sim, placed["strategyId"], "OTO")["subOrders"][0]["orderId"]
    sim.call("DELETE", "order", symbol=SYMBOL, orderId=entry_id)
    done = history(sim, placed["strategyId"], "OTO")
    assert done["strategyStatus"] == "EXPIRED"
    assert [s["status"] for s in done["subOrders"]] == ["CANCELED", "EXPIRED"]
    assert done["subOrders"][1]["orderId"] == 0 and not open_ids(sim)


def test_oto_first_driven_on_new_places_the_second_leg_at_once(sim: Harness) -> None:
    rule = {"firstDrivenId": "1", "firstDrivenOn": "NEW", "firstTrigger": "PLACE_ORDER"}
    far_buy = {**ENTRY, "price": "49000", "clientOrderId": "entry-a"}
    second = {**ENTRY, "price": "48900", "clientOrderId": "entry-b", **rule}
    placed = place(sim, "OTO", leg(1, **far_buy), leg(2, **second))
    legs = open_strategy(sim, placed["strategyId"], "OTO")["subOrders"]
    assert [s["status"] for s in legs] == ["NEW", "NEW"]
    assert [s["clientOrderId"] for s in legs] == ["entry-a", "entry-b"]
    assert {s["orderId"] for s in legs} == open_ids(sim)


def _long(sim: Harness) -> None:
    sim.fill_at("BUY", "0.01", "50000")
    assert sim.position()["positionAmt"] == "0.01"


def test_oco_fill_of_one_leg_cancels_the_other(sim: Harness) -> None:
    _long(sim)
    placed = place(sim, "OCO", leg(1, **TAKE),
                   leg(2, **{**STOP, "closePosition": "false", "quantity": "0.01",
                             "reduceOnly": "true"}))
    take, stop = open_strategy(sim, placed["strategyId"], "OCO")["subOrders"]
    assert take["status"] == stop["status"] == "NEW"
    sim.engine.counterparty_fill(ACCOUNT, SYMBOL, order_id=take["orderId"])
    done = history(sim, placed["strategyId"], "OCO")
    assert [s["status"] for s in done["subOrders"]] == ["FILLED", "CANCELED"]
    assert done["strategyStatus"] == "EXPIRED" and not open_ids(sim)


def test_oco_triggered_stop_cancels_the_take_profit(sim: Harness) -> None:
    _long(sim)
    placed = place(sim, "OCO", leg(1, **TAKE), leg(2, **STOP))
    sim.price("48990")
    done = history(sim, placed["strategyId"], "OCO")
    assert [s["status"] for s in done["subOrders"]] == ["CANCELED", "FILLED"]
    assert sim.position()["positionAmt"] == "0" and not open_ids(sim)


def test_oco_cancelling_one_leg_cancels_the_other(sim: Harness) -> None:
    _long(sim)
    placed = place(sim, "OCO", leg(1, **TAKE), leg(2, **STOP))
    take = open_strategy(sim, placed["strategyId"], "OCO")["subOrders"][0]
    sim.call("DELETE", "order", symbol=SYMBOL, orderId=take["orderId"])
    done = history(sim, placed["strategyId"], "OCO")
    assert [s["status"] for s in done["subOrders"]] == ["CANCELED", "CANCELED"]


def test_otoco_market_entry_places_both_exits_and_one_exit_cancels_the_other(
    sim: Harness,
) -> None:
    entry = {"side": "BUY", "type": "MARKET", "quantity": "0.01"}
    placed = place(sim, "OTOCO", leg(1, **entry), leg(2, **TAKE), leg(3, **STOP))
    legs = open_strategy(sim, placed["strategyId"], "OTOCO")["subOrders"]
    assert [s["status"] for s in legs] == ["FILLED", "NEW", "NEW"]
    assert {legs[1]["orderId"], legs[2]["orderId"]} == open_ids(sim)
    assert (legs[2]["secondDrivenId"], legs[2]["secondTrigger"]) == (2, "CANCEL_ORDER")
    sim.price("48990")
    done = history(sim, placed["strategyId"], "OTOCO")
    assert [s["status"] for s in done["subOrders"]] == ["FILLED", "CANCELED", "FILLED"]
    assert sim.position()["positionAmt"] == "0" and not open_ids(sim)


def test_otoco_entry_cancelled_drops_both_exits(sim: Harness) -> None:
    placed = place(sim, "OTOCO", leg(1, **ENTRY), leg(2, **TAKE), leg(3, **STOP))
    entry_id = open_strategy(sim, placed["strategyId"], "OTOCO")["subOrders"][0]["orderId"]
    sim.call("DELETE", "allOpenOrders", symbol=SYMBOL)
    done = history(sim, placed["strategyId"], "OTOCO")
    assert [s["status"] for s in done["subOrders"]] == ["CANCELED", "EXPIRED", "EXPIRED"]
    assert entry_id not in open_ids(sim)


def test_a_refused_strategy_places_nothing(sim: Harness) -> None:
    cases: list[tuple[str, list[dict[str, Any]], int]] = [
        ("OTO", [leg(1, **ENTRY)], -1130),  # OTO needs exactly 2
        ("OTOCO", [leg(1, **ENTRY), leg(2, **TAKE)], -1130),
        ("OCO", [leg(2, **TAKE), leg(1, **STOP)], -1130),  # ids must follow the positions
        ("OTO", [leg(1, **{**ENTRY, "timeInForce": "IOC"}), leg(2, **STOP)], -1130),
        ("OTO", [leg(1, **ENTRY), leg(2, **{**STOP, "stopPrice": "49000.05"})], -4014),
        ("OTO", [leg(1, **ENTRY, securityType="OPTIONS"), leg(2, **STOP)], -1130),
        ("OTO", [leg(1, **ENTRY), leg(2, **STOP, firstDrivenId="2", firstDrivenOn="FILLED",
                                          firstTrigger="PLACE_ORDER")], -1130),
        ("OTO", [leg(1, **ENTRY), leg(2, **STOP, firstDrivenId="1", firstDrivenOn="SOON",
                                          firstTrigger="PLACE_ORDER")], -1130),
        ("OTO", [leg(1, **ENTRY), leg(2, **STOP, firstDrivenId="1")], -1102),
        ("OCO", [leg(1, **ENTRY), leg(2, **{**ENTRY, "price": "49800"},
                                          firstDrivenId="1", firstDrivenOn="NEW",
                                          firstTrigger="PLACE_ORDER")], -1130),
        ("OCO", [leg(1, **TAKE), leg(2, **STOP)], -2022),  # reduce-only with no position
        ("XYZ", [leg(1, **ENTRY), leg(2, **STOP)], -1130),
    ]
    for kind, legs, code in cases:
        assert code_of(lambda kind=kind, legs=legs: place(sim, kind, *legs)) == code, legs
    assert not open_ids(sim) and not sim.engine.strategies.strategies_of(ACCOUNT)


def test_an_oco_leg_that_would_trigger_at_once_refuses_the_whole_strategy(
    sim: Harness,
) -> None:
    _long(sim)
    late_stop = {**STOP, "stopPrice": "50100"}  # a SELL stop above the price fires at once
    assert code_of(lambda: place(sim, "OCO", leg(1, **TAKE), leg(2, **late_stop))) == -4142
    assert not open_ids(sim)  # the take-profit placed first was cancelled again


def test_client_strategy_id_is_unique_among_working_strategies(sim: Harness) -> None:
    place(sim, "OTO", leg(1, **ENTRY), leg(2, **STOP), clientStrategyId="same")
    again = {**ENTRY, "price": "49800"}
    assert code_of(lambda: place(sim, "OTO", leg(1, **again), leg(2, **STOP),
                                 clientStrategyId="same")) == -4116
    assert code_of(lambda: place(sim, "OTO", leg(1, **again), leg(2, **STOP),
                                 clientStrategyId="x" * 29)) == -1130
    by_client = sim.call("GET", "strategyOpenOrder", clientStrategyId="same",
                         strategyType="OTO")
    assert by_client["clientStrategyId"] == "same"


def test_update_moves_a_placed_leg_and_a_waiting_one(sim: Harness) -> None:
    placed = place(sim, "OTO", leg(1, **ENTRY), leg(2, **STOP))
    strategy_id = placed["strategyId"]
    results = sim.call("POST", "updateStrategyOrder", strategyId=strategy_id,
                       strategyType="OTO", subOrderList=json.dumps([
                           leg(1, side="BUY", type="LIMIT", price="49800"),
                           leg(2, side="SELL", type="STOP_MARKET", stopPrice="48500"),
                       ]))
    assert [(r["updatedSubOrder"], r["updateStatus"]) for r in results] == [
        (1, "SUCCESS"), (2, "SUCCESS")]
    entry, stop = open_strategy(sim, strategy_id, "OTO")["subOrders"]
    assert entry["price"] == "49800" and stop["stopPrice"] == "48500"
    assert sim.query(entry["orderId"])["price"] == "49800"
    sim.engine.counterparty_fill(ACCOUNT, SYMBOL, order_id=entry["orderId"])
    stop_id = open_strategy(sim, strategy_id, "OTO")["subOrders"][1]["orderId"]
    assert sim.query(stop_id)["stopPrice"] == "48500"

    moved = sim.call("POST", "updateStrategyOrder", strategyId=strategy_id,
                     strategyType="OTO", subOrderList=json.dumps([
                         leg(1, side="BUY", type="LIMIT", price="49700"),
                         leg(2, side="SELL", type="STOP_MARKET", stopPrice="48000"),
                         ]))
    assert [r["updateStatus"] for r in moved] == ["FAILED", "SUCCESS"]
    assert moved[0]["failureCode"] == -2013  # the entry is filled: nothing to update
    assert sim.query(stop_id)["stopPrice"] == "48000"
    wrong_side = sim.call("POST", "updateStrategyOrder", strategyId=strategy_id,
                          strategyType="OTO", subOrderList=json.dumps([
                              leg(2, side="BUY", type="STOP_MARKET", stopPrice="48000")]))
    assert wrong_side[0]["updateStatus"] == "FAILED"
    assert code_of(lambda: sim.call("POST", "updateStrategyOrder", strategyId=strategy_id,
                                    strategyType="OCO", subOrderList="[]")) == -2013


def test_queries_need_exactly_one_id_and_the_type(sim: Harness) -> None:
    placed = place(sim, "OTO", leg(1, **ENTRY), leg(2, **STOP), clientStrategyId="q1")
    strategy_id = placed["strategyId"]
    for name in ("strategyOpenOrder", "strategyHistoryOrder"):
        assert code_of(lambda name=name: sim.call("GET", name, strategyId=strategy_id,
                                                  clientStrategyId="q1",
                                                  strategyType="OTO")) == -1128
        assert code_of(lambda name=name: sim.call("GET", name, strategyType="OTO")) == -1102
        assert code_of(lambda name=name: sim.call("GET", name, strategyId=strategy_id,
                                                  strategyType="OCO")) == -2013
        assert code_of(lambda name=name: sim.call("GET", name, strategyId=strategy_id)
                       ) == -1102
    # the CHANGELOG's names answer the same (routed only when lenient)
    assert sim.call("GET", "strategyOrder", strategyId=strategy_id, strategyType="OTO") == (
        open_strategy(sim, strategy_id, "OTO"))
    assert code_of(lambda: sim.call("GET", "strategyHistoryOrder", strategyId=strategy_id,
                                    strategyType="OTO", startTime=2, endTime=1)) == -1023
