"""`pnl`, `funding` and `sync`: what the account's trades earned, from the account ledger
in an order store (round trips; per strategy; per UTC day; the equity curve), the funding
paid and received, and bringing the ledger up to date from the exchange."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.history import _time
from execution.cli.commands.ledger_source import (
    LedgerStoreOpt,
    SyncOpt,
    existing,
    load_view,
    sync_store,
)
from execution.cli.commands.store_source import STORE_HELP
from execution.cli.options import VenueConfig
from execution.cli.output import Output, to_jsonable
from execution.cli.tabular import CsvOption, check_modes, show_table
from execution.errors import ValidationError
from execution.exchange.account_history import IncomeRecord, account_history_of
from execution.ledger.records import FUNDING_FEE, LedgerIncome, income_from_record
from execution.ledger.round_trips import RoundTrip
from execution.ledger.view import LedgerView
from execution.money import format_decimal
from execution.rules import normalize_symbol

UNKNOWN = "unknown"


class By(enum.StrEnum):
    """How `pnl` groups: each round trip, per strategy, per UTC day."""

    TRIP = "trip"
    STRATEGY = "strategy"
    DAY = "day"


ByOpt = Annotated[By, typer.Option("--by", help="Round trips (default), or PnL per "
                                   "strategy or per UTC day.", case_sensitive=False)]
SymbolOpt = Annotated[str | None, typer.Option("--symbol", "-s", help="Only this symbol.",
                                               show_default=False)]
PlotOpt = Annotated[Path | None, typer.Option(
    "--plot", help="Also draw the equity curve (cumulative net PnL) into this PNG file "
    "(needs the 'plot' extra: matplotlib).", show_default=False)]


def _known(value: Any) -> Any:
    return UNKNOWN if value is None else value


def _total(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _duration(ms: int | None) -> str | None:
    if ms is None:
        return None
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m{rest % 60:02d}s" if hours else (
        f"{rest // 60}m{rest % 60:02d}s" if rest >= 60 else f"{ms / 1000:.3f}s")


TRIP_COLUMNS = ["opened (UTC)", "closed (UTC)", "symbol", "side", "quantity", "entry",
                "exit", "gross PnL", "fees", "funding", "net PnL", "duration", "strategy"]
TRIP_NUMERIC = ["quantity", "entry", "exit", "gross PnL", "fees", "funding", "net PnL"]


def trip_row(trip: RoundTrip, table: bool) -> list[Any]:
    """One round trip as a row (in a table an unknown figure says so; in CSV it is empty)."""
    mark = _known if table else (lambda v: v)
    side = trip.direction + ("" if trip.position_side == "BOTH" else f" ({trip.position_side})")
    return [
        _time(trip.opened_at), _time(trip.closed_at) if trip.closed_at else "open",
        trip.symbol, side, trip.quantity, trip.entry_price, trip.exit_price,
        mark(trip.gross_pnl), mark(trip.fees), mark(trip.funding), mark(trip.net_pnl),
        _duration(trip.duration_ms), trip.strategy,
    ]


@command("pnl")
def pnl(
    out: Output,
    venue: VenueConfig,
    store: LedgerStoreOpt = None,
    by: ByOpt = By.TRIP,
    symbol: SymbolOpt = None,
    sync: SyncOpt = False,
    as_csv: CsvOption = False,
    plot: PlotOpt = None,
) -> None:
    """What the account's trades earned, from the order store's account ledger: round
    trips (a position from open to flat: entry and exit, gross and net PnL, fees, funding,
    duration), or per strategy, or per UTC day. A figure not known yet shows as unknown
    (--sync reads the exchange's record first)."""
    check_modes(out, as_csv)
    if store is None:
        raise ValidationError("--store", None, "pnl reads the ledger of an order store: "
                              "pass --store FILE or URL")
    existing(store)
    if sync:
        run_async(sync_store(venue, store))
    view = run_async(load_view(store))
    wanted = normalize_symbol(symbol) if symbol else None
    trips = view.round_trips(wanted)
    if plot is not None:
        _plot(out, view, plot)
    if by is By.STRATEGY:
        _by_strategy(out, as_csv, view)
    elif by is By.DAY:
        _by_day(out, as_csv, view, wanted)
    else:
        _trips(out, as_csv, trips)


def _trips(out: Output, as_csv: bool, trips: list[RoundTrip]) -> None:
    closed = [t for t in trips if not t.is_open]
    net = _total(t.net_pnl for t in closed)
    if out.json_mode:
        out.emit_json({"round_trips": [{**to_jsonable(t), "duration_ms": t.duration_ms}
                                       for t in trips],
                       "closed": len(closed), "net_pnl": net})
        return
    show_table(out, as_csv, "Round trips", TRIP_COLUMNS,
               [trip_row(t, not as_csv) for t in trips], right_align=TRIP_NUMERIC,
               empty="no round trips in the ledger")
    if not as_csv:
        out.line(f"{len(closed)} closed round trip(s), net PnL "
                 f"{UNKNOWN if net is None else format_decimal(net)}")


def _by_strategy(out: Output, as_csv: bool, view: LedgerView) -> None:
    groups = view.by_strategy()
    if out.json_mode:
        out.emit_json({"by_strategy": groups})
        return
    mark = _known if not as_csv else (lambda v: v)
    show_table(out, as_csv, "PnL per strategy (closed round trips)",
               ["strategy", "trips", "wins", "gross PnL", "fees", "funding", "net PnL"],
               [[g.strategy, g.trips, g.wins, mark(g.gross_pnl), mark(g.fees),
                 mark(g.funding), mark(g.net_pnl)] for g in groups],
               right_align=["trips", "wins", "gross PnL", "fees", "funding", "net PnL"],
               empty="no closed round trips")


def _by_day(out: Output, as_csv: bool, view: LedgerView, symbol: str | None) -> None:
    if symbol is not None:
        view = LedgerView([f for f in view.fills if f.symbol == symbol],
                          [r for r in view.income if r.symbol == symbol], view.marks)
    days = view.by_day()
    if out.json_mode:
        out.emit_json({"by_day": days})
        return
    mark = _known if not as_csv else (lambda v: v)
    show_table(out, as_csv, "PnL per UTC day (the exchange's realised PnL, fees, funding)",
               ["day", "fills", "realised PnL", "fees", "funding", "net PnL"],
               [[d.day, d.fills, mark(d.realized_pnl), mark(d.fees), d.funding,
                 mark(d.net_pnl)] for d in days],
               right_align=["fills", "realised PnL", "fees", "funding", "net PnL"],
               empty="nothing in the ledger")


def _plot(out: Output, view: LedgerView, path: Path) -> None:
    from execution.ledger.plot import plot_equity

    points = view.equity()
    if not points:
        raise ValidationError("--plot", str(path), "no closed round trip with a known net "
                              "PnL to draw")
    plot_equity(points, path, title="Equity: cumulative net PnL of closed round trips")
    out.notice(f"equity curve written to {path}")


FUNDING_COLUMNS = ["time (UTC)", "symbol", "funding", "asset", "tran id"]


@command("funding")
def funding(
    out: Output,
    venue: VenueConfig,
    symbol: Annotated[str | None, typer.Argument(help="Only this symbol.")] = None,
    store: LedgerStoreOpt = None,
    sync: SyncOpt = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000,
                                       help="At most this many (from the exchange).")] = 100,
    as_csv: CsvOption = False,
) -> None:
    """Funding paid (negative) and received, with the totals per asset: from the order
    store's ledger with --store, else the exchange's income history (FUNDING_FEE)."""
    check_modes(out, as_csv)
    wanted = normalize_symbol(symbol) if symbol else None
    if store is not None:
        existing(store)
        if sync:
            run_async(sync_store(venue, store))
        records = run_async(load_view(store)).funding(wanted)
    else:
        records = [income_from_record(r) for r in run_async(_exchange_funding(venue, wanted,
                                                                              limit))]
    totals: dict[str, Decimal] = {}
    for record in records:
        totals[record.asset] = totals.get(record.asset, Decimal(0)) + record.income
    if out.json_mode:
        out.emit_json({"funding": records, "totals": totals})
        return
    show_table(out, as_csv, "Funding", FUNDING_COLUMNS, [_funding_row(r) for r in records],
               right_align=["funding"], empty="no funding records")
    if not as_csv:
        shown = ", ".join(f"{format_decimal(v)} {k}" for k, v in sorted(totals.items()))
        out.line(f"{len(records)} funding record(s); total {shown or 'none'}")


def _funding_row(record: LedgerIncome) -> list[Any]:
    return [_time(record.time), record.symbol, record.income, record.asset, record.tran_id]


async def _exchange_funding(venue: VenueConfig, symbol: str | None, limit: int
                            ) -> list[IncomeRecord]:
    from execution.cli.connect import open_exchange

    async with open_exchange(venue) as connection:
        return await account_history_of(connection.exchange).income(
            symbol, income_type=FUNDING_FEE, limit=limit)


@command("sync")
def sync_command(
    out: Output,
    venue: VenueConfig,
    store: Annotated[str, typer.Option("--store", envvar="ASTER_STORE",
                                       help=f"The order store whose ledger to update "
                                       f"({STORE_HELP}).")],
) -> None:
    """Bring the order store's account ledger up to date from the exchange: the fills
    (userTrades) and income since the last sync, merged with what was recorded live (one
    row a trade and a transaction: nothing counts twice)."""
    existing(store)
    report = run_async(sync_store(venue, store))
    if out.json_mode:
        out.emit_json({"sync": report})
        return
    out.line(f"synced {', '.join(report.symbols) or 'no symbols'}: {report.fills_read} "
             f"fill(s) read ({report.fills_new} new), {report.income_read} income record(s) "
             f"({report.income_new} new)")
