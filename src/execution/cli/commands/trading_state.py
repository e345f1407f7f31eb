"""`trading-state`: show or set the trading state kept next to an order store (or in a
PostgreSQL store: `store_postgres_state`).

The state (ACTIVE, REDUCING, HALTED) is the risk layer's: `panic` halts it, a loss limit
switches it, and a manager started on the store takes it up again; a manager running on it
takes up a stricter one (REDUCING, HALTED) within a second, never a looser one. This
command reads and writes the state without an exchange, so an operator can halt the
running managers and every future start, or resume after a halt was reviewed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Annotated

import typer

from execution.cli.app import command
from execution.cli.commands.store_source import is_store_url, read_store
from execution.cli.output import Output
from execution.coercion import to_enum
from execution.errors import ValidationError
from execution.risk.limits import TradingState
from execution.risk.state_file import (
    BackgroundStateKeeper,
    SavedTradingState,
    TradingStateFile,
    state_file_for_store,
)

StoreArg = Annotated[str, typer.Option(
    "--store", envvar="ASTER_STORE",
    help="The order store whose state is kept: a SQLite file (the state is a file next to "
         "it), or a postgresql:// URL (?prefix=NAME: that manager's; without: the desk's, "
         "which every manager of the database starts in).",
)]


def _when(ms: int) -> str:
    return "-" if not ms else dt.datetime.fromtimestamp(
        ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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
    """Show the trading state a manager on STORE starts in, or set it (`--set`; on a
    PostgreSQL store without a prefix: the desk's and every manager's)."""
    keeper: BackgroundStateKeeper
    if is_store_url(store):
        keeper = read_store(store).trading_state_keeper()
        where = {"store": keeper.where}
    else:
        keeper = TradingStateFile(state_file_for_store(store))
        where = {"file": keeper.where}
    if set_to is not None:
        state = to_enum(TradingState, set_to.strip().upper(), "--set")
        if not reason.strip():
            raise ValidationError("--reason", reason, "must say why")
        keeper.save_soon(SavedTradingState(state, reason.strip(), time.time_ns() // 1_000_000))
        if keeper.last_error is not None:  # no loop running here: written now
            raise ValidationError("--store", keeper.where,
                                  f"the state could not be written: {keeper.last_error}")
    recorded = asyncio.run(keeper.load())
    shown = recorded or SavedTradingState(TradingState.ACTIVE, "nothing recorded", 0)
    if out.json_mode:
        out.emit_json({"state": shown.state.value, "reason": shown.reason,
                       "set_at_ms": shown.set_at_ms, **where})
        return
    place = " ".join(f"{k} {v}" for k, v in where.items())
    out.line(f"trading {shown.state.value} ({shown.reason}), since {_when(shown.set_at_ms)}; "
             f"{place}")
