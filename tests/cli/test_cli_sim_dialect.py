"""`aster-exec sim --dialect`: the simulator as a Binance venue, and an unknown dialect
refused in one line before anything listens."""

from __future__ import annotations

from typing import Any


def test_sim_refuses_an_unknown_dialect_in_one_line(cli: Any) -> None:
    outcome = cli.run("sim", "--port", "0", "--dialect", "okx")
    assert outcome.exit_code == 2, outcome
    assert outcome.stderr.strip().count("\n") == 0 and "dialect" in outcome.stderr


def test_sim_help_names_the_binance_dialect(cli: Any) -> None:
    outcome = cli.run("sim", "--help")
    assert outcome.exit_code == 0 and "--dialect" in outcome.stdout
