"""Fuzzing the sizer and the command line: any input gives a result or a typed error.

Sizer: every method with arbitrary values (numbers of every type, NaN, infinities, text,
None) returns a `SizingResult` with finite Decimals or raises `ValidationError`.
CLI (typer's CliRunner): arbitrary arguments to the order commands never crash (exit 1 is
an internal error) and, when refused, say so in one line and send nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from execution.cli.main import app
from execution.errors import ExecutionError
from execution.simulator import SimulatedExchange
from execution.sizing import PositionSizer, SizingResult

values = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=8),
    st.sampled_from([None, True, "1e400", "-0", "0.000000001", "NaN", "Infinity", [], {}]),
)
positive = st.one_of(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1e9"), places=4),
    st.integers(min_value=1, max_value=10**9),
)
sides = st.sampled_from(["BUY", "SELL", "buy", "hold", None, 1])


def _check(result: Any) -> None:
    assert isinstance(result, SizingResult)
    for name in ("quantity", "notional", "margin", "risk_amount"):
        value = getattr(result, name, None)
        assert value is None or (isinstance(value, Decimal) and value.is_finite()), (name, value)
    assert result.quantity >= 0


@settings(max_examples=150, deadline=None)
@given(
    balance=st.one_of(values, positive), leverage=st.one_of(values, st.integers(1, 125)),
    max_risk=st.one_of(values, positive), max_position=st.one_of(values, positive),
    fee=st.one_of(values, st.just(0)),
)
def test_any_sizer_configuration_is_accepted_or_a_validation_error(
    balance: Any, leverage: Any, max_risk: Any, max_position: Any, fee: Any
) -> None:
    with contextlib.suppress(ExecutionError):
        PositionSizer(balance, max_risk_percent=max_risk, max_position_percent=max_position,
                      leverage=leverage, fee_rate=fee)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["fixed", "kelly", "volatility", "risk", "atr"]),
    price=st.one_of(values, positive), a=st.one_of(values, positive),
    b=st.one_of(values, positive), c=st.one_of(values, positive), side=sides,
    leverage=st.integers(1, 125),
)
def test_every_sizing_method_gives_a_result_or_a_validation_error(
    method: str, price: Any, a: Any, b: Any, c: Any, side: Any, leverage: int
) -> None:
    sizer = PositionSizer(10_000, leverage=leverage)
    calls = {
        "fixed": lambda: sizer.fixed_percentage(price, a),
        "kelly": lambda: sizer.kelly_criterion(price, win_rate=a, avg_win=b, avg_loss=c),
        "volatility": lambda: sizer.volatility_based(price, volatility=a, target_volatility=b),
        "risk": lambda: sizer.risk_based(price, stop_loss_price=a, risk_percent=b, side=side),
        "atr": lambda: sizer.atr_based(price, atr=a, atr_multiplier=b, side=side),
    }
    try:
        result = calls[method]()
    except ExecutionError:
        return
    _check(result)
    assert isinstance(sizer.validate_position_size(result), bool)


# -- the command line ----------------------------------------------------------------------

CLEAN_ENV: dict[str, str | None] = {
    name: None for name in (
        "ASTER_VENUE", "ASTER_REST_URL", "ASTER_WS_URL", "ASTER_TESTNET", "ASTER_ALLOW_LIVE",
        "ASTER_AUTH", "ASTER_API_KEY", "ASTER_API_SECRET", "ASTER_USER", "ASTER_SIGNER",
        "ASTER_PRIVATE_KEY", "BINANCE_API_KEY", "BINANCE_API_SECRET", "ASTER_STORE",
        "ASTER_SIM_SEED",
    )
}
word = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
             max_size=10),
    st.sampled_from(["BTCUSDT", "ETHUSDT", "BTC/USDT", "-1", "0", "1e9", "NaN", "inf",
                     "0.0000001", "--price", "--stop-price", "--type", "stop", "limit",
                     "take-profit", "--tif", "GTX", "--reduce-only", "--client-id", "--yes",
                     "--json", "--working-type", "mark", "--bogus", "--", "-p", "-t"]),
)
bad_numbers = st.sampled_from(["-1", "0", "abc", "NaN", "inf", "-inf", "1e", "0x1", "1,5",
                               "0.0000000001", "1e400", "", " ", "-0"])


def _order_requests(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.method in ("POST", "PUT", "DELETE")
               and r.path.endswith(("/order", "/batchOrders", "/allOpenOrders", "/leverage")))


def _invoke(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(app, args, env={**CLEAN_ENV, **env})


def _sim_env(sim: SimulatedExchange) -> dict[str, str]:
    return {"ASTER_REST_URL": sim.rest_url, "ASTER_API_KEY": sim.account.api_key or "",
            "ASTER_API_SECRET": sim.account.api_secret or ""}


CLI_FUZZ = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@CLI_FUZZ
@given(verb=st.sampled_from(["buy", "sell"]), quantity=bad_numbers,
       extra=st.lists(word, max_size=4))
async def test_an_order_command_with_a_bad_quantity_fails_in_one_line_and_sends_nothing(
    roomy_simulator: SimulatedExchange, verb: str, quantity: str, extra: list[str]
) -> None:
    sim = roomy_simulator
    before = _order_requests(sim)
    result = await asyncio.to_thread(
        _invoke, [verb, "BTCUSDT", quantity, *extra, "--yes"], _sim_env(sim)
    )
    assert result.exit_code not in (0, 1), (result.exit_code, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert _order_requests(sim) == before


@CLI_FUZZ
@given(command=st.sampled_from(["buy", "sell", "cancel", "cancel-all", "orders", "leverage",
                                "size", "positions"]),
       args=st.lists(word, max_size=6))
async def test_any_arguments_never_crash_the_command_line(
    roomy_simulator: SimulatedExchange, command: str, args: list[str]
) -> None:
    sim = roomy_simulator
    before = _order_requests(sim)
    result = await asyncio.to_thread(_invoke, [command, *args], _sim_env(sim))
    output = result.stdout + result.stderr
    assert result.exit_code != 1, output  # 1 is an internal error (a bug)
    assert "Traceback" not in output
    if result.exit_code != 0:
        assert [line for line in result.stderr.splitlines() if line.startswith("error: ")] \
            or result.exit_code == 2, output
        if result.exit_code in (2, 3, 6):  # refused locally: nothing may have been sent
            assert _order_requests(sim) == before, output
