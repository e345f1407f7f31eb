"""Saying what is about to happen, where, before any order; confirming on mainnet."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from execution.cli.connect import Connection
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.errors import LiveTradingNotAllowedError


def announce(
    out: Output, venue: VenueConfig, connection: Connection, action: str, *, yes: bool
) -> None:
    """Tell the user which venue and account `action` touches; on mainnet, ask first.

    Goes to stderr (JSON on stdout stays clean). A mainnet action needs `--live` (checked
    before connecting) and a confirmation: `--yes`, or an answer at an interactive prompt.
    """
    out.notice(escape(f"About to {action} on {connection.label}"))
    if venue.embedded:
        out.notice(
            "[dim]embedded simulator: its state ends with this command "
            "(run 'aster-exec sim' and pass --url to keep it)[/dim]"
        )
    if not venue.is_mainnet:
        return
    venue.require_trading_allowed()
    if yes:
        return
    if not sys.stdin.isatty():
        raise LiveTradingNotAllowedError(
            "mainnet order not confirmed: pass --yes to confirm without a prompt"
        )
    if not typer.confirm(
        f"This is {venue.target_label()} with real money. Proceed?", err=True
    ):
        raise LiveTradingNotAllowedError("mainnet order not confirmed")
