"""WebSocket helpers shared by the simulator's stream tests."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


async def receive_until(ws: aiohttp.ClientWebSocketResponse, predicate: Any,
                        wait_seconds: float = 10.0) -> dict[str, Any]:
    """The first JSON message for which `predicate` is true (fails if the socket ends)."""
    async def loop() -> dict[str, Any]:
        while True:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket ended: {message}")
            event = message.json()
            if predicate(event):
                return event

    return await asyncio.wait_for(loop(), wait_seconds)
