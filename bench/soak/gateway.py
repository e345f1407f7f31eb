"""An exchange gateway restart: listenKeys dropped, every connection cut, state kept.

`SimulatedExchange.restart_gateway()` does this when the simulator has it; otherwise
`restart_gateway` approximates it from the outside: every endpoint goes down (its REST and
WebSocket connections are cut and new ones refused), the simulator's listenKeys are
forgotten (a client must create a new one: its old key answers -1125 and its socket is
refused), and the endpoints come back up after `downtime` seconds. Orders, positions and
balances are kept.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from execution.simulator import SimulatedExchange

_PENDING: set[asyncio.Future[Any]] = set()  # native restarts still running


def _forget_listen_keys(sim: SimulatedExchange) -> int:
    keys: Any = sim.listen_keys
    by_key: dict[str, Any] = keys._by_key  # the simulator keeps them in two maps
    by_account: dict[str, str] = keys._by_account
    dropped = len(by_key)
    by_key.clear()
    by_account.clear()
    return dropped


def restart_gateway(
    sim: SimulatedExchange, downtime: float, later: Callable[[float, Callable[[], None]], None]
) -> str:
    """Restart the gateway (`later(delay, action)` runs `action` after `delay` seconds);
    returns "native" or "approximated"."""
    native = getattr(sim, "restart_gateway", None)
    if callable(native):
        result = native()
        if inspect.isawaitable(result):
            _PENDING.add(asyncio.ensure_future(result))
            for done in [f for f in _PENDING if f.done()]:
                _PENDING.discard(done)
        return "native"
    faults = sim.faults
    down = [index for index in range(sim.endpoint_count) if not faults.is_down(index)]
    for index in down:
        faults.set_endpoint_down(index, True)
    _forget_listen_keys(sim)
    faults.drop_websockets()

    def back_up() -> None:
        for index in down:
            faults.set_endpoint_down(index, False)

    later(downtime, back_up)
    return "approximated"
