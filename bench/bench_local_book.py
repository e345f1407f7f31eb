"""Local order book throughput: diff-depth updates applied per second.

    python -m bench.bench_local_book [--quick]

A BTCUSDT-like book (1,000 levels a side around 50,000, tick 0.1) takes a chain of diff
events as the venue sends them (`U`/`u`/`pu` continuous, each event 1-4 levels a side,
about one in six a removal), by the docs' recipe (`execution.market.book`). One row times
the book alone (events already parsed), the others the wire text parsed into Decimal events
too (the parser remembers the texts it has read; the last row starts with that memo empty).
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

from bench.harness import best_seconds, quick_option
from execution.market.book import Applied, LocalOrderBook
from execution.market.events import DepthSnapshot, DepthUpdate
from execution.market.parsing import clear_memo, loads, parse_depth_update

LOCAL_BOOK_UPDATES_PER_S = "local order book depth updates applied/s"  # bench.components
TARGET_UPDATES_PER_S = 50_000
SNAPSHOT_ID = 1_000


def _snapshot() -> DepthSnapshot:
    tick = Decimal("0.1")
    mid = Decimal(50_000)
    bids = tuple((mid - tick * (i + 1), Decimal("1.5")) for i in range(1_000))
    asks = tuple((mid + tick * i, Decimal("1.5")) for i in range(1_000))
    return DepthSnapshot("BTCUSDT", SNAPSHOT_ID, bids, asks)


def _wire_events(count: int, seed: int = 11) -> list[str]:
    """`count` diff events as JSON text, their ids continuing the snapshot's."""
    rng = random.Random(seed)
    events, previous = [], SNAPSHOT_ID - 1
    for _ in range(count):
        first = previous + 1
        final = first + rng.randrange(0, 4)

        def side(low: int, high: int) -> list[list[str]]:
            levels = []
            for _ in range(rng.randrange(1, 5)):
                price = Decimal(rng.randrange(low, high)) / 10
                quantity = "0" if rng.random() < 1 / 6 else f"{rng.randrange(1, 5000) / 1000}"
                levels.append([str(price), quantity])
            return levels

        events.append(json.dumps({
            "e": "depthUpdate", "E": 1, "T": 1, "s": "BTCUSDT", "U": first, "u": final,
            "pu": previous, "b": side(499_000, 500_000), "a": side(500_000, 501_000),
        }))
        previous = final
    return events


def run(quick: bool = False) -> list[dict[str, Any]]:
    """`name`, `value` (updates/s), `unit`, `note`, `metric` per measurement."""
    count, repeats = (5_000, 3) if quick else (50_000, 7)
    snapshot = _snapshot()
    wire = _wire_events(count)
    parsed: list[DepthUpdate] = [parse_depth_update(loads(text)) for text in wire]
    levels = sum(len(e.bids) + len(e.asks) for e in parsed)
    book = LocalOrderBook("BTCUSDT")

    def apply_parsed() -> None:
        book.load(snapshot)
        apply = book.apply
        for event in parsed:
            if apply(event) is Applied.GAP:
                raise AssertionError("the benchmark's chain has a gap")

    def parse_and_apply() -> None:
        book.load(snapshot)
        apply = book.apply
        for text in wire:
            apply(parse_depth_update(loads(text)))

    def parse_cold_and_apply() -> None:
        clear_memo()
        parse_and_apply()

    applied, parsed_too, cold = best_seconds(
        [apply_parsed, parse_and_apply, parse_cold_and_apply], 1, repeats)
    note = f"{count:,} events, {levels / count:.1f} levels an event, best of {repeats}"
    return [
        {"name": "depth updates applied (parsed events)", "value": count / applied,
         "unit": "updates/s", "note": note, "metric": LOCAL_BOOK_UPDATES_PER_S},
        {"name": "depth updates parsed from JSON and applied", "value": count / parsed_too,
         "unit": "updates/s", "note": f"{levels * 1 / parsed_too:,.0f} levels/s; figures "
         "seen before come from the parser's memo"},
        {"name": "same, the memo empty at the start", "value": count / cold,
         "unit": "updates/s", "note": "every new text through money.to_decimal"},
    ]


def main() -> None:
    for row in run(quick=quick_option(__doc__.splitlines()[0])):
        target = ""
        if row.get("metric"):
            target = "ok" if row["value"] >= TARGET_UPDATES_PER_S else "MISSED"
            target += f" (>= {TARGET_UPDATES_PER_S:,})"
        print(f"{row['name']:<46} {row['value']:>12,.0f} {row['unit']}  {row['note']}  {target}")


if __name__ == "__main__":
    main()
