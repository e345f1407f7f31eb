"""`bench/bench_local_book.py` runs, reports the metric the targets read, and its chain of
events is applied without a gap (it raises on one)."""

from __future__ import annotations

from bench.components import LOCAL_BOOK_UPDATES_PER_S, ComponentResults, _rows_from

from bench import bench_local_book


def test_the_local_book_bench_reports_its_metric() -> None:
    assert bench_local_book.LOCAL_BOOK_UPDATES_PER_S == LOCAL_BOOK_UPDATES_PER_S
    results = ComponentResults()
    _rows_from("Local order book", "bench.bench_local_book", results, quick=True)
    assert results.problems == []
    assert [row.section for row in results.rows] == ["Local order book"] * 3
    assert results.metrics[LOCAL_BOOK_UPDATES_PER_S] > 0
