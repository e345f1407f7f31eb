"""Property tests over wide ranges: the risk after rounding never exceeds what was asked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from execution import OrderSide, SymbolRules, ValidationError
from execution.sizing import PositionSizer, SizingResult

D = Decimal


def scaled(low: int, high: int, places: int) -> st.SearchStrategy[Decimal]:
    """Decimals in [low, high] * 10**-places with `places` decimals."""
    return st.integers(low, high).map(lambda n: D(n).scaleb(-places))


equities = scaled(1_000, 10**11, 2)  # 10 .. 1,000,000,000 USDT
prices = scaled(1, 10**10, 4)  # 0.0001 .. 1,000,000
percents = scaled(1, 10_000, 2)  # 0.01 .. 100
leverages = st.integers(1, 125)
fee_rates = st.sampled_from([D(0), D("0.0002"), D("0.0005"), D("0.001")])
sides = st.sampled_from([OrderSide.BUY, OrderSide.SELL])
increments = st.sampled_from(
    [D("0.00001"), D("0.001"), D("0.01"), D("0.1"), D("0.5"), D(1), D("0.025"), D(5)]
)


@st.composite
def symbol_rules(draw: st.DrawFn) -> SymbolRules | None:
    if draw(st.booleans()):
        return None
    step = draw(increments)
    return SymbolRules(
        symbol="TESTUSDT",
        tick_size=draw(increments),
        step_size=step,
        min_qty=step * draw(st.integers(0, 10)),
        max_qty=draw(st.sampled_from([D(0), D(10**6), step * 1000])),
        min_notional=draw(st.sampled_from([D(0), D(5), D(100)])),
    )


@st.composite
def sizers(draw: st.DrawFn) -> PositionSizer:
    return PositionSizer(
        draw(equities),
        max_risk_percent=draw(percents),
        max_position_percent=draw(percents),
        leverage=draw(leverages),
        fee_rate=draw(fee_rates),
        symbol_rules=draw(symbol_rules()),
    )


@dataclass
class StopCase:
    price: Decimal
    stop: Decimal
    side: OrderSide


@st.composite
def stop_cases(draw: st.DrawFn) -> StopCase:
    price = draw(prices)
    side = draw(sides)
    fraction = draw(scaled(1, 9_999, 4))  # stop distance: 0.01% .. 99.99% of the price
    distance = price * fraction
    stop = price - distance if side is OrderSide.BUY else price + distance
    return StopCase(price, stop, side)


def check_common(sizer: PositionSizer, result: SizingResult) -> None:
    assert result.position_percent <= sizer.max_position_percent
    assert result.notional == result.quantity * result.entry_price
    assert result.quantity >= 0
    if result.capped:
        assert result.reasons
        assert any("capped" in reason for reason in result.reasons)
    if result.requested_position_percent > sizer.max_position_percent:
        assert result.capped
    rules = sizer.symbol_rules
    if rules is not None:
        assert result.quantity % rules.step_size == 0
        if result.quantity > 0:
            assert result.quantity >= rules.min_qty
            assert result.notional >= rules.min_notional
            if rules.max_qty > 0:
                assert result.quantity <= rules.max_qty
        else:
            assert result.reasons
        if result.stop_price is not None:
            assert result.stop_price % rules.tick_size == 0


def check_stop_risk(
    sizer: PositionSizer, result: SizingResult, case_stop: Decimal, requested: Decimal
) -> None:
    budget = sizer.account_balance * requested / 100
    assert result.risk_amount <= budget
    assert result.risk_percent <= requested
    stop = result.stop_price
    assert stop is not None
    # rounded toward the entry, never past it
    if result.side is OrderSide.BUY:
        assert case_stop <= stop < result.entry_price
    else:
        assert result.entry_price < stop <= case_stop
    per_unit = abs(result.entry_price - stop) + sizer.fee_rate * (result.entry_price + stop)
    assert result.risk_amount == result.quantity * per_unit


@given(sizer=sizers(), case=stop_cases(), risk=percents)
def test_risk_based_never_exceeds_the_requested_risk(
    sizer: PositionSizer, case: StopCase, risk: Decimal
) -> None:
    try:
        result = sizer.risk_based(case.price, case.stop, risk, side=case.side)
    except ValidationError as error:
        # only a stop that rounds onto the entry price may be refused
        assert error.field == "stop_loss_price" and "rounds to" in error.rule
        return
    check_common(sizer, result)
    check_stop_risk(sizer, result, case.stop, risk)


@given(
    sizer=sizers(),
    price=prices,
    side=sides,
    atr_fraction=scaled(1, 4_000, 4),
    multiplier=scaled(1, 40, 1),
    risk=percents,
)
def test_atr_based_never_exceeds_the_requested_risk(
    sizer: PositionSizer,
    price: Decimal,
    side: OrderSide,
    atr_fraction: Decimal,
    multiplier: Decimal,
    risk: Decimal,
) -> None:
    atr = price * atr_fraction
    distance = atr * multiplier
    assume(side is OrderSide.SELL or distance < price)
    try:
        result = sizer.atr_based(price, atr, multiplier, risk, side=side)
    except ValidationError as error:
        assert error.field == "atr" and "rounds to" in error.rule
        return
    check_common(sizer, result)
    stop = price - distance if side is OrderSide.BUY else price + distance
    check_stop_risk(sizer, result, stop, risk)


@given(sizer=sizers(), price=prices, percent=scaled(1, 100_000, 2), side=sides)
def test_fixed_percentage_respects_the_cap(
    sizer: PositionSizer, price: Decimal, percent: Decimal, side: OrderSide
) -> None:
    result = sizer.fixed_percentage(price, percent, side=side)
    check_common(sizer, result)
    assert result.risk_amount == result.margin
    assert result.position_percent <= percent
    assert result.capped == (percent > sizer.max_position_percent) or (
        sizer.symbol_rules is not None and sizer.symbol_rules.max_qty > 0
    )


@given(
    sizer=sizers(),
    price=prices,
    win_rate=scaled(1, 9_999, 4),
    avg_win=scaled(1, 10**6, 2),
    avg_loss=scaled(1, 10**6, 2),
    fraction=scaled(1, 100, 2),
)
def test_kelly_respects_the_cap_and_zero_without_edge(
    sizer: PositionSizer,
    price: Decimal,
    win_rate: Decimal,
    avg_win: Decimal,
    avg_loss: Decimal,
    fraction: Decimal,
) -> None:
    result = sizer.kelly_criterion(price, win_rate, avg_win, avg_loss, fraction)
    check_common(sizer, result)
    edge = win_rate * avg_win - (1 - win_rate) * avg_loss
    if edge <= 0:
        assert result.quantity == 0 and "no edge" in result.reasons[0]


@given(
    sizer=sizers(),
    price=prices,
    volatility=scaled(1, 10**6, 4),
    target=scaled(1, 10**6, 4),
)
def test_volatility_respects_the_cap(
    sizer: PositionSizer, price: Decimal, volatility: Decimal, target: Decimal
) -> None:
    result = sizer.volatility_based(price, volatility, target)
    check_common(sizer, result)


@given(sizer=sizers(), case=stop_cases(), risk=percents)
def test_verdict_agrees_with_the_rules(sizer: PositionSizer, case: StopCase, risk: Decimal) -> None:
    try:
        result = sizer.risk_based(case.price, case.stop, risk, side=case.side)
    except ValidationError:
        return
    violations = sizer.check_position_size(result)
    expected_valid = (
        result.quantity > 0
        and result.risk_percent <= sizer.max_risk_percent
        and result.position_percent <= sizer.max_position_percent
        and not result.stop_beyond_liquidation
    )
    assert sizer.validate_position_size(result) == expected_valid == (not violations)
