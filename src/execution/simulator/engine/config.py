"""The engine's configuration: symbols with their filters, fees, seed and clock.

The default symbols carry filters close to the exchange's own for BTCUSDT, ETHUSDT and
SOLUSDT, so a client that validates against `exchangeInfo` meets realistic rules.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Clock = Callable[[], int]  # milliseconds since the epoch


def system_clock() -> int:
    """Wall-clock time in milliseconds."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class Bracket:
    """One leverage bracket: up to `notional_cap`, at most `initial_leverage`."""

    initial_leverage: int
    notional_cap: Decimal
    maint_margin_ratio: Decimal


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """A perpetual contract: its filters, its synthetic book and its price walk."""

    symbol: str
    base_asset: str
    start_price: Decimal
    tick_size: Decimal
    step_size: Decimal
    price_precision: int
    quantity_precision: int
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal = Decimal(5)
    min_price: Decimal = Decimal("0.01")
    max_price: Decimal = Decimal(1_000_000)
    multiplier_up: Decimal = Decimal("1.0500")
    multiplier_down: Decimal = Decimal("0.9500")
    max_num_orders: int = 200
    max_num_algo_orders: int = 100
    quote_asset: str = "USDT"
    # synthetic book: levels per side, ticks between levels, quantity resting at the best
    # level, and how much more each level further out holds
    book_levels: int = 20
    level_spacing_ticks: int = 5
    level_qty: Decimal = Decimal(1)
    level_qty_step: Decimal = Decimal(0)
    # random walk: the largest move per step, as a fraction of the price
    step_volatility: Decimal = Decimal("0.0002")
    brackets: tuple[Bracket, ...] = ()

    @property
    def max_leverage(self) -> int:
        return self.brackets[0].initial_leverage if self.brackets else 125


def _brackets(*rows: tuple[int, int, str]) -> tuple[Bracket, ...]:
    return tuple(Bracket(lev, Decimal(cap), Decimal(mmr)) for lev, cap, mmr in rows)


_MAJOR_BRACKETS = _brackets(
    (125, 50_000, "0.004"),
    (100, 250_000, "0.005"),
    (50, 3_000_000, "0.01"),
    (20, 15_000_000, "0.025"),
    (10, 30_000_000, "0.05"),
    (5, 80_000_000, "0.1"),
    (4, 100_000_000, "0.125"),
    (3, 200_000_000, "0.15"),
    (2, 300_000_000, "0.25"),
    (1, 500_000_000, "0.5"),
)

_ALT_BRACKETS = _brackets(
    (75, 10_000, "0.0065"),
    (50, 50_000, "0.01"),
    (25, 250_000, "0.02"),
    (20, 1_000_000, "0.05"),
    (10, 2_000_000, "0.1"),
    (5, 5_000_000, "0.125"),
    (4, 10_000_000, "0.15"),
    (3, 20_000_000, "0.25"),
    (1, 50_000_000, "0.5"),
)

BTCUSDT = SymbolSpec(
    symbol="BTCUSDT",
    base_asset="BTC",
    start_price=Decimal(50000),
    tick_size=Decimal("0.1"),
    step_size=Decimal("0.001"),
    price_precision=2,
    quantity_precision=3,
    min_qty=Decimal("0.001"),
    max_qty=Decimal(1000),
    market_max_qty=Decimal(120),
    min_price=Decimal("556.80"),
    max_price=Decimal(4529764),
    level_qty=Decimal(1),
    brackets=_MAJOR_BRACKETS,
)

ETHUSDT = SymbolSpec(
    symbol="ETHUSDT",
    base_asset="ETH",
    start_price=Decimal(3000),
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.001"),
    price_precision=2,
    quantity_precision=3,
    min_qty=Decimal("0.001"),
    max_qty=Decimal(10000),
    market_max_qty=Decimal(2000),
    min_price=Decimal("39.86"),
    max_price=Decimal(306177),
    level_qty=Decimal(10),
    brackets=_MAJOR_BRACKETS,
)

SOLUSDT = SymbolSpec(
    symbol="SOLUSDT",
    base_asset="SOL",
    start_price=Decimal(150),
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.01"),
    price_precision=4,
    quantity_precision=2,
    min_qty=Decimal("0.01"),
    max_qty=Decimal(1_000_000),
    market_max_qty=Decimal(5000),
    min_price=Decimal("0.4200"),
    max_price=Decimal(6857),
    level_spacing_ticks=1,
    level_qty=Decimal(200),
    brackets=_ALT_BRACKETS,
)

DEFAULT_SYMBOLS: tuple[SymbolSpec, ...] = (BTCUSDT, ETHUSDT, SOLUSDT)

# exchangeInfo's rateLimits (the server enforces them; the engine only publishes them)
RATE_LIMITS: tuple[dict[str, object], ...] = (
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Everything that makes one engine run reproducible.

    `clock` returns milliseconds (the server may wrap it to apply clock skew); `replay` maps
    a symbol to a sequence of prices (e.g. kline closes from `feed.load_klines_csv`) that
    its feed steps through instead of the random walk.
    """

    symbols: Sequence[SymbolSpec] = DEFAULT_SYMBOLS
    seed: int = 0
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    clock: Clock = system_clock
    default_leverage: int = 20
    funding_rate: Decimal = Decimal("0.00010000")
    history_points: int = 1000  # feed history generated before the start, one a minute
    # milliseconds for a book level a taker emptied to fill up again (0: the book is whole
    # again on every request, the simulator's old book)
    book_refill_ms: int = 10_000
    replay: Mapping[str, Sequence[Decimal]] = field(default_factory=dict)
    # The first order and trade ids. None (the default): derived from `clock` when the
    # engine starts (milliseconds x 1000), so a restarted simulator never hands out an id an
    # earlier run used: a stale id kept by a client names no other order. The ids stay
    # below 2**53 (exact in JSON numbers). With a fixed clock (the engine tests) or an
    # explicit value they are reproducible.
    first_order_id: int | None = None
    first_trade_id: int | None = None

    def id_base(self) -> int:
        """The first id when none is configured: the clock's milliseconds x 1000."""
        return int(self.clock()) * 1000 + 1
