"""The fault soak, small: 150 placements, every fault kind, two SIGKILLs of the driver.

The long run is `python -m bench.soak --orders 5000 --restarts 20`; this one runs in the
normal test command. The run happens once (module fixture); each test reads its report.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from bench.soak.config import FaultKind, SoakConfig
from bench.soak.report import SoakReport, render
from bench.soak.supervisor import run_soak


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def report(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SoakReport]:
    work: Path = tmp_path_factory.mktemp("soak")
    config = SoakConfig(orders=150, restarts=2, seed=3, fault_interval=0.15,
                        startup_kill_share=0.5, work_dir=str(work))
    result = await run_soak(config)
    print(render(result))
    yield result


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_run_drove_its_orders_through_crashes_and_every_fault(
    report: SoakReport,
) -> None:
    assert report.finished, render(report)
    assert report.placements >= 150
    assert report.restarts == 2
    assert report.stalls == 0 and report.crashes == 0, render(report)
    assert report.exchange_orders > 0
    missing = [kind.name for kind in FaultKind if report.faults.get(kind, 0) == 0]
    assert missing == [], render(report)


async def test_no_client_order_id_was_created_twice(report: SoakReport) -> None:
    assert report.verification.duplicates == []


async def test_no_exchange_order_is_unknown_to_the_manager_or_the_store(
    report: SoakReport,
) -> None:
    assert report.verification.lost == []


async def test_every_order_agrees_with_the_exchange(report: SoakReport) -> None:
    assert report.verification.mismatches == [], render(report)


async def test_the_stored_fills_add_up_to_the_exchange_positions(report: SoakReport) -> None:
    assert report.verification.position_mismatches == []


async def test_no_untyped_error_reached_the_strategy(report: SoakReport) -> None:
    assert report.unexpected == []
