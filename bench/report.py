"""The results: targets with verdicts, then every measured table, as markdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bench.components import (
    EIP712_SIGN_US,
    LOCAL_BOOK_UPDATES_PER_S,
    ORDER_MANAGER_EVENTS_NO_STORE_PER_S,
    ORDER_MANAGER_EVENTS_PER_S,
    SIMULATOR_REQUESTS_PER_S,
    SIZER_MIN_CALLS_PER_S,
    ComponentResults,
)
from bench.contenders import (
    CCXT_ASTER,
    CCXT_BINANCEUSDM,
    CLIENT_V1,
    CLIENT_V3,
    FLOOR_OF,
    FLOOR_V1,
    FLOOR_V3,
)
from bench.harness import (
    Samples,
    Target,
    format_rate,
    format_ratio,
    format_us,
    markdown_table,
)
from bench.overhead import Overhead
from bench.roundtrip import CREATE_CANCEL, Pattern, RoundTripResults

NAN = float("nan")


@dataclass(slots=True)
class Report:
    machine: list[tuple[str, str]]
    quick: bool = False
    scale: float = 1.0
    duration_s: float = 0.0
    round_trip_order: str = ""
    round_trips: RoundTripResults | None = None
    overheads: list[Overhead] = field(default_factory=list)
    components: ComponentResults | None = None
    problems: list[str] = field(default_factory=list)
    load_at_end: str = ""


def _ratio(numerator: float, denominator: float) -> float:
    if denominator != denominator or numerator != numerator or denominator == 0:
        return NAN
    return numerator / denominator


def _pooled_cpu_us(results: RoundTripResults, name: str, operation: str) -> float:
    """Own CPU per operation over every pattern of `operation` (all concurrency levels)."""
    cpu = operations = 0
    for pattern in results.patterns:
        if pattern.operation != operation:
            continue
        samples = results.get(pattern, name)
        if samples is not None:
            cpu += samples.own_cpu_ns
            operations += samples.operations
    return cpu / operations / 1000 if operations else NAN


def _sequential(results: RoundTripResults, operation: str) -> Pattern | None:
    return next(
        (p for p in results.patterns if p.operation == operation and p.in_flight == 1), None
    )


def _median(results: RoundTripResults, pattern: Pattern | None, name: str) -> float:
    samples = results.get(pattern, name) if pattern is not None else None
    return samples.median_us if samples is not None and samples.latencies_ns else NAN


def _round_ratio_range(
    results: RoundTripResults, pattern: Pattern | None, name: str, rival: str, *, cpu: bool
) -> str:
    """The spread of the same ratio taken round by round (the blocks ran side by side)."""
    mine = results.get(pattern, name) if pattern is not None else None
    theirs = results.get(pattern, rival) if pattern is not None else None
    if mine is None or theirs is None:
        return ""
    first = mine.block_cpu_ns if cpu else mine.block_medians_ns
    second = theirs.block_cpu_ns if cpu else theirs.block_medians_ns
    ratios = sorted(a / b for a, b in zip(first, second, strict=False) if b)
    if len(ratios) < 2:
        return ""
    return f"rounds: {ratios[0]:.2f}–{ratios[-1]:.2f}x"


def _overhead(report: Report, contender: str, step: str) -> float:
    for item in report.overheads:
        if item.contender == contender and item.step == step:
            return item.microseconds
    return NAN


def _check(value: float, limit: float, *, at_most: bool) -> bool | None:
    if value != value:
        return None
    return value <= limit if at_most else value >= limit


def evaluate_targets(report: Report) -> list[Target]:
    targets: list[Target] = []
    results = report.round_trips
    if results is not None:
        sequential = _sequential(results, CREATE_CANCEL)
        for client, floor in ((CLIENT_V1, FLOOR_V1), (CLIENT_V3, FLOOR_V3)):
            ratio = _ratio(
                _median(results, sequential, client), _median(results, sequential, floor)
            )
            targets.append(Target(
                f"(a) {client}: median create+cancel / floor", "<= 1.15x",
                format_ratio(ratio), _check(ratio, 1.15, at_most=True),
                "sequential; "
                + _round_ratio_range(results, sequential, client, floor, cpu=False),
            ))
            cpu_ratio = _ratio(
                _pooled_cpu_us(results, client, CREATE_CANCEL),
                _pooled_cpu_us(results, floor, CREATE_CANCEL),
            )
            targets.append(Target(
                f"(a) {client}: own CPU per create+cancel / floor", "<= 1.3x",
                format_ratio(cpu_ratio), _check(cpu_ratio, 1.3, at_most=True),
                f"{_pooled_cpu_us(results, client, CREATE_CANCEL):.0f} µs vs "
                f"{_pooled_cpu_us(results, floor, CREATE_CANCEL):.0f} µs, all concurrency levels; "
                "sequential " + _round_ratio_range(results, sequential, client, floor, cpu=True),
            ))
    signing = _overhead(report, CLIENT_V3, "RequestSigner.sign")
    if signing != signing:
        signing = _overhead(report, "execution.auth", "EIP-712 sign (Eip712Credentials.sign)")
    if signing != signing and report.components is not None:
        signing = report.components.metrics.get(EIP712_SIGN_US, NAN)
    targets.append(Target(
        "(b) EIP-712 signing per request", "<= 60 µs", format_us(signing),
        _check(signing, 60, at_most=True), "build the v3 auth suffix, digest and sign",
    ))
    if results is not None:
        sequential = _sequential(results, CREATE_CANCEL)
        for client, rival, needed in ((CLIENT_V3, CCXT_ASTER, 10.0),
                                      (CLIENT_V1, CCXT_BINANCEUSDM, 1.3)):
            speedup = _ratio(
                _median(results, sequential, rival), _median(results, sequential, client)
            )
            targets.append(Target(
                f"(c) {client} vs {rival}: median create+cancel speed-up", f">= {needed:g}x",
                format_ratio(speedup), _check(speedup, needed, at_most=False),
                "sequential; " + _round_ratio_range(results, sequential, rival, client, cpu=False),
            ))
    stubbed = "create_order, network stubbed"
    for client, rival, needed in ((CLIENT_V3, CCXT_ASTER, 10.0),
                                  (CLIENT_V1, CCXT_BINANCEUSDM, 1.3)):
        speedup = _ratio(_overhead(report, rival, stubbed), _overhead(report, client, stubbed))
        targets.append(Target(
            f"(c) same, client side only: {rival} / {client} create_order CPU",
            f">= {needed:g}x", format_ratio(speedup), _check(speedup, needed, at_most=False),
            "network stubbed: what each client itself spends on an order (informational)",
        ))
    metrics = report.components.metrics if report.components is not None else {}
    for label, metric, limit, unit in (
        ("(d) order manager stream events, parsed + applied + stored in SQLite",
         ORDER_MANAGER_EVENTS_PER_S, 20_000, "events/s"),
        ("(d) order manager stream events, parsed + applied, no store",
         ORDER_MANAGER_EVENTS_NO_STORE_PER_S, 20_000, "events/s"),
        ("(e) simulator signed order requests", SIMULATOR_REQUESTS_PER_S, 1_000, "requests/s"),
        ("(f) sizer calls (slowest method)", SIZER_MIN_CALLS_PER_S, 50_000, "calls/s"),
        ("local order book depth updates applied", LOCAL_BOOK_UPDATES_PER_S, 50_000,
         "updates/s"),
    ):
        value = metrics.get(metric, NAN)
        targets.append(Target(
            label, f">= {limit:,} {unit}", "-" if value != value else f"{value:,.0f} {unit}",
            _check(value, limit, at_most=False),
        ))
    return targets


def _round_trip_section(report: Report) -> list[str]:
    results = report.round_trips
    if results is None:
        return []
    lines = [
        "## Order round trips",
        "",
        f"Order: {report.round_trip_order}. Latency is per operation (create+cancel: both "
        "requests); orders/s is completed operations over the block's wall time; CPU is "
        "per operation, this process (the client) and the simulator process apart. Ratios "
        "are to the floor of the same scheme (v1 HMAC or v3 EIP-712), measured in the same "
        "rounds (contenders interleaved, rotated each round).",
        "",
    ]
    headers = ["Contender", "median", "p99", "orders/s", "median / floor", "client CPU/op",
               "CPU / floor", "simulator CPU/op", "n", "errors"]
    for pattern in results.patterns:
        by_name = results.samples.get(pattern.label, {})
        rows = []
        for name, samples in by_name.items():
            floor = by_name.get(FLOOR_OF.get(name, ""), None)
            rows.append(_round_trip_row(name, samples, floor))
        lines += [f"### {pattern.label} ({pattern.rounds} rounds x {pattern.orders_per_block})",
                  "", markdown_table(headers, rows), ""]
        errors = [f"{name}: {s.first_error}" for name, s in by_name.items() if s.errors]
        if errors:
            lines += ["First errors: " + "; ".join(errors), ""]
    return lines


def _round_trip_row(name: str, samples: Samples, floor: Samples | None) -> list[str]:
    median_ratio = cpu_ratio = NAN
    if floor is not None and floor.latencies_ns and samples.latencies_ns:
        median_ratio = _ratio(samples.median_us, floor.median_us)
        cpu_ratio = _ratio(samples.own_cpu_us_per_operation, floor.own_cpu_us_per_operation)
    return [
        name,
        format_us(samples.median_us if samples.latencies_ns else NAN),
        format_us(samples.p99_us if samples.latencies_ns else NAN),
        format_rate(samples.per_second),
        format_ratio(median_ratio),
        format_us(samples.own_cpu_us_per_operation),
        format_ratio(cpu_ratio),
        format_us(samples.other_cpu_us_per_operation),
        str(len(samples.latencies_ns)),
        str(samples.errors),
    ]


def _overhead_section(report: Report) -> list[str]:
    if not report.overheads:
        return []
    rows = [[item.contender, item.step, format_us(item.microseconds)] for item in report.overheads]
    return [
        "## Client overhead without the network",
        "",
        "Per order, in-process, CPU time, best of five runs taken in turns: the client's whole "
        "`create_order` "
        "with only "
        "the HTTP exchange stubbed (it decodes a canned reply of the simulator's engine), and "
        "its parts.",
        "",
        markdown_table(["Who", "What", "per order"], rows),
        "",
    ]


def _component_section(report: Report) -> list[str]:
    components = report.components
    if components is None or not components.rows:
        return []
    rows = [[row.section, row.name, f"{row.value} {row.unit}".strip(), row.note]
            for row in components.rows]
    return ["## Components", "", markdown_table(["Part", "Measure", "Value", "Note"], rows), ""]


def render(report: Report) -> str:
    mode = "quick (bounded)" if report.quick else "full"
    lines = [
        "# Benchmark results",
        "",
        f"`python -m bench{' --quick' if report.quick else ''}`: {mode} run, "
        f"scale {report.scale:g}, {report.duration_s:.0f} s, "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}. The simulator runs in "
        "its own process on the same machine, over loopback, with rate limits raised.",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], [
            *([label, value] for label, value in report.machine),
            *([["Load average at end", report.load_at_end]] if report.load_at_end else []),
        ]),
        "",
        "## Targets",
        "",
        markdown_table(
            ["Target", "Required", "Measured", "Verdict", "Note"],
            [[t.label, t.requirement, t.measured, t.verdict, t.note]
             for t in evaluate_targets(report)],
        ),
        "",
        "Verdicts use all samples of the run. \"rounds\" is the spread of the same ratio taken "
        "round by round (in a sequential round the contenders alternate operation by "
        "operation): a spread that straddles the limit means the verdict is within this "
        "machine's noise. Other load on "
        "the machine (see the load averages) moves wall-clock latencies far more than CPU "
        "times.",
        "",
    ]
    lines += _round_trip_section(report)
    lines += _overhead_section(report)
    lines += _component_section(report)
    if report.problems:
        lines += ["## Not measured / problems", ""]
        lines += [f"- {problem}" for problem in report.problems]
        lines.append("")
    return "\n".join(lines)
