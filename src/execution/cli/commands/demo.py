"""`demo`: the whole module end to end on an embedded simulator, offline."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from execution.cli.app import command
from execution.cli.output import Output, to_jsonable
from execution.money import format_decimal

if TYPE_CHECKING:
    from execution.demo import DemoReport


@command("demo", venue=False)
def demo(
    out: Output,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulator and of the "
                                      "price walk: the same seed, the same run.")] = 7,
    store: Annotated[Path | None, typer.Option(
        "--store", help="Keep the order store in this SQLite file (then try "
        "'aster-exec history --store FILE').", show_default=False)] = None,
) -> None:
    """Run the end-to-end demo on an embedded simulator (offline, no account).

    Sizes a BTCUSDT long (risk-based: stop 4% under, 1.5% risk, 3x) next to the four other
    methods, enters with a market order protected by a stop-loss and a take-profit, lets the
    seeded price move until one exit fills and the other is cancelled, and prints what
    happened: balance, sizing, orders, the closed position's PnL and statistics.
    """
    from execution.demo import DemoSettings, run_demo

    if store is not None and store.exists():
        store.unlink()  # a fresh store, so the history shows this run only
    started = time.monotonic()
    progress = None if out.json_mode else (lambda text: out.line(f"[dim]•[/dim] {escape(text)}"))
    if not out.json_mode:
        out.line(f"[bold]aster-execution demo[/bold] (seed {seed}, embedded simulator)")
    report = asyncio.run(run_demo(DemoSettings(seed=seed, store_path=store), progress=progress))
    elapsed = time.monotonic() - started
    if out.json_mode:
        out.emit_json(report_json(report))
        return
    render(out, report)
    out.line(f"\n[dim]done in {elapsed:.1f} s; {report.stored_events} events in the order "
             "store[/dim]")


def report_json(report: DemoReport) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(report)
    data.pop("steps_log", None)
    data["steps"] = report.steps_log
    return data


def render(out: Output, report: DemoReport) -> None:
    before, after = report.balance_before, report.balance_after
    out.table(
        "Balance (USDT)",
        ["when", "wallet", "available", "unrealised PnL"],
        [
            [label, b.wallet_balance, b.available_balance, b.unrealized_pnl]
            for label, b in (("before", before), ("after", after)) if b is not None
        ],
        right_align=["wallet", "available", "unrealised PnL"],
    )
    equity = before.available_balance if before else "-"
    out.table(
        f"Position sizing, all five methods ({report.symbol} at {report.mark_price}, equity "
        f"{equity}, {report.leverage}x, max risk 2%, max position 10%)",
        ["method", "inputs", "quantity", "notional", "margin", "risk %", "valid", "why not",
         "used"],
        [
            [line.label, line.inputs, line.result.quantity, f"{line.result.notional:,.2f}",
             f"{line.result.margin:,.2f}" + (" (capped)" if line.result.capped else ""),
             f"{line.result.risk_percent:.2f}", "yes" if line.valid else "no",
             "; ".join(line.violations) or "-", "<- traded" if line.chosen else ""]
            for line in report.sizing
        ],
        right_align=["quantity", "notional", "margin", "risk %"],
    )
    out.table(
        "Orders (the bracket; exits are reduce-only, one cancels the other)",
        ["leg", "order id", "side", "type", "quantity", "trigger", "status", "filled",
         "avg price", "fee"],
        [
            [o.role.lower().replace("_", "-"), o.order_id, o.side, o.order_type, o.quantity,
             o.trigger_price, o.status, o.filled_quantity, o.average_price, o.commission]
            for o in report.orders
        ],
        right_align=["quantity", "trigger", "filled", "avg price", "fee"],
    )
    pnl = report.pnl
    if pnl is not None:
        out.table(
            "Closed position",
            ["", "value"],
            [
                ["position", f"{pnl.side} {pnl.quantity} {pnl.symbol}"],
                ["entry / exit", f"{pnl.entry_price} / {pnl.exit_price} ({pnl.exit_reason})"],
                ["gross PnL", f"{format_decimal(pnl.gross_pnl)} USDT"],
                ["fees", f"{format_decimal(pnl.fees)} USDT"],
                ["funding", "unknown" if pnl.funding is None else
                 f"{format_decimal(pnl.funding)} USDT"],
                ["net PnL", f"{format_decimal(pnl.net_pnl)} USDT"],
                ["wallet change", f"{format_decimal(pnl.wallet_change)} USDT"],
                ["return on margin", f"{pnl.return_on_margin_percent}%"],
                ["position closed", "yes" if pnl.position_closed else "no"],
            ],
            right_align=["value"],
        )
    render_equity(out, report.equity)
    render_statistics(out, report.statistics)


def render_equity(out: Output, equity: list[Decimal]) -> None:
    """The wallet (with the open position's PnL) along the walk, as a sparkline."""
    if len(equity) < 2:
        return
    from execution.ledger.plot import sparkline

    out.line(f"\n[bold]Equity[/bold] {sparkline(equity)}  {format_decimal(equity[0])} -> "
             f"{format_decimal(equity[-1])} USDT (low {format_decimal(min(equity))}, high "
             f"{format_decimal(max(equity))})")


def render_statistics(out: Output, statistics: Any) -> None:
    if statistics is None:
        return
    data = to_jsonable(statistics)
    groups: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data, dict) and "total" in data:
        groups.append(("all", data["total"]))
        for name, group in (data.get("by_strategy") or {}).items():
            groups.append((f"strategy {name}", group))
    elif isinstance(data, dict):
        groups.append(("all", data))
    rows = []
    for label, group in groups:
        statuses = ", ".join(f"{k} {v}" for k, v in (group.get("by_status") or {}).items())
        fees = ", ".join(f"{v} {k}" for k, v in (group.get("fees") or {}).items())
        fill_ms = group.get("average_time_to_fill_ms")
        rows.append([
            label, str(group.get("count", "-")), statuses or "-",
            _percent(group.get("fill_rate")), str(group.get("volume", "-")), fees or "-",
            f"{_whole(fill_ms)} ms" if fill_ms is not None else "-",
            str(group.get("realized_pnl", "-")),
        ])
    out.table(
        "Statistics",
        ["orders", "count", "by status", "fill rate", "volume", "fees", "avg time to fill",
         "realised PnL"],
        rows,
        right_align=["count", "fill rate", "volume", "avg time to fill", "realised PnL"],
    )


def _percent(value: Any) -> str:
    return "-" if value is None else f"{Decimal(str(value)) * 100:.0f}%"


def _whole(value: Any) -> str:
    return f"{Decimal(str(value)):.0f}"
