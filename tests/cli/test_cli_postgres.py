"""The ledger and trading-state commands on a PostgreSQL store (a throwaway server), as a
user runs them: `sync` brings the account's trades and funding into the database, `pnl`,
`trades`, `income` and `funding --store URL` read them; `trading-state` shows and sets a
manager's state and the desk's; `watch --store` takes the URL as it is. No password shows."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from execution.simulator import SimulatedExchange

D = Decimal


def _json(outcome: Any) -> Any:
    assert outcome.exit_code == 0, outcome.stderr
    return json.loads(outcome.stdout)


def _secret(url: str) -> str:
    """`url` with a password (the test server trusts anyone): it must never show."""
    return url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")


async def test_the_ledger_commands_read_and_sync_a_postgresql_store(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, pg_database: str,
) -> None:
    env = sim_env(simulator)
    url = _secret(pg_database) + "?prefix=clisync"
    simulator.set_price("BTCUSDT", D("50000"))
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0
    simulator.engine.funding.settle_now()  # a long held over a funding time pays
    assert (await cli.arun("sell", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0

    synced = _json(await cli.arun("sync", "--store", url, "--json", env=env))["sync"]
    assert synced["symbols"] == ["BTCUSDT"] and synced["fills_new"] == 2
    assert synced["income_new"] >= 1
    reader = _secret(pg_database)  # any manager's, or none's: the ledger is the account's
    fills = _json(await cli.arun("trades", "--store", reader, "--json"))["trades"]
    assert [f["side"] for f in fills] == ["BUY", "SELL"]
    assert all(D(f["commission"]) > 0 for f in fills)
    (trip,) = _json(await cli.arun("pnl", "--store", reader, "--json"))["round_trips"]
    assert D(trip["funding"]) == D("-0.05") and trip["closed_at"] is not None
    funding = _json(await cli.arun("funding", "--store", reader, "--json"))
    assert funding["totals"] == {"USDT": "-0.05"}
    income = _json(await cli.arun("income", "--store", reader, "--json"))
    assert "FUNDING_FEE" in json.dumps(income)
    table = await cli.arun("pnl", "--store", reader)
    assert table.exit_code == 0 and "1 closed round trip(s)" in table.stdout
    assert "s3cret" not in table.stdout + table.stderr
    again = _json(await cli.arun("sync", "--store", url, "--json", env=env))["sync"]
    assert again["fills_new"] == 0 and again["income_new"] == 0  # nothing counts twice


async def test_trading_state_on_a_postgresql_store_is_a_managers_and_the_desks(
    cli: Any, pg_database: str,
) -> None:
    one, two, desk = (_secret(pg_database) + "?prefix=cts1", _secret(pg_database) + "?prefix=cts2",
                      _secret(pg_database))
    shown = _json(await cli.arun("trading-state", "--store", one, "--json"))
    assert shown["state"] == "ACTIVE" and "s3cret" not in shown["store"]
    reducing = await cli.arun("trading-state", "--store", one, "--set", "reducing",
                              "--reason", "too much risk")
    assert reducing.exit_code == 0 and "REDUCING (too much risk)" in reducing.stdout
    assert _json(await cli.arun("trading-state", "--store", two, "--json"))["state"] == "ACTIVE"
    halted = await cli.arun("trading-state", "--store", desk, "--set", "HALTED",
                            "--reason", "the desk stops")
    assert halted.exit_code == 0, halted.stderr
    for each in (one, two):
        state = _json(await cli.arun("trading-state", "--store", each, "--json"))
        assert state["state"] == "HALTED" and "the desk stops" in state["reason"]
    resumed = await cli.arun("trading-state", "--store", desk, "--set", "active",
                             "--reason", "reviewed")
    assert resumed.exit_code == 0 and "s3cret" not in resumed.stdout
    for each in (one, two):
        state = _json(await cli.arun("trading-state", "--store", each, "--json"))
        assert state["state"] == "ACTIVE" and state["reason"].startswith("reviewed")


def test_watch_takes_a_postgresql_url_as_it_is(cli: Any) -> None:
    refused = cli.run("watch", "--store", "postgresql://u@db.example:5432/desk?prefix=w1")
    assert refused.exit_code != 0
    assert "postgresql://u@db.example:5432/desk?prefix=w1" in refused.stderr


def test_a_missing_sqlite_file_is_still_refused(cli: Any) -> None:
    for command in (["pnl"], ["trades"], ["income"], ["funding"]):
        refused = cli.run(*command, "--store", "no-such-file.sqlite")
        assert refused.exit_code != 0 and "no such order store file" in refused.stderr


async def test_orders_placed_with_a_postgresql_store_are_recorded_there(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, pg_database: str,
    tmp_path: Any,
) -> None:
    """`buy/sell/panic --store URL` record into the database (before, the URL was taken as a
    file path: a SQLite file named `postgresql:/...` appeared in the working directory)."""
    env = sim_env(simulator)
    url = _secret(pg_database) + "?prefix=clibuy"
    simulator.set_price("BTCUSDT", D("50000"))
    bought = await cli.arun("buy", "BTCUSDT", "0.01", "--store", url, "--yes", env=env)
    assert bought.exit_code == 0, bought.stderr
    panicked = await cli.arun("panic", "--yes", "--store", url, env=env)
    assert panicked.exit_code == 0, panicked.stderr
    orders = _json(await cli.arun("history", "--store", url, "--json"))["orders"]
    assert [o["order"]["side"] for o in orders] == ["BUY", "SELL"]
    assert all(o["order"]["client_order_id"].startswith("clibuy-") for o in orders)
    assert not [p for p in tmp_path.rglob("*") if "postgres" in p.name]  # no stray file
    state = _json(await cli.arun("trading-state", "--store", url, "--json"))
    assert state["state"] == "HALTED"
