"""Round trips, PnL per strategy and per day from ledger rows: exact Decimals, and an
unknown figure unknown (None), never 0."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from execution.ledger import LedgerFill, LedgerIncome, build_round_trips
from execution.ledger.summary import equity_curve, pnl_by_day, pnl_by_strategy

D = Decimal
DAY = 86_400_000


def fill(trade_id: int, side: str, qty: str, price: str, *, fee: str | None = "0.1",
         rp: str | None = "0", time: int | None = None, position_side: str = "BOTH",
         strategy: str | None = "s", symbol: str = "BTCUSDT",
         asset: str | None = "USDT") -> LedgerFill:
    return LedgerFill(
        symbol=symbol, trade_id=trade_id, order_id=str(trade_id), side=side,
        position_side=position_side, price=D(price), quantity=D(qty),
        commission=None if fee is None else D(fee), commission_asset=asset,
        realized_pnl=None if rp is None else D(rp),
        time=time if time is not None else trade_id * 1000, strategy=strategy,
    )


def funding(tran_id: str, amount: str, time: int, symbol: str = "BTCUSDT") -> LedgerIncome:
    return LedgerIncome("FUNDING_FEE", tran_id, symbol, D(amount), "USDT", time)


def test_a_long_from_open_to_flat_with_two_entries_and_two_exits() -> None:
    fills = [fill(1, "BUY", "0.01", "50000"), fill(2, "BUY", "0.02", "50300"),
             fill(3, "SELL", "0.015", "51000", rp="12.5"), fill(4, "SELL", "0.015", "50900",
                                                              rp="11")]
    (trip,) = build_round_trips(fills, [funding("9", "-0.25", 2500)], funding_known_until=5000)
    assert trip.direction == "LONG" and trip.quantity == D("0.03")
    assert trip.entry_price == D("50200") and trip.exit_price == D("50950")
    assert trip.gross_pnl == D("22.5")  # exit cost 1528.5 less entry cost 1506, exact
    assert trip.fees == D("0.4") and trip.funding == D("-0.25")
    assert trip.net_pnl == D("22.5") - D("0.4") - D("0.25")
    assert trip.realized_pnl == D("23.5") and trip.duration_ms == 3000
    assert trip.trade_ids == (1, 2, 3, 4) and trip.strategy == "s"


def test_a_fill_through_zero_closes_one_trip_and_opens_the_next_with_the_rest() -> None:
    fills = [fill(1, "BUY", "1", "100", fee="1"), fill(2, "SELL", "3", "110", fee="3",
                                                       rp="10"),
             fill(3, "BUY", "2", "105", fee="2")]
    first, second = build_round_trips(fills, funding_known_until=10_000)
    assert (first.direction, first.gross_pnl, first.fees) == ("LONG", D("10"), D("2"))
    assert first.net_pnl == D("8") and first.closed_at == 2000
    assert (second.direction, second.quantity, second.entry_price) == ("SHORT", D("2"),
                                                                        D("110"))
    assert second.gross_pnl == D("10") and second.fees == D("4") and second.opened_at == 2000


def test_hedge_mode_keeps_the_long_and_the_short_side_apart() -> None:
    fills = [fill(1, "BUY", "1", "100", position_side="LONG"),
             fill(2, "SELL", "1", "100", position_side="SHORT"),
             fill(3, "SELL", "1", "90", position_side="LONG"),
             fill(4, "BUY", "1", "95", position_side="SHORT")]
    trips = {t.position_side: t for t in build_round_trips(fills, funding_known_until=9000)}
    assert trips["LONG"].gross_pnl == D("-10") and trips["LONG"].direction == "LONG"
    assert trips["SHORT"].gross_pnl == D("5") and trips["SHORT"].direction == "SHORT"


def test_unknown_figures_stay_unknown_and_never_count_as_zero() -> None:
    fills = [fill(1, "BUY", "1", "100", fee=None, asset=None), fill(2, "SELL", "1", "101")]
    (trip,) = build_round_trips(fills, funding_known_until=9000)
    assert trip.gross_pnl == D("1") and trip.fees is None and trip.net_pnl is None
    # Never synced: the funding of the trip is unknown, and so its net PnL.
    (unsynced,) = build_round_trips([fill(1, "BUY", "1", "100"), fill(2, "SELL", "1", "101")])
    assert unsynced.funding is None and unsynced.net_pnl is None
    # A fee paid in another asset than the margin cannot be taken off a USDT PnL.
    (other,) = build_round_trips([fill(1, "BUY", "1", "100", asset="BNB"),
                                  fill(2, "SELL", "1", "101", asset="BNB")],
                                 funding_known_until=9000)
    assert other.fees is None and other.fee_asset == "BNB" and other.net_pnl is None
    (open_trip,) = build_round_trips([fill(1, "BUY", "1", "100")], funding_known_until=9000)
    assert open_trip.is_open and open_trip.exit_price is None and open_trip.net_pnl is None
    (day,) = pnl_by_day(fills, [])
    assert day.fees is None and day.net_pnl is None and day.realized_pnl == D("0")


def test_funding_goes_to_the_trip_of_its_symbol_open_at_the_time() -> None:
    fills = [fill(1, "BUY", "1", "100"), fill(2, "SELL", "1", "100"),
             fill(3, "BUY", "1", "100", symbol="ETHUSDT"), fill(4, "SELL", "1", "100",
                                                                symbol="ETHUSDT")]
    income = [funding("1", "-0.5", 1500), funding("2", "0.3", 3500, "ETHUSDT"),
              funding("3", "9", 2500)]  # nothing open then: no trip's
    btc, eth = build_round_trips(fills, income, funding_known_until=9000)
    assert btc.funding == D("-0.5") and eth.funding == D("0.3")


def test_pnl_per_strategy_per_day_and_the_equity_curve() -> None:
    fills = [fill(1, "BUY", "1", "100", strategy="a"), fill(2, "SELL", "1", "110", rp="10",
                                                            strategy="a"),
             fill(3, "BUY", "1", "100", strategy="b", time=DAY + 1000),
             fill(4, "SELL", "1", "95", rp="-5", strategy="b", time=DAY + 2000)]
    trips = build_round_trips(fills, funding_known_until=2 * DAY)
    a, b = pnl_by_strategy(trips)
    assert (a.strategy, a.trips, a.wins, a.net_pnl) == ("a", 1, 1, D("9.8"))
    assert (b.strategy, b.wins, b.net_pnl) == ("b", 0, D("-5.2"))
    first, second = pnl_by_day(fills, [funding("7", "-1", DAY + 1500)])
    assert (first.day, first.fills, first.net_pnl) == ("1970-01-01", 2, D("9.8"))
    assert (second.day, second.funding, second.net_pnl) == ("1970-01-02", D("-1"), D("-6.2"))
    assert [p.equity for p in equity_curve(trips)] == [D(0), D("9.8"), D("4.6")]


def test_a_fill_learnt_again_keeps_what_was_known() -> None:
    live = fill(1, "BUY", "1", "100", fee=None, asset=None, strategy="s")
    synced = fill(1, "BUY", "1", "100", fee="0.05", strategy=None)
    merged = live.merged(synced)
    assert merged.commission == D("0.05") and merged.strategy == "s"
    assert synced.merged(live).commission == D("0.05")


def test_a_fee_split_by_a_flip_adds_up_to_the_fee_exactly() -> None:
    fills = [fill(1, "BUY", "1", "100", fee="0"), fill(2, "SELL", "3", "100", fee="1"),
             fill(3, "BUY", "2", "100", fee="0")]
    first, second = build_round_trips(fills, funding_known_until=10_000)
    assert first.fees is not None and second.fees is not None
    assert first.fees + second.fees == D("1")


@given(st.lists(st.tuples(st.integers(-5, 5).filter(bool), st.integers(90, 110),
                          st.integers(0, 3)), min_size=1, max_size=30))
# Flips whose fee parts, unrounded, lost their last digits when summed over the trips.
@example(moves=[(-1, 90, 0), (3, 91, 1), (2, 107, 0), (3, 101, 0)])
def test_round_trips_account_for_every_fill_exactly(
    moves: list[tuple[int, int, int]],
) -> None:
    """Whatever the fills (flips included), once flat the trips' gross PnL is the cash the
    fills moved and their fees are the fills' fees, to the last decimal."""
    fills, held = [], 0
    for index, (delta, price, fee) in enumerate(moves, start=1):
        fills.append(fill(index, "BUY" if delta > 0 else "SELL", str(abs(delta)), str(price),
                          fee=f"0.{fee}"))
        held += delta
    if held:
        fills.append(fill(len(fills) + 1, "SELL" if held > 0 else "BUY", str(abs(held)), "100",
                          fee="0.3"))
    trips = build_round_trips(fills, funding_known_until=10**9)
    assert all(not t.is_open for t in trips)
    cash = sum((D(f.price) * f.quantity * (1 if f.side == "SELL" else -1) for f in fills),
               start=D(0))
    fees = sum((f.commission or D(0) for f in fills), start=D(0))
    assert sum((t.gross_pnl or D(0) for t in trips), start=D(0)) == cash
    assert sum((t.fees or D(0) for t in trips), start=D(0)) == fees
    assert sum((t.net_pnl or D(0) for t in trips), start=D(0)) == cash - fees
