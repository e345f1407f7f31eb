"""`aster-exec buy/sell` with odd number strings: exit code 2, nothing sent (issue 11, #6).

Before, "0_01" bought 1 BTC, "٣" 3 and "１２" 12: the CLI parsed with `Decimal()`, which
takes underscores and the digits of every script.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

from execution.simulator import SimulatedExchange

Env = Callable[[SimulatedExchange], dict[str, str]]
Requests = Callable[[SimulatedExchange], list[str]]

# The "1" of a sample of scripts (Arabic-Indic, Devanagari, Thai, fullwidth, math bold...).
SCRIPT_ONES = [chr(c) for c in (0x0661, 0x0967, 0x09E7, 0x0E51, 0xFF11, 0x1D7CF)]
assert all(unicodedata.digit(d) == 1 for d in SCRIPT_ONES)

ODD = ["0_01", "٣", "１２", "0.0१", "1e400", "NaN", "Infinity", "²", "1 0", "0,01",
       "\u00a00.01", "0.01\u2003", *SCRIPT_ONES]


async def test_odd_quantities_exit_2_and_send_nothing(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, order_requests: Requests
) -> None:
    env = sim_env(simulator)
    for text in ODD:
        for command in (["buy", "BTCUSDT", text], ["sell", "BTCUSDT", text],
                        ["buy", "BTCUSDT", "0.01", "--price", text],
                        ["sell", "BTCUSDT", "0.01", "--type", "stop", "--stop-price", text]):
            outcome = await cli.arun(*command, "--yes", env=env)
            assert outcome.exit_code == 2, (command, outcome)
            assert "Traceback" not in outcome.stderr
    assert order_requests(simulator) == []


@pytest.mark.parametrize("text", ["0.01", " 0.01", "1e-2", ".01"])
async def test_plain_ascii_quantities_are_taken(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, order_requests: Requests, text: str
) -> None:
    outcome = await cli.arun("buy", "BTCUSDT", text, "--yes", env=sim_env(simulator))
    assert outcome.exit_code == 0, outcome
    assert "About to BUY 0.01 BTCUSDT MARKET" in outcome.stderr
    assert order_requests(simulator) == ["POST /fapi/v1/order"]


async def test_an_odd_order_id_is_refused_before_connecting(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, order_requests: Requests
) -> None:
    for order_id in ("٣", "１２", "1_0", "12a"):
        outcome = await cli.arun("cancel", "BTCUSDT", order_id, "--yes", env=sim_env(simulator))
        assert outcome.exit_code == 2, outcome
        assert "order_id" in outcome.stderr
    assert [r for r in simulator.request_log if r.path.endswith("/order")] == []
