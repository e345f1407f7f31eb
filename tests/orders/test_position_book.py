"""`PositionBook`: legs kept apart by (symbol, position side), and the symbol -> position
mapping one-way callers read (the legs' net in hedge mode)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from execution.errors import ValidationError
from execution.models import Position, PositionSide
from execution.orders.positions import PositionBook

BTC, ETH = "BTCUSDT", "ETHUSDT"


def leg(symbol: str, quantity: str, side: PositionSide = PositionSide.BOTH) -> Position:
    return Position(symbol, D(quantity), D("50000"), mark_price=D("50000"),
                    unrealized_pnl=D("1"), position_side=side)


def test_the_legs_of_one_symbol_never_overwrite_each_other() -> None:
    book = PositionBook()
    book.apply(leg(BTC, "0.02", PositionSide.LONG))
    book.apply(leg(BTC, "-0.01", PositionSide.SHORT))
    assert book.leg(BTC, PositionSide.LONG).quantity == D("0.02")  # type: ignore[union-attr]
    assert book.leg(BTC, PositionSide.SHORT).quantity == D("-0.01")  # type: ignore[union-attr]
    assert book.leg(BTC) is None
    net = book[BTC]
    assert (net.quantity, net.position_side, net.unrealized_pnl) == (
        D("0.01"), PositionSide.BOTH, D("2"))
    book.apply(leg(BTC, "0", PositionSide.SHORT))  # the short leg closed
    assert [p.position_side for p in book.legs(BTC)] == [PositionSide.LONG]


def test_the_one_way_mapping_is_as_before() -> None:
    book = PositionBook()
    assert book == {} and len(book) == 0 and BTC not in book
    one = leg(BTC, "0.01")
    book[BTC] = one
    book.apply(leg(ETH, "-1"))
    assert book[BTC] is one and dict(book) == {BTC: one, ETH: leg(ETH, "-1")}
    assert list(book) == [BTC, ETH] and len(book) == 2
    assert book.get("XRPUSDT") is None
    del book[ETH]
    with pytest.raises(KeyError):
        del book[ETH]
    with pytest.raises(ValidationError):
        book[ETH] = one  # not ETH's position
    book.clear()
    assert book == {}


def test_a_rest_read_keeps_legs_the_stream_changed_meanwhile() -> None:
    book = PositionBook()
    book.apply(leg(BTC, "0.02", PositionSide.LONG))
    newer = leg(BTC, "-0.03", PositionSide.SHORT)
    book.apply(newer)
    book.replace_all([leg(BTC, "0.01", PositionSide.LONG), leg(ETH, "1")],
                     keep={(BTC, PositionSide.SHORT)})
    assert book.leg(BTC, PositionSide.LONG).quantity == D("0.01")  # type: ignore[union-attr]
    assert book.leg(BTC, PositionSide.SHORT) is newer
    assert book.leg(ETH) is not None
    book.replace_all([], keep=set())
    assert book.legs() == []
