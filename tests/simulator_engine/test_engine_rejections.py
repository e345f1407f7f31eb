"""Every new-order rejection carries the exchange's code and message."""

from __future__ import annotations

import pytest

from execution.simulator.api import ApiError

LIMIT = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
         "price": "49000"}


def _with(**changes):
    params = dict(LIMIT)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        (_with(symbol="DOGEUSDT"), -1121, "Invalid symbol."),
        (_with(side=None), -1102,
         "Mandatory parameter 'side' was not sent, was empty/null, or malformed."),
        (_with(side="HOLD"), -1117, "Invalid side."),
        (_with(type="ICEBERG"), -1116, "Invalid orderType."),
        (_with(timeInForce=None), -1102,
         "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."),
        (_with(timeInForce="GTD2"), -1115, "Invalid timeInForce."),
        (_with(price=None), -1102,
         "Mandatory parameter 'price' was not sent, was empty/null, or malformed."),
        (_with(quantity="abc"), -1102,
         "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."),
        (_with(quantity="0"), -4003, "Quantity less than or equal to zero."),
        (_with(quantity="-1"), -4003, "Quantity less than or equal to zero."),
        (_with(quantity="0.0001"), -1111,
         "Precision is over the maximum defined for this asset."),
        (_with(price="49000.001"), -1111,
         "Precision is over the maximum defined for this asset."),
        (_with(price="49000.05"), -4014, "Price not increased by tick size."),
        (_with(price="500"), -4013, "Price less than min price."),
        (_with(price="5000000"), -4002, "Price greater than max price."),
        (_with(quantity="1001"), -4005, "Quantity greater than max quantity."),
        (_with(quantity="0.001", price="1000"), -4164,
         "Order's notional must be no smaller than 5.0 (unless you choose reduce only)"),
        (_with(price="52600"), -4016, "Price is higher than mark price multiplier cap."),
        (_with(side="SELL", price="47400"), -4024,
         "Price is lower than mark price multiplier floor."),
        (_with(newClientOrderId="bad id!"), -4015, "Client order id is not valid."),
        (_with(newClientOrderId="x" * 37), -4015, "Client order id is not valid."),
        (_with(positionSide="SIDEWAYS"), -4060, "Invalid position side."),
        (_with(positionSide="LONG"), -4061,
         "Order's position side does not match user's setting."),
        (_with(workingType="LAST"), -4031, "Invalid parameter working type"),
        (_with(newOrderRespType="FULL"), -1136, "Invalid newOrderRespType."),
        (_with(reduceOnly="maybe"), -1130, "Data sent for parameter 'reduceOnly' is not valid."),
        ({"side": "BUY", "type": "MARKET", "quantity": "0.01", "price": "1"}, -1106,
         "Parameter 'price' sent when not required."),
        ({"side": "BUY", "type": "STOP_MARKET", "quantity": "0.01"}, -1102,
         "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed."),
        ({"side": "BUY", "type": "MARKET", "quantity": "121"}, -4005,
         "Quantity greater than max quantity."),
    ],
)
def test_rejections(sim, params, code, msg):
    with pytest.raises(ApiError) as caught:
        sim.order(**params)
    assert (caught.value.code, caught.value.msg) == (code, msg)
    assert caught.value.http_status == 400
    assert sim.engine.ledger.total() == 0


def test_missing_symbol_and_mandatory_params(sim):
    with pytest.raises(ApiError) as caught:
        sim.engine.private("acct", "POST", "order", {"side": "BUY"})
    assert caught.value.code == -1102


def test_reduce_only_order_may_be_below_min_notional(sim):
    sim.order(side="BUY", type="MARKET", quantity="0.001")
    closing = sim.order(side="SELL", type="MARKET", quantity="0.001", reduceOnly="true")
    assert closing["status"] == "FILLED"


def test_unknown_endpoint_and_account(sim):
    with pytest.raises(ApiError) as caught:
        sim.call("GET", "nothing")
    assert caught.value.http_status == 404
    with pytest.raises(ApiError) as caught:
        sim.engine.private("ghost", "GET", "balance", {})
    assert caught.value.code == -2015
