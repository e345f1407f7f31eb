"""Rate limits: headers on every response, 429 with Retry-After, then the 418 ban."""

from __future__ import annotations

import aiohttp

from execution.simulator import RateLimitConfig
from execution.simulator.ratelimit import RateLimiter

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.001", "price": "40000"}



async def test_headers_on_every_response(client) -> None:
    public = await client.public("/fapi/v1/ping")
    assert public.headers["X-MBX-USED-WEIGHT-1M"] == "1"
    assert public.headers["X-MBX-ORDER-COUNT-10S"] == "0"
    assert public.headers["X-MBX-ORDER-COUNT-1M"] == "0"
    depth = await client.public("/fapi/v1/depth", symbol="BTCUSDT", limit=100)
    assert depth.headers["X-MBX-USED-WEIGHT-1M"] == "6"  # 1 + 5 for limit 100
    order = await client.hmac("POST", "/fapi/v1/order", ORDER)
    assert order.status == 200, order.body
    assert order.headers["X-MBX-ORDER-COUNT-10S"] == "1"
    assert order.headers["X-MBX-ORDER-COUNT-1M"] == "1"
    error = await client.hmac("GET", "/fapi/v2/balance", tamper=True)
    assert "X-MBX-USED-WEIGHT-1M" in error.headers
    missing = await client.public("/fapi/v1/nothing")
    assert missing.status == 404


async def test_weight_limit_gives_429_then_418(simulator_factory, http) -> None:
    sim = await simulator_factory(rate_limits=RateLimitConfig(weight_per_minute=5, ban_seconds=7))
    url = sim.rest_url + "/fapi/v1/ping"
    for expected in range(1, 6):
        async with http.get(url) as response:
            assert response.status == 200
            assert response.headers["X-MBX-USED-WEIGHT-1M"] == str(expected)
    async with http.get(url) as response:
        assert response.status == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert (await response.json())["code"] == -1003
    async with http.get(url) as response:
        assert response.status == 418
        assert response.headers["Retry-After"] == "7"
        body = await response.json()
        assert body["code"] == -1003 and "banned until" in body["msg"]
    async with http.get(url) as response:
        assert response.status == 418


async def test_order_count_limit(simulator_factory, make_client) -> None:
    sim = await simulator_factory(rate_limits=RateLimitConfig(orders_per_10s=2))
    client = make_client(sim)
    for _ in range(2):
        assert (await client.hmac("POST", "/fapi/v1/order", ORDER)).status == 200
    limited = await client.hmac("POST", "/fapi/v1/order", ORDER)
    assert (limited.status, limited.code) == (429, -1015)
    assert "Retry-After" in limited.headers
    # queries are not orders
    assert (await client.hmac("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"})).status == 200


def test_windows_roll_over() -> None:
    limiter = RateLimiter(RateLimitConfig(weight_per_minute=2, minute_ms=1000))
    assert limiter.charge_weight("ip", 2, 10_000)[1] is None
    assert limiter.charge_weight("ip", 1, 10_500)[1] is not None  # 429
    # after the window, the 429 client that waited is served again
    used, error, _ = limiter.charge_weight("ip", 1, 11_000)
    assert error is None and used == 1


def test_exchange_info_limits_follow_config() -> None:
    limits = RateLimitConfig(weight_per_minute=7).exchange_info()
    assert {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
            "limit": 7} in limits


async def test_exchange_info_reports_configured_limits(simulator_factory) -> None:
    sim = await simulator_factory(rate_limits=RateLimitConfig(weight_per_minute=99))
    async with aiohttp.ClientSession() as session, session.get(
        sim.rest_url + "/fapi/v1/exchangeInfo"
    ) as response:
        info = await response.json()
    assert any(r["limit"] == 99 for r in info["rateLimits"])
    assert {s["symbol"] for s in info["symbols"]} >= {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
