"""`watch`: a live terminal view of positions, open orders, recent fills and PnL, with keys
to cancel an order or flatten a symbol (each after a confirmation). Needs the `tui` extra
(Textual)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.store_source import StoreNameOpt, is_store_url
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.errors import ValidationError

AuditOpt = Annotated[
    float,
    typer.Option("--audit-every", min=1.0,
                 help="Seconds between protection audits (also run when positions change)."),
]


@command("watch", json_option=False)
def watch(
    out: Output,
    venue: VenueConfig,
    store: StoreNameOpt = None,
    audit_every: AuditOpt = 10.0,
) -> None:
    """Watch the account live: positions (with the protection audit's verdict), open
    orders, recent fills and PnL, from the user-data and market streams. Keys: c cancel
    the selected order, f flatten the selected position's symbol (both ask first), a audit
    now, q quit. Orders placed elsewhere on the account show too."""
    venue.require_trading_allowed()  # its keys cancel and close
    if store is not None and venue.embedded:
        raise ValidationError(
            "--store", str(store),
            "needs a venue that outlives the command: pass --url of a running simulator",
        )
    try:
        from execution.watch.app import WatchApp
        from execution.watch.session import watch_session
    except ImportError as exc:  # the optional `tui` extra is not installed
        raise ValidationError(
            "watch", "textual", "needs the tui extra: pip install 'aster-execution[tui]'"
        ) from exc

    async def body() -> None:
        async with open_exchange(venue) as connection:
            out.notice(f"watching {connection.label}")
            target = None if store is None else store if is_store_url(store) else Path(store)
            async with watch_session(connection.exchange, target) as feed:
                await WatchApp(feed, audit_every=audit_every).run_async()

    run_async(body())
