"""Import direction (docs/layers.md), no import cycles, registered caches, and "only the lifecycle writes status"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cases", "api", "flows", "documents")
FORBIDDEN = {
    "cases": ("api", "flows", "documents", "fastapi", "prefect", "weasyprint", "jinja2"),
    "documents": ("api", "flows", "prefect", "sqlmodel", "sqlalchemy",
                  "cases.models", "cases.db", "cases.repository", "cases.service"),
    "flows": ("api", "fastapi"),
    "api": ("flows",),
}
PURE = ["cases/enums.py", "cases/errors.py", "cases/calendar.py", "cases/pupil_calendar.py", "cases/deadlines.py",
        "cases/authority.py", "cases/lifecycle.py", "cases/ports.py", "cases/catalogue.py", "cases/uscc.py",
        "cases/penalty_law.py"]
PURE_FORBIDDEN = ("sqlmodel", "sqlalchemy", "cases.models", "cases.db", "cases.repository", "cases.service",
                  "cases.settings")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imported(path) for f in forbidden if m == f or m.startswith(f + "."))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_inward(package: str) -> None:
    bad = {str(p.relative_to(ROOT)): offending(p, FORBIDDEN[package]) for p in (ROOT / package).rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}


@pytest.mark.parametrize("module", PURE)
def test_rule_modules_stay_pure(module: str) -> None:
    assert offending(ROOT / module, PURE_FORBIDDEN) == []


def test_only_the_lifecycle_writes_status() -> None:
    """No module that can reach a case row (it imports the tables, the service or the API) assigns
    `.status` or `.penalty_step`; the pure planner's own result objects are not case rows."""
    writes = re.compile(r"\.(status|penalty_step)\s*=(?!=)")
    reach = ("cases.models", "cases.service", "cases.repository", "sqlmodel", "fastapi")
    bad = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
           if p.name != "lifecycle.py" and writes.search(p.read_text(encoding="utf-8"))
           and (offending(p, reach) or pkg in ("api", "flows"))]
    assert bad == []


# --- no import cycles -----------------------------------------------------------------------------

def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Project module → the project modules it imports (at any depth of the file: a function-level
    import is still a dependency). `from pkg import name` counts `pkg.name` when that is a module."""
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
             if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in files}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = {f"{node.module}.{a.name}" for a in node.names} & files.keys()
                deps |= subs or ({node.module} & files.keys())
        graph[name] = deps - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_cycle_finder_names_the_modules_of_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert cycles(graph) == [["a", "b", "c"]]


# The one cycle left, inside the use cases being rewritten (issue 9, item 2): remove it from here
# when the action table no longer has inspection and sanctions import each other.
KNOWN_CYCLES: list[list[str]] = []


def test_no_import_cycles_between_modules() -> None:
    """A package's `__init__` re-exporting its modules is not a cycle with them; anything else is,
    a function-level or TYPE_CHECKING import included. The assertion names the modules of each."""
    graph = import_graph()
    for name in graph:  # drop the edges from a package's __init__ to its own submodules
        graph[name] = {d for d in graph[name] if not d.startswith(name + ".")}
    assert [c for c in cycles(graph) if c not in KNOWN_CYCLES] == []


# --- process-wide caches --------------------------------------------------------------------------

# Module-level mutable state that is not a cache (never reset): the reason is beside each.
NOT_CACHES = {
    "cases.caches._clearers": "the registry itself",
    "cases.db._write_locks": "the SQLite writer locks: a lock held while reset would be lost",
    "flows.demo.drive.STARTS": "the demo's path table, filled once at import",
    "cases.service.perform._HANDLERS": "the use case of each action, registered once at import (@handles)",
}


def process_caches() -> set[str]:
    """Every `lru_cache`/`cache` function, module-level empty container and `global` singleton."""
    found: set[str] = set()
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
                    if any(getattr(d, "id", getattr(d, "attr", "")) in ("lru_cache", "cache") for d in decorators):
                        found.add(f"{module}.{node.name}")
                elif isinstance(node, ast.Global):
                    found |= {f"{module}.{n}" for n in node.names}
            for node in tree.body:
                value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
                empty = isinstance(value, ast.Dict | ast.List | ast.Set) and not (
                    value.keys if isinstance(value, ast.Dict) else value.elts)
                made = isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", "")) in (
                    "dict", "list", "set", "defaultdict", "OrderedDict", "local", "WeakKeyDictionary")
                if empty or made:
                    target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                    found.add(f"{module}.{ast.unparse(target)}")
    return found


def test_every_process_cache_is_registered_for_reset() -> None:
    import importlib

    from cases.caches import registered

    wanted = process_caches() - NOT_CACHES.keys()
    for module in sorted({name.rsplit(".", 1)[0] for name in wanted}):
        importlib.import_module(module)
    assert sorted(wanted - set(registered())) == []


def test_reset_all_clears_the_registered_caches() -> None:
    from cases.caches import reset_all
    from cases.catalogue import load_catalogue

    first = load_catalogue()
    assert load_catalogue() is first
    assert "cases.catalogue.load_catalogue" in reset_all()
    assert load_catalogue() is not first
