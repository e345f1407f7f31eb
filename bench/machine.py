"""A description of the machine and software a benchmark ran on."""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "aster-execution",
    "aiohttp",
    "yarl",
    "multidict",
    "coincurve",
    "pycryptodome",
    "eth-account",
    "ccxt",
    "orjson",
    "uvloop",
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def source_revision() -> str:
    """The checked-out commit (and `+changes` when the tree differs from it), if known."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root, capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


def load_average() -> str:
    """1, 5 and 15 minute load averages: other work on the machine skews every number."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def describe() -> list[tuple[str, str]]:
    """(label, value) pairs for the results header."""
    return [
        ("CPU", cpu_model()),
        ("Cores", f"{usable_cores()} usable ({os.cpu_count()} online)"),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
        ("Event loop policy", type(asyncio.get_event_loop_policy()).__qualname__),
        ("Load average at start", load_average()),
        ("Source", source_revision()),
        ("Packages", ", ".join(f"{k} {v}" for k, v in package_versions().items())),
    ]
