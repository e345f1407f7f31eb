"""The one-pass reading of an order answer (`order_reply`) against the field-by-field one
(`parsing.parse_order_fields`): for every answer the fast path takes, the same order; for
every other, it steps aside and the checked path decides (an order, or the field named)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from execution.exchange.order_reply import read_order_reply
from execution.exchange.parsing import MalformedResponseError, parse_order, parse_order_fields

ANSWER: dict[str, Any] = {
    "orderId": 22542179, "clientOrderId": "x-abc", "symbol": "BTCUSDT", "side": "BUY",
    "type": "LIMIT", "origType": "LIMIT", "origQty": "0.010", "executedQty": "0",
    "avgPrice": "0.00000", "price": "49650.0", "stopPrice": "0", "status": "NEW",
    "timeInForce": "GTC", "reduceOnly": False, "closePosition": False,
    "positionSide": "BOTH", "workingType": "CONTRACT_PRICE", "priceProtect": False,
    "time": 1700000000000, "updateTime": 1700000000123, "cumQuote": "0",
}

# What a field may hold: the usual values, the odd shapes the exchange could send, and junk.
_FIGURES = st.sampled_from(["0", "0.010", "-0", "1e3", " 2.5 ", "", "NaN", "Infinity", "sNaN",
                            "abc", "1_0", 0, 1, 1.5, True, None, [], {}])
_WORDS = st.sampled_from(["BUY", "SELL", "LIMIT", "MARKET", "STOP_MARKET", "NEW", "FILLED",
                          "EXPIRED_IN_MATCH", "NEW_ADL", "GTC", "GTX", "HIDDEN", "LONG", "BOTH",
                          "MARK_PRICE", "buy", "", "UP", 0, 1, False, True, None, [], {}])
_FLAGS = st.sampled_from([True, False, None, 0, 1, 2, "true", "TRUE", "false", "", [], 1.0])
_TIMES = st.sampled_from([1700000000000, 0, -5, "1700000000000", "", None, True, 1.5, "x"])
_IDS = st.sampled_from([22542179, 0, "22542179", "", None, True, 1.5, "x-abc", []])
_FIELD = {
    **{name: _FIGURES for name in ("origQty", "executedQty", "avgPrice", "price", "stopPrice",
                                   "activatePrice", "priceRate")},
    **{name: _WORDS for name in ("side", "type", "origType", "status", "timeInForce",
                                 "positionSide", "workingType")},
    "reduceOnly": _FLAGS, "closePosition": _FLAGS, "time": _TIMES, "updateTime": _TIMES,
    "orderId": _IDS, "clientOrderId": _IDS, "symbol": _IDS,
}
_MISSING = object()


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    answer = dict(ANSWER)
    for name in draw(st.sets(st.sampled_from(sorted(_FIELD)), max_size=5)):
        value = draw(st.one_of(st.just(_MISSING), _FIELD[name]))
        if value is _MISSING:
            answer.pop(name, None)
        else:
            answer[name] = value
    return answer


@given(answers())
def test_the_one_pass_reading_gives_the_field_by_field_order_or_steps_aside(
    answer: dict[str, Any],
) -> None:
    fast = read_order_reply(answer)
    try:
        checked = parse_order_fields(answer)
    except MalformedResponseError:
        assert fast is None, f"the one-pass reading took what the checks refuse: {answer}"
        return
    if fast is not None:
        assert fast == checked
    assert parse_order(answer) == checked


def test_the_usual_answers_are_read_in_one_pass() -> None:
    trailing = {**ANSWER, "type": "TRAILING_STOP_MARKET", "origType": "TRAILING_STOP_MARKET",
                "activatePrice": "50100.5", "priceRate": "0.5", "price": "0"}
    for answer in (ANSWER, trailing, {**ANSWER, "status": "EXPIRED_IN_MATCH"},
                   {k: v for k, v in ANSWER.items() if k not in ("time", "workingType")}):
        fast = read_order_reply(answer)
        assert fast is not None and fast == parse_order_fields(answer)


def test_a_figure_sent_as_a_json_number_is_not_read_through_a_float() -> None:
    answer = {**ANSWER, "origQty": 0.1}  # 0.1 as a binary float is not 0.1
    assert read_order_reply(answer) is None
    assert str(parse_order(answer).quantity) == "0.1"
