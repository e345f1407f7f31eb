"""A step of the machine's clock (forward or back, an hour) while an order's outcome is
unknown: it is neither taken as never placed at once nor kept pending for ever; it is
settled when the horizon is over, as measured by elapsed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from execution.errors import OrderStatusUnknownError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

SYMBOL = "BTCUSDT"
HORIZON = 3.0


def stepped_wall(step_ns: list[int]) -> Callable[[], int]:
    real = time.time_ns

    def wall() -> int:
        return real() + step_ns[0]

    return wall


@pytest.mark.parametrize("step_s", [3600, -3600])
async def test_a_wall_clock_step_neither_settles_an_unknown_outcome_early_nor_never(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, step_s: int,
) -> None:
    step = [0]
    monkeypatch.setattr(time, "time_ns", stepped_wall(step))
    async with OrderManager(exchange, tmp_path / "orders.sqlite", poll_interval=0.05,
                            pending_grace=HORIZON) as manager:
        simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=False,
                                       path="order", method="POST")
        started = time.monotonic()
        with pytest.raises(OrderStatusUnknownError):
            await manager.place_limit_order(SYMBOL, OrderSide.BUY, Decimal("0.01"),
                                            Decimal("40000"), client_order_id="stepped")
        order = manager.get_order("stepped")
        assert order is not None
        step[0] = step_s * 1_000_000_000
        await asyncio.sleep(max(0.0, started + HORIZON - 1.0 - time.monotonic()))
        assert order.status is OrderStatus.PENDING_NEW  # not settled early by a step
        for _ in range(200):  # settled once the horizon is over (not never)
            if order.status is not OrderStatus.PENDING_NEW:
                break
            await asyncio.sleep(0.05)
        assert order.status is OrderStatus.REJECTED and order.rejected_locally
        assert time.monotonic() - started >= HORIZON
