"""One table, three ways: rich for people, `--csv` for spreadsheets, `--json` for scripts.

`--csv` writes the table's columns and rows to stdout as RFC 4180 CSV: Decimals in plain
notation (exact, no thousands separators), an unknown value as an empty cell (never 0),
times as the table shows them.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Annotated, Any

import typer

from execution.cli.options import OUTPUT_PANEL
from execution.cli.output import Output
from execution.errors import ValidationError
from execution.money import format_decimal

CsvOption = Annotated[
    bool,
    typer.Option("--csv", help="Write the table as CSV to stdout (unknown values empty).",
                 rich_help_panel=OUTPUT_PANEL),
]


def csv_cell(value: Any) -> str:
    """A CSV cell: Decimals exact, None empty, booleans yes/no."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "value", value))


def check_modes(out: Output, as_csv: bool) -> None:
    """`--csv` and `--json` are two answers to one question: only one at a time."""
    if as_csv and out.json_mode:
        raise ValidationError("--csv", True, "cannot be combined with --json")


def show_table(
    out: Output,
    as_csv: bool,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    right_align: Iterable[str] = (),
    no_wrap: Iterable[str] = (),
    empty: str = "(none)",
) -> None:
    """The table for people, or its CSV with `as_csv`."""
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([csv_cell(cell) for cell in row] for row in rows)
        sys.stdout.flush()
        return
    out.table(title, columns, rows, right_align=right_align, no_wrap=no_wrap, empty=empty)
