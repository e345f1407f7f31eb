"""Entry point of the `aster-exec` console script."""

from __future__ import annotations

from execution.cli.app import app
from execution.cli.commands import (
    account,
    account_history,
    batch,
    bracket,
    cancelling,
    chase,
    closing,
    countdown,
    demo,
    history,
    margin,
    market,
    modify,
    panic,
    pnl,
    sim,
    sizing,
    trading,
    trading_state,
    watch,
)

__all__ = [
    "account", "account_history", "app", "batch", "bracket", "cancelling", "chase", "closing",
    "countdown", "demo", "history", "margin", "market", "modify", "panic", "pnl", "run", "sim",
    "sizing", "trading", "trading_state", "watch",
]


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
