"""The fleet soak's report: what was driven by whom, on which host, what was injected, what
the rate limits saw, and what the end checks found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.fleet.config import HOSTS, FleetConfig
from bench.fleet.limits import LimitWatch
from bench.fleet.members import Member
from bench.fleet.verify import FleetVerification
from bench.soak.config import FaultKind


@dataclass(slots=True)
class FleetReport:
    config: FleetConfig
    store: str  # what the drivers stored in (shown without secrets)
    budget: str  # where their rate budget lived
    members: list[Member]
    faults: dict[FaultKind, int]
    counterparty_fills: int
    limits: LimitWatch
    verification: FleetVerification
    wall_seconds: float
    work_dir: str
    finished: bool
    takeovers: list[str] = field(default_factory=list)  # recorded changes of hands
    notes: list[str] = field(default_factory=list)
    heaviest: list[str] = field(default_factory=list)  # requests by weight used

    @property
    def placements(self) -> int:
        return sum(m.totals.placements for m in self.members)

    @property
    def kills(self) -> int:
        return sum(m.kills for m in self.members)

    @property
    def unexpected(self) -> list[str]:
        return [f"{m.name}: {text}" for m in self.members for text in m.totals.unexpected]

    @property
    def hosts_seen(self) -> list[str]:
        return sorted(address for address in self.limits.addresses if address in HOSTS)

    @property
    def passed(self) -> bool:
        v = self.verification
        return (
            self.finished and not v.unfinished
            and not v.duplicates and v.lost_count == 0 and v.mismatch_count == 0
            and not v.adopted_across and not v.unowned and not v.slot_clashes
            and self.limits.genuine_total == 0
            and not self.unexpected
            and self.placements >= self.config.orders
            and self.kills >= self.config.kills
            and len(self.hosts_seen) == len(HOSTS)
        )

    def as_dict(self) -> dict[str, Any]:
        v = self.verification
        return {
            "drivers": len(self.members),
            "orders_driven": self.placements,
            "exchange_orders": v.exchange_orders,
            "kills": self.kills,
            "startup_kills": sum(m.startup_kills for m in self.members),
            "duplicates": len(v.duplicates),
            "lost": v.lost_count,
            "mismatches": v.mismatch_count,
            "adopted_across": len(v.adopted_across),
            "unowned": len(v.unowned),
            "nonce_slot_clashes": len(v.slot_clashes),
            "genuine_429_418": dict(self.limits.genuine),
            "injected_429_418": dict(self.limits.injected),
            "faults": {kind.name: count for kind, count in self.faults.items()},
            "hosts_seen": self.hosts_seen,
            "takeovers": len(self.takeovers),
            "store": self.store,
            "budget": self.budget,
            "unexpected": len(self.unexpected),
            "wall_seconds": round(self.wall_seconds, 1),
            "passed": self.passed,
        }


def _member_lines(report: FleetReport) -> list[str]:
    lines = ["drivers (prefix@address: placements, orders on the exchange, lives, kills "
             "[while starting], crashes, stalls, typed errors):"]
    v = report.verification
    for m in report.members:
        ident = m.identity
        errors = sum(m.totals.errors.values())
        auth = ", ".join(f"{a} {n}" for a, n in sorted(m.auth_lives.items()))
        lines.append(
            f"  {ident.index}: {ident.prefix}@{ident.address}: {m.totals.placements}, "
            f"{v.per_driver_orders.get(ident.index, 0)}, {m.lives} ({auth}), {m.kills} "
            f"[{m.startup_kills}], {m.crashes}, {m.stalls}, {errors}")
    slots = [f"{m.identity.prefix}/{r['life']}: {r.get('nonce_slot')}" for m in report.members
             for r in m.readies if r.get("auth") == "v3"]
    lines.append("  v3 lives' nonce slots (prefix/life: slot): " + (", ".join(slots) or "none")
                 + f"; lives up at once on one slot: {len(report.verification.slot_clashes)}")
    return lines


def _limit_lines(report: FleetReport) -> list[str]:
    watch = report.limits
    lines = ["the simulator's rate limits (per source address: requests, weight, peak "
             "weight in one window):"]
    for address, use in sorted(watch.addresses.items()):
        lines.append(f"  {address}: {use.requests}, {use.weight}, {use.peak_window_weight}")
    lines.append(f"  account order counts, peak: {watch.peak_orders_10s} in 10 s, "
                 f"{watch.peak_orders_minute} in a minute")
    injected = ", ".join(f"{k} {n}" for k, n in sorted(watch.injected.items())) or "none"
    genuine = ", ".join(f"{k} {n}" for k, n in sorted(watch.genuine.items())) or "none"
    lines += [f"  heaviest: {entry}" for entry in report.heaviest]
    lines.append(f"  429/418 injected: {injected}; NOT injected (the clients' doing): {genuine}")
    return lines


def render(report: FleetReport, *, details: int = 10) -> str:
    """The report as text, with the first `details` findings of each kind."""
    config, v = report.config, report.verification
    typed: dict[str, int] = {}
    for m in report.members:
        for name, count in m.totals.errors.items():
            typed[name] = typed.get(name, 0) + count
    lines = [
        f"Fleet soak: --drivers {config.drivers} --orders {config.orders} --kills "
        f"{config.kills} --seed {config.seed} --auth {config.auth} --limits {config.limits}",
        f"store: {report.store}",
        f"rate budget: {report.budget}",
        f"orders driven {report.placements}; on the exchange {v.exchange_orders}; "
        f"counterparty fills {report.counterparty_fills}; wall {report.wall_seconds:.1f} s",
        "faults injected: " + (", ".join(
            f"{k.name} {n}" for k, n in sorted(report.faults.items(), key=lambda i: i[0].name))
            or "none"),
        *_member_lines(report),
        *_limit_lines(report),
        "typed errors: " + (", ".join(f"{k} {n}" for k, n in sorted(
            typed.items(), key=lambda i: -i[1])) or "none"),
        f"recorded takeovers: {len(report.takeovers)}",
        *[f"  {t}" for t in report.takeovers[:details]],
        f"duplicates {len(v.duplicates)}, lost {v.lost_count}, mismatches "
        f"{v.mismatch_count}, adopted across managers {len(v.adopted_across)}, orders "
        f"of no driver {len(v.unowned)}, unexpected errors {len(report.unexpected)}",
    ]
    for title, entries in (
        ("duplicate", v.duplicates), ("lost", v.lost), ("mismatch", v.mismatches),
        ("position mismatch", v.position_mismatches),
        ("adopted across managers", v.adopted_across), ("no driver's", v.unowned),
        ("unfinished", v.unfinished), ("nonce slot clash", v.slot_clashes),
        ("429/418 not injected", report.limits.examples),
        ("unexpected", report.unexpected),
    ):
        lines += [f"{title}: {entry}" for entry in entries[:details]]
    lines += [f"note: {note}" for note in report.notes]
    if len(report.hosts_seen) != len(HOSTS):
        lines.append(f"only these hosts were seen by the simulator: {report.hosts_seen}")
    lines.append(f"stores and driver logs: {report.work_dir}")
    lines.append("RESULT: " + ("PASS" if report.passed else "FAIL"))
    return "\n".join(lines)
