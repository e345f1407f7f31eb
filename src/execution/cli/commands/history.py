"""`history`: orders and their audit trail from the order manager's store (a SQLite file
or a PostgreSQL database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from execution.cli.app import command, run_async
from execution.cli.output import Output
from execution.errors import ValidationError
from execution.models import OrderStatus
from execution.rules import normalize_symbol

StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        envvar="ASTER_STORE",
        help="The order store: the SQLite file an OrderManager writes, or a "
             "postgresql://USER@HOST/DB URL (?prefix=NAME: one manager's orders only).",
    ),
]

HISTORY_COLUMNS = [
    "submitted (UTC)", "client id", "strategy", "symbol", "order", "role", "status",
    "quantity", "filled", "avg price",
]


def _time(ms: int | None) -> str:
    if not ms:
        return "-"
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _parse_time(text: str | None, field: str) -> int | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            field, text, "must be an ISO date/time, e.g. 2026-01-31T12:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def _history_store(store: str) -> Any:
    """The store `--store` names, read without opening it: a PostgreSQL URL, or a SQLite
    file that must exist."""
    if store.lower().startswith(("postgresql://", "postgres://")):
        from execution.store_location import open_store

        return open_store(store)
    if not Path(store).is_file():
        raise ValidationError("--store", store, "no such order store file")
    from execution.store import OrderStore

    return OrderStore(Path(store))


@command("history", venue=False)
def history(
    out: Output,
    store: StoreOption = "orders.sqlite",
    symbol: Annotated[str | None, typer.Option("--symbol", "-s", help="Only this symbol.",
                                               show_default=False)] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Only this strategy.",
                                                 show_default=False)] = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="Only this status (NEW, FILLED, CANCELED, ...).",
        show_default=False)] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Submitted at or after (ISO time, UTC by default).",
        show_default=False)] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Submitted at or before (ISO time).", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="The most recent N.")] = 100,
    events: Annotated[str | None, typer.Option(
        "--events", help="Show the audit trail (every event) of this client order id.",
        show_default=False)] = None,
) -> None:
    """Show orders recorded in the order store (newest last), or one order's events."""
    order_store = _history_store(store)
    wanted_status: OrderStatus | None = None
    if status is not None:
        try:
            wanted_status = OrderStatus[status.strip().upper().replace("CANCELLED", "CANCELED")]
        except KeyError:
            raise ValidationError("--status", status, "is not an order status") from None
    since_ms = _parse_time(since, "--since")
    until_ms = _parse_time(until, "--until")

    if events is not None:
        trail = run_async(order_store.query_events(events))
        if not trail:
            raise ValidationError("--events", events, "no events for this client order id")
        if out.json_mode:
            out.emit_json({"client_order_id": events, "events": [
                {"seq": e.seq, "kind": e.kind, "timestamp": e.timestamp,
                 "recorded_at": e.recorded_at, "payload": e.payload} for e in trail
            ]})
            return
        out.table(
            f"Events of {events}", ["#", "time", "kind", "detail"],
            ([e.seq, _time(e.timestamp or e.recorded_at), e.kind, _detail(e.payload)]
             for e in trail),
        )
        return

    orders = run_async(order_store.query_orders(
        strategy_name=strategy, symbol=normalize_symbol(symbol) if symbol else None,
        status=wanted_status, since=since_ms, until=until_ms,
    ))
    orders = orders[-limit:]
    if out.json_mode:
        out.emit_json({"orders": [
            {"order": m.order, "strategy_name": m.strategy_name, "tags": list(m.tags),
             "parent_order_id": m.parent_order_id, "role": m.role.value,
             "submitted_at": m.submitted_at, "filled_at": m.filled_at}
            for m in orders
        ]})
        return
    out.table(
        f"Order history ({order_store.location})", HISTORY_COLUMNS,
        ([_time(m.submitted_at), m.client_order_id, m.strategy_name or "-", m.symbol,
          f"{m.order.side.value} {m.order.order_type.name}", m.role.value.lower(),
          m.status.value,
          m.order.quantity, m.filled_quantity, m.order.average_price] for m in orders),
        right_align=["quantity", "filled", "avg price"], no_wrap=["client id"],
        empty="no orders match",
    )


def _detail(payload: dict[str, Any]) -> str:
    shown = {k: v for k, v in payload.items() if v not in (None, "", [], {})}
    return ", ".join(f"{k}={v}" for k, v in list(shown.items())[:6])
