"""`size`: any sizing method with its parameters, or `--table` for the reference table."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from execution.cli.app import command
from execution.cli.output import Output
from execution.errors import ValidationError
from execution.sizing import (
    REFERENCE_COLUMNS,
    PositionSizer,
    SizingMethod,
    SizingResult,
    format_reference_table,
    reference_table,
)

METHOD_ALIASES: dict[str, SizingMethod] = {
    "fixed": SizingMethod.FIXED_PERCENTAGE,
    "fixed-percentage": SizingMethod.FIXED_PERCENTAGE,
    "kelly": SizingMethod.KELLY,
    "volatility": SizingMethod.VOLATILITY,
    "risk": SizingMethod.RISK_BASED,
    "risk-based": SizingMethod.RISK_BASED,
    "atr": SizingMethod.ATR_BASED,
    "atr-based": SizingMethod.ATR_BASED,
}

# The sizer's parameter names and the flags that carry them, so errors name the flag.
FLAGS: dict[str, str] = {
    "account_balance": "--balance",
    "entry_price": "--price",
    "leverage": "--leverage",
    "max_risk_percent": "--max-risk",
    "max_position_percent": "--max-position",
    "fee_rate": "--fee-rate",
    "side": "--side",
    "position_percent": "--percent",
    "win_rate": "--win-rate",
    "avg_win": "--avg-win",
    "avg_loss": "--avg-loss",
    "fraction": "--fraction",
    "volatility": "--volatility",
    "target_volatility": "--target-volatility",
    "base_percent": "--base-percent",
    "stop_loss_price": "--stop",
    "risk_percent": "--risk",
    "atr": "--atr",
    "atr_multiplier": "--atr-multiplier",
}


def parse_method(text: str) -> SizingMethod:
    key = text.strip().lower().replace("_", "-")
    if key in METHOD_ALIASES:
        return METHOD_ALIASES[key]
    for method in SizingMethod:
        if method.value.replace("_", "-") == key:
            return method
    raise ValidationError("method", text, "must be one of " + ", ".join(METHOD_ALIASES))


def _flagged(error: ValidationError) -> ValidationError:
    return ValidationError(FLAGS.get(error.field, error.field), error.value, error.rule)


def result_rows(result: SizingResult) -> list[tuple[str, object]]:
    return [
        ("method", result.method.value),
        ("side", result.side.value),
        ("entry price", result.entry_price),
        ("quantity", result.quantity),
        ("notional", result.notional),
        ("margin", result.margin),
        ("position %", f"{result.position_percent:.2f}"),
        ("risk amount", result.risk_amount),
        ("risk %", f"{result.risk_percent:.2f}"),
        ("stop price", result.stop_price),
        ("leverage", f"{result.leverage}x"),
        ("liquidation price", f"{result.liquidation_price:.2f}"),
        ("capped", result.capped),
    ]


def _opt(flag: str, text: str) -> Any:
    return typer.Option(flag, help=text, show_default=False, rich_help_panel="Method inputs")


@command("size", venue=False, context_settings={"ignore_unknown_options": True})
def size(
    out: Output,
    method: Annotated[
        str | None,
        typer.Argument(
            help="fixed, kelly, volatility, risk or atr (not needed with --table).",
            show_default=False,
        ),
    ] = None,
    table: Annotated[
        bool, typer.Option("--table", help="Print the SIZING.md reference table.")
    ] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="With --table: as Markdown, as SIZING.md has it.")
    ] = False,
    balance: Annotated[
        str | None, typer.Option("--balance", help="Account equity in USDT.", show_default=False)
    ] = None,
    price: Annotated[
        str | None, typer.Option("--price", help="Expected entry price.", show_default=False)
    ] = None,
    side: Annotated[str, typer.Option("--side", help="buy (long) or sell (short).")] = "buy",
    leverage: Annotated[str, typer.Option("--leverage", help="Whole number 1..125.")] = "1",
    max_risk: Annotated[str, typer.Option("--max-risk", help="Max risk % of equity.")] = "2",
    max_position: Annotated[
        str, typer.Option("--max-position", help="Max margin % of equity (the cap).")
    ] = "10",
    fee_rate: Annotated[str, typer.Option("--fee-rate", help="Fee rate, e.g. 0.0005.")] = "0",
    percent: Annotated[str | None, _opt("--percent", "fixed: margin % of equity.")] = None,
    win_rate: Annotated[str | None, _opt("--win-rate", "kelly: win probability.")] = None,
    avg_win: Annotated[str | None, _opt("--avg-win", "kelly: average win.")] = None,
    avg_loss: Annotated[str | None, _opt("--avg-loss", "kelly: average loss.")] = None,
    fraction: Annotated[str | None, _opt("--fraction", "kelly: fraction (0.5 = half).")] = None,
    volatility: Annotated[str | None, _opt("--volatility", "volatility: asset's.")] = None,
    target_volatility: Annotated[
        str | None, _opt("--target-volatility", "volatility: the target.")
    ] = None,
    base_percent: Annotated[
        str | None, _opt("--base-percent", "volatility: base % (default: the cap).")
    ] = None,
    stop: Annotated[str | None, _opt("--stop", "risk: stop-loss price.")] = None,
    risk: Annotated[str | None, _opt("--risk", "risk/atr: risk % of equity.")] = None,
    atr: Annotated[str | None, _opt("--atr", "atr: average true range.")] = None,
    atr_multiplier: Annotated[
        str | None, _opt("--atr-multiplier", "atr: stop distance in ATRs (default 2).")
    ] = None,
) -> None:
    """Size a position with one of the five methods, or print the reference table.

    Example: aster-exec size risk --balance 10000 --price 50000 --stop 48000 --risk 1.5
    --leverage 3
    """
    if table:
        show_reference_table(out, markdown=markdown)
        return
    if method is None:
        raise ValidationError("method", None, "give a method (fixed, kelly, volatility, risk, "
                              "atr) or --table")
    chosen = parse_method(method)
    if balance is None or price is None:
        raise ValidationError("--balance" if balance is None else "--price", None,
                              "is required to size a position")
    given = {
        "position_percent": percent, "win_rate": win_rate, "avg_win": avg_win,
        "avg_loss": avg_loss, "fraction": fraction, "volatility": volatility,
        "target_volatility": target_volatility, "base_percent": base_percent,
        "stop_loss_price": stop, "risk_percent": risk, "atr": atr,
        "atr_multiplier": atr_multiplier,
    }
    params: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    params["entry_price"] = price
    params["side"] = side
    try:
        sizer = PositionSizer(
            balance, max_risk_percent=max_risk, max_position_percent=max_position,
            leverage=leverage, fee_rate=fee_rate,
        )
        result = sizer.calculate(chosen, **params)
    except ValidationError as error:
        raise _flagged(error) from None
    violations = sizer.check_position_size(result)
    if out.json_mode:
        out.emit_json({"result": result, "valid": not violations,
                       "violations": [str(v) for v in violations]})
        return
    out.table("Position size", ["field", "value"], result_rows(result), right_align=["value"])
    for reason in result.reasons:
        out.line(f"note: {reason}")
    if violations:
        out.line("[bold red]not valid[/bold red]: " + "; ".join(str(v) for v in violations))
    else:
        out.line("[bold green]valid[/bold green]: within the risk and position limits")


def show_reference_table(out: Output, *, markdown: bool = False) -> None:
    if markdown and not out.json_mode:
        out.console.print(format_reference_table(), markup=False, highlight=False)
        return
    rows = reference_table()
    if out.json_mode:
        out.emit_json({
            "assumptions": {"equity": "10000", "price": "50000", "leverage": 3,
                            "max_risk_percent": "2", "max_position_percent": "10"},
            "rows": [
                {"method": row.method.value, "label": row.label, "inputs": row.inputs,
                 "result": row.result, "valid": row.valid}
                for row in rows
            ],
        })
        return
    out.table(
        "Sizing reference (E = 10,000 USDT, P = 50,000, 3x, max risk 2%, max position 10%)",
        list(REFERENCE_COLUMNS), [row.cells() for row in rows],
        right_align=["quantity", "notional", "risk %"],
    )
