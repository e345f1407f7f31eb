"""The manager's positions, one per leg: keyed by (symbol, position side).

In one-way mode a symbol has one position (`PositionSide.BOTH`); in hedge mode it may have
two, a LONG and a SHORT leg, which must never overwrite each other. `PositionBook` holds
the legs (from ACCOUNT_UPDATE, whose every entry names its `ps`, and from positionRisk)
and is also, for the callers written for one-way mode, a mapping symbol -> position:

- `book.leg(symbol, side)` / `book.legs(symbol)`: the exact legs;
- `book[symbol]`: the symbol's position as one figure. One-way: the position itself. In
  hedge mode the legs combined into one BOTH `Position` (quantity: the net, signed; the
  legs' mark; PnL summed), so code that asked "how much of X do I hold, net" keeps a
  meaningful answer. Exposure is gross (both legs counted: what the risk layer uses,
  `risk_check`), and per-leg work must use `leg`/`legs`.

`PositionReads` gives the `OrderManager` facade its public reads (`positions`,
`position(symbol, side=...)`, `position_legs(symbol)`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import replace
from decimal import Decimal

from execution.coercion import to_enum
from execution.errors import ValidationError
from execution.models import Position, PositionSide
from execution.rules import normalize_symbol

ZERO = Decimal(0)
LegKey = tuple[str, PositionSide]


class PositionBook(MutableMapping[str, Position]):
    """Open positions by leg; a symbol -> position mapping for one-way callers."""

    def __init__(self) -> None:
        self._legs: dict[LegKey, Position] = {}

    # -- the legs ---------------------------------------------------------------------------

    def leg(self, symbol: str, side: PositionSide = PositionSide.BOTH) -> Position | None:
        """The open position of one leg (None: flat)."""
        return self._legs.get((symbol, side))

    def legs(self, symbol: str | None = None) -> list[Position]:
        """The open legs of `symbol` (None: of every symbol), LONG before SHORT."""
        return [p for (s, _), p in sorted(self._legs.items(), key=_order)
                if symbol is None or s == symbol]

    def apply(self, position: Position) -> None:
        """One leg's news: kept when open, dropped when flat."""
        key = (position.symbol, position.position_side)
        if position.quantity == 0:
            self._legs.pop(key, None)
        else:
            self._legs[key] = position

    def replace_all(self, held: Iterable[Position], keep: set[LegKey]) -> None:
        """Set the legs to `held` (a REST read), except those in `keep` (newer news)."""
        answer = {(p.symbol, p.position_side): p for p in held if p.quantity != 0}
        for key in list(self._legs):
            if key not in answer and key not in keep:
                del self._legs[key]
        for key, position in answer.items():
            if key not in keep:
                self._legs[key] = position

    # -- the one-way mapping ----------------------------------------------------------------

    def __getitem__(self, symbol: str) -> Position:
        legs = self.legs(symbol)
        if not legs:
            raise KeyError(symbol)
        if len(legs) == 1 and legs[0].position_side is PositionSide.BOTH:
            return legs[0]
        return combined(legs)

    def __setitem__(self, symbol: str, position: Position) -> None:
        if position.symbol != symbol:
            raise ValidationError("symbol", symbol, f"is not the position's {position.symbol}")
        self.apply(position)

    def __delitem__(self, symbol: str) -> None:
        keys = [key for key in self._legs if key[0] == symbol]
        if not keys:
            raise KeyError(symbol)
        for key in keys:
            del self._legs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(s for s, _ in sorted(self._legs, key=lambda k: k[0])))

    def __len__(self) -> int:
        return len({s for s, _ in self._legs})

    def __repr__(self) -> str:
        return f"PositionBook({self.legs()!r})"


def _order(item: tuple[LegKey, Position]) -> tuple[str, int]:
    (symbol, side), _ = item
    return symbol, list(PositionSide).index(side)


def combined(legs: list[Position]) -> Position:
    """Hedge legs as one BOTH position: the net signed quantity at the legs' mark, PnL
    summed (an entry price of a net of two legs means nothing: the first leg's is kept)."""
    return replace(
        legs[0], quantity=sum((p.quantity for p in legs), ZERO),
        unrealized_pnl=sum((p.unrealized_pnl for p in legs), ZERO),
        position_side=PositionSide.BOTH,
    )


def parse_side(side: PositionSide | str) -> PositionSide:
    return to_enum(PositionSide, side, "position_side")


class PositionReads:
    """The facade's reads of the positions (needs `_positions`, the book)."""

    _positions: PositionBook

    @property
    def positions(self) -> PositionBook:
        """The open positions, as a mapping symbol -> position (one-way mode's reading;
        hedge legs combined, see `PositionBook`) with the exact legs in `position(...)`."""
        return self._positions

    def position(
        self, symbol: str, side: PositionSide | str = PositionSide.BOTH
    ) -> Position | None:
        """The open position of one leg: `side` BOTH in one-way mode, LONG or SHORT in
        hedge mode (None: that leg is flat)."""
        return self._positions.leg(normalize_symbol(symbol), parse_side(side))

    def position_legs(self, symbol: str | None = None) -> list[Position]:
        """Every open leg of `symbol` (None: of every symbol)."""
        return self._positions.legs(None if symbol is None else normalize_symbol(symbol))
