"""The floor: the least a signed order request can cost in Python over aiohttp.

One pooled `aiohttp.ClientSession`, the same signing as the client (`execution.auth`), the
same endpoint, a URL-encoded form body, `json.loads` of the reply, and nothing else: no
validation, rounding, retries, rate-limit bookkeeping, order objects or logging. Whatever
a client spends above this is its own overhead.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

from execution.auth import Eip712Credentials, HmacCredentials


class FloorError(Exception):
    """The exchange answered with an error status."""


class FloorClient:
    """Bare signed requests for one account, v1 (HMAC) or v3 (EIP-712)."""

    def __init__(
        self,
        base_url: str,
        credentials: HmacCredentials | Eip712Credentials,
        *,
        recv_window: int = 5000,
        connection_limit: int = 100,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.recv_window = str(recv_window)
        self.version = "v1" if isinstance(credentials, HmacCredentials) else "v3"
        self._connection_limit = connection_limit
        self._session: aiohttp.ClientSession | None = None
        self._last_nonce = 0
        self._headers: dict[str, str] = {"Content-Type": "application/x-www-form-urlencoded"}
        if isinstance(credentials, HmacCredentials):
            self._headers["X-MBX-APIKEY"] = credentials.api_key

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._connection_limit)
        self._session = aiohttp.ClientSession(connector=connector)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _nonce(self) -> int:
        nonce = max(time.time_ns() // 1000, self._last_nonce + 1)
        self._last_nonce = nonce
        return nonce

    def signed_body(self, params: dict[str, str]) -> str:
        """The URL-encoded parameters with authentication appended and signed."""
        credentials = self.credentials
        if isinstance(credentials, HmacCredentials):
            payload = urlencode(params)
            payload += f"&recvWindow={self.recv_window}&timestamp={time.time_ns() // 1_000_000}"
            return f"{payload}&signature={credentials.sign(payload)}"
        payload = urlencode(params)
        payload += (
            f"&nonce={self._nonce()}&user={credentials.user}&signer={credentials.signer}"
        )
        return f"{payload}&signature={credentials.sign(payload)}"

    async def request(self, method: str, endpoint: str, params: dict[str, str]) -> Any:
        """Send one signed request to `/fapi/<version>/<endpoint>`; the decoded JSON reply."""
        session = self._session
        assert session is not None, "call start() first"
        url = f"{self.base_url}/fapi/{self.version}/{endpoint}"
        body = self.signed_body(params)
        async with session.request(method, url, data=body, headers=self._headers) as response:
            text = await response.read()
            if response.status != 200:
                raise FloorError(f"{response.status} {text[:200]!r}")
        return json.loads(text)


class FloorOrders:
    """Create and cancel resting LIMIT orders through a `FloorClient`."""

    def __init__(self, client: FloorClient, symbol: str, quantity: str, price: str) -> None:
        self.client = client
        self.symbol = symbol
        self.quantity = quantity
        self.price = price
        self._ids = itertools.count(1)
        self._prefix = f"floor{client.version}{time.time_ns() % 10**9}-"

    async def create(self) -> str:
        reply = await self.client.request(
            "POST",
            "order",
            {
                "symbol": self.symbol,
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": self.quantity,
                "price": self.price,
                "newClientOrderId": f"{self._prefix}{next(self._ids)}",
            },
        )
        return str(reply["orderId"])

    async def cancel(self, order_id: str) -> None:
        await self.client.request("DELETE", "order", {"symbol": self.symbol, "orderId": order_id})

    async def cancel_all(self) -> None:
        await self.client.request("DELETE", "allOpenOrders", {"symbol": self.symbol})
