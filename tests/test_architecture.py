"""Import direction (conventions R1–R5) and "only the lifecycle writes status"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
    bad = [str(p.relative_to(ROOT)) for pkg in ("cases", "api", "flows", "documents") for p in (ROOT / pkg).rglob("*.py")
           if p.name != "lifecycle.py" and writes.search(p.read_text(encoding="utf-8"))
           and (offending(p, reach) or pkg in ("api", "flows"))]
    assert bad == []
