"""Every method's formula, the cap, exchange rounding, liquidation and the dispatcher."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Context, Decimal

import pytest

from execution import OrderSide, SymbolRules, ValidationError
from execution.sizing import PositionSizer, SizingMethod, SizingRule

D = Decimal


def btc_rules(**overrides: Decimal) -> SymbolRules:
    fields = {
        "tick_size": D("0.1"),
        "step_size": D("0.001"),
        "min_qty": D("0.001"),
        "max_qty": D("1000"),
        "min_notional": D("5"),
    }
    fields.update(overrides)
    return SymbolRules(symbol="BTCUSDT", **fields)


def test_fixed_percentage_margin_is_the_percent_of_equity() -> None:
    sizer = PositionSizer(10_000, max_position_percent=50, leverage=5)
    result = sizer.fixed_percentage(20_000, 8)
    assert result.method is SizingMethod.FIXED_PERCENTAGE
    assert result.margin == D(800)
    assert result.notional == D(4_000)
    assert result.quantity == D("0.2")
    assert result.position_percent == D(8)
    assert result.risk_amount == result.margin  # no stop: the whole margin
    assert result.risk_percent == D(8)
    assert result.stop_price is None
    assert not result.capped and result.reasons == ()


def test_kelly_formula() -> None:
    sizer = PositionSizer(10_000, max_position_percent=100)
    # b = 2, f* = (0.6 * 2 - 0.4) / 2 = 0.4; quarter Kelly -> 10%
    result = sizer.kelly_criterion(100, "0.6", 200, 100, "0.25")
    assert result.requested_position_percent == D(10)
    assert result.margin == D(1_000)
    assert result.quantity == D(10)


@pytest.mark.parametrize(("win_rate", "win", "loss"), [("0.4", 100, 100), ("0.5", 1, 1)])
def test_kelly_without_edge_is_zero_not_an_error(win_rate: str, win: int, loss: int) -> None:
    sizer = PositionSizer(10_000)
    result = sizer.kelly_criterion(100, win_rate, win, loss)
    assert result.quantity == 0 and result.is_zero
    assert result.notional == 0 and result.risk_amount == 0
    assert "no edge" in result.reasons[0]
    assert not sizer.validate_position_size(result)
    assert sizer.check_position_size(result)[0].rule is SizingRule.POSITIVE_QUANTITY


def test_volatility_formula_and_textbook_target() -> None:
    sizer = PositionSizer(10_000, max_position_percent=100)
    result = sizer.volatility_based(100, "0.5", "0.2")  # base = max % = 100
    assert result.requested_position_percent == D(40)
    assert result.notional == D(4_000)  # E * target / vol at L = 1
    capped = PositionSizer(10_000).volatility_based(100, "0.01", "0.2", base_percent=5)
    assert capped.capped and capped.position_percent == D(10)


def test_risk_based_long_and_short() -> None:
    sizer = PositionSizer(10_000, max_position_percent=100, leverage=10)
    long = sizer.risk_based(100, 95, 1)
    assert long.quantity == D(20)  # 100 / 5
    assert long.risk_amount == D(100) and long.risk_percent == D(1)
    short = sizer.risk_based(100, 104, "0.5", side=OrderSide.SELL)
    assert short.quantity == D(12.5)
    assert short.side is OrderSide.SELL
    assert short.risk_amount == D(50)
    assert sizer.risk_based(100, 95).risk_percent == D(2)  # default: max risk


def test_risk_based_includes_fees() -> None:
    sizer = PositionSizer(10_000, max_position_percent=100, leverage=10, fee_rate="0.001")
    result = sizer.risk_based(100, 90, 1)
    per_unit = D(10) + D("0.001") * D(190)
    assert result.quantity == Decimal(100) / per_unit or result.quantity * per_unit <= 100
    assert result.risk_amount <= D(100)
    assert result.risk_amount == result.quantity * per_unit


def test_atr_based_stop_and_size() -> None:
    sizer = PositionSizer(10_000, max_position_percent=100, leverage=20)
    long = sizer.atr_based(1_000, 25, "1.5", 1)
    assert long.stop_price == D("962.5")
    assert long.quantity == Context(rounding=ROUND_FLOOR).divide(D(100), D("37.5"))
    assert long.quantity * D("37.5") <= D(100)
    short = sizer.atr_based(1_000, 25, 2, 1, side="sell")
    assert short.stop_price == D(1_050)
    assert short.quantity == D(2)


def test_cap_is_on_margin_so_leverage_raises_the_notional() -> None:
    for leverage in (1, 3, 10):
        result = PositionSizer(10_000, leverage=leverage).fixed_percentage(100, 50)
        assert result.capped
        assert result.margin == D(1_000)
        assert result.notional == D(1_000) * leverage
        assert "capped to 10%" in result.reasons[0]


def test_rounding_quantity_down_and_stop_toward_entry() -> None:
    sizer = PositionSizer(10_000, max_position_percent=100, leverage=10, symbol_rules=btc_rules())
    long = sizer.risk_based(50_000, "48000.03", 1)
    assert long.stop_price == D("48000.1")  # up: toward the entry
    assert long.quantity == D("0.05")  # 100 / 1999.97 = 0.0500007..., down to the step
    assert str(long.quantity) == "0.050"
    assert long.risk_amount == D("0.05") * (D(50_000) - D("48000.1"))
    assert long.risk_amount < 100
    short = sizer.risk_based(50_000, "52000.07", 1, side=OrderSide.SELL)
    assert short.stop_price == D("52000.0")  # down: toward the entry
    assert short.quantity % D("0.001") == 0


def test_below_minimums_is_zero_with_the_reason() -> None:
    rules = btc_rules(min_qty=D("0.01"), min_notional=D(100))
    sizer = PositionSizer(100, symbol_rules=rules)
    tiny = sizer.fixed_percentage(50_000, 5)  # 0.0001 BTC
    assert tiny.quantity == 0 and "below the minimum quantity 0.01" in tiny.reasons[-1]
    rules = btc_rules(min_notional=D(100))
    small = PositionSizer(10_000, symbol_rules=rules).fixed_percentage(1_000, "0.5")  # $50
    assert small.quantity == 0 and "below the minimum notional 100" in small.reasons[-1]
    violations = PositionSizer(10_000, symbol_rules=rules).check_position_size(small)
    assert [v.rule for v in violations] == [SizingRule.POSITIVE_QUANTITY]


def test_max_quantity_cuts_and_says_so() -> None:
    rules = btc_rules(max_qty=D("0.5"))
    result = PositionSizer(1_000_000, symbol_rules=rules).fixed_percentage(50_000, 5)
    assert result.quantity == D("0.5") and result.capped
    assert "maximum quantity 0.5" in result.reasons[-1]


def test_stop_rounding_onto_the_entry_is_rejected() -> None:
    sizer = PositionSizer(10_000, symbol_rules=btc_rules())
    with pytest.raises(ValidationError) as error:
        sizer.risk_based("50000.05", "50000.01")
    assert error.value.field == "stop_loss_price"
    with pytest.raises(ValidationError) as error:
        sizer.atr_based("50000.05", "0.01", 1)
    assert error.value.field == "atr"


def test_liquidation_before_the_stop() -> None:
    sizer = PositionSizer(10_000, leverage=125)
    result = sizer.risk_based(50_000, 48_000)
    assert result.liquidation_price == D("49800.000")
    assert result.stop_beyond_liquidation
    assert "would never trigger" in result.reasons[-1]
    violations = sizer.check_position_size(result)
    assert [v.rule for v in violations] == [SizingRule.STOP_BEFORE_LIQUIDATION]
    assert violations[0].limit == D("49800.000") and violations[0].value == D(48_000)
    assert not sizer.validate_position_size(result)
    short = sizer.risk_based(50_000, 52_000, side=OrderSide.SELL)
    assert short.liquidation_price == D("50200.000") and short.stop_beyond_liquidation
    fine = PositionSizer(10_000, leverage=10).risk_based(50_000, 48_000)
    assert fine.liquidation_price == D("45200.000") and not fine.stop_beyond_liquidation
    bracket = PositionSizer(10_000, leverage=125, maintenance_margin_rate="0.01")
    assert bracket.liquidation_price(50_000) == D("50100.000")


def test_check_lists_every_failed_rule_with_numbers() -> None:
    sizer = PositionSizer(10_000, max_risk_percent=1, leverage=3)
    result = PositionSizer(10_000, max_position_percent=100, leverage=3).fixed_percentage(100, 30)
    violations = sizer.check_position_size(result)
    assert {v.rule for v in violations} == {
        SizingRule.MAX_RISK_PERCENT,
        SizingRule.MAX_POSITION_PERCENT,
    }
    risk = next(v for v in violations if v.rule is SizingRule.MAX_RISK_PERCENT)
    assert risk.value == D(30) and risk.limit == D(1)
    assert str(risk) == "risk 30% of equity is above the maximum 1%"


def test_check_applies_the_exchange_rules_to_foreign_results() -> None:
    free = PositionSizer(10_000, max_position_percent=100).fixed_percentage("50000", "1.2345")
    strict = PositionSizer(10_000, max_position_percent=100, symbol_rules=btc_rules())
    rules = {v.rule for v in strict.check_position_size(free)}
    assert SizingRule.STEP_SIZE in rules


def test_dispatcher() -> None:
    sizer = PositionSizer(10_000, leverage=3)
    assert sizer.calculate(SizingMethod.RISK_BASED, entry_price=50_000, stop_loss_price=48_000) \
        == sizer.risk_based(50_000, 48_000)
    assert sizer.calculate("atr_based", entry_price=50_000, atr=800) == sizer.atr_based(50_000, 800)
    kelly = sizer.calculate(
        SizingMethod.KELLY, entry_price=50_000, win_rate="0.55", avg_win=500, avg_loss=300
    )
    assert kelly.capped
    with pytest.raises(ValidationError) as error:
        sizer.calculate(SizingMethod.VOLATILITY, entry_price=1, volatility=1, target=1)
    assert error.value.field == "target"
    with pytest.raises(ValidationError) as error:
        sizer.calculate(SizingMethod.FIXED_PERCENTAGE, entry_price=1)
    assert error.value.field == "position_percent"
    with pytest.raises(ValidationError) as error:
        sizer.calculate("martingale", entry_price=1)
    assert error.value.field == "method"


def test_inputs_of_every_type_give_the_same_result() -> None:
    sizer = PositionSizer("10000", leverage="3")
    reference = sizer.risk_based(Decimal("50000.5"), Decimal("48000.25"), Decimal("1.5"))
    assert sizer.risk_based(50000.5, 48000.25, 1.5) == reference
    assert sizer.risk_based("50000.5", "48000.25", "1.5") == reference
    assert PositionSizer(10_000.0, leverage=3.0).leverage == 3


def test_current_price_is_accepted_as_the_original_keyword() -> None:
    sizer = PositionSizer(10_000, leverage=3)
    expected = sizer.risk_based(50_000, 48_000, "1.5")
    assert sizer.risk_based(current_price=50_000, stop_loss_price=48_000, risk_percent=1.5) \
        == expected
    assert sizer.calculate(
        SizingMethod.RISK_BASED, current_price=50_000, stop_loss_price=48_000, risk_percent=1.5
    ) == expected
    assert sizer.fixed_percentage(current_price=100, position_percent=5) == \
        sizer.fixed_percentage(100, 5)
    with pytest.raises(ValidationError) as error:
        sizer.risk_based(50_000, current_price=50_000, stop_loss_price=48_000)
    assert error.value.field == "current_price"
    with pytest.raises(ValidationError) as error:
        sizer.risk_based(current_price="nan", stop_loss_price=48_000)
    assert error.value.field == "entry_price"


def test_absurd_precision_is_a_validation_error_not_a_decimal_trap() -> None:
    rules = btc_rules(step_size=D("1e-30"), tick_size=D("1e-30"), min_qty=D(0), max_qty=D(0),
                      min_notional=D(0))
    sizer = PositionSizer(10**9, max_position_percent=100, symbol_rules=rules)
    with pytest.raises(ValidationError) as error:
        sizer.fixed_percentage("0.0001", 100)
    assert error.value.field == "quantity"
