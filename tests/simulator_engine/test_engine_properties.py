"""Property tests: money is conserved and quantities never go negative."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from execution.simulator.api import ApiError
from execution.simulator.engine import Engine, EngineConfig

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("market"), st.sampled_from(["BUY", "SELL"]),
                  st.integers(1, 3000), st.booleans()),
        st.tuples(st.just("limit"), st.sampled_from(["BUY", "SELL"]),
                  st.integers(1, 2000), st.integers(-3000, 3000)),
        st.tuples(st.just("stop"), st.sampled_from(["BUY", "SELL"]),
                  st.integers(1, 2000), st.integers(1, 3000)),
        st.tuples(st.just("move"), st.integers(-20000, 20000)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("step"), st.integers(1, 5)),
    ),
    max_size=40,
)


def _run(actions: list[tuple[object, ...]]) -> Engine:
    engine = Engine(EngineConfig(seed=5, clock=lambda: 1_700_000_000_000, history_points=10))
    engine.add_account("a", {"USDT": Decimal(10000)})
    ids: list[int] = []
    for action in actions:
        kind = action[0]
        params: dict[str, str] = {"symbol": "BTCUSDT", "newOrderRespType": "RESULT"}
        last = engine.last_price("BTCUSDT")
        try:
            if kind == "market":
                _, side, lots, reduce = action
                params |= {"side": str(side), "type": "MARKET",
                           "quantity": str(Decimal(lots) / 1000),
                           "reduceOnly": "true" if reduce else "false"}
                ids.append(engine.private("a", "POST", "order", params)["orderId"])
            elif kind == "limit":
                _, side, lots, offset = action
                params |= {"side": str(side), "type": "LIMIT", "timeInForce": "GTC",
                           "quantity": str(Decimal(lots) / 1000),
                           "price": str(last + Decimal(offset) / 10)}
                ids.append(engine.private("a", "POST", "order", params)["orderId"])
            elif kind == "stop":
                _, side, lots, distance = action
                away = Decimal(distance) / 10 * (1 if side == "BUY" else -1)
                params |= {"side": str(side), "type": "STOP_MARKET",
                           "quantity": str(Decimal(lots) / 1000), "stopPrice": str(last + away)}
                ids.append(engine.private("a", "POST", "order", params)["orderId"])
            elif kind == "move":
                engine.set_price("BTCUSDT", last + Decimal(action[1]) / 10)
            elif kind == "cancel" and ids:
                order_id = ids[int(str(action[1])) % len(ids)]
                engine.private("a", "DELETE", "order", {"symbol": "BTCUSDT",
                                                         "orderId": str(order_id)})
            elif kind == "step":
                engine.step(int(str(action[1])))
        except ApiError:
            pass
    return engine


@settings(max_examples=60, deadline=None)
@given(ACTIONS)
def test_wallet_equals_start_plus_realized_minus_fees(actions):
    engine = _run(actions)
    trades = engine.private("a", "GET", "userTrades", {"symbol": "BTCUSDT", "limit": "1000"})
    realized = sum((Decimal(t["realizedPnl"]) for t in trades), Decimal(0))
    fees = sum((Decimal(t["commission"]) for t in trades), Decimal(0))
    balance = engine.private("a", "GET", "balance", {})[0]
    assert Decimal(balance["balance"]) == Decimal(10000) + realized - fees
    income = engine.private("a", "GET", "income", {"limit": "1000"})
    assert sum((Decimal(i["income"]) for i in income), Decimal(0)) == realized - fees
    signed = sum((Decimal(t["qty"]) * (1 if t["side"] == "BUY" else -1) for t in trades),
                 Decimal(0))
    position = engine.private("a", "GET", "positionRisk", {"symbol": "BTCUSDT"})[0]
    assert Decimal(position["positionAmt"]) == signed


@settings(max_examples=60, deadline=None)
@given(ACTIONS)
def test_quantities_never_negative_and_margin_matches_open_orders(actions):
    engine = _run(actions)
    for order in engine.private("a", "GET", "allOrders", {"symbol": "BTCUSDT"}):
        executed, original = Decimal(order["executedQty"]), Decimal(order["origQty"])
        assert executed >= 0
        assert order["closePosition"] or executed <= original
        if order["status"] == "FILLED":
            assert executed == original
    account = engine.core.accounts["a"]
    open_orders = [o for orders in account.open_orders.values() for o in orders.values()]
    assert account.reserved_margin == sum((o.reserved_margin for o in open_orders), Decimal(0))
    assert account.reserved_margin >= 0
    assert all(o.is_open for o in open_orders)
    assert set(account.open_by_client.values()) == set(open_orders)
