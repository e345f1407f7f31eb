"""The market client against the simulator: live SUBSCRIBE / UNSUBSCRIBE on a combined
connection, typed events of every stream read, and the REST reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution.errors import ExchangeError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.market import streams
from execution.market.client import MarketStream
from execution.market.events import AggTrade, BookTicker, Kline, MarkPriceUpdate
from execution.market.rest import MarketRest
from execution.models import OrderSide, OrderType
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

from .conftest import poll


async def test_live_subscribe_and_unsubscribe_with_typed_events(
    book_sim: SimulatedExchange, venue: AsterDEXExchange
) -> None:
    got: list[tuple[str, Any]] = []
    stream = MarketStream(book_sim.ws_url)
    stream.add_listener(lambda name, event: got.append((name, event)))
    await stream.start()
    try:
        assert stream.connected and await stream.list_subscriptions() == []
        await stream.subscribe(streams.agg_trade("BTCUSDT"), streams.book_ticker("BTC/USDT"),
                               streams.kline("BTCUSDT", "1m"))
        assert sorted(await stream.list_subscriptions()) == [
            "btcusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@kline_1m"]
        await venue.create_order("BTCUSDT", OrderSide.BUY, OrderType.MARKET, Decimal("0.25"))
        for kind in (AggTrade, BookTicker, Kline):
            assert await poll(lambda kind=kind: any(  # type: ignore[misc]
                isinstance(e, kind) for _, e in got)), kind
        trade = next(e for _, e in got if isinstance(e, AggTrade))
        assert trade.symbol == "BTCUSDT" and trade.quantity == Decimal("0.25")
        assert not trade.buyer_is_maker  # the taker bought
        assert all(type(e.price) is Decimal for _, e in got if isinstance(e, AggTrade))
        assert ("btcusdt@aggTrade", trade) in got
        await stream.unsubscribe("btcusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@kline_1m")
        assert await stream.list_subscriptions() == []
        await stream.subscribe(streams.mark_price("BTCUSDT", every_second=True))
        book_sim.set_price("BTCUSDT", Decimal("50321.7"))
        assert await poll(lambda: any(isinstance(e, MarkPriceUpdate)
                                      and e.mark_price == Decimal("50321.7") for _, e in got))
        with pytest.raises(ExchangeError) as refused:
            await stream.subscribe("btcusdt@nosuchstream")
        assert refused.value.code == 2 and "btcusdt@nosuchstream" not in stream.streams
        many = [streams.kline(s, i) for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XUSDT",
                                              "YUSDT", "ZUSDT", "WUSDT", "VUSDT",
                                              "UUSDT", "TUSDT", "RUSDT", "QUSDT", "PUSDT",
                                              "OUSDT")
                for i in streams.KLINE_INTERVALS]
        with pytest.raises(ValidationError, match="at most 200"):
            await stream.subscribe(*many)  # refused before anything is sent
        assert len(stream.streams) == 1
    finally:
        await stream.stop()


async def test_rest_reads_under_v3_credentials_too(book_sim: SimulatedExchange) -> None:
    """EIP-712 credentials read the v3 document's paths (`/fapi/v3/depth`, ...)."""
    client = AsterDEXExchange(credentials_for(book_sim, "eip712"), rest_urls=book_sim.rest_urls,
                              ws_url=book_sim.ws_url, timeout=5.0, dotenv_path=None)
    async with client:
        reads = MarketRest(client.rest)
        assert (await reads.depth("BTCUSDT", 5)).bids
        assert (await reads.premium_index("BTCUSDT")).mark_price > 0
        assert (await reads.ticker_24h("BTCUSDT")).last_price > 0
        assert await reads.klines("BTCUSDT", "1m", 2)
    paths = {record.path for record in book_sim.request_log}
    assert {"/fapi/v3/depth", "/fapi/v3/premiumIndex", "/fapi/v3/ticker/24hr",
            "/fapi/v3/klines"} <= paths


async def test_rest_reads(book_sim: SimulatedExchange, market_rest: MarketRest) -> None:
    book_sim.step(5)
    depth = await market_rest.depth("BTCUSDT", 20)
    assert len(depth.bids) == 20 and depth.bids[0][0] < depth.asks[0][0]
    premium = await market_rest.premium_index("btcusdt")
    assert premium.mark_price == book_sim.mark_price("BTCUSDT")
    assert premium.next_funding_time > premium.time
    ticker = await market_rest.ticker_24h("BTCUSDT")
    assert ticker.symbol == "BTCUSDT" and ticker.high_price >= ticker.low_price > 0
    candles = await market_rest.klines("BTCUSDT", "1m", 10)
    assert candles and all(c.low <= c.open <= c.high and c.interval == "1m" for c in candles)
    rules = await market_rest.symbol_rules()
    assert rules["BTCUSDT"].tick_size > 0
    for call in (lambda: market_rest.depth("BTCUSDT", 7),
                 lambda: market_rest.klines("BTCUSDT", "2m"),
                 lambda: market_rest.klines("BTCUSDT", "1m", 0)):
        with pytest.raises(ValidationError):
            await call()
    with pytest.raises(ValidationError):
        streams.diff_depth("BTCUSDT", "250")


def test_depth_and_kline_weights_follow_the_limit_sent() -> None:
    """The docs weigh `depth` and `klines` by the limit asked: a 1,000-level snapshot is
    20, not the default's 10 (the budget would be under-counted)."""
    from execution.exchange import endpoints as ep

    assert [ep.DEPTH.weight_for(True, n) for n in (5, 50, 100, 500, 1000)] == [2, 2, 5, 10, 20]
    assert [ep.KLINES.weight_for(True, n) for n in (1, 99, 100, 500, 1000, 1500)] == [
        1, 1, 2, 5, 5, 10]
    assert ep.DEPTH.weight_for(True) == 10 and ep.TICKER_24HR.weight_for(False) == 40
