"""python-binance's futures client, a referee nobody here wrote, against the simulator with
only its URL changed. Strict, everything on the AsterDEX docs' paths works and the calls
python-binance makes on Binance's own v3 paths with HMAC (balance, account, positionRisk)
are refused as the venue would; lenient, the whole flow runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from execution.simulator import SimulatedExchange

binance_client = pytest.importorskip("binance.client")

Calls = list[tuple[str, Callable[[Any], Any]]]

DOCUMENTED: Calls = [
    ("time", lambda c: c.futures_time()["serverTime"]),
    ("exchange info", lambda c: len(c.futures_exchange_info()["symbols"])),
    ("mark price", lambda c: c.futures_mark_price(symbol="BTCUSDT")["markPrice"]),
    ("depth", lambda c: len(c.futures_order_book(symbol="BTCUSDT")["bids"])),
    ("klines", lambda c: len(c.futures_klines(symbol="BTCUSDT", interval="1m", limit=5))),
    ("leverage", lambda c: c.futures_change_leverage(symbol="BTCUSDT", leverage=3)["leverage"]),
    ("limit order", lambda c: c.futures_create_order(
        symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.002",
        price="40000", newClientOrderId="pb-limit")["status"]),
    ("query order", lambda c: c.futures_get_order(
        symbol="BTCUSDT", origClientOrderId="pb-limit")["status"]),
    ("open orders", lambda c: len(c.futures_get_open_orders(symbol="BTCUSDT"))),
    ("cancel", lambda c: c.futures_cancel_order(
        symbol="BTCUSDT", origClientOrderId="pb-limit")["status"]),
    ("market order", lambda c: c.futures_create_order(
        symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002")["orderId"]),
    ("trades", lambda c: len(c.futures_account_trades(symbol="BTCUSDT"))),
    ("income", lambda c: len(c.futures_income_history())),
    ("listen key", lambda c: bool(c.futures_stream_get_listen_key())),
    ("all orders", lambda c: len(c.futures_get_all_orders(symbol="BTCUSDT"))),
]
# Binance's v3 paths signed with HMAC: not in the AsterDEX docs (v3 is EIP-712 there).
BINANCE_V3: Calls = [
    ("balance", lambda c: c.futures_account_balance()[0]["asset"]),
    ("account", lambda c: c.futures_account()["totalWalletBalance"]),
    ("positions", lambda c: [p["positionAmt"] for p in c.futures_position_information(
        symbol="BTCUSDT")]),
]


def run_flow(sim: SimulatedExchange, calls: Calls) -> dict[str, Any]:
    account = sim.account
    client = binance_client.Client(account.api_key, account.api_secret, ping=False)
    client.FUTURES_URL = sim.rest_url.rstrip("/") + "/fapi"
    results: dict[str, Any] = {}
    for name, call in calls:
        try:
            results[name] = call(client)
        except Exception as exc:  # what the referee says is the finding
            results[name] = exc
    return results


async def flow(sim: SimulatedExchange, calls: Calls) -> dict[str, Any]:
    # python-binance is synchronous (requests): off the loop that serves the simulator
    return await asyncio.get_running_loop().run_in_executor(None, run_flow, sim, calls)


async def test_strict_the_documented_flow_runs_and_binance_v3_hmac_is_refused(
    simulator_factory: Any,
) -> None:
    sim = await simulator_factory(lenient=False)
    results = await flow(sim, DOCUMENTED + BINANCE_V3)
    failed = {k: v for k, v in results.items() if isinstance(v, Exception)}
    assert set(failed) == {name for name, _ in BINANCE_V3}, failed
    assert results["limit order"] == "NEW" and results["cancel"] == "CANCELED"


async def test_lenient_the_whole_flow_runs(simulator_factory: Any) -> None:
    sim = await simulator_factory(lenient=True)
    results = await flow(sim, DOCUMENTED + BINANCE_V3)
    failed = {k: v for k, v in results.items() if isinstance(v, Exception)}
    assert failed == {}
    assert results["positions"] == ["0.002"] and results["balance"] == "USDT"


async def _first_message(sim: SimulatedExchange, open_socket: Callable[[Any], Any],
                         prod: Callable[[], None]) -> Any:
    """The first payload of one of python-binance's futures sockets on the simulator."""
    from binance import AsyncClient, BinanceSocketManager

    client = AsyncClient(sim.account.api_key, sim.account.api_secret)
    client.FUTURES_URL = sim.rest_url.rstrip("/") + "/fapi"
    manager = BinanceSocketManager(client)
    manager.FSTREAM_URL = sim.ws_url + "/"
    async def keep_prodding() -> None:  # recv() is not cancelled: python-binance minds
        while True:
            await asyncio.sleep(0.3)
            prod()

    prodding = asyncio.create_task(keep_prodding())
    try:
        async with open_socket(manager) as socket:
            return await asyncio.wait_for(socket.recv(), 15)
    finally:
        prodding.cancel()
        await client.close_connection()


FUTURES_SOCKETS: list[tuple[str, Callable[[Any], Any], str]] = [
    ("aggregate trades", lambda m: m.aggtrade_futures_socket("BTCUSDT"), "aggTrade"),
    ("partial depth", lambda m: m.futures_depth_socket("BTCUSDT", "10"), "depthUpdate"),
    ("mark price 1s", lambda m: m.symbol_mark_price_socket("BTCUSDT"), "markPriceUpdate"),
    ("24hr ticker", lambda m: m.individual_symbol_ticker_futures_socket("BTCUSDT"),
     "24hrTicker"),
    ("book ticker", lambda m: m.symbol_ticker_futures_socket("BTCUSDT"), "bookTicker"),
]


@pytest.mark.parametrize(("name", "open_socket", "event"), FUTURES_SOCKETS,
                         ids=[s[0] for s in FUTURES_SOCKETS])
async def test_lenient_futures_websockets_stream(simulator_factory: Any, name: str,
                                                 open_socket: Any, event: str) -> None:
    """python-binance routes streams by Binance's `/market/` and `/public/` categories, which
    the AsterDEX docs do not have: served lenient."""
    pytest.importorskip("binance.ws.streams")
    sim = await simulator_factory(lenient=True)
    message = await _first_message(sim, open_socket, lambda: sim.step(1))
    assert message["data"]["e"] == event and message["data"]["s"] == "BTCUSDT", message


async def test_strict_futures_websockets_are_not_on_documented_paths(
    simulator_factory: Any,
) -> None:
    pytest.importorskip("binance.ws.streams")
    sim = await simulator_factory(lenient=False)
    websockets = pytest.importorskip("websockets.exceptions")
    with pytest.raises(websockets.InvalidStatus, match="404"):  # the handshake is refused
        await _first_message(sim, FUTURES_SOCKETS[0][1], lambda: sim.step(1))
    assert [r.status for r in sim.request_log if r.path == "/market/stream"][:1] == [404]
