"""The end-to-end demo: an embedded simulator, a sized bracket, and what happened to it.

    report = asyncio.run(run_demo(seed=7))

`aster-exec demo` prints the report as tables (or JSON); the data is the same either way.
"""

from execution.demo.report import DemoReport, OrderLine, PnlSummary, SizingLine
from execution.demo.scenario import DemoSettings, run_demo

__all__ = ["DemoReport", "DemoSettings", "OrderLine", "PnlSummary", "SizingLine", "run_demo"]
