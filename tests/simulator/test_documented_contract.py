"""The simulator held to the venue's documented futures API (`execution.venue_api`).

Every documented (method, path, scheme) is answered by a handler, signed as its document
says; nothing undocumented is answered unless the simulator runs lenient; the answers carry
the docs' field names with the docs' JSON types; every error code the simulator can raise
is in the docs' error list. Documented endpoints not served yet are listed in one place,
the description's `simulator.not_yet_served`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import execution.simulator
from execution.simulator import SimulatedExchange
from execution.simulator.endpoints import ENDPOINTS, VERSIONS, Router
from execution.venue_api import DocumentedEndpoint, load

from .contract import (
    best_mismatches,
    create_sub_account,
    migrate,
    sample_params,
    send_documented,
    sub_account_transfer,
)

API = load()
SERVED = sorted(API.keys - API.not_yet_served)
SYMBOL = "BTCUSDT"
# fields the docs' examples show but mark as present only for some orders
# ("only return with TRAILING_STOP_MARKET order"; adlQuantile: "HEDGE" is "returned instead
# of BOTH" for crossed hedge-mode positions)
CONDITIONAL_FIELDS = frozenset({"activatePrice", "priceRate", "HEDGE", "BOTH"})


def _documented(key: tuple[str, str]) -> DocumentedEndpoint:
    documented = API.endpoint(*key)
    assert documented is not None
    return documented


def test_not_yet_served_names_only_documented_endpoints() -> None:
    assert API.not_yet_served <= API.keys
    assert API.source_commit and len(API.endpoints) == len(API.keys)


def test_strict_routes_are_the_documented_set_minus_not_yet_served() -> None:
    assert set(Router().routes) == API.keys - API.not_yet_served
    for key, route in Router().routes.items():
        assert route.auth.value == _documented(key).auth


def test_weights_are_the_documented_weights() -> None:
    for key, route in Router().routes.items():
        documented, endpoint = _documented(key), route.endpoint
        if documented.weight_by_limit:
            assert endpoint.limit_weights == documented.weight_by_limit, key
            continue
        assert endpoint.weight_for({"symbol": SYMBOL}) == documented.weight, key
        expected_all = documented.weight_without_symbol or documented.weight
        assert endpoint.weight_for({}) == expected_all, key


@pytest.mark.parametrize("key", SERVED, ids=lambda key: f"{key[0]} {key[1]}")
async def test_every_documented_endpoint_is_answered(client: Any, key: tuple[str, str]) -> None:
    documented = _documented(key)
    reply = await send_documented(client, documented, sample_params(documented))
    assert reply.status != 404, (key, reply.body)
    # a JSON object or array, or the bare `true` the docs show for the MMP endpoints
    documented_boolean = documented.response is not None and (
        documented.response.kind == "boolean")
    assert isinstance(reply.body, dict | list) or (
        documented_boolean and reply.body is True), (key, reply.body)
    if reply.status != 200:  # an answer from the handler: the venue's error payload
        assert isinstance(reply.body, dict) and reply.body["code"] < 0, (key, reply.body)
        assert reply.body["code"] not in (-1002, -1022, -2014, -2015), (key, reply.body)


def _undocumented_paths() -> list[tuple[str, str]]:
    return sorted(
        (method, f"/fapi/{version}/{name}")
        for method, name in ENDPOINTS
        for version in VERSIONS
        if (method, f"/fapi/{version}/{name}") not in API.keys
        and not (name == "account" and version in ("v3", "v4"))  # accountWithJoinMargin, v4
    )


async def test_nothing_undocumented_is_answered_unless_lenient(
    client: Any, simulator_factory: Any, make_client: Any
) -> None:
    for method, path in _undocumented_paths():
        reply = await client.send(method, path)
        assert reply.status == 404, (method, path)
    for path in ("/api/v3/exchangeInfo", "/api/v1/ping", "/fapi/v3/account"):
        assert (await client.send("GET", path)).status == 404, path
    lenient = make_client(await simulator_factory(lenient=True))
    for path in ("/api/v3/exchangeInfo", "/fapi/v1/ping"):
        assert (await lenient.send("GET", path)).status == 200, path
    assert (await lenient.hmac("GET", "/fapi/v2/account")).status == 200
    assert (await lenient.hmac("GET", "/fapi/v3/positionRisk")).status == 200
    assert (await lenient.v3("GET", "/fapi/v3/account")).status == 200
    assert (await lenient.hmac("PUT", "/fapi/v1/order", {"symbol": SYMBOL, "orderId": 1})
            ).code == -2013


async def test_the_wrong_scheme_for_a_path_is_refused(client: Any) -> None:
    # HMAC on a v3 path: v3 authentication finds no signer
    hmac_on_v3 = await client.hmac("GET", "/fapi/v3/balance")
    assert (hmac_on_v3.status, hmac_on_v3.code) == (400, -1102)
    assert "signer" in hmac_on_v3.body["msg"]
    # EIP-712 on a v1 path: no API key
    v3_on_v1 = await client.v3("GET", "/fapi/v2/balance")
    assert (v3_on_v1.status, v3_on_v1.code) == (401, -2014)
    # v1 account information is v4 and HMAC only
    assert (await client.v3("GET", "/fapi/v4/account")).code == -2014
    # noop is v3 only
    assert (await client.hmac("POST", "/fapi/v1/noop")).status == 404
    # v1 MARKET_DATA needs the API key; the v3 document makes it public
    no_key = await client.public("/fapi/v1/historicalTrades", symbol=SYMBOL)
    assert (no_key.status, no_key.code) == (401, -2014)
    assert (await client.public("/fapi/v3/historicalTrades", symbol=SYMBOL)).status == 200


async def _with_data(simulator: SimulatedExchange, client: Any) -> dict[str, dict[str, Any]]:
    """Place a resting order and fill a market order (v1 and v3 share the account), so
    that lists have entries; returns parameters that make each endpoint answer data."""
    price = (simulator.mark_price(SYMBOL) * Decimal("0.9")).quantize(Decimal("0.1"))
    resting = await client.hmac("POST", "/fapi/v1/order", {
        "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.002", "price": str(price), "newClientOrderId": "contract-rest"})
    assert resting.status == 200, resting.body
    market = await client.hmac("POST", "/fapi/v1/order", {
        "symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "0.003"})
    assert market.status == 200, market.body
    order_ref = {"symbol": SYMBOL, "orderId": resting.body["orderId"]}
    strategy = await client.v3("POST", "/fapi/v3/placeStrategyOrder", {
        "strategyType": "OTO", "subOrderList": json.dumps([
            {"strategySubId": "1", "securityType": "USDT_FUTURES", "symbol": SYMBOL,
             "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.002",
             "price": str(price)},
            {"strategySubId": "2", "securityType": "USDT_FUTURES", "symbol": SYMBOL,
             "side": "SELL", "type": "STOP_MARKET", "stopPrice": str(price - 100),
             "closePosition": "true"},
        ])})
    assert strategy.status == 200, strategy.body
    strategy_ref = {"strategyId": strategy.body["strategyId"], "strategyType": "OTO"}
    mmp = await client.v3("POST", "/fapi/v3/mmp", {
        "symbol": SYMBOL, "windowTimeInMilliseconds": "5000",
        "frozenTimeInMilliseconds": "10000", "qtyLimit": "10"})
    assert mmp.body is True, mmp.body
    notice = simulator.engine.announcements.publish(
        simulator.account.account_id, [("en", "Maintenance", "Soon", "Downtime at 02:00")],
        category="MAINTENANCE", publish_time=simulator.server_time_ms())
    sub, sub_key = await create_sub_account(client, "contract-sub")
    assert (await sub_account_transfer(client, sub, "10")).status == 200
    batch = await migrate(client, sub, sub_key)
    assert "batchId" in batch.body, batch.body
    return {
        "asset/migrateUser/history": {"batchId": batch.body["batchId"]},
        "announcement/directById": {"id": notice},
        "strategyOpenOrder": strategy_ref,
        "strategyHistoryOrder": strategy_ref,
        "order": order_ref,
        "openOrder": order_ref,
        "leverageBracket": {"symbol": SYMBOL},
        "indexPriceKlines": {"pair": SYMBOL, "interval": "1m", "limit": "5"},
        "positionMargin/history": {"symbol": SYMBOL},
    }


async def test_answers_carry_the_documented_fields_and_types(
    simulator: SimulatedExchange, client: Any
) -> None:
    data_params = await _with_data(simulator, client)
    found: dict[str, list[str]] = {}
    checked = 0
    for key in SERVED:
        documented = _documented(key)
        if documented.method != "GET" or documented.response is None:
            continue
        params = data_params.get(documented.name, sample_params(documented))
        reply = await send_documented(client, documented, params)
        assert reply.status == 200, (key, reply.body)
        problems = [
            m for m in best_mismatches(documented, reply.body)
            if not (m.endswith(": missing") and m.rsplit(".", 1)[-1][:-9] in CONDITIONAL_FIELDS)
        ]
        if problems:
            found[f"{key[0]} {key[1]}"] = problems
        checked += 1
    assert not found, found
    assert checked >= 40


async def test_mutating_answers_carry_the_documented_fields(
    simulator: SimulatedExchange, client: Any
) -> None:
    """The data-returning TRADE endpoints, on both schemes."""
    price = (simulator.mark_price(SYMBOL) * Decimal("0.9")).quantize(Decimal("0.1"))
    for version, send in (("v1", client.hmac), ("v3", client.v3)):
        order = {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                 "quantity": "0.002", "price": str(price)}
        calls: list[tuple[str, str, dict[str, Any]]] = [
            ("POST", "order", order),
            ("POST", "leverage", {"symbol": SYMBOL, "leverage": "5"}),
            ("DELETE", "allOpenOrders", {"symbol": SYMBOL}),
        ]
        for method, name, params in calls:
            documented = _documented((method, f"/fapi/{version}/{name}"))
            reply = await send(method, documented.path, params)
            assert reply.status == 200, (documented.path, reply.body)
            problems = best_mismatches(documented, reply.body)
            assert not [p for p in problems if "missing" not in p or
                        p.rsplit(".", 1)[-1][:-9] not in CONDITIONAL_FIELDS], (name, problems)


_CODE = re.compile(r"(?:ApiError\(\s*|^\w+ = \(\s*)(-\d{4})\b", re.MULTILINE)


def _codes_the_simulator_raises() -> set[int]:
    root = Path(execution.simulator.__file__).parent
    codes: set[int] = set()
    for source in root.rglob("*.py"):
        codes |= {int(code) for code in _CODE.findall(source.read_text())}
    return codes


def test_every_error_code_the_simulator_raises_is_documented() -> None:
    raised = _codes_the_simulator_raises()
    assert len(raised) > 40  # the scan finds them (ApiError(...) and the rejection table)
    documented = {error.code for error in API.errors}
    # the codes for rules the docs state without a code are listed, with reasons, in the
    # description: the list shrinks only knowingly
    assert raised - documented == API.undocumented_error_codes
    assert not API.undocumented_error_codes & documented


def test_the_description_covers_streams_and_events() -> None:
    events = {s.event for s in API.streams if s.kind == "user_data"}
    assert {"ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE", "listenKeyExpired", "MARGIN_CALL",
            "ACCOUNT_CONFIG_UPDATE"} <= events
    names = {name for s in API.streams for name in s.names}
    assert {"<symbol>@aggTrade", "<symbol>@markPrice", "!markPrice@arr", "<symbol>@depth",
            "<symbol>@kline_<interval>", "<symbol>@bookTicker"} <= names
    order_update = next(s for s in API.streams if s.event == "ORDER_TRADE_UPDATE")
    inner = order_update.payload.field("o")
    assert inner is not None and {"s", "c", "S", "o", "X", "i"} <= inner.field_names
