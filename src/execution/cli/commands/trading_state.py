"""`trading-state`: show or set the trading state kept next to an order store.

The state (ACTIVE, REDUCING, HALTED) is the risk layer's: `panic` halts it, a loss limit
switches it, and a manager started on the store takes it up again. This command reads and
writes the state file without an exchange, so an operator can halt every future start
before anything runs, or resume after a halt was reviewed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from execution.cli.app import command
from execution.cli.output import Output
from execution.coercion import to_enum
from execution.errors import ValidationError
from execution.risk.limits import TradingState
from execution.risk.state_file import (
    SavedTradingState,
    TradingStateFile,
    read_state,
    state_file_for_store,
)

StoreArg = Annotated[Path, typer.Option(
    "--store", envvar="ASTER_STORE", help="The order store (SQLite file) whose state is kept.",
)]


@command("trading-state", venue=False)
def trading_state(
    out: Output,
    store: StoreArg,
    set_to: Annotated[str | None, typer.Option(
        "--set", help="Set the state: ACTIVE, REDUCING or HALTED.", show_default=False,
    )] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded with the state).")] = (
        "set from the command line"
    ),
) -> None:
    """Show the trading state a manager on STORE starts in, or set it (`--set`)."""
    path = state_file_for_store(str(store))
    if set_to is not None:
        state = to_enum(TradingState, set_to.strip().upper(), "--set")
        if not reason.strip():
            raise ValidationError("--reason", reason, "must say why")
        saved = SavedTradingState(state, reason.strip(), time.time_ns() // 1_000_000)
        state_file = TradingStateFile(path)
        state_file.save_soon(saved)  # no loop running here: written now
        if state_file.last_error is not None:
            raise ValidationError("--store", str(store),
                                  f"the state could not be written: {state_file.last_error}")
    recorded = asyncio.run(asyncio.to_thread(read_state, path))
    shown = recorded or SavedTradingState(TradingState.ACTIVE, "nothing recorded", 0)
    when = ("-" if not shown.set_at_ms else dt.datetime.fromtimestamp(
        shown.set_at_ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
    if out.json_mode:
        out.emit_json({"state": shown.state.value, "reason": shown.reason,
                       "set_at_ms": shown.set_at_ms, "file": str(path)})
        return
    out.line(f"trading {shown.state.value} ({shown.reason}), since {when}; file {path}")
