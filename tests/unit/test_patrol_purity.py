"""The planner modules stay pure: stdlib, ortools, each other, cases.enums/errors; no wall clock."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = sorted(
    str(p.relative_to(ROOT))
    for p in (ROOT / "cases" / "patrols").glob("*.py")
    if p.name in {"__init__.py", "config.py", "rules.py", "risk.py", "draw.py"} or p.name.startswith("planner")
)
OURS = ("cases.enums", "cases.errors", "cases.caches", "cases.patrols.config", "cases.patrols.rules",
        "cases.patrols.risk", "cases.patrols.draw", "cases.patrols.planner")
CLOCK = re.compile(r"\b(date\.today|datetime\.(now|today|utcnow)|time\.time)\s*\(")


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module + "".join(f" {a.name}" for a in node.names if node.module == "cases.patrols"))
    return names


def allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or top == "ortools":
        return True
    if name.startswith("cases.patrols "):  # `from cases.patrols import draw`
        return all(f"cases.patrols.{n}".startswith(OURS) for n in name.split()[1:])
    return name.startswith(OURS)


def test_the_pure_module_list_is_complete() -> None:
    assert {"cases/patrols/planner.py", "cases/patrols/planner_cpsat.py", "cases/patrols/rules.py"} <= set(PURE)


@pytest.mark.parametrize("module", PURE)
def test_planner_modules_import_only_pure_things(module: str) -> None:
    assert sorted(n for n in imports(ROOT / module) if not allowed(n)) == []


@pytest.mark.parametrize("module", PURE)
def test_planner_modules_do_not_read_the_clock(module: str) -> None:
    assert CLOCK.findall((ROOT / module).read_text(encoding="utf-8")) == []
