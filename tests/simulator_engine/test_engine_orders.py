"""MARKET and LIMIT orders: fills against the synthetic book, time in force, queries, cancels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.simulator.api import ApiError


def test_market_buy_fills_at_best_ask_as_taker(sim):
    result = sim.order(side="BUY", type="MARKET", quantity="0.01", newClientOrderId="m1")
    assert result["status"] == "FILLED"
    assert result["executedQty"] == "0.01"
    assert result["avgPrice"] == "50000.1"
    assert result["cumQuote"] == "500.001"
    assert result["clientOrderId"] == "m1"
    trade = sim.order_updates(result["orderId"])[-1]
    assert trade["x"] == "TRADE" and trade["X"] == "FILLED" and trade["m"] is False
    assert trade["n"] == "0.2500005"  # taker fee 0.05% of 500.001
    assert sim.position()["positionAmt"] == "0.01"


def test_default_ack_response_shows_the_order_as_accepted(sim):
    ack = sim.call("POST", "order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    assert ack["status"] == "NEW" and ack["executedQty"] == "0"
    assert sim.query(ack["orderId"])["status"] == "FILLED"


def test_big_market_order_fills_across_levels(sim):
    result = sim.order(side="BUY", type="MARKET", quantity="2.5")
    trades = [u for u in sim.order_updates(result["orderId"]) if u["x"] == "TRADE"]
    assert [(t["L"], t["l"]) for t in trades] == [
        ("50000.1", "1"), ("50000.6", "1"), ("50001.1", "0.5")
    ]
    assert trades[0]["X"] == "PARTIALLY_FILLED" and trades[-1]["X"] == "FILLED"
    assert Decimal(result["avgPrice"]) == (
        Decimal("50000.1") + Decimal("50000.6") + Decimal("50001.1") / 2
    ) / Decimal("2.5")


def test_market_order_larger_than_the_book_fills_partly_and_expires(make_sim):
    sim = make_sim()
    sim.engine.add_account("whale", {"USDT": Decimal(10_000_000)})
    result = sim.engine.private("whale", "POST", "order", {
        "symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "25",
        "newOrderRespType": "RESULT"})
    assert result["status"] == "EXPIRED"
    assert result["executedQty"] == "20"  # 20 levels of 1 BTC


def test_limit_rests_then_fills_as_maker_when_price_crosses(sim):
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="49900")
    assert placed["status"] == "NEW"
    sim.price("49950")
    assert sim.query(placed["orderId"])["status"] == "NEW"
    sim.price("49900")
    filled = sim.query(placed["orderId"])
    assert filled["status"] == "FILLED" and filled["avgPrice"] == "49900"
    trade = sim.order_updates(placed["orderId"])[-1]
    assert trade["m"] is True and trade["n"] == "0.0998"  # maker 0.02% of 499


def test_marketable_limit_takes_up_to_its_price_then_rests(sim):
    result = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="3", price="50000.6")
    assert result["status"] == "PARTIALLY_FILLED"
    assert result["executedQty"] == "2"
    assert [o["orderId"] for o in sim.call("GET", "openOrders", symbol="BTCUSDT")] == [
        result["orderId"]
    ]


def test_ioc_expires_the_rest(sim):
    result = sim.order(side="BUY", type="LIMIT", timeInForce="IOC", quantity="1.5", price="50000.1")
    assert result["status"] == "EXPIRED" and result["executedQty"] == "1"
    assert sim.call("GET", "openOrders") == []


def test_ioc_that_cannot_fill_expires_without_fills(sim):
    result = sim.order(side="BUY", type="LIMIT", timeInForce="IOC", quantity="0.01", price="49000")
    assert result["status"] == "EXPIRED" and result["executedQty"] == "0"


def test_fok_fills_fully_or_is_rejected(sim):
    full = sim.order(side="BUY", type="LIMIT", timeInForce="FOK", quantity="1.5", price="50000.6")
    assert full["status"] == "FILLED"
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="LIMIT", timeInForce="FOK", quantity="1.5", price="50000.1")
    assert caught.value.code == -5021


def test_post_only_rejects_when_it_would_take_and_rests_otherwise(sim):
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="LIMIT", timeInForce="GTX", quantity="0.01", price="50000.1")
    assert caught.value.code == -5022
    assert caught.value.msg.endswith("the Post Only order will be rejected.")
    rested = sim.order(side="BUY", type="LIMIT", timeInForce="GTX", quantity="0.01",
                       price="49999.9")
    assert rested["status"] == "NEW" and rested["timeInForce"] == "GTX"


def test_counterparty_fill_partially_then_fully(sim):
    placed = sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.5",
                       price="50500", newClientOrderId="ask-1")
    part = sim.engine.counterparty_fill("acct", "BTCUSDT", client_order_id="ask-1",
                                        quantity=Decimal("0.2"))
    assert part["status"] == "PARTIALLY_FILLED" and part["executedQty"] == "0.2"
    rest = sim.engine.counterparty_fill("acct", "BTCUSDT", order_id=placed["orderId"])
    assert rest["status"] == "FILLED" and rest["executedQty"] == "0.5"
    assert sim.position()["positionAmt"] == "-0.5"
    with pytest.raises(ApiError) as caught:
        sim.engine.counterparty_fill("acct", "BTCUSDT", order_id=placed["orderId"])
    assert caught.value.code == -2013


def test_cancel_and_query_by_either_id(sim):
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
                       price="49000", newClientOrderId="c-1")
    by_client = sim.call("GET", "order", symbol="BTCUSDT", origClientOrderId="c-1")
    assert by_client["orderId"] == placed["orderId"] and "time" in by_client
    assert sim.call("GET", "openOrder", symbol="BTCUSDT", orderId=placed["orderId"])["status"] == (
        "NEW"
    )
    canceled = sim.call("DELETE", "order", symbol="BTCUSDT", origClientOrderId="c-1")
    assert canceled["status"] == "CANCELED"
    assert sim.order_updates(placed["orderId"])[-1]["x"] == "CANCELED"
    with pytest.raises(ApiError) as caught:
        sim.call("DELETE", "order", symbol="BTCUSDT", orderId=placed["orderId"])
    assert (caught.value.code, caught.value.msg) == (-2011, "Unknown order sent.")
    with pytest.raises(ApiError) as caught:
        sim.call("GET", "openOrder", symbol="BTCUSDT", orderId=placed["orderId"])
    assert caught.value.code == -2013


def test_unknown_order_query_and_cancel(sim):
    with pytest.raises(ApiError) as caught:
        sim.call("GET", "order", symbol="BTCUSDT", orderId=1)
    assert (caught.value.code, caught.value.msg) == (-2013, "Order does not exist.")
    with pytest.raises(ApiError) as caught:
        sim.call("DELETE", "order", symbol="BTCUSDT", origClientOrderId="nope")
    assert caught.value.code == -2011
    with pytest.raises(ApiError) as caught:
        sim.call("GET", "order", symbol="BTCUSDT")
    assert caught.value.code == -1102


def test_duplicate_client_order_id_among_open_orders_only(sim):
    sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="49000",
              newClientOrderId="dup")
    with pytest.raises(ApiError) as caught:
        sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="49000",
                  newClientOrderId="dup")
    assert (caught.value.code, caught.value.msg) == (-4116, "ClientOrderId is duplicated.")
    assert sim.engine.orders_created("dup") == 1
    sim.call("DELETE", "order", symbol="BTCUSDT", origClientOrderId="dup")
    sim.order(side="BUY", type="MARKET", quantity="0.01", newClientOrderId="dup")
    assert sim.engine.orders_created("dup") == 2
    assert sim.engine.ledger["dup"] == 2


def test_modify_limit_order_price_and_quantity(sim):
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="49000")
    modified = sim.call("PUT", "order", symbol="BTCUSDT", orderId=placed["orderId"], side="BUY",
                        quantity="0.02", price="49100")
    assert (modified["price"], modified["origQty"], modified["status"]) == ("49100", "0.02", "NEW")
    assert sim.order_updates(placed["orderId"])[-1]["x"] == "AMENDMENT"
    with pytest.raises(ApiError) as caught:
        sim.call("PUT", "order", symbol="BTCUSDT", orderId=placed["orderId"], side="BUY",
                 quantity="0.02", price="49100")
    assert caught.value.code == -5027
    sim.price("49100")
    assert sim.query(placed["orderId"])["status"] == "FILLED"


def test_modify_to_a_crossing_price_takes(sim):
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="49000")
    modified = sim.call("PUT", "order", symbol="BTCUSDT", orderId=placed["orderId"], side="BUY",
                        quantity="0.01", price="50001")
    assert modified["status"] == "FILLED" and modified["avgPrice"] == "50000.1"


def test_batch_orders_report_each_result_or_error(sim):
    import json

    batch = json.dumps([
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "49000", "newClientOrderId": "b1"},
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "49000.05"},
        {"symbol": "NOPE", "side": "BUY", "type": "MARKET", "quantity": "1"},
    ])
    results = sim.call("POST", "batchOrders", batchOrders=batch)
    assert results[0]["clientOrderId"] == "b1"
    assert results[1] == {"code": -4014, "msg": "Price not increased by tick size."}
    assert results[2]["code"] == -1121
    canceled = sim.call("DELETE", "batchOrders", symbol="BTCUSDT",
                        orderIdList=json.dumps([results[0]["orderId"], 1]))
    assert canceled[0]["status"] == "CANCELED" and canceled[1]["code"] == -2011
    with pytest.raises(ApiError) as caught:
        sim.call("POST", "batchOrders", batchOrders=json.dumps([{}] * 6))
    assert caught.value.code == -4082


def test_cancel_all_open_orders_and_history_queries(sim):
    ids = [
        sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
                  price=str(49000 + i))["orderId"]
        for i in range(3)
    ]
    sim.order(side="BUY", type="MARKET", quantity="0.01")
    assert [o["orderId"] for o in sim.call("GET", "openOrders", symbol="BTCUSDT")] == ids
    done = sim.call("DELETE", "allOpenOrders", symbol="BTCUSDT")
    assert done["code"] == "200"  # a string in the docs' example
    assert sim.call("GET", "openOrders") == []
    history = sim.call("GET", "allOrders", symbol="BTCUSDT")
    assert [o["status"] for o in history] == ["CANCELED"] * 3 + ["FILLED"]
    since = sim.call("GET", "allOrders", symbol="BTCUSDT", orderId=ids[1], limit=2)
    assert [o["orderId"] for o in since] == ids[1:]
    trades = sim.call("GET", "userTrades", symbol="BTCUSDT")
    assert len(trades) == 1 and trades[0]["buyer"] is True and trades[0]["maker"] is False


def test_order_test_endpoint_validates_without_placing(sim):
    assert sim.call("POST", "order/test", symbol="BTCUSDT", side="BUY", type="MARKET",
                    quantity="0.01") == {}
    assert sim.call("GET", "allOrders", symbol="BTCUSDT") == []
