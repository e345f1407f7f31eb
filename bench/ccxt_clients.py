"""ccxt's `aster` (EIP-712 v3) and `binanceusdm` (HMAC v1) clients, pointed at the simulator.

Configured the way a user would run them for speed: no client-side throttle
(`enableRateLimit=False`), no spot currency fetch (`fetchCurrencies=False`) and, for `aster`,
no builder fee (`builderFee=False`, which otherwise adds an approval round trip and a fee
field). Only the API URLs change, so every request goes through ccxt's normal path.
"""

from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt_async

CCXT_SYMBOL = "BTC/USDT:USDT"


def _point_at(exchange: Any, base_url: str, original_hosts: tuple[str, ...]) -> None:
    urls = exchange.urls["api"]
    for key, value in list(urls.items()):
        if isinstance(value, str):
            for host in original_hosts:
                if value.startswith(host):
                    urls[key] = base_url.rstrip("/") + value[len(host) :]


async def _no_spot_markets(params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"symbols": []}


def make_aster(base_url: str, *, private_key: str) -> Any:
    """ccxt `aster` signing v3 requests with the main wallet's own key (its default setup)."""
    exchange = ccxt_async.aster(
        {
            "privateKey": private_key,
            "enableRateLimit": False,
            "options": {"fetchCurrencies": False, "builderFee": False},
        }
    )
    _point_at(exchange, base_url, ("https://fapi.asterdex.com", "https://sapi.asterdex.com"))
    # Its market loader also asks the spot host; this exchange has futures only.
    exchange.sapiPublicGetV3ExchangeInfo = _no_spot_markets
    return exchange


def make_binanceusdm(base_url: str, *, api_key: str, api_secret: str) -> Any:
    """ccxt `binanceusdm` signing v1 (HMAC) requests."""
    exchange = ccxt_async.binanceusdm(
        {
            "apiKey": api_key,
            "secret": api_secret,
            "enableRateLimit": False,
            "options": {
                "fetchCurrencies": False,
                "fetchMarkets": {"types": ["linear"]},
                "adjustForTimeDifference": False,
            },
        }
    )
    _point_at(exchange, base_url, ("https://fapi.binance.com",))
    return exchange


class CcxtOrders:
    """Create and cancel resting LIMIT orders through a ccxt client."""

    def __init__(self, exchange: Any, quantity: float, price: float) -> None:
        self.exchange = exchange
        self.quantity = quantity
        self.price = price

    async def start(self) -> None:
        await self.exchange.load_markets()

    async def close(self) -> None:
        await self.exchange.close()

    async def create(self) -> str:
        order = await self.exchange.create_order(
            CCXT_SYMBOL, "limit", "buy", self.quantity, self.price
        )
        return str(order["id"])

    async def cancel(self, order_id: str) -> None:
        await self.exchange.cancel_order(order_id, CCXT_SYMBOL)
