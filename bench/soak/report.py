"""The soak's report: what was driven and injected, and what the end checks found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.soak.config import FaultKind, SoakConfig
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
    def passed(self) -> bool:
        return (
            self.finished
            and self.duplicates == 0
            and self.lost == 0
            and self.mismatches == 0
            and not self.unexpected
            and self.placements >= self.config.orders
            and self.restarts >= self.config.restarts
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "orders_driven": self.placements,
            "exchange_orders": self.exchange_orders,
            "faults": {kind.name: count for kind, count in self.faults.items()},
            "restarts": self.restarts,
            "duplicates": self.duplicates,
            "lost": self.lost,
            "mismatches": self.mismatches,
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
    ]
    rows.append(("faults injected", str(sum(report.faults.values()))))
    for kind in FaultKind:
        rows.append((f"  {kind.value}", str(report.faults.get(kind, 0))))
    rows += [
        ("restarts (SIGKILL)", str(report.restarts)),
        ("driver lives / stalls / crashes",
         f"{report.lives} / {report.stalls} / {report.crashes}"),
        ("typed errors seen by the driver", str(sum(report.errors.values()))),
        ("unexpected (untyped) errors", str(len(report.unexpected))),
        ("duplicates found", str(report.duplicates)),
        ("lost orders", str(report.lost)),
        ("state mismatches (orders + positions)", str(report.mismatches)),
        ("wall time", f"{report.wall_seconds:.1f} s"),
    ]
    return rows


def render(report: SoakReport, *, details: int = 10) -> str:
    """The report as a text table, with the first `details` findings of each kind."""
    config = report.config
    lines = [
        f"Fault soak: --orders {config.orders} --restarts {config.restarts} "
        f"--seed {config.seed} (concurrency {config.concurrency})",
    ]
    rows = _rows(report)
    width = max(len(name) for name, _ in rows)
    lines.append("-" * (width + 12))
    lines += [f"{name:<{width}}  {value:>9}" for name, value in rows]
    lines.append("-" * (width + 12))
    if report.errors:
        top = sorted(report.errors.items(), key=lambda item: -item[1])
        lines.append("typed errors: " + ", ".join(f"{name} {count}" for name, count in top))
    v = report.verification
    for title, entries in (
        ("duplicates", v.duplicates), ("lost", v.lost), ("mismatches", v.mismatches),
        ("position mismatches", v.position_mismatches),
        ("manager position mismatches", v.manager_position_mismatches),
        ("unexpected", report.unexpected),
    ):
        for entry in entries[:details]:
            lines.append(f"{title}: {entry}")
    if not report.finished:
        lines.append("the last driver did not finish and report its state")
    lines.append(f"store and driver logs: {report.work_dir}")
    lines.append("RESULT: " + ("PASS" if report.passed else "FAIL"))
    return "\n".join(lines)
