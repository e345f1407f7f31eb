"""The soak's report: what was driven and injected, what the client did about each fault,
how long a bracketed position went without a stop, and what the end checks found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.soak.config import BRACKET_SYMBOL, FaultKind, SoakConfig
from bench.soak.host import SoakHost
from bench.soak.stops import ProtectionState, StopWatch
from bench.soak.tags import KindOutcome
from bench.soak.verify import Verification


@dataclass(slots=True)
class SoakReport:
    config: SoakConfig
    placements: int
    exchange_orders: int
    faults: dict[FaultKind, int]
    counterparty_fills: int
    restarts: int
    lives: int
    stalls: int
    crashes: int
    errors: dict[str, int]
    unexpected: list[str]
    verification: Verification
    wall_seconds: float
    work_dir: str
    finished: bool
    notes: list[str] = field(default_factory=list)
    kinds: frozenset[FaultKind] = frozenset()  # the kinds this run was to inject
    outcomes: dict[FaultKind, KindOutcome] = field(default_factory=dict)
    client_logs: dict[str, int] = field(default_factory=dict)
    clock_modes: dict[str, int] = field(default_factory=dict)
    clock_steps: dict[str, int] = field(default_factory=dict)  # per auth scheme
    auth_lives: dict[str, int] = field(default_factory=dict)
    errors_by_auth: dict[str, int] = field(default_factory=dict)
    stops: StopWatch | None = None
    end_protection: ProtectionState | None = None
    host: SoakHost | None = None
    hit_ids: dict[FaultKind, set[str]] = field(default_factory=dict)  # orders each kind hit
    batches: tuple[int, int] = (0, 0)  # place_batch calls, their legs
    modifies: dict[str, int] = field(default_factory=dict)  # "native" / "replaced"

    def late_hit(self, client_order_id: str) -> bool:
        """True for an order a late execution hit (the client's fix for it is pending)."""
        return any(
            client_order_id in self.hit_ids.get(kind, ())
            for kind in (FaultKind.LATE_EXECUTION, FaultKind.BAN_WHILE_UNKNOWN)
        )

    @property
    def duplicates(self) -> int:
        return len(self.verification.duplicates)

    @property
    def lost(self) -> int:
        """Distinct exchange orders unknown to the manager or the store."""
        return len({entry.split(":", 1)[0] for entry in self.verification.lost})

    @property
    def mismatches(self) -> int:
        return self.verification.mismatch_count

    @property
    def missing_kinds(self) -> list[FaultKind]:
        """Kinds this run was to inject that it never did."""
        return [kind for kind in FaultKind if kind in self.kinds and not self.faults.get(kind)]

    @property
    def bracket_unprotected_at_end(self) -> bool:
        return self.end_protection is not None and self.end_protection.unprotected

    @property
    def passed(self) -> bool:
        return (
            self.finished
            and self.duplicates == 0
            and self.lost == 0
            and self.mismatches == 0
            and not self.verification.foreign_adopted
            and not self.bracket_unprotected_at_end
            and not self.unexpected
            and self.placements >= self.config.orders
            and self.restarts >= self.config.restarts
        )

    def as_dict(self) -> dict[str, Any]:
        stops = self.stops
        return {
            "orders_driven": self.placements,
            "exchange_orders": self.exchange_orders,
            "faults": {kind.name: count for kind, count in self.faults.items()},
            "outcomes": {
                kind.name: dict(outcome.counts) for kind, outcome in self.outcomes.items()
            },
            "restarts": self.restarts,
            "duplicates": self.duplicates,
            "lost": self.lost,
            "mismatches": self.mismatches,
            "foreign_adopted": len(self.verification.foreign_adopted),
            "batches": {"calls": self.batches[0], "legs": self.batches[1]},
            "modifies": dict(self.modifies),
            "hedge_orders": self.verification.hedge_exchange_orders,
            "longest_without_stop_s": round(stops.longest, 3) if stops else None,
            "longest_without_stop_driver_up_s": (
                round(stops.longest_driver_up, 3) if stops else None
            ),
            "longest_without_stop_by_scheme_s": (
                {k: round(v, 3) for k, v in stops.longest_by_auth.items()} if stops else None
            ),
            "bracket_unprotected_at_end": self.bracket_unprotected_at_end,
            "unexpected": len(self.unexpected),
            "wall_seconds": round(self.wall_seconds, 1),
            "passed": self.passed,
        }


def _rows(report: SoakReport) -> list[tuple[str, str]]:
    v = report.verification
    rows = [
        ("orders driven (placement calls)", str(report.placements)),
        ("orders on the exchange (incl. bracket exits, replacements)",
         str(report.exchange_orders)),
        ("orders known to the manager / the store", f"{v.manager_orders} / {v.store_orders}"),
        ("counterparty fills", str(report.counterparty_fills)),
        ("batches placed (place_batch calls / legs)",
         f"{report.batches[0]} / {report.batches[1]}"),
        ("modifies (in place, PUT / cancel-and-replace)",
         f"{report.modifies.get('native', 0)} / {report.modifies.get('replaced', 0)}"),
        ("hedge-mode account: orders on the exchange / manager / store",
         f"{v.hedge_exchange_orders} / {v.hedge_manager_orders} / {v.hedge_store_orders}"),
        ("  its legs at the end", ", ".join(f"{k} {q}" for k, q in v.hedge_legs.items())
         or "flat"),
    ]
    rows.append(("faults injected", str(sum(report.faults.values()))))
    for kind in FaultKind:
        count = str(report.faults.get(kind, 0)) if kind in report.kinds else "off"
        rows.append((f"  {kind.name}: {kind.value}", count))
    lives = ", ".join(f"{a} {n}" for a, n in sorted(report.auth_lives.items()))
    rows += [
        ("restarts (SIGKILL)", str(report.restarts)),
        ("driver lives / stalls / crashes",
         f"{report.lives} / {report.stalls} / {report.crashes}"),
        (f"  lives per auth scheme: {lives}", ""),
        ("typed errors seen by the driver", str(sum(report.errors.values()))),
        ("unexpected (untyped) errors", str(len(report.unexpected))),
        ("duplicates found", str(report.duplicates)),
        ("lost orders", str(report.lost)),
        ("state mismatches (orders + positions)", str(report.mismatches)),
        ("second process's orders adopted by the driver", str(len(v.foreign_adopted))),
        ("wall time", f"{report.wall_seconds:.1f} s"),
    ]
    return rows


def _client_lines(report: SoakReport) -> list[str]:
    """What the client did: per fault kind that hit an order, and the client's warnings."""
    lines = ["what the client did, per fault that hit an order request:"]
    for kind, outcome in sorted(report.outcomes.items(), key=lambda item: item[0].name):
        counts = ", ".join(f"{name} {n}" for name, n in sorted(outcome.counts.items()))
        lines.append(f"  {kind.name} ({outcome.hits} hit): {counts}")
    steps = ", ".join(f"{a} {n}" for a, n in sorted(report.clock_steps.items())) or "none"
    modes = ", ".join(f"{m} {n}" for m, n in sorted(report.clock_modes.items())) or "-"
    lines.append(f"  CLIENT_CLOCK_STEP per auth scheme: {steps} (applied via: {modes})")
    host = report.host
    if host is not None:
        lines.append(
            f"  DISK_FULL: disk full {host.disk.fills} times, {host.disk_full_seconds:.1f} s "
            "in all (what the driver did: the errors and warnings below)"
        )
        errors = ", ".join(f"{e} {n}" for e, n in sorted(host.second_errors.items())) or "none"
        lines.append(
            f"  SECOND_PROCESS: {host.second_runs} runs, {host.second_placements} placements, "
            f"{host.second_unfinished} did not finish; its errors: {errors}"
        )
    if report.client_logs:
        lines.append("the client's warnings (per auth scheme, by message):")
        top = sorted(report.client_logs.items(), key=lambda item: -item[1])
        lines += [f"  {n:>6}  {message}" for message, n in top[:25]]
    return lines


def _stop_lines(report: SoakReport) -> list[str]:
    stops, end = report.stops, report.end_protection
    if stops is None:
        return []
    lines = [
        f"bracketed position ({BRACKET_SYMBOL}) without a live stop on the exchange "
        f"(sampled every {stops.interval * 1000:.0f} ms, {stops.samples} samples): "
        f"{stops.gaps} gaps, {stops.total:.2f} s in all; LONGEST {stops.longest:.2f} s "
        f"(longest begun while a driver was up: {stops.longest_driver_up:.2f} s); "
        f"longest with stops for less than the position: {stops.longest_under_covered:.2f} s",
        "  begun while a driver was up, by its scheme (v3: native brackets, v1: emulated): "
        + (", ".join(f"{auth} {gap:.2f} s" for auth, gap in sorted(stops.longest_by_auth.items()))
           or "no gap"),
    ]
    if end is not None:
        verdict = (
            "NO STOP: a bracketed position without its stop" if end.unprotected
            else "no bracketed position without its stop"
        )
        lines.append(f"at the end: {BRACKET_SYMBOL} position {end.position}, "
                     f"{end.stops} live stop(s) for {end.stop_quantity}: {verdict}")
    return lines


def render(report: SoakReport, *, details: int = 10) -> str:
    """The report as a text table, with the first `details` findings of each kind."""
    config = report.config
    lines = [
        f"Fault soak: --orders {config.orders} --restarts {config.restarts} "
        f"--seed {config.seed} --auth {config.auth} (concurrency {config.concurrency})",
    ]
    rows = _rows(report)
    width = max(len(name) for name, _ in rows)
    lines.append("-" * (width + 12))
    lines += [f"{name:<{width}}  {value:>9}" for name, value in rows]
    lines.append("-" * (width + 12))
    if report.errors:
        top = sorted(report.errors.items(), key=lambda item: -item[1])
        lines.append("typed errors: " + ", ".join(f"{name} {count}" for name, count in top))
        by_auth = sorted(report.errors_by_auth.items(), key=lambda item: -item[1])
        lines.append("  per auth scheme: " + ", ".join(f"{k} {n}" for k, n in by_auth))
    lines += _client_lines(report)
    lines += _stop_lines(report)
    v = report.verification
    for title, entries in (
        ("duplicates", v.duplicates), ("lost", v.lost), ("mismatches", v.mismatches),
        ("position mismatches", v.position_mismatches),
        ("manager position mismatches", v.manager_position_mismatches),
        ("foreign order adopted", v.foreign_adopted),
        ("second process left open", v.second_left_open),
        ("second process disagrees", v.second_disagreements),
        ("unexpected", report.unexpected),
    ):
        for entry in entries[:details]:
            lines.append(f"{title}: {entry}")
    lines += [f"note: {note}" for note in report.notes]
    if report.missing_kinds:
        lines.append("never injected: " + ", ".join(k.name for k in report.missing_kinds))
    if not report.finished:
        lines.append("the last driver did not finish and report its state")
    lines.append(f"store and driver logs: {report.work_dir}")
    lines.append("RESULT: " + ("PASS" if report.passed else "FAIL"))
    return "\n".join(lines)
