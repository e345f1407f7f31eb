"""Build the API reference of the `execution` package from its docstrings, with pdoc.

    python .ci/api_reference.py [OUTPUT_DIR]    (default: build/api, not committed)

Every module of the package is imported and rendered, the sub-modules a package's
`__all__` leaves out included (pdoc alone would skip them), and the names a module loads
lazily (`execution.__getattr__`) are resolved first so that they are documented too. The
build fails (exit 1) when a module cannot be imported, has no docstring, or pdoc warns
about something broken: a name in `__all__` that does not resolve, an annotation it cannot
evaluate, a docstring it cannot parse. Public classes and functions without a docstring
are listed (`undocumented.txt` in the output), not failed: there are still some.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.doc
import pdoc.render

PACKAGE = "execution"


def module_names(failures: list[str]) -> list[str]:
    """The package and every module under it (importing the sub-packages to find them)."""
    package = pdoc.doc.Module.from_name(PACKAGE).obj

    def failed(name: str) -> None:
        failures.append(f"cannot import {name}: {sys.exc_info()[1]!r}")

    names = [PACKAGE]
    for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.", onerror=failed):
        if info.name.rpartition(".")[2] != "__main__":  # importing it would run it
            names.append(info.name)
    return names


def resolve_lazy_names(name: str, failures: list[str]) -> None:
    """Load what `name.__all__` lists: a lazily loaded name is not in the module's
    namespace until first used, and pdoc would take it for a missing sub-module."""
    module = importlib.import_module(name)
    for member in getattr(module, "__all__", ()):
        try:
            getattr(module, member)
        except Exception as exc:
            failures.append(f"{name}.__all__ lists {member!r}, which does not load: {exc!r}")


def undocumented(modules: dict[str, pdoc.doc.Module]) -> list[str]:
    """Public classes and functions (methods included) without a docstring of their own
    or inherited."""
    missing = []
    for module in modules.values():
        for member in module.flattened_own_members:
            if (
                isinstance(member, pdoc.doc.Class | pdoc.doc.Function)
                and not member.name.startswith("_")
                and not member.docstring.strip()
            ):
                missing.append(member.fullname)
    return missing


def build(output: Path) -> list[str]:
    """Write the HTML to `output`; returns what went wrong (empty: a clean build)."""
    failures: list[str] = []
    pdoc.render.configure(docformat="markdown", search=True, show_source=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        modules: dict[str, pdoc.doc.Module] = {}
        for name in module_names(failures):
            try:
                resolve_lazy_names(name, failures)
                modules[name] = pdoc.doc.Module.from_name(name)
            except Exception as exc:  # an import error: report them all, not the first
                failures.append(f"cannot import {name}: {exc!r}")
                continue
            if not modules[name].docstring.strip():
                failures.append(f"{name} has no module docstring")
        for module in modules.values():
            page = output / f"{module.fullname.replace('.', '/')}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(pdoc.render.html_module(module, modules), encoding="utf-8")
        (output / "index.html").write_text(pdoc.render.html_index(modules), encoding="utf-8")
        (output / "search.js").write_text(pdoc.render.search_index(modules), encoding="utf-8")
        missing = undocumented(modules)
    (output / "undocumented.txt").write_text("".join(f"{name}\n" for name in missing))
    if missing:
        print(f"API reference: {len(missing)} public classes and functions have no "
              f"docstring (listed in {output / 'undocumented.txt'})")
    pdoc_dir = Path(pdoc.__file__).parent
    for warning in caught:
        if Path(warning.filename).is_relative_to(pdoc_dir):
            failures.append(f"pdoc: {warning.message}")
    return failures


def main(argv: list[str]) -> int:
    output = Path(argv[1] if len(argv) > 1 else "build/api")
    failures = build(output)
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        print(f"API reference: {len(failures)} problem(s)", file=sys.stderr)
        return 1
    print(f"API reference: {len(list(output.rglob('*.html')))} pages in {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
