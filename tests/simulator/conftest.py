"""A small raw HTTP client for the simulator tests: signs with HMAC or EIP-712 and returns
status, JSON and headers, so tests see exactly what went over the wire."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest_asyncio

from execution.auth import EIP712_CHAIN_ID, Eip712Credentials, hmac_sha256_hex
from execution.simulator import SimAccount, SimulatedExchange


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> Any:
        return self.body.get("code") if isinstance(self.body, dict) else None


class SimClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, account: SimAccount):
        self.session = session
        self.base_url = base_url
        self.account = account
        self._nonce = 0

    async def send(self, method: str, path: str, query: str = "", body: str = "",
                   headers: dict[str, str] | None = None) -> Reply:
        url = self.base_url + path + ("?" + query if query else "")
        all_headers = dict(headers or {})
        if body:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        async with self.session.request(method, url, data=body or None,
                                        headers=all_headers) as response:
            text = await response.text()
            try:
                payload: Any = await response.json(content_type=None)
            except ValueError:
                payload = text
            return Reply(response.status, payload, dict(response.headers))

    async def public(self, path: str, **params: Any) -> Reply:
        return await self.send("GET", path, urlencode(params))

    def _place(self, method: str, payload: str) -> tuple[str, str]:
        return (payload, "") if method == "GET" else ("", payload)

    async def hmac(self, method: str, path: str, params: dict[str, Any] | None = None, *,
                   api_key: str | None = None, secret: str | None = None,
                   timestamp: int | None = None, recv_window: int | None = None,
                   send_key: bool = True, tamper: bool = False,
                   sign: bool = True) -> Reply:
        values = dict(params or {})
        if recv_window is not None:
            values["recvWindow"] = recv_window
        values["timestamp"] = timestamp if timestamp is not None else int(time.time() * 1000)
        payload = urlencode(values)
        if sign:
            signature = hmac_sha256_hex(secret or self.account.api_secret or "", payload)
            if tamper:
                signature = ("0" if signature[0] != "0" else "1") + signature[1:]
            payload += "&signature=" + signature
        headers = {"X-MBX-APIKEY": api_key or self.account.api_key or ""} if send_key else {}
        query, body = self._place(method, payload)
        return await self.send(method, path, query, body, headers)

    def next_nonce(self) -> int:
        self._nonce = max(self._nonce + 1, int(time.time() * 1_000_000))
        return self._nonce

    async def v3(self, method: str, path: str, params: dict[str, Any] | None = None, *,
                 private_key: str | None = None, user: str | None = None,
                 signer: str | None = None, nonce: int | None = None,
                 tamper: bool = False, send_user: bool = True,
                 chain_id: int = EIP712_CHAIN_ID) -> Reply:
        key = private_key or self.account.signer_private_key or ""
        credentials = Eip712Credentials(user or self.account.user or "", None, key)
        values = dict(params or {})
        values["nonce"] = nonce if nonce is not None else self.next_nonce()
        if send_user:
            values["user"] = user or credentials.user
        values["signer"] = signer or credentials.signer
        payload = urlencode(values)
        signature = credentials.sign(payload, chain_id)
        if tamper:
            signature = credentials.sign(payload + "x", chain_id)
        payload += "&signature=" + signature
        query, body = self._place(method, payload)
        return await self.send(method, path, query, body)


@pytest_asyncio.fixture
async def client(simulator: SimulatedExchange) -> AsyncIterator[SimClient]:
    async with aiohttp.ClientSession() as session:
        yield SimClient(session, simulator.rest_url, simulator.account)


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture
async def make_client(http: aiohttp.ClientSession) -> Any:
    """`make_client(sim, account=None, endpoint=0)` -> a SimClient for that simulator."""

    def make(sim: SimulatedExchange, account: SimAccount | None = None,
             endpoint: int = 0) -> SimClient:
        return SimClient(http, sim.rest_urls[endpoint], account or sim.account)

    return make
