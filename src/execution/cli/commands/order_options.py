"""The options and arguments of the order commands (`buy`, `sell`, `orders`, `cancel`,
`close`, `panic`, `batch`): one definition each, shared by the commands."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from execution.models import PositionSide

__all__ = [
    "ClientIdOpt",
    "KindOpt",
    "LegOpt",
    "OrderKind",
    "PriceOpt",
    "QuantityArg",
    "ReduceOpt",
    "RiskOpt",
    "StopOpt",
    "StoreOpt",
    "StrategyOpt",
    "SymbolArg",
    "TifChoice",
    "TifOpt",
    "WorkingChoice",
    "WorkingOpt",
]


class OrderKind(enum.StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    TAKE_PROFIT = "take-profit"


class TifChoice(enum.StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"


class WorkingChoice(enum.StrEnum):
    MARK = "mark"
    CONTRACT = "contract"


SymbolArg = Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")]
QuantityArg = Annotated[str, typer.Argument(help="Quantity in the base asset, e.g. 0.01.")]
KindOpt = Annotated[
    OrderKind | None,
    typer.Option("--type", "-t", help="Order type (default: limit with --price, else market).",
                 case_sensitive=False, show_default=False),
]
PriceOpt = Annotated[
    str | None, typer.Option("--price", "-p", help="Limit price.", show_default=False)
]
StopOpt = Annotated[
    str | None,
    typer.Option("--stop-price", help="Trigger price of a stop or take-profit order.",
                 show_default=False),
]
TifOpt = Annotated[
    TifChoice | None,
    typer.Option("--tif", help="Time in force of a priced order (default GTC; GTX is "
                 "post-only).", case_sensitive=False, show_default=False),
]
ReduceOpt = Annotated[
    bool, typer.Option("--reduce-only", help="Only reduce an existing position.")
]
ClientIdOpt = Annotated[
    str | None,
    typer.Option("--client-id", help="Client order id (generated when not given).",
                 show_default=False),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", envvar="ASTER_STORE", show_default=False,
                 help="Record the order and its events in this order store (SQLite), "
                 "for 'aster-exec history'; the order manager then places it."),
]
StrategyOpt = Annotated[
    str | None,
    typer.Option("--strategy", help="Strategy name recorded with the order (with --store).",
                 show_default=False),
]
LegOpt = Annotated[
    PositionSide | None,
    typer.Option("--position-side", case_sensitive=False, show_default=False,
                 help="Hedge mode: the leg (LONG or SHORT); with --reduce-only, the order "
                 "closes that leg."),
]
RiskOpt = Annotated[
    Path | None,
    typer.Option("--risk", envvar="ASTER_RISK", show_default=False,
                 help="Risk limits (TOML or JSON: execution.risk.RiskLimits) the order must "
                 "pass; with --store, today's fills count toward the loss limits."),
]
WorkingOpt = Annotated[
    WorkingChoice | None,
    typer.Option("--working-type", help="Trigger on the mark or the contract price.",
                 case_sensitive=False, show_default=False),
]
