"""Kline replay: a symbol's prices follow a CSV of klines instead of the random walk."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from execution.simulator import SimulatedExchange
from execution.simulator.engine import load_klines_csv

KLINES = """open_time,open,high,low,close,volume
1700000000000,50000,50100,49900,50050.5,12
1700000060000,50050.5,50500,50000,50400.2,8
1700000120000,50400.2,50410,49000,49100.0,20
"""


def test_load_klines_csv_reads_closes_and_refuses_bad_rows(tmp_path: Path) -> None:
    good = tmp_path / "btc.csv"
    good.write_text(KLINES)
    assert load_klines_csv(good) == [Decimal("50050.5"), Decimal("50400.2"), Decimal("49100.0")]
    bad = tmp_path / "bad.csv"
    bad.write_text("1700000000000,1,1,1,NaN,1\n")
    with pytest.raises(ValueError, match="not a positive number"):
        load_klines_csv(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("open_time,open,high,low,close\n")
    with pytest.raises(ValueError, match="no kline rows"):
        load_klines_csv(empty)


async def test_prices_follow_the_replayed_closes(tmp_path: Path) -> None:
    path = tmp_path / "btc.csv"
    path.write_text(KLINES)
    closes = load_klines_csv(path)
    async with SimulatedExchange(price_replay={"BTCUSDT": closes}) as sim, \
            aiohttp.ClientSession() as http:
        seen = [sim.mark_price("BTCUSDT")]
        for _ in range(3):  # past the end, the last close holds
            sim.step()
            seen.append(sim.mark_price("BTCUSDT"))
        async with http.get(f"{sim.rest_url}/fapi/v1/ticker/price",
                            params={"symbol": "BTCUSDT"}) as response:
            ticker = await response.json()
    assert seen == [Decimal("50050.5"), Decimal("50400.2"), Decimal("49100.0"),
                    Decimal("49100.0")]
    assert Decimal(ticker["price"]) == Decimal("49100.0")
