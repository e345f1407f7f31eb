"""`aster-exec history --store postgresql://...`: the CLI reads a PostgreSQL store as it
reads a SQLite file (every manager's orders, or one prefix's), and shows no password."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from execution.cli.main import app
from execution.store_postgres import PostgresOrderStore

from .backends import make_order, with_prefix


def history(*args: str) -> tuple[int, str]:
    """The command, run as from a shell (it runs its own event loop)."""
    result = CliRunner().invoke(app, ["history", *args], env={"ASTER_STORE": None})
    return result.exit_code, result.stdout + result.stderr


async def ahistory(*args: str) -> tuple[int, str]:
    return await asyncio.to_thread(history, *args)


async def test_history_reads_a_postgresql_store(pg_database: str) -> None:
    for prefix in ("cliA", "cliB"):
        async with PostgresOrderStore(with_prefix(pg_database, prefix)) as store:
            store.save_order(make_order(f"{prefix}-1", at=1 if prefix == "cliA" else 2))
            store.append_note(f"{prefix}-1", "NOTE", {"by": prefix})
            await store.flush()
    # A password in the URL (the test server trusts anyone) never shows.
    url = pg_database.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    code, out = await ahistory("--store", url, "--json")
    assert code == 0, out
    assert [o["order"]["client_order_id"] for o in json.loads(out)["orders"]] == [
        "cliA-1", "cliB-1"]
    code, out = await ahistory("--store", with_prefix(url, "cliB"), "--json")
    assert [o["order"]["client_order_id"] for o in json.loads(out)["orders"]] == ["cliB-1"]
    code, out = await ahistory("--store", url)
    assert code == 0 and "cliA-1" in out and "s3cret" not in out
    code, out = await ahistory("--store", url, "--events", "cliB-1")
    assert code == 0 and "NOTE" in out


def test_history_refuses_a_missing_file_as_before() -> None:
    code, out = history("--store", "no-such-file.sqlite")
    assert code != 0 and "no such order store file" in out
