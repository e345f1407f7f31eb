"""What the simulator's rate limits saw: request weight per source address, the account's
order counts, and every 429 and 418, told apart from the injected ones.

`LimitWatch` wraps, on the simulator's own instances, the limiter's `charge_weight` (per
client IP), `charge_orders` (per account) and `ban_seen_clients` (what the fault injector
calls for an IP ban), and the fault controller's `take_failure` (an injected 429 is a
failure it hands out). A 429 the limiter gives is the clients' doing (they sent more
than the exchange allows: "genuine"); a 418 is injected while an injected ban lasts, and
genuine otherwise (it follows a genuine 429 that was not waited out).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from execution.simulator import SimulatedExchange


@dataclass(slots=True)
class AddressUse:
    """One client address as the limiter counted it."""

    requests: int = 0
    weight: int = 0
    peak_window_weight: int = 0  # the most weight used in one window


@dataclass(slots=True)
class LimitWatch:
    """Installed on a simulator (before its clients start); see the module docstring."""

    addresses: dict[str, AddressUse] = field(default_factory=dict)
    genuine: Counter[str] = field(default_factory=Counter)  # "429 weight", "429 orders", "418"
    injected: Counter[str] = field(default_factory=Counter)  # "429", "418"
    peak_orders_10s: int = 0
    peak_orders_minute: int = 0
    examples: list[str] = field(default_factory=list)  # the first genuine ones, described
    _ban_until_ms: int = 0

    def install(self, sim: SimulatedExchange) -> None:
        limiter, faults = sim.limiter, sim.faults
        charge_weight, charge_orders = limiter.charge_weight, limiter.charge_orders
        ban_seen, take_failure = limiter.ban_seen_clients, faults.take_failure

        def weight(ip: str, amount: int, now_ms: int) -> tuple[int, Any, int]:
            used, error, retry = charge_weight(ip, amount, now_ms)
            use = self.addresses.setdefault(ip, AddressUse())
            use.requests += 1
            if error is None:
                use.weight += amount
                use.peak_window_weight = max(use.peak_window_weight, used)
            elif error.http_status == 418 and now_ms < self._ban_until_ms:
                self.injected["418"] += 1
            else:
                kind = "418" if error.http_status == 418 else "429 weight"
                self._genuine(kind, f"{kind} to {ip} at {now_ms}: {error.msg[:80]}")
            return used, error, retry

        def orders(account_id: str, count: int, now_ms: int) -> tuple[Any, int]:
            error, retry = charge_orders(account_id, count, now_ms)
            if error is None:
                ten, minute = limiter.order_counts(account_id, now_ms)
                self.peak_orders_10s = max(self.peak_orders_10s, ten)
                self.peak_orders_minute = max(self.peak_orders_minute, minute)
            else:
                self._genuine("429 orders", f"429 orders at {now_ms}: {error.msg[:80]}")
            return error, retry

        def ban(until_ms: int) -> int:
            self._ban_until_ms = max(self._ban_until_ms, until_ms)
            return ban_seen(until_ms)

        def failure(method: str, endpoint: str, path: str) -> Any:
            taken = take_failure(method, endpoint, path)
            if taken is not None and taken.status in (418, 429):
                self.injected[str(taken.status)] += 1
            return taken

        # instance wraps of the simulator's own objects (its server calls through them)
        setattr(limiter, "charge_weight", weight)  # noqa: B010
        setattr(limiter, "charge_orders", orders)  # noqa: B010
        setattr(limiter, "ban_seen_clients", ban)  # noqa: B010
        setattr(faults, "take_failure", failure)  # noqa: B010

    def _genuine(self, kind: str, text: str) -> None:
        self.genuine[kind] += 1
        if len(self.examples) < 10:
            self.examples.append(text)

    @property
    def genuine_total(self) -> int:
        return sum(self.genuine.values())
