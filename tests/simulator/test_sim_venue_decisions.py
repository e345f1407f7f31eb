"""The simulator's answers where the venue's docs are ambiguous or differ from Binance
(docs/venue-decisions.md): each decision, over HTTP."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from execution.auth import EIP712_TESTNET_CHAIN_ID, Eip712Credentials
from execution.simulator import SimAccount, SimulatedExchange
from execution.simulator.engine import DEFAULT_SYMBOLS, Engine, EngineConfig

SYMBOL = "BTCUSDT"


def _limit(simulator: SimulatedExchange, **extra: Any) -> dict[str, Any]:
    price = (simulator.mark_price(SYMBOL) * Decimal("0.9")).quantize(Decimal("0.1"))
    return {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": "0.002", "price": str(price), **extra}


async def test_v3_without_user_is_the_signers_only_user(simulator, client) -> None:
    reply = await client.v3("GET", "/fapi/v3/balance", send_user=False)
    assert reply.status == 200, reply.body
    placed = await client.v3("POST", "/fapi/v3/order", _limit(simulator), send_user=False)
    assert placed.status == 200, placed.body
    assert simulator.request_log[-1].account_id == simulator.account.account_id


async def test_v3_without_user_is_refused_when_the_signer_serves_two_users(
    simulator_factory, make_client
) -> None:
    first = SimAccount.generate("first")
    second = SimAccount.generate("second")
    assert first.signer is not None
    second = SimAccount(
        account_id="second", api_key=second.api_key, api_secret=second.api_secret,
        user=second.user, user_private_key=second.user_private_key, signer=first.signer,
        signer_private_key=first.signer_private_key, balances=dict(second.balances),
    )
    sim = await simulator_factory(accounts=[first, second])
    client = make_client(sim, first)
    ambiguous = await client.v3("GET", "/fapi/v3/balance", send_user=False)
    assert (ambiguous.status, ambiguous.code) == (400, -1102)
    assert "'user'" in ambiguous.body["msg"]
    assert (await client.v3("GET", "/fapi/v3/balance")).status == 200


async def test_demo_style_signed_query_and_the_same_params_as_body(simulator, client) -> None:
    """demo/aster-code.py: the query string is signed and carries the signature; the same
    parameters (without the signature) are posted as the body."""
    account = simulator.account
    credentials = Eip712Credentials(account.user or "", None, account.signer_private_key or "")
    values = {**_limit(simulator), "nonce": client.next_nonce(), "user": credentials.user,
              "signer": credentials.signer}
    query = "&".join(f"{k}={v}" for k, v in values.items())  # the demo does not URL-encode
    signature = credentials.sign(query)
    reply = await client.send("POST", "/fapi/v3/order", f"{query}&signature={signature}",
                              urlencode(values))
    assert reply.status == 200, reply.body
    # a body with other parameters than the signed query is not covered by the signature
    values["nonce"] = client.next_nonce()
    query = "&".join(f"{k}={v}" for k, v in values.items())
    signature = credentials.sign(query)
    other = urlencode({**values, "quantity": "0.004"})
    tampered = await client.send("POST", "/fapi/v3/order", f"{query}&signature={signature}",
                                 other)
    assert tampered.code == -1022


async def test_single_quoted_batch_orders_as_in_the_docs_example(simulator, client) -> None:
    orders = [_limit(simulator, newClientOrderId=f"quoted-{i}") for i in range(2)]
    single_quoted = json.dumps(orders, separators=(",", ":")).replace('"', "'")
    for version, send in (("v1", client.hmac), ("v3", client.v3)):
        for order in orders:
            order["newClientOrderId"] = f"{version}-{order['newClientOrderId']}"
        single_quoted = json.dumps(orders, separators=(",", ":")).replace('"', "'")
        reply = await send("POST", f"/fapi/{version}/batchOrders",
                           {"batchOrders": single_quoted})
        assert reply.status == 200, reply.body
        assert [o["clientOrderId"] for o in reply.body] == [o["newClientOrderId"]
                                                             for o in orders]
    broken = await client.hmac("POST", "/fapi/v1/batchOrders", {"batchOrders": "[{'a':}]"})
    assert broken.code == -1102


async def test_index_price_klines_take_pair_and_every_documented_interval(client) -> None:
    by_pair = await client.public("/fapi/v1/indexPriceKlines", pair=SYMBOL, interval="1m",
                                  limit=3)
    assert by_pair.status == 200 and len(by_pair.body) == 3
    by_symbol = await client.public("/fapi/v1/indexPriceKlines", symbol=SYMBOL, interval="1m")
    assert by_symbol.code == -1102 and "'pair'" in by_symbol.body["msg"]
    from execution.venue_api import load

    for interval in load().enums["klineInterval"]:
        reply = await client.public("/fapi/v3/klines", symbol=SYMBOL, interval=interval)
        assert reply.status == 200, (interval, reply.body)
    assert (await client.public("/fapi/v3/klines", symbol=SYMBOL, interval="2M")).code == -1120


async def test_hidden_time_in_force_rests(simulator, client) -> None:
    info = await client.public("/fapi/v3/exchangeInfo")
    symbol = next(s for s in info.body["symbols"] if s["symbol"] == SYMBOL)
    assert "HIDDEN" in symbol["timeInForce"]
    placed = await client.v3("POST", "/fapi/v3/order", _limit(simulator, timeInForce="HIDDEN"))
    assert placed.status == 200, placed.body
    assert placed.body["status"] == "NEW" and placed.body["timeInForce"] == "HIDDEN"


async def test_modify_needs_no_side_and_keeps_what_is_not_sent(simulator, client) -> None:
    placed = await client.v3("POST", "/fapi/v3/order", _limit(simulator))
    ref = {"symbol": SYMBOL, "orderId": placed.body["orderId"]}
    new_price = str(Decimal(placed.body["price"]) - 10)
    moved = await client.v3("PUT", "/fapi/v3/order", {**ref, "quantity": "0.002",
                                                       "price": new_price})
    assert moved.status == 200 and Decimal(moved.body["price"]) == Decimal(new_price)
    # the table marks quantity and price optional: the one not sent is kept
    grown = await client.v3("PUT", "/fapi/v3/order", {**ref, "quantity": "0.003"})
    assert grown.status == 200, grown.body
    assert Decimal(grown.body["origQty"]) == Decimal("0.003")
    assert Decimal(grown.body["price"]) == Decimal(new_price)
    wrong_side = await client.v3("PUT", "/fapi/v3/order", {**ref, "side": "SELL",
                                                            "price": str(new_price)})
    assert wrong_side.code == -1130


async def test_step_and_minimum_quantity_answer_their_documented_codes(
    simulator_factory, make_client
) -> None:
    # a contract whose step (0.005) is coarser than its precision (3 decimals)
    coarse = replace(DEFAULT_SYMBOLS[0], step_size=Decimal("0.005"), min_qty=Decimal("0.005"))
    sim = await simulator_factory(engine=Engine(EngineConfig(symbols=[coarse], seed=7)))
    client = make_client(sim)
    price = (sim.mark_price(SYMBOL) * Decimal("0.9")).quantize(Decimal("0.1"))
    order = {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "price": str(price)}
    off_step = await client.hmac("POST", "/fapi/v1/order", {**order, "quantity": "0.012"})
    assert off_step.code == -4023 and off_step.body["msg"] == "Qty not increased by step size."
    too_fine = await client.hmac("POST", "/fapi/v1/order", {**order, "quantity": "0.0125"})
    assert too_fine.code == -1111  # more decimals than the precision: BAD_PRECISION
    below_min = await client.hmac("POST", "/fapi/v1/order", {**order, "quantity": "0"})
    assert below_min.code == -4003
    on_step = await client.hmac("POST", "/fapi/v1/order", {**order, "quantity": "0.015"})
    assert on_step.status == 200, on_step.body


async def test_minimum_quantity_answers_4004(simulator_factory, make_client) -> None:
    large_min = replace(DEFAULT_SYMBOLS[0], min_qty=Decimal("0.01"))
    sim = await simulator_factory(engine=Engine(EngineConfig(symbols=[large_min], seed=7)))
    client = make_client(sim)
    price = (sim.mark_price(SYMBOL) * Decimal("0.9")).quantize(Decimal("0.1"))
    reply = await client.hmac("POST", "/fapi/v1/order", {
        "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.005", "price": str(price)})
    assert reply.code == -4004


async def test_number_fields_are_json_numbers(simulator, client, http) -> None:
    """The docs' examples write these as numbers: leverageBracket's ratios, positionMargin's
    amount, exchangeInfo's autoAssetExchange and multiplierDecimal, fundingInfo's caps;
    and as strings: income's tranId, cancel-all's code."""
    brackets = await client.hmac("GET", "/fapi/v1/leverageBracket", {"symbol": SYMBOL})
    row = brackets.body["brackets"][0]
    assert all(isinstance(row[k], int | float) for k in ("maintMarginRatio", "cum",
                                                          "notionalCap", "initialLeverage"))
    assert (await client.hmac("POST", "/fapi/v1/marginType",
                              {"symbol": "ETHUSDT", "marginType": "ISOLATED"})).status == 200
    bought = await client.hmac("POST", "/fapi/v1/order",
                               {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET",
                                "quantity": "1"})
    assert bought.status == 200, bought.body
    added = await client.hmac("POST", "/fapi/v1/positionMargin",
                              {"symbol": "ETHUSDT", "amount": "12.5", "type": 1})
    assert added.status == 200 and added.body["amount"] == 12.5, added.body
    info = (await client.public("/fapi/v1/exchangeInfo")).body
    assert all(isinstance(a["autoAssetExchange"], int) for a in info["assets"])
    percent = next(f for f in info["symbols"][0]["filters"]
                   if f["filterType"] == "PERCENT_PRICE")
    assert percent["multiplierDecimal"] == 4
    assert info["symbols"][0]["OrderType"] == info["symbols"][0]["orderTypes"]
    funding = (await client.public("/fapi/v1/fundingInfo", symbol=SYMBOL)).body
    assert len(funding) == 1 and funding[0]["fundingFeeCap"] == 0.02
    assert funding[0]["fundingFeeFloor"] == -0.02 and isinstance(funding[0]["time"], int)
    income = (await client.hmac("GET", "/fapi/v1/income", {})).body
    assert income and all(isinstance(entry["tranId"], str) for entry in income)
    cancel_all = await client.hmac("DELETE", "/fapi/v1/allOpenOrders", {"symbol": SYMBOL})
    assert cancel_all.body["code"] == "200"
    ticker = (await client.public("/fapi/v1/ticker/24hr", symbol=SYMBOL)).body
    assert ticker["prevClosePrice"] == ticker["openPrice"]


async def test_testnet_chain_id(simulator_factory, make_client) -> None:
    testnet = await simulator_factory(chain_id=EIP712_TESTNET_CHAIN_ID)
    client = make_client(testnet)
    on_testnet = await client.v3("GET", "/fapi/v3/balance", chain_id=EIP712_TESTNET_CHAIN_ID)
    assert on_testnet.status == 200, on_testnet.body
    assert (await client.v3("GET", "/fapi/v3/balance")).code == -1022  # mainnet's 1666
    mainnet = make_client(await simulator_factory())
    assert (await mainnet.v3("GET", "/fapi/v3/balance",
                             chain_id=EIP712_TESTNET_CHAIN_ID)).code == -1022


async def test_a_noop_cancels_a_queued_request_sent_without_user(simulator, client) -> None:
    """The implied user is the one whose nonce the queued request holds, so a noop with
    the same nonce (also without `user`) still cancels it."""
    simulator.faults.fail_requests(path="/fapi/v3/order", execute=True, execute_after_ms=300)
    nonce = client.next_nonce()
    queued = await client.v3("POST", "/fapi/v3/order", _limit(simulator), nonce=nonce,
                             send_user=False)
    assert queued.status == 503
    noop = await client.v3("POST", "/fapi/v3/noop", nonce=nonce, send_user=False)
    assert noop.status == 200, noop.body
    for _ in range(100):
        if simulator.late_requests != (0, 0):
            break
        await asyncio.sleep(0.05)
    assert simulator.late_requests == (0, 1)
