"""Starting, settling and reporting an order manager in a soak process (the driver's two
managers, the second process's one)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from typing import Any

from execution.auth import Credentials
from execution.errors import ExecutionError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderStatus
from execution.orders.manager import OrderManager

logger = logging.getLogger("bench.soak.driver")

SETTLE_TIMEOUT = 45.0
# The manager's horizon for unknown outcomes: past the longest late execution injected (10 s).
UNKNOWN_HORIZON = 12.0


async def start_manager(
    args: argparse.Namespace, credentials: Credentials | None = None,
    db: str | None = None, prefix: str | None = None,
) -> tuple[AsterDEXExchange, OrderManager, int]:
    """Connect and start the manager (client order ids `args.prefix`-..., adopting unknown
    orders when `args.adopt`), retrying while faults get in the way. `credentials`, `db`
    and `prefix` override the environment's credentials, `args.db` and `args.prefix`."""
    attempts = 0
    while True:
        attempts += 1
        exchange = AsterDEXExchange(
            credentials, rest_urls=args.rest_url, ws_url=args.ws_url, dotenv_path=None,
            timeout=5.0,
        )
        manager: OrderManager | None = None
        try:
            await exchange.connect()
            manager = OrderManager(
                exchange, db or args.db, poll_interval=0.5, pending_grace=UNKNOWN_HORIZON,
                adopt_unknown=args.adopt, client_order_id_prefix=prefix or args.prefix,
            )
            await manager.start()
            return exchange, manager, attempts
        except ExecutionError as exc:
            logger.warning("start attempt %d failed: %s", attempts, exc)
            if manager is not None:
                with contextlib.suppress(Exception):
                    await manager.stop()
            with contextlib.suppress(Exception):
                await exchange.close()
            await asyncio.sleep(min(2.0, 0.2 * attempts))


def _unsettled(manager: OrderManager) -> list[str]:
    """Orders in flight, and "reconciliation" while what the start could not read (a ban
    during it) is still to be read again."""
    pending = (OrderStatus.PENDING_NEW, OrderStatus.PENDING_CANCEL)
    unsettled = [m.client_order_id for m in manager.orders if m.status in pending]
    report = manager.last_reconciliation
    if report is not None and report.unfinished:
        unsettled.append("reconciliation")
    return unsettled


async def settle(exchange: AsterDEXExchange, manager: OrderManager,
                 limit: float = SETTLE_TIMEOUT) -> None:
    """Wait (at most `limit` seconds) until the stream is up, nothing is in flight and
    nothing changed for a second and a half."""
    deadline = time.monotonic() + limit
    quiet_since = time.monotonic()
    last: tuple[Any, ...] = ()
    while time.monotonic() < deadline:
        snapshot = tuple(
            (m.client_order_id, m.status, m.filled_quantity) for m in manager.orders
        )
        busy = bool(_unsettled(manager)) or not exchange.user_stream_connected
        if busy or snapshot != last:
            quiet_since = time.monotonic()
            last = snapshot
        elif time.monotonic() - quiet_since >= 1.5:
            return
        await asyncio.sleep(0.1)
    logger.warning("not settled after %.0fs: %s", limit, _unsettled(manager)[:20])


def _key(key: object) -> str:
    """A position's key as text ("BTCUSDT"; a per-leg key as "BTCUSDT LONG")."""
    if isinstance(key, tuple):
        return " ".join(str(getattr(part, "value", part)) for part in key)
    return str(key)


def manager_state(manager: OrderManager, start_attempts: int, **extra: Any) -> dict[str, Any]:
    """What the manager knows at the end, for `verify`: its orders and positions (and
    `extra`: the driver's counts)."""
    return {
        "orders": {
            m.client_order_id: {
                "order_id": m.order_id,
                "symbol": m.symbol,
                "side": m.order.side.value,
                "status": m.status.value,
                "filled": str(m.filled_quantity),
                "role": m.role.value,
                "adopted": m.adopted,
            }
            for m in manager.orders
        },
        "positions": {_key(s): str(p.quantity) for s, p in manager.positions.items()},
        "start_attempts": start_attempts,
        **extra,
    }
