"""The order state machine: table properties and race handling."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from execution.models import Order, OrderSide, OrderStatus, OrderType
from execution.orders.managed import ManagedOrder
from execution.orders.state import (
    FINAL_STATES,
    STALE,
    TRANSITIONS,
    EventKind,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderCancelRequested,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    Outcome,
)

QUANTITY = Decimal("1.000")
CID = "c1"


def new_order(quantity: Decimal = QUANTITY) -> ManagedOrder:
    return ManagedOrder(Order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, quantity, CID))


def fill(cumulative: str, trade_id: int = 0, price: str = "100", fee: str = "0") -> OrderFilled:
    return OrderFilled(
        CID,
        trade_id,
        Decimal(cumulative),
        Decimal(price),
        Decimal(cumulative),
        1,
        commission=Decimal(fee),
        commission_asset="USDT",
    )


def test_table_has_no_move_out_of_a_final_state() -> None:
    for (state, _kind), _target in TRANSITIONS.items():
        assert state not in FINAL_STATES


def test_table_and_stale_set_are_disjoint() -> None:
    assert not set(TRANSITIONS) & STALE


def test_happy_path() -> None:
    m = new_order()
    assert m.apply(OrderAccepted(CID, "42", 1)).after is OrderStatus.NEW
    assert m.order.order_id == "42"
    t = m.apply(fill("0.4", trade_id=1))
    assert t.after is OrderStatus.PARTIALLY_FILLED and t.filled_delta == Decimal("0.4")
    t = m.apply(fill("1.0", trade_id=2))
    assert t.after is OrderStatus.FILLED and m.filled_quantity == QUANTITY


def test_fill_after_cancel_request_keeps_pending_cancel_then_fill_wins() -> None:
    m = new_order()
    m.apply(OrderAccepted(CID, "42", 1))
    m.apply(OrderCancelRequested(CID, 2))
    t = m.apply(fill("0.5", trade_id=1))
    assert t.outcome is Outcome.APPLIED and m.status is OrderStatus.PENDING_CANCEL
    assert m.filled_quantity == Decimal("0.5")
    assert m.apply(fill("1.0", trade_id=2)).after is OrderStatus.FILLED
    # The cancel's rejection arrives after the fill: stale, the order stays FILLED.
    assert m.apply(OrderCancelRejected(CID, "unknown order", 3)).outcome is Outcome.STALE
    assert m.status is OrderStatus.FILLED


def test_cancel_rejected_returns_to_working_state_by_fill() -> None:
    m = new_order()
    m.apply(OrderAccepted(CID, "42", 1))
    m.apply(fill("0.2", trade_id=1))
    m.apply(OrderCancelRequested(CID, 2))
    assert m.apply(OrderCancelRejected(CID, "x", 3)).after is OrderStatus.PARTIALLY_FILLED
    m2 = new_order()
    m2.apply(OrderAccepted(CID, "43", 1))
    m2.apply(OrderCancelRequested(CID, 2))
    assert m2.apply(OrderCancelRejected(CID, "x", 3)).after is OrderStatus.NEW


def test_stale_new_after_partial_fill_is_ignored() -> None:
    m = new_order()
    m.apply(fill("0.3", trade_id=1))  # the fill beat the acknowledgement
    assert m.status is OrderStatus.PARTIALLY_FILLED
    t = m.apply(OrderAccepted(CID, "42", 1))
    assert t.outcome is Outcome.STALE and m.status is OrderStatus.PARTIALLY_FILLED
    assert m.order.order_id == "42"  # the id is still learned


def test_same_trade_twice_counts_once() -> None:
    m = new_order()
    m.apply(OrderAccepted(CID, "42", 1))
    m.apply(fill("0.3", trade_id=7, fee="0.01"))
    t = m.apply(fill("0.3", trade_id=7, fee="0.01"))
    assert t.outcome is Outcome.DUPLICATE
    assert m.filled_quantity == Decimal("0.3") and m.order.commission == Decimal("0.01")


def test_trade_after_snapshot_adds_fees_only() -> None:
    m = new_order()
    m.apply(OrderAccepted(CID, "42", 1))
    m.apply(fill("1.0"))  # a REST snapshot: no trade id, no fees
    t = m.apply(fill("1.0", trade_id=9, fee="0.05"))
    assert t.outcome is Outcome.STALE
    assert m.filled_quantity == QUANTITY and m.order.commission == Decimal("0.05")


def test_illegal_transition_is_ignored() -> None:
    m = new_order()
    m.apply(OrderAccepted(CID, "42", 1))
    m.apply(fill("1.0", trade_id=1))
    t = m.apply(OrderCanceled(CID, 5))
    assert t.outcome is Outcome.ILLEGAL and m.status is OrderStatus.FILLED
    r = new_order()
    r.apply(OrderRejected(CID, "no", 1))
    assert r.apply(fill("0.5", trade_id=3)).outcome is Outcome.ILLEGAL
    assert r.filled_quantity == 0


def test_cumulative_above_quantity_is_capped() -> None:
    m = new_order()
    m.apply(fill("2.0", trade_id=1))
    assert m.filled_quantity == QUANTITY and m.status is OrderStatus.FILLED


def test_average_price_is_volume_weighted_without_exchange_average() -> None:
    m = new_order()
    m.apply(OrderFilled(CID, 1, Decimal("0.5"), Decimal("100"), Decimal("0.5"), 1))
    m.apply(OrderFilled(CID, 2, Decimal("0.5"), Decimal("110"), Decimal("1.0"), 2))
    assert m.order.average_price == Decimal("105")


# -- properties ------------------------------------------------------------------------------

cumulative = st.integers(min_value=0, max_value=1200).map(lambda n: Decimal(n) / 1000)
events: st.SearchStrategy[OrderEvent] = st.one_of(
    st.builds(OrderAccepted, st.just(CID), st.sampled_from(["1", "2"]), st.integers(0, 9)),
    st.builds(OrderRejected, st.just(CID), st.just("r"), st.integers(0, 9)),
    st.builds(
        OrderFilled,
        st.just(CID),
        st.integers(0, 5),
        cumulative,
        st.just(Decimal("100")),
        cumulative,
        st.integers(0, 9),
    ),
    st.builds(OrderCancelRequested, st.just(CID), st.integers(0, 9)),
    st.builds(OrderCancelRejected, st.just(CID), st.just("r"), st.integers(0, 9)),
    st.builds(OrderCanceled, st.just(CID), st.integers(0, 9)),
    st.builds(OrderExpired, st.just(CID), st.integers(0, 9)),
)


@given(st.lists(events, max_size=40))
def test_any_event_sequence_follows_the_table(sequence: list[OrderEvent]) -> None:
    m = new_order()
    for event in sequence:
        before_status, before_filled = m.status, m.filled_quantity
        t = m.apply(event)
        # Only table moves (a fill decides partial/complete; NEW-with-fill is partial).
        if t.after is not before_status:
            kinds = {event.kind}
            if isinstance(event, OrderFilled):
                kinds = {EventKind.PARTIALLY_FILLED, EventKind.FILLED}
            targets = {TRANSITIONS.get((before_status, k)) for k in kinds}
            if OrderStatus.NEW in targets:
                targets.add(OrderStatus.PARTIALLY_FILLED)
            if event.kind is EventKind.CANCEL_REJECTED and m.never_seen_on_exchange:
                targets = {OrderStatus.PENDING_NEW}  # its placement's outcome is still open
            assert t.after in targets
        # Final states are absorbing.
        if before_status in FINAL_STATES:
            assert m.status is before_status
        # Filled quantity never decreases nor exceeds the quantity.
        assert before_filled <= m.filled_quantity <= m.order.quantity
        # FILLED exactly when everything is filled (while not otherwise ended).
        if m.status is OrderStatus.FILLED:
            assert m.filled_quantity == m.order.quantity
        if m.status in (OrderStatus.NEW, OrderStatus.PENDING_NEW):
            assert m.filled_quantity == 0 or m.status is OrderStatus.PENDING_NEW
        assert m.status in OrderStatus


@given(st.lists(events, max_size=30))
def test_replaying_a_sequence_is_idempotent_for_trades(sequence: list[OrderEvent]) -> None:
    """Applying every event twice in a row gives the same fills and fees as once."""
    once, twice = new_order(), new_order()
    for event in sequence:
        once.apply(event)
        twice.apply(event)
        if isinstance(event, OrderFilled) and event.trade_id:
            twice.apply(event)
    assert once.filled_quantity == twice.filled_quantity
    assert once.order.commission == twice.order.commission
