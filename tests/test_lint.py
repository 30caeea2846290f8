"""ruff is clean, and mypy (strict for cases/) never gets worse: the errors still open are counted per
file in tests/data/mypy-baseline.txt, and a file may only go down. Regenerate the baseline after
fixing errors with `uv run --frozen python tests/test_lint.py --write-baseline`."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "data" / "mypy-baseline.txt"
pytestmark = pytest.mark.integration


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def mypy_errors() -> Counter[str]:
    out = _tool("mypy").stdout
    return Counter(m.group(1) for m in re.finditer(r"^([\w/.-]+\.py):\d+: error:", out, re.M))


def baseline() -> Counter[str]:
    rows = (line.split() for line in BASELINE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#"))
    return Counter({path: int(count) for count, path in rows})


def test_ruff_is_clean() -> None:
    answer = _tool("ruff", "check", ".", "--output-format", "concise")
    assert answer.returncode == 0, answer.stdout[-3000:]


def test_mypy_does_not_get_worse() -> None:
    now, allowed = mypy_errors(), baseline()
    worse = {path: (count, allowed.get(path, 0)) for path, count in now.items() if count > allowed.get(path, 0)}
    assert worse == {}, f"mypy errors above the baseline (now, allowed): {worse}"


if __name__ == "__main__" and sys.argv[1:] == ["--write-baseline"]:
    counts = mypy_errors()
    lines = ["# mypy errors still open, per file (count path); may only go down — see tests/test_lint.py"]
    lines += [f"{n} {path}" for path, n in sorted(counts.items())]
    BASELINE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{sum(counts.values())} errors in {len(counts)} files")
