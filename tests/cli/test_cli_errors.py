"""Bad input gives one line on stderr, a non-zero exit code that says what failed, and
sends nothing to the exchange."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from execution.simulator import SimulatedExchange

Env = Callable[[SimulatedExchange], dict[str, str]]
Requests = Callable[[SimulatedExchange], list[str]]


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr
    return errors[0]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["buy", "BTCUSDT", "-1"], 2, "quantity"),
        (["buy", "BTCUSDT", "0"], 2, "greater than 0"),
        (["sell", "BTCUSDT", "abc"], 2, "decimal number"),
        (["buy", "BTCUSDT", "0.01", "--price", "-5"], 2, "price"),
        (["buy", "BTCUSDT", "0.01", "--type", "limit"], 2, "needs --price"),
        (["buy", "BTCUSDT", "0.01", "--type", "stop"], 2, "--stop-price"),
        (["buy", "BTCUSDT", "0.01", "--type", "market", "--price", "1"], 2, "no price"),
        (["buy", "BTCUSDT", "0.01", "--client-id", "bad id!"], 2, "client_id"),
        (["buy", "BTC-USDT", "0.01"], 2, "symbol"),
        (["buy", "FOOUSDT", "0.01"], 2, "unknown symbol"),
        (["buy", "BTCUSDT", "0.0000001"], 2, "quantity"),
        (["cancel", "BTCUSDT"], 2, "order id"),
        (["leverage", "BTCUSDT", "0"], 2, "leverage"),
        (["leverage", "BTCUSDT", "2.5"], 2, "whole number"),
        (["orders", "--history"], 2, "--symbol"),
        (["buy", "BTCUSDT", "0.01", "--bogus"], 2, "--bogus"),
    ],
)
async def test_bad_input_is_rejected_before_sending(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, order_requests: Requests,
    args: list[str], code: int, words: str,
) -> None:
    outcome = await cli.arun(*args, env=sim_env(simulator))
    assert outcome.exit_code == code, outcome
    assert words in one_line_error(outcome.stderr)
    assert order_requests(simulator) == []
    assert sum(simulator.ledger.values()) == 0


async def test_missing_credentials(
    cli: Any, simulator: SimulatedExchange, order_requests: Requests
) -> None:
    outcome = await cli.arun("buy", "BTCUSDT", "0.01", "--url", simulator.rest_url)
    assert outcome.exit_code == 3
    assert "ASTER_API_KEY" in one_line_error(outcome.stderr)
    assert list(simulator.request_log) == []


async def test_wrong_secret_is_an_authentication_error(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, order_requests: Requests
) -> None:
    env = {**sim_env(simulator), "ASTER_API_SECRET": "wrong-secret"}
    outcome = await cli.arun("buy", "BTCUSDT", "0.01", env=env)
    assert outcome.exit_code == 3
    line = one_line_error(outcome.stderr)
    assert "authentication failed" in line and "wrong-secret" not in outcome.stderr
    assert sum(simulator.ledger.values()) == 0


async def test_exchange_rejection_exit_code(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    # the exchange refuses what no local check could know (-2019: margin insufficient)
    simulator.faults.fail_requests(count=1, status=400, code=-2019, path="order",
                                   method="POST")
    outcome = await cli.arun("buy", "BTCUSDT", "0.01", env=sim_env(simulator))
    assert outcome.exit_code == 4
    assert "-2019" in one_line_error(outcome.stderr)


async def test_a_reduce_only_order_without_a_position_is_refused_before_sending(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    """Without --store too: the CLI places through the order manager, whose checks apply
    (here: reduce-only against the position), so nothing reaches the exchange."""
    outcome = await cli.arun(
        "sell", "BTCUSDT", "0.01", "--type", "stop", "--stop-price", "45000", "--reduce-only",
        env=sim_env(simulator),
    )
    assert outcome.exit_code == 2
    assert "reduce-only" in one_line_error(outcome.stderr)
    assert sum(simulator.ledger.values()) == 0


def test_unreachable_exchange_exit_code(cli: Any) -> None:
    env = {"ASTER_API_KEY": "k", "ASTER_API_SECRET": "s"}
    outcome = cli.run("balance", "--url", "http://127.0.0.1:9", env=env)
    assert outcome.exit_code == 5
    one_line_error(outcome.stderr)


def test_mainnet_order_needs_live_opt_in(cli: Any) -> None:
    env = {"ASTER_API_KEY": "k", "ASTER_API_SECRET": "s"}
    outcome = cli.run("buy", "BTCUSDT", "0.01", "--venue", "asterdex", env=env)
    assert outcome.exit_code == 6
    assert "--live" in one_line_error(outcome.stderr)


async def test_mainnet_order_with_live_still_needs_confirmation(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, order_requests: Requests
) -> None:
    # The venue is AsterDEX mainnet as far as the CLI knows (its host overridden by a
    # simulator here): --live without --yes, and no terminal to ask on, sends no order.
    env = {**sim_env(simulator), "ASTER_ALLOW_LIVE": "1"}
    outcome = await cli.arun("buy", "BTCUSDT", "0.01", "--venue", "asterdex", env=env)
    assert outcome.exit_code == 6
    assert "--yes" in one_line_error(outcome.stderr)
    assert "About to BUY 0.01 BTCUSDT" in outcome.stderr
    assert order_requests(simulator) == []


def test_simulator_url_must_not_be_a_real_exchange(cli: Any) -> None:
    outcome = cli.run("balance", "--url", "https://fapi.asterdex.com")
    assert outcome.exit_code == 3
    assert "real exchange" in one_line_error(outcome.stderr)


def test_debug_shows_the_traceback(cli: Any) -> None:
    outcome = cli.run("size", "risk", "--balance", "10000", "--price", "50000",
                      "--stop", "51000", "--debug")
    assert outcome.exit_code == 2
    assert "Traceback" in outcome.stderr
    assert "error: invalid --stop" in outcome.stderr


def test_json_mode_reports_the_error_as_json(cli: Any) -> None:
    import json

    outcome = cli.run("size", "kelly", "--balance", "10000", "--price", "50000", "--json")
    assert outcome.exit_code == 2
    error = json.loads(outcome.stdout)["error"]
    assert error["exit_code"] == 2 and error["type"] == "ValidationError"


async def test_a_host_that_never_answers_is_named_with_the_cause_within_the_timeout(
    cli: Any,
) -> None:
    """A server that accepts connections and never answers: the CLI says where it is
    connecting first, gives up after --timeout per attempt, and the one-line error names
    the host and the cause."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # never answered

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    env = {"ASTER_API_KEY": "k" * 16, "ASTER_API_SECRET": "s" * 16}
    try:
        outcome = await cli.arun("balance", "--url", f"http://127.0.0.1:{port}",
                                 "--timeout", "0.5", env=env)
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
    assert outcome.exit_code == 5
    assert f"connecting to simulator at http://127.0.0.1:{port}" in outcome.stderr
    line = one_line_error(outcome.stderr)
    assert f"127.0.0.1:{port}" in line and "no answer within 0.5 s" in line
