"""The shape of `src/execution`: no import circle, small modules, a facade that shows only
its public API. Every import counts, also ones under `TYPE_CHECKING` or inside functions: a
part that needs its caller's type depends on its caller."""

from __future__ import annotations

import ast
import pydoc
import re
from collections.abc import Iterator
from pathlib import Path

import execution
from execution.orders.manager import OrderManager

PACKAGE = Path(execution.__file__).parent
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("execution", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` is an import of the module; of a name, the
            # module that defines it (the package, for a name it re-exports).
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                yield name


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_in_the_package() -> None:
    graph = {module: set(_imported(module, path)) for module, path in MODULES.items()}
    # A package's __init__ may re-export its modules; a module importing a name from its
    # own package closes a circle through it, and counts.
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        module: len(path.read_text(encoding="utf-8").splitlines())
        for module, path in MODULES.items()
    }
    assert {module: n for module, n in sizes.items() if n > MAX_LINES} == {}


def test_no_part_of_the_order_manager_imports_the_facade() -> None:
    facade = "execution.orders.manager"
    importers = sorted(
        module for module, path in MODULES.items()
        if module.startswith("execution.orders.") and facade in set(_imported(module, path))
    )
    assert importers == []


def test_help_of_the_order_manager_shows_only_its_public_api() -> None:
    text = pydoc.render_doc(OrderManager, renderer=pydoc.plaintext)
    listed = set(re.findall(r"^ \|  (?:async )?(\w+)", text, flags=re.MULTILINE))
    assert {name for name in listed if name.startswith("_") and not name.startswith("__")} == set()
    # What only the parts used to call on the facade is gone from it.
    for internal in ("validate", "submit", "apply", "apply_snapshot", "consider", "adopt",
                     "place_exit", "close_exit_at_market", "cancel_quietly", "note", "record",
                     "never_acknowledged", "grace_over", "emit_position_event"):
        assert not hasattr(OrderManager, internal), internal
    for public in ("place_order", "check_order", "place_limit_order", "place_bracket_order",
                   "cancel_order", "modify_order", "close_position", "audit_protection",
                   "unknown_outcomes", "get_statistics", "on", "off", "start", "stop"):
        assert public in listed, public
        assert getattr(OrderManager, public).__doc__, public
