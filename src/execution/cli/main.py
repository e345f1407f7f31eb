"""Entry point of the `aster-exec` console script."""

from __future__ import annotations

from execution.cli.app import app
from execution.cli.commands import (
    account,
    account_history,
    batch,
    closing,
    countdown,
    demo,
    history,
    margin,
    market,
    panic,
    pnl,
    sim,
    sizing,
    trading,
    trading_state,
    watch,
)

__all__ = [
    "account", "account_history", "app", "batch", "closing", "countdown", "demo", "history",
    "margin", "market", "panic", "pnl", "run", "sim", "sizing", "trading",
    "trading_state", "watch",
]


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
