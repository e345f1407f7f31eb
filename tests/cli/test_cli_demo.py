"""The demo, `sim`, `history` and the examples, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "aster-exec"
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ASTER_", "BINANCE_"))}


def test_demo_console_script_exits_0_with_the_tables(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SCRIPT), "demo"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for title in ("Balance", "Position sizing", "Orders", "Closed position", "Statistics"):
        assert title in result.stdout, title
    assert re.search(r"(take-profit|stop-loss) filled", result.stdout)


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between runs: ids, the port, timings."""
    text = json.dumps(report)
    text = re.sub(r'"(client_order_id|order_id)": "[^"]*"', r'"\1": ""', text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r'"average_time_to_fill_ms": "[^"]*"', '"average_time_to_fill_ms": ""', text)
    return dict(json.loads(text))


def test_demo_json_is_reproducible_and_consistent(cli: Any) -> None:
    first = cli.run("demo", "--seed", "3", "--json")
    second = cli.run("demo", "--seed", "3", "--json")
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    assert _stable(report) == _stable(json.loads(second.stdout))
    assert [line["label"] for line in report["sizing"]] == [
        "fixed %", "Kelly", "volatility", "risk-based", "ATR-based"]
    chosen = next(line for line in report["sizing"] if line["chosen"])
    assert chosen["label"] == "risk-based" and chosen["valid"] is True
    roles = {o["role"]: o["status"] for o in report["orders"]}
    assert roles["ENTRY"] == "FILLED"
    assert sorted([roles["STOP_LOSS"], roles["TAKE_PROFIT"]]) == ["CANCELED", "FILLED"]
    pnl = report["pnl"]
    assert pnl["position_closed"] is True
    assert pnl["net_pnl"] == pnl["wallet_change"]  # the exchange's wallet agrees to the unit


def test_demo_store_then_history(cli: Any, tmp_path: Path) -> None:
    store = tmp_path / "demo.sqlite"
    assert cli.run("demo", "--seed", "4", "--store", str(store), "--json").exit_code == 0
    orders = json.loads(cli.run("history", "--store", str(store), "--json").stdout)["orders"]
    assert len(orders) == 3
    assert {o["strategy_name"] for o in orders} == {"demo"}
    entry = next(o for o in orders if o["role"] == "ENTRY")
    table = cli.run("history", "--store", str(store), "--strategy", "demo")
    assert table.exit_code == 0 and entry["order"]["client_order_id"][:8] in table.stdout
    filled = json.loads(cli.run("history", "--store", str(store), "--status", "filled",
                                "--json").stdout)["orders"]
    assert len(filled) == 2
    events = cli.run("history", "--store", str(store), "--events",
                     entry["order"]["client_order_id"])
    assert events.exit_code == 0 and "Events of" in events.stdout
    missing = cli.run("history", "--store", str(tmp_path / "nope.sqlite"))
    assert missing.exit_code == 2 and "no such order store" in missing.stderr


def test_sim_serves_until_stopped(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(SCRIPT), "sim", "--port", "0", "--no-ticks", "--balance", "USDT=2500"],
        cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.strip() == "simulator ready":
                break
        text = "\n".join(lines)
        assert "simulator ready" in text, text + (process.stderr.read() if process.stderr else "")
        url = re.search(r"REST (http://127\.0\.0\.1:\d+)", text)
        key = re.search(r"ASTER_API_KEY=(\S+)", text)
        secret = re.search(r"ASTER_API_SECRET=(\S+)", text)
        assert url and key and secret
        env = {**clean_env(), "ASTER_REST_URL": url.group(1), "ASTER_API_KEY": key.group(1),
               "ASTER_API_SECRET": secret.group(1)}
        balance = subprocess.run([str(SCRIPT), "balance", "--json"], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=30)
        assert balance.returncode == 0, balance.stderr
        assert json.loads(balance.stdout)["balances"][0]["wallet_balance"] == "2500"
        # Debug logs and tracebacks never show a secret, right or wrong.
        for secret_value in (secret.group(1), "wrong-secret-value-123"):
            debug = subprocess.run(
                [str(SCRIPT), "buy", "BTCUSDT", "0.01", "--debug"], cwd=tmp_path,
                env={**env, "ASTER_API_SECRET": secret_value}, capture_output=True, text=True,
                timeout=30,
            )
            assert debug.returncode in (0, 3), debug.stderr
            assert secret_value not in debug.stdout + debug.stderr
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0  # SIGTERM stops it cleanly
    assert process.stderr is not None and "simulator stopped" in process.stderr.read()


def test_integration_example_runs_as_a_script(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "integration_example.py")], cwd=tmp_path,
        env=clean_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Position opened: 0.06 BTC @ $50000" in result.stdout


OTHER_EXAMPLES = [p for p in EXAMPLES if p.stem != "integration_example"]


@pytest.mark.parametrize("example", OTHER_EXAMPLES, ids=[p.stem for p in OTHER_EXAMPLES])
def test_example_runs(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(example), run_name="__main__")  # in-process: no interpreter start-up
    assert capsys.readouterr().out.strip()


def test_readme_python_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"From Python:\n\n```python\n(.*?)```", readme, re.S)
    assert snippet, "the README's Python example moved"
    script = tmp_path / "readme_example.py"
    script.write_text(snippet.group(1))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("FILLED ")
