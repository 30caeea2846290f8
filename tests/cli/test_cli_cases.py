"""`enforce demo`, `enforce stats --json` and `enforce audit verify` on a real (small) demo county."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows import cli

runner = CliRunner()
pytestmark = pytest.mark.integration


def enforce(*args: str):  # noqa: ANN201 - click's Result
    return runner.invoke(cli.app, list(args), catch_exceptions=False)


def _use(home: Path, mp: pytest.MonkeyPatch) -> None:
    from tests.conftest import _clear_caches

    mp.setenv("ENFORCE_HOME", str(home))
    mp.setenv("ENFORCE_DEMO_PASSWORD", "demo-pass-123")
    _clear_caches()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    mp = pytest.MonkeyPatch()
    _use(home, mp)
    result = enforce("demo", "--institutions", "60", "--complaints", "40")
    assert result.exit_code == 0, result.output
    mp.undo()
    return home


@pytest.fixture(autouse=True)
def _in_demo_home(demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(demo_home, monkeypatch)


def test_demo_prints_where_things_are(demo_home: Path) -> None:
    pdfs = list((demo_home / "documents").rglob("*.pdf"))
    assert pdfs and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    again = enforce("demo")
    assert again.exit_code == 0 and "已存在" in again.output  # re-running is safe


def test_stats_json(demo_home: Path) -> None:
    result = enforce("stats", "--json")
    stats = json.loads(result.output)
    assert stats["total"] == sum(stats["by_state"].values()) > 0
    assert set(stats) >= {"by_state", "overdue_steps", "overdue_cases", "open", "total"}


def test_audit_verify_detects_tampering(demo_home: Path) -> None:
    assert enforce("audit", "verify").exit_code == 0
    with sqlite3.connect(demo_home / "enforce.db") as conn:
        event_id, case_id, seq, payload = conn.execute(
            "SELECT id, case_id, seq, payload FROM case_event ORDER BY id LIMIT 1 OFFSET 5").fetchone()
        conn.execute("UPDATE case_event SET payload = ? WHERE id = ?", ('{"forged": true}', event_id))
    try:
        broken = runner.invoke(cli.app, ["audit", "verify"])
        assert broken.exit_code == 1
        assert f"案件 {case_id} 的第 {seq} 条事件" in broken.output
    finally:
        with sqlite3.connect(demo_home / "enforce.db") as conn:
            conn.execute("UPDATE case_event SET payload = ? WHERE id = ?", (payload, event_id))


def test_documents_export_and_verify(demo_home: Path, tmp_path: Path) -> None:
    result = enforce("documents", "export", "--out", str(tmp_path / "out"), "--type", "rectification_notice")
    assert result.exit_code == 0, result.output
    exported = list((tmp_path / "out" / "rectification_notice").glob("*.pdf"))
    assert exported and all(re.fullmatch(r"\w+责改〔2026〕[1-9]\d*号\.pdf", p.name) for p in exported)
    assert enforce("documents", "verify").exit_code == 0
    victim = next((demo_home / "documents").rglob("*.pdf"))
    original = victim.read_bytes()
    victim.write_bytes(original[:-10] + b"tampered!!")
    try:
        broken = runner.invoke(cli.app, ["documents", "verify"])
        assert broken.exit_code == 1 and "校验失败" in broken.output
    finally:
        victim.write_bytes(original)
    assert runner.invoke(cli.app, ["documents", "export", "--out", "x", "--type", "nope"]).exit_code == 2
