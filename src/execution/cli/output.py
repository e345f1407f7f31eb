"""Output for people (rich tables) and for scripts (`--json`), and the one-line errors.

Tables and notices go to stdout/stderr through rich; `--json` writes exactly one JSON
document to stdout, with every Decimal as an exact string, so a script never parses a float.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from execution.money import format_decimal


def to_jsonable(value: Any) -> Any:
    """Plain JSON data from dataclasses, enums, Decimals, mappings and sequences."""
    if isinstance(value, Decimal):
        return format_decimal(value) if value.is_finite() else str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_jsonable(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if not field.name.startswith("_")
        }
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        return [to_jsonable(item) for item in value]
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, sort_keys=False)


def fmt(value: Any, places: int | None = None) -> str:
    """A cell: Decimals in plain notation (optionally to `places`), None as a dash."""
    if value is None or value == "":
        return "-"
    if isinstance(value, Decimal):
        if places is not None:
            return f"{value:,.{places}f}"
        return format_decimal(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class Output:
    """Where a command writes. In JSON mode tables are suppressed and only `emit_json` writes
    to stdout; notices always go to stderr so they never corrupt the JSON document."""

    def __init__(self, *, json_mode: bool = False, quiet: bool = False) -> None:
        self.json_mode = json_mode
        self.quiet = quiet
        # A terminal gets its own width; piped output (a file, a pager, a test) gets 200
        # columns rather than rich's 80, so wide tables are not squeezed.
        width = shutil.get_terminal_size((200, 24)).columns if sys.stdout.isatty() else 200
        self.console = Console(highlight=False, soft_wrap=False, width=max(width, 80))
        self.err_console = Console(stderr=True, highlight=False, soft_wrap=True)

    def emit_json(self, value: Any) -> None:
        sys.stdout.write(dumps(value) + "\n")
        sys.stdout.flush()

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        right_align: Iterable[str] = (),
        no_wrap: Iterable[str] = (),
        empty: str = "(none)",
    ) -> None:
        """Print a table (people only; ignored in JSON mode). `no_wrap` columns keep their
        text whole (ids), the others give way when the terminal is narrow."""
        if self.json_mode:
            return
        aligned = set(right_align)
        whole = set(no_wrap)
        table = Table(title=title, title_justify="left", title_style="bold")
        for column in columns:
            table.add_column(
                column,
                justify="right" if column in aligned else "left",
                no_wrap=column in whole,
                min_width=len(column) if column in whole else None,
            )
        count = 0
        for row in rows:
            table.add_row(*(fmt(cell) if not isinstance(cell, str) else cell for cell in row))
            count += 1
        if count == 0:
            self.console.print(f"[bold]{title}[/bold]: {empty}")
            return
        self.console.print(table)

    def line(self, text: str) -> None:
        """A line of result for people (suppressed in JSON mode)."""
        if not self.json_mode:
            self.console.print(text)

    def notice(self, text: str) -> None:
        """Context for people (which venue, which account): stderr, so JSON stays clean."""
        if not self.quiet:
            self.err_console.print(text)

    def error(self, text: str) -> None:
        """The one-line error: plain text on stderr, no markup interpretation."""
        sys.stderr.write(f"error: {' '.join(text.split())}\n")
        sys.stderr.flush()
