"""The public API: what `execution.__all__` promises is there, documented, and cheap to
import; every module of the package imports without doing anything (what the API
reference build relies on)."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import execution


def own_docstring(value: object) -> str:
    """The docstring `value` has itself: a class's own, not one inherited from its base."""
    if isinstance(value, type):
        return str(value.__dict__.get("__doc__") or "")
    return inspect.getdoc(value) or ""


def test_the_documented_import_works() -> None:
    from execution import (  # noqa: F401 - the line the package's docstring shows
        OrderManager,
        OrderSide,
        PositionSizer,
        SizingMethod,
        create_exchange,
    )

    assert "from execution import create_exchange, OrderManager, PositionSizer, " in (
        execution.__doc__ or ""
    )


@pytest.mark.parametrize("name", execution.__all__)
def test_every_exported_name_imports_and_has_a_docstring(name: str) -> None:
    value = getattr(execution, name)
    assert value is not None
    assert own_docstring(value).strip(), f"execution.{name} has no docstring"


def test_the_export_list_is_whole_and_sorted() -> None:
    exported = execution.__all__
    assert len(set(exported)) == len(exported)
    assert sorted(exported) == exported
    lazy = set(execution._LAZY)
    assert lazy <= set(exported), f"loaded lazily but not exported: {lazy - set(exported)}"
    assert set(exported) <= lazy | set(vars(execution)), "exported but not defined"
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        execution.NoSuchName  # noqa: B018


def run_python(code: str, cwd: Path) -> str:
    src = Path(execution.__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_package_loads_none_of_the_heavy_parts(tmp_path: Path) -> None:
    loaded = run_python(
        "import sys, execution\n"
        "print(sorted(m for m in sys.modules if m.startswith(('execution.orders', "
        "'execution.exchange', 'execution.simulator', 'aiohttp'))))",
        tmp_path,
    )
    assert loaded.strip() == "[]"


def test_every_module_imports_without_side_effects(tmp_path: Path) -> None:
    imported = run_python(
        "import importlib, pkgutil, execution\n"
        "names = [m.name for m in pkgutil.walk_packages(execution.__path__, 'execution.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names))",
        tmp_path,
    )
    assert int(imported) > 100
    assert list(tmp_path.iterdir()) == []  # no file written where it ran


def test_the_store_names_are_public() -> None:
    storage = importlib.import_module("execution.store_interface").OrderStorage
    assert execution.OrderStorage is storage
    assert issubclass(execution.StoreVersionError, execution.StoreError)
