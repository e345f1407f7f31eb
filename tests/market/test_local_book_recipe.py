"""`LocalOrderBook` step by step against the docs' recipe (no network)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from execution.market.book import MAX_BUFFERED, Applied, LocalOrderBook
from execution.market.events import DepthSnapshot, DepthUpdate

D = Decimal


def event(first: int, final: int, previous: int, bids: tuple[tuple[str, str], ...] = (),
          asks: tuple[tuple[str, str], ...] = ()) -> DepthUpdate:
    return DepthUpdate("BTCUSDT", 0, 0, first, final, previous,
                       tuple((D(p), D(q)) for p, q in bids), tuple((D(p), D(q)) for p, q in asks))


SNAPSHOT = DepthSnapshot("BTCUSDT", 100, ((D(99), D(1)), (D(98), D(2))),
                         ((D(101), D(1)), (D(102), D(3))))


def test_buffer_then_snapshot_then_drop_stale_then_straddle_then_chain() -> None:
    book = LocalOrderBook("BTCUSDT")
    assert book.apply(event(90, 95, 89, bids=(("97", "9"),))) is Applied.BUFFERED  # stale
    assert book.apply(event(96, 102, 95, bids=(("99", "5"),))) is Applied.BUFFERED
    assert book.load(SNAPSHOT) is Applied.APPLIED
    assert book.bids == {D(99): D(5), D(98): D(2)}  # the stale event was dropped
    assert book.last_update_id == 102 and book.synced
    assert book.apply(event(103, 104, 102, asks=(("101", "0"), ("150", "0")))) is Applied.APPLIED
    assert book.asks == {D(102): D(3)}  # 0 removes; removing an unknown level is normal
    assert book.apply(event(90, 99, 89)) is Applied.GAP  # pu is not 104


def test_a_first_event_after_the_snapshot_is_a_gap() -> None:
    book = LocalOrderBook("BTCUSDT")
    book.load(SNAPSHOT)
    assert book.apply(event(101, 103, 100)) is Applied.GAP  # U=101 > lastUpdateId=100
    assert not book.synced and book.waiting and "U=101" in book.gap_reason


def test_a_gap_buffers_for_the_next_snapshot_which_replays_what_follows() -> None:
    book = LocalOrderBook("BTCUSDT")
    book.load(SNAPSHOT)
    book.apply(event(100, 101, 99))
    assert book.apply(event(105, 106, 104, bids=(("99", "7"),))) is Applied.GAP
    assert "pu=104" in book.gap_reason and "u=101" in book.gap_reason
    assert book.apply(event(107, 108, 106, bids=(("98", "4"),))) is Applied.BUFFERED
    later = DepthSnapshot("BTCUSDT", 106, ((D(99), D(7)),), ((D(101), D(1)),))
    assert book.load(later) is Applied.APPLIED
    assert book.bids == {D(99): D(7), D(98): D(4)} and book.last_update_id == 108


def test_the_buffer_is_bounded_and_losing_its_oldest_is_a_gap_seen_later() -> None:
    book = LocalOrderBook("BTCUSDT")
    for n in range(MAX_BUFFERED + 5):
        book.apply(event(n + 1, n + 1, n))
    assert book.load(DepthSnapshot("BTCUSDT", 3, (), ())) is Applied.GAP  # U=6 > 3
    assert book.load(DepthSnapshot("BTCUSDT", MAX_BUFFERED, (), ())) is Applied.APPLIED


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30), st.integers(0, 3)), max_size=60))
def test_applied_chain_equals_the_levels_set_last(changes: list[tuple[bool, int, int]]) -> None:
    """Any chain of events ends with each level at the quantity it was last given."""
    book = LocalOrderBook("BTCUSDT")
    book.load(DepthSnapshot("BTCUSDT", 0, (), ()))
    expected: dict[tuple[bool, Decimal], Decimal] = {}
    previous = -1
    for index, (ask, price, quantity) in enumerate(changes):
        level = ((str(price), str(quantity)),)
        update = event(index, index, previous, asks=level if ask else (),
                       bids=() if ask else level)
        assert book.apply(update) is Applied.APPLIED
        expected[(ask, D(price))] = D(quantity)
        previous = index
    assert book.asks == {p: q for (a, p), q in expected.items() if a and q}
    assert book.bids == {p: q for (a, p), q in expected.items() if not a and q}
