"""Market maker protection (the MMP endpoints) and chase orders (`POST chase`)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ACCOUNT, Harness, code_of

SYMBOL = "BTCUSDT"


@pytest.fixture
def sim() -> Harness:
    harness = Harness()
    harness.price("50000")
    return harness


def _quote(sim: Harness, side: str, price: str, quantity: str = "0.1") -> dict[str, Any]:
    return sim.order(side=side, type="LIMIT", timeInForce="GTC", quantity=quantity,
                     price=price)


def test_mmp_settings_are_kept_read_and_deleted(sim: Harness) -> None:
    assert sim.call("GET", "mmp") == []
    assert sim.call("POST", "mmp", symbol=SYMBOL, windowTimeInMilliseconds=5000,
                    frozenTimeInMilliseconds=10000, qtyLimit=10) is True
    (row,) = sim.call("GET", "mmp", symbol=SYMBOL)
    assert (row["symbol"], row["windowTimeInMilliseconds"], row["frozenTimeInMilliseconds"]) == (
        SYMBOL, 5000, 10000)
    assert str(row["qtyLimit"]).strip("\x00") == "10"
    assert str(row["valueLimit"]).strip("\x00") == "0"  # no such limit
    assert sim.call("DELETE", "mmp", symbol=SYMBOL) is True
    assert sim.call("GET", "mmp") == []
    for bad in ({"windowTimeInMilliseconds": 0, "frozenTimeInMilliseconds": 1},
                {"windowTimeInMilliseconds": 1, "frozenTimeInMilliseconds": -1},
                {"windowTimeInMilliseconds": 1, "frozenTimeInMilliseconds": 1,
                 "qtyLimit": "-1"}):
        assert code_of(lambda bad=bad: sim.call("POST", "mmp", symbol=SYMBOL, **bad)) == -1130
    assert code_of(lambda: sim.call("POST", "mmp", symbol=SYMBOL)) == -1102


def test_reaching_a_limit_freezes_the_symbol_until_the_frozen_time_or_a_reset(
    sim: Harness,
) -> None:
    sim.call("POST", "mmp", symbol=SYMBOL, windowTimeInMilliseconds=5000,
             frozenTimeInMilliseconds=10000, qtyLimit="0.2")
    other_quote = _quote(sim, "SELL", "50500")
    first = _quote(sim, "BUY", "49900")
    sim.engine.counterparty_fill(ACCOUNT, SYMBOL, order_id=first["orderId"])
    assert sim.query(other_quote["orderId"])["status"] == "NEW"  # 0.1 < 0.2
    second = _quote(sim, "BUY", "49900")
    sim.engine.counterparty_fill(ACCOUNT, SYMBOL, order_id=second["orderId"])
    # 0.2 filled within the window: frozen, the quotes cancelled, new quotes refused
    assert sim.query(other_quote["orderId"])["status"] == "CANCELED"
    assert code_of(lambda: _quote(sim, "SELL", "50500")) == -4088
    assert sim.order(side="SELL", type="MARKET", quantity="0.1")["status"] == "FILLED"
    sim.clock.now += 10_000  # the frozen time is over
    assert _quote(sim, "SELL", "50500")["status"] == "NEW"


def test_mmp_reset_unfreezes_at_once_and_fills_outside_the_window_do_not_count(
    sim: Harness,
) -> None:
    sim.call("POST", "mmp", symbol=SYMBOL, windowTimeInMilliseconds=1000,
             frozenTimeInMilliseconds=60000, deltaLimit="0.2")
    for _ in range(3):  # 0.1 each, a window apart: never 0.2 within one window
        sim.fill_at("BUY", "0.1", "49900")
        sim.clock.now += 1000
    assert _quote(sim, "BUY", "49800")["status"] == "NEW"
    sim.fill_at("SELL", "0.1", "50100")
    sim.fill_at("SELL", "0.1", "50100")  # net -0.2 within the window
    assert code_of(lambda: _quote(sim, "BUY", "49800")) == -4088
    assert sim.call("POST", "mmpReset", symbol=SYMBOL) is True
    assert _quote(sim, "BUY", "49800")["status"] == "NEW"


def _chase(sim: Harness, **params: Any) -> dict[str, Any]:
    params.setdefault("symbol", SYMBOL)
    result: dict[str, Any] = sim.call("POST", "chase", **params)
    return result


def _open(sim: Harness) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = sim.call("GET", "openOrders", symbol=SYMBOL)
    return rows


def test_a_chase_rests_at_the_best_bid_and_follows_it(sim: Harness) -> None:
    answer = _chase(sim, side="BUY", quantityUnit="BASE", quantity="0.01",
                    clientStrategyId="chase-1")
    assert (answer["strategyStatus"], answer["timeInForce"], answer["clientStrategyId"]) == (
        "NEW", "GTX", "chase-1")
    (order,) = _open(sim)
    assert (order["price"], order["timeInForce"]) == ("49999.9", "GTX")  # bid1
    sim.price("50100")
    (order,) = _open(sim)
    assert order["price"] == "50099.9"
    sim.price("50050")  # the bid falls below the order's price: it fills as maker
    assert _open(sim) == []
    assert sim.position()["positionAmt"] == "0.01"
    (done,) = sim.engine.chases.done
    assert done.status == "FILLED"


def test_a_chase_with_an_offset_and_a_quote_quantity(sim: Harness) -> None:
    _chase(sim, side="SELL", quantityUnit="QUOTE", quantity="1000", chaseOffset="0.5")
    (order,) = _open(sim)
    assert (order["price"], order["origQty"]) == ("50000.6", "0.02")  # ask1 + 0.5


def test_a_chase_is_cancelled_when_the_market_moves_past_the_max_offset(sim: Harness) -> None:
    _chase(sim, side="BUY", quantityUnit="BASE", quantity="0.01", maxChaseOffset="50")
    sim.price("50040")
    assert _open(sim)[0]["price"] == "50039.9"
    sim.price("50060")  # 60 above the first peg: beyond 50
    assert _open(sim) == []
    (done,) = sim.engine.chases.done
    assert (done.status, done.reason) == ("CANCELED", "OFFSET_CANCELLED")


def test_a_percentage_max_offset(sim: Harness) -> None:
    _chase(sim, side="BUY", quantityUnit="BASE", quantity="0.01", maxChaseOffset="0.1",
           maxChaseOffsetType="PERCENTAGE")
    sim.price("50040")  # 0.08%
    assert len(_open(sim)) == 1
    sim.price("50060")  # 0.12%
    assert _open(sim) == []


def test_a_chase_cancelled_by_the_user_ends(sim: Harness) -> None:
    _chase(sim, side="BUY", quantityUnit="BASE", quantity="0.01")
    (order,) = _open(sim)
    sim.call("DELETE", "order", symbol=SYMBOL, orderId=order["orderId"])
    sim.price("50100")
    assert _open(sim) == [] and sim.engine.chases.done[0].status == "CANCELED"


def test_chase_parameters_are_checked(sim: Harness) -> None:
    base = {"side": "BUY", "quantityUnit": "BASE", "quantity": "0.01"}
    cases: list[tuple[dict[str, Any], int]] = [
        ({**base, "side": ""}, -1102),
        ({**base, "quantityUnit": "LOTS"}, -1130),
        ({**base, "reduceOnly": "maybe"}, -1130),
        ({**base, "chaseOffset": "0.05"}, -1130),  # not a tick multiple
        ({**base, "chaseOffset": "-0.1"}, -1130),
        ({**base, "chaseOffsetType": "PERCENTAGE"}, -1020),
        ({**base, "chaseOffsetType": "RELATIVE"}, -1130),
        ({**base, "maxChaseOffset": "0"}, -1130),
        ({**base, "maxChaseOffset": "1.05"}, -1130),
        ({**base, "maxChaseOffset": "1.234", "maxChaseOffsetType": "PERCENTAGE"}, -1130),
        ({**base, "clientStrategyId": "c" * 29}, -1130),
        ({**base, "quantity": "0.0001"}, -4004),  # below the minimum quantity
        ({**base, "quantityUnit": "QUOTE", "quantity": "4"}, -4164),
    ]
    for params, code in cases:
        assert code_of(lambda params=params: _chase(sim, **params)) == code, params
    assert _open(sim) == []
