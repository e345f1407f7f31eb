"""The user-data notices over real WebSockets: `MARGIN_CALL` when positions near
liquidation, `announcement` when the operator publishes one (direct or public)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp

from execution.simulator import SimAccount, SimulatedExchange

from .notices import (
    SYMBOL,
    is_event,
    liquidation_price,
    open_long,
    receive,
    walk_down_until_called,
)

CONTENTS = [("en", "Listing", "New contract", "<p>ETH</p>"),
            ("zh", "上新", "新合约", "<p>以太</p>")]


async def _user_socket(client: Any, http: aiohttp.ClientSession,
                       sim: SimulatedExchange) -> aiohttp.ClientWebSocketResponse:
    key = (await client.hmac("POST", "/fapi/v1/listenKey")).body["listenKey"]
    return await http.ws_connect(f"{sim.ws_url}/ws/{key}")


async def test_a_cross_long_near_liquidation_gets_one_margin_call_until_it_recovers(
    simulator: SimulatedExchange, client: Any, http: aiohttp.ClientSession
) -> None:
    await open_long(client)
    entry, liquidation = await liquidation_price(client)
    ws = await _user_socket(client, http, simulator)
    try:
        called_at = walk_down_until_called(simulator, entry, liquidation)
        call = await receive(ws, is_event("MARGIN_CALL"))
        assert set(call) == {"e", "E", "cw", "p"} and isinstance(call["E"], int)
        [position] = call["p"]
        assert (position["s"], position["ps"], position["pa"], position["mt"]) == (
            SYMBOL, "BOTH", "3", "CROSSED")
        assert Decimal(position["mp"]) == called_at and Decimal(position["up"]) < 0
        mm = Decimal(position["mm"])
        balance = Decimal(call["cw"]) + Decimal(position["up"])
        assert mm >= Decimal("0.8") * balance and mm < balance  # near, not liquidated
        desk = simulator.engine.margin_calls
        simulator.set_price(SYMBOL, called_at - Decimal("0.1"))  # still in the zone
        assert desk.calls == 1  # not repeated while it stays there
        simulator.set_price(SYMBOL, entry)  # recovered
        walk_down_until_called(simulator, entry, liquidation)
        again = await receive(ws, is_event("MARGIN_CALL"))
        assert again["E"] >= call["E"] and desk.calls == 2
        assert simulator.engine.liquidator.liquidations == 0
    finally:
        await ws.close()


async def test_an_isolated_position_is_called_alone_without_the_cross_wallet(
    simulator: SimulatedExchange, client: Any, http: aiohttp.ClientSession
) -> None:
    await open_long(client, "1", isolated=True)
    entry, liquidation = await liquidation_price(client)
    ws = await _user_socket(client, http, simulator)
    try:
        walk_down_until_called(simulator, entry, liquidation)
        call = await receive(ws, is_event("MARGIN_CALL"))
        assert "cw" not in call  # "Only pushed with crossed position margin call"
        [position] = call["p"]
        assert position["mt"] == "ISOLATED" and Decimal(position["iw"]) > 0
    finally:
        await ws.close()


async def test_a_gap_through_liquidation_sends_no_margin_call_for_the_closed_position(
    simulator: SimulatedExchange, client: Any
) -> None:
    await open_long(client)
    _, liquidation = await liquidation_price(client)
    simulator.set_price(SYMBOL, liquidation - 1000)
    assert simulator.engine.liquidator.liquidations == 1
    assert simulator.engine.margin_calls.calls == 0


async def test_a_direct_announcement_reaches_only_its_account_a_public_one_every_account(
    simulator_factory: Any, make_client: Any, http: aiohttp.ClientSession
) -> None:
    first, second = SimAccount.generate("first"), SimAccount.generate("second")
    sim = await simulator_factory(accounts=[first, second])
    ws_first = await _user_socket(make_client(sim, first), http, sim)
    ws_second = await _user_socket(make_client(sim, second), http, sim)
    board = sim.engine.announcements
    try:
        direct = board.publish(first.account_id, CONTENTS, category="MAINTENANCE",
                               publish_time=1781684634276, jump_link="https://x")
        public = board.publish_public(CONTENTS[:1], publish_time=1781684565591)
        got = await receive(ws_first, is_event("announcement"))
        assert set(got) == {"e", "en", "zh"}
        assert got["en"] == {"i": direct, "t": "Listing", "s": "New contract", "c": "DIRECT",
                             "d": 1781684634276, "S": False, "j": "https://x",
                             "C": "<p>ETH</p>"}
        assert (got["zh"]["t"], got["zh"]["c"], got["zh"]["i"]) == ("上新", "DIRECT", direct)
        for ws in (ws_first, ws_second):  # the second socket's first one is the public
            shown = await receive(ws, is_event("announcement"))
            assert (shown["en"]["i"], shown["en"]["c"]) == (public, "NEW_LISTING")
            assert shown["zh"]["t"] == "Listing"  # no Chinese text published: the first
        # the public one is not among the direct announcements the REST endpoints list
        assert [a.announcement_id for a in board.announcements] == [direct]
    finally:
        await ws_first.close()
        await ws_second.close()
