"""The same seed and the same calls give the same prices, fills, ids and events."""

from __future__ import annotations

from decimal import Decimal


def _script(sim):
    sim.engine.step(20)
    sim.order(side="BUY", type="MARKET", quantity="0.5")
    sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.2", price="50100")
    sim.order(side="SELL", type="STOP_MARKET", stopPrice="49000", quantity="0.3",
              reduceOnly="true")
    sim.engine.step(200)
    return (
        [sim.engine.mark_price(s) for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT")],
        sim.call("GET", "allOrders", symbol="BTCUSDT"),
        sim.call("GET", "userTrades", symbol="BTCUSDT"),
        sim.events,
    )


def test_same_seed_same_everything(make_sim):
    assert _script(make_sim(seed=11)) == _script(make_sim(seed=11))


def test_different_seed_different_prices(make_sim):
    first, second = make_sim(seed=1), make_sim(seed=2)
    first.engine.step(10)
    second.engine.step(10)
    assert first.engine.mark_price("BTCUSDT") != second.engine.mark_price("BTCUSDT")


def test_random_walk_stays_on_the_tick(make_sim):
    sim = make_sim(seed=3)
    for _ in range(500):
        sim.engine.step()
        for symbol, tick in (("BTCUSDT", "0.1"), ("ETHUSDT", "0.01"), ("SOLUSDT", "0.01")):
            price = sim.engine.last_price(symbol)
            assert price > 0 and price % Decimal(tick) == 0


def test_replay_steps_through_given_prices(make_sim, tmp_path):
    from execution.simulator.engine import load_klines_csv

    csv = tmp_path / "klines.csv"
    csv.write_text(
        "open_time,open,high,low,close,volume\n"
        "1,100,101,99,100.5,10\n2,100.5,102,100,101.25,10\n3,101,103,100,102,10\n"
    )
    closes = load_klines_csv(csv)
    assert closes == [Decimal("100.5"), Decimal("101.25"), Decimal("102")]
    sim = make_sim(replay={"SOLUSDT": closes})
    assert sim.engine.last_price("SOLUSDT") == Decimal("100.5")
    sim.engine.step()
    assert sim.engine.last_price("SOLUSDT") == Decimal("101.25")
    sim.engine.step(5)
    assert sim.engine.last_price("SOLUSDT") == Decimal("102")


def test_order_ids_start_from_the_clock_so_a_restart_never_reuses_one():
    # Prices and fills are reproducible (above); ids come from the clock at start (fixed
    # in the other tests), so an engine started a millisecond later starts past every id
    # an earlier one handed out (fewer than 1000 a millisecond; 150 here, under the
    # open-order limit).
    from execution.simulator.engine import Engine, EngineConfig

    def place(engine):
        return engine.private("acct", "POST", "order", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": "0.01", "price": "40000", "newOrderRespType": "RESULT"})["orderId"]

    engines = []
    for start in (1_700_000_000_000, 1_700_000_000_001):
        engine = Engine(EngineConfig(seed=11, clock=lambda start=start: start,
                                     history_points=10))
        engine.add_account("acct", {"USDT": Decimal(10000)})
        engines.append(engine)
    earlier = [place(engines[0]) for _ in range(150)]
    assert place(engines[1]) > max(earlier)


def test_an_explicit_first_order_id_is_honoured(make_sim):
    sim = make_sim(seed=11, first_order_id=4_000_000_001)
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
                       price="40000")
    assert placed["orderId"] == 4_000_000_001
