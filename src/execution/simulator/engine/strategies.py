"""The strategy-order desk: `placeStrategyOrder`, `updateStrategyOrder`,
`strategyOpenOrder` and `strategyHistoryOrder` (v3 "Place Strategy Order" and after).

Each leg is a normal order once placed (it shows in openOrders, is cancelled with
`DELETE order`, reports `ORDER_TRADE_UPDATE`); the desk watches every change of a leg's
order and applies the legs' rules once the operation that caused it is over
(`TradingCore.settle`): a leg waiting for its driver is placed, a leg another one cancels is
cancelled (or dropped, CANCELED, if it still waits), a waiting leg whose driver ended
without the awaited event is dropped as EXPIRED. The docs give no user-data event of its
own for strategies: the legs' order events are all there is.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from itertools import count
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.orders import Order, OrderType, Status
from execution.simulator.engine.strategy_legs import (
    CANCEL,
    CLIENT_STRATEGY_ID,
    FILL,
    LEG_COUNTS,
    PLACE,
    UPDATABLE,
    Leg,
    Strategy,
    order_request,
    read_legs,
    render,
    strategy_type,
    sub_orders,
    summary,
)
from execution.simulator.engine.trading import TradingCore

_NINETY_DAYS_MS = 90 * 24 * 3600 * 1000
# A conditional leg placed with the strategy that would trigger at once
_WOULD_TRIGGER = -2021
STRATEGY_WOULD_TRIGGER = (-4142, "REJECT: take profit or stop order will be triggered immediately")
DUPLICATE_STRATEGY_ID = (-4116, "clientStrategyId is duplicated.")
BAD_COMBINATION = (-1128, "Combination of optional parameters invalid.")


def leg_events(order: Order, execution_type: str) -> list[str]:
    """The docs' `DrivenOn` events one order change is."""
    if execution_type == "NEW":
        return ["STOPPED"] if order.triggered else ["NEW"]
    if execution_type == "TRADE":
        return [FILL, "FILLED"] if order.status is Status.FILLED else [FILL]
    return {"AMENDMENT": ["REPLACED"], "CANCELED": ["CANCELED"], "EXPIRED": ["EXPIRED"],
            "REJECTED": ["REJECTED"]}.get(execution_type, [])


class StrategyDesk:
    """Strategy orders of every account, their legs and rules."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self._ids = count(core.config.id_base())
        self.by_id: dict[int, Strategy] = {}
        self._by_order: dict[int, tuple[Strategy, Leg]] = {}
        self._placing: tuple[Strategy, Leg] | None = None
        self._events: deque[tuple[Strategy, Leg, str]] = deque()
        core.observers.append(self._observe)
        core.after_hooks.append(self._apply_events)
        self.handlers = {
            ("POST", "placeStrategyOrder"): self.place,
            ("POST", "updateStrategyOrder"): self.update,
            ("GET", "strategyOpenOrder"): self.open_order,
            ("GET", "strategyHistoryOrder"): self.history_order,
            # the CHANGELOG's names for the two queries (lenient aliases)
            ("GET", "strategyOrder"): self.open_order,
            ("GET", "strategyOrder/history"): self.history_order,
        }

    # -- placing ----------------------------------------------------------------------------

    def place(self, account: Account, params: p.Params) -> Any:
        kind = strategy_type(params)
        legs = read_legs(kind, sub_orders(params, LEG_COUNTS[kind], exact=True),
                         self.core.specs)
        client_id = p.text(params, "clientStrategyId")
        if client_id is not None:
            if not CLIENT_STRATEGY_ID.match(client_id):
                raise r.invalid_param("clientStrategyId")
            if any(s.client_strategy_id == client_id and s.working
                   for s in self._of(account)):
                raise ApiError(*DUPLICATE_STRATEGY_ID)
        builder = p.text(params, "builder")
        if builder is not None and not p.is_address(builder):
            raise r.invalid_param("builder")
        fee_rate = p.decimal(params, "feeRate")
        if fee_rate is not None and fee_rate < 0:
            raise r.invalid_param("feeRate")
        now = self.core.now()
        strategy = Strategy(
            next(self._ids), client_id or self.core._new_client_order_id(), kind,
            account.account_id, legs, now, now, builder,
            None if fee_rate is None else str(fee_rate),
        )
        placed: list[Leg] = []
        for leg in legs:
            if leg.place_rule is not None:
                continue
            try:
                self._place_leg(strategy, leg)
            except ApiError as error:
                self._roll_back(account, strategy, placed)
                if error.code == _WOULD_TRIGGER:
                    raise ApiError(*STRATEGY_WOULD_TRIGGER) from None
                raise
            placed.append(leg)
        self.by_id[strategy.strategy_id] = strategy
        return summary(strategy)

    def _place_leg(self, strategy: Strategy, leg: Leg) -> None:
        self._placing = (strategy, leg)
        try:
            self.core.place(strategy.account_id, leg.request)
        finally:
            self._placing = None

    def _roll_back(self, account: Account, strategy: Strategy, placed: list[Leg]) -> None:
        """Cancel the legs placed before one failed: the strategy is refused whole."""
        for leg in placed:
            if leg.order is not None and leg.order.is_open:
                self.core.cancel(account, leg.order)
        for leg in strategy.legs:
            if leg.order is not None:
                self._by_order.pop(leg.order.order_id, None)
        kept = [event for event in self._events if event[0] is not strategy]
        self._events.clear()
        self._events.extend(kept)

    # -- the legs' events -------------------------------------------------------------------

    def _observe(
        self, order: Order, execution_type: str, _last_qty: Decimal, _last_price: Decimal
    ) -> None:
        found = self._by_order.get(order.order_id)
        if found is None and self._placing is not None and execution_type == "NEW":
            strategy, leg = self._placing
            if leg.order is None and order.account_id == strategy.account_id:
                leg.order = order
                found = self._by_order[order.order_id] = (strategy, leg)
        if found is None:
            return
        strategy, leg = found
        strategy.update_time = self.core.now()
        for event in leg_events(order, execution_type):
            self._events.append((strategy, leg, event))

    def _apply_events(self) -> bool:
        """Fire the rules the recorded events meet; True when there was anything to do."""
        did = bool(self._events)
        while self._events:
            strategy, leg, event = self._events.popleft()
            leg.events.add(event)
            for other in strategy.legs:
                for index, rule in enumerate(other.rules):
                    if (rule is None or index in other.fired or rule.driver != leg.sub_id
                            or rule.on != event):
                        continue
                    other.fired.add(index)
                    leg.trigger_time = other.trigger_time = self.core.now()
                    self._act(strategy, other, rule.action)
            did = self._drop_orphans(strategy) or did
        return did

    def _act(self, strategy: Strategy, leg: Leg, action: str) -> None:
        account = self.core.account(strategy.account_id)
        if action == CANCEL:
            if leg.waiting:
                self._drop(strategy, leg, Status.CANCELED.value)
            elif leg.order is not None and leg.order.is_open:
                self.core.cancel(account, leg.order)
            return
        if action == PLACE and leg.waiting:
            try:
                self._place_leg(strategy, leg)
            except ApiError:
                self._drop(strategy, leg, Status.REJECTED.value)

    def _drop(self, strategy: Strategy, leg: Leg, status: str) -> None:
        leg.dropped = status
        strategy.update_time = self.core.now()
        self._events.append((strategy, leg, status))

    def _drop_orphans(self, strategy: Strategy) -> bool:
        """Waiting legs whose driver ended without the awaited event are dropped (EXPIRED)."""
        dropped = False
        for leg in strategy.legs:
            rule = leg.place_rule
            if rule is None or not leg.waiting:
                continue
            driver = strategy.leg(rule.driver)
            if driver is not None and driver.final and rule.on not in driver.events and not (
                self._pending_for(driver)
            ):
                self._drop(strategy, leg, Status.EXPIRED.value)
                dropped = True
        return dropped

    def _pending_for(self, leg: Leg) -> bool:
        return any(queued is leg for _, queued, _ in self._events)

    # -- updating ---------------------------------------------------------------------------

    def update(self, account: Account, params: p.Params) -> Any:
        strategy_id = p.required_integer(params, "strategyId")
        kind = strategy_type(params)
        strategy = self.by_id.get(strategy_id)
        if (strategy is None or strategy.account_id != account.account_id
                or strategy.strategy_type != kind or not strategy.working):
            raise r.error(r.NO_SUCH_ORDER)
        results = []
        for fields in sub_orders(params, LEG_COUNTS[kind], exact=False):
            sub_id = p.integer(fields, "strategySubId") or 0
            try:
                self._update_leg(account, strategy, sub_id, fields)
                outcome: dict[str, Any] = {"updateStatus": "SUCCESS"}
            except ApiError as error:
                outcome = {"updateStatus": "FAILED", "failureCode": error.code,
                           "failureReason": error.msg}
            strategy.update_time = self.core.now()
            results.append(summary(strategy, updatedSubOrder=sub_id, **outcome))
        return results

    def _update_leg(
        self, account: Account, strategy: Strategy, sub_id: int, fields: p.Params
    ) -> None:
        leg = strategy.leg(sub_id)
        if leg is None or leg.final:
            raise r.error(r.NO_SUCH_ORDER)
        for name in ("securityType", "symbol", "side", "type"):
            if p.required(fields, name) != leg.fields.get(name):
                raise r.invalid_param(name)
        merged = {**leg.fields, **{k: v for k, v in fields.items() if k in UPDATABLE}}
        request = order_request(merged, self.core.specs)
        order = leg.order
        if order is not None:
            if order.orig_type is OrderType.LIMIT:
                self.core.modify(account, order, order.side, request.quantity, request.price)
            else:
                self.core.amend_conditional(account, order, request.quantity, request.price,
                                            request.stop_price)
        leg.fields, leg.request = merged, request

    # -- queries ----------------------------------------------------------------------------

    def open_order(self, account: Account, params: p.Params) -> Any:
        strategy = self._lookup(account, params)
        if not strategy.working:
            raise r.error(r.NO_SUCH_ORDER)
        return render(strategy)

    def history_order(self, account: Account, params: p.Params) -> Any:
        """Any strategy of the account's last 90 days, open or done, by id."""
        strategy = self._lookup(account, params)
        start, end = p.integer(params, "startTime"), p.integer(params, "endTime")
        if start is not None and end is not None and start > end:
            raise ApiError(*r.START_AFTER_END)
        now = self.core.now()
        if (strategy.book_time < max(start or 0, now - _NINETY_DAYS_MS)
                or (end is not None and strategy.book_time > end)):
            raise r.error(r.NO_SUCH_ORDER)
        return render(strategy)

    def _lookup(self, account: Account, params: p.Params) -> Strategy:
        kind = strategy_type(params)
        strategy_id = p.integer(params, "strategyId")
        client_id = p.text(params, "clientStrategyId")
        if strategy_id is not None and client_id is not None:
            raise ApiError(*BAD_COMBINATION)
        if strategy_id is None and client_id is None:
            raise r.mandatory("strategyId")
        if strategy_id is not None:
            found = self.by_id.get(strategy_id)
        else:  # the latest with that client id
            found = next((s for s in reversed(self._of(account))
                          if s.client_strategy_id == client_id), None)
        if found is None or found.account_id != account.account_id or (
            found.strategy_type != kind
        ):
            raise r.error(r.NO_SUCH_ORDER)
        return found

    def _of(self, account: Account) -> list[Strategy]:
        return [s for s in self.by_id.values() if s.account_id == account.account_id]

    def strategies_of(self, account_id: str) -> list[Strategy]:
        """Every strategy of the account, oldest first (for tests and the operator)."""
        return [s for s in self.by_id.values() if s.account_id == account_id]

