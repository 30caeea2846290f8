"""`enforce demo`, `enforce stats --json` and `enforce audit verify` on a real (small) demo county."""

from __future__ import annotations

import hashlib
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
    from documents.settings import get_documents_settings

    get_documents_settings.cache_clear()  # the seal and certificate folders follow ENFORCE_HOME


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


def test_demo_gives_the_officer_account_its_field_day(demo_home: Path) -> None:
    """Open cases it leads, a team out on patrol today with one visit recorded, a whistle waiting for 报到."""
    with sqlite3.connect(demo_home / "enforce.db") as conn:
        (me,) = conn.execute("SELECT id FROM officer WHERE username = 'officer'").fetchone()
        led = conn.execute("SELECT status FROM enforcement_case WHERE assignee_id = ?", (me,)).fetchall()
        team = conn.execute("SELECT t.id, t.day FROM patrol_team t JOIN patrol_member m ON m.team_id = t.id "
                            "WHERE m.officer_id = ? AND t.plan_id IS NULL", (me,)).fetchone()
        results = [r for (r,) in conn.execute("SELECT result FROM patrol_visit WHERE team_id = ? ORDER BY id",
                                              (team[0],))]
        waiting = conn.execute("SELECT count(*) FROM whistle w JOIN whistle_answer a ON a.whistle_id = w.id "
                               "JOIN enforcement_case c ON c.id = w.case_id WHERE a.state = 'pending' "
                               "AND c.assignee_id = ?", (me,)).fetchone()[0]
    assert {s for (s,) in led} - {"closed"}  # open cases to work on (at full size: every state, docs/field-work.md)
    assert results[0] == "nothing_found" and None in results[1:]
    assert waiting >= 1


def test_stats_json(demo_home: Path) -> None:
    result = enforce("stats", "--json")
    stats = json.loads(result.output)
    assert stats["total"] == sum(stats["by_state"].values()) > 0
    assert set(stats) >= {"by_state", "overdue_steps", "overdue_cases", "open", "total"}


def test_db_figures_sums_each_complete_month_once(demo_home: Path) -> None:
    from cases import figures
    from cases.db import open_session
    from cases.settings import get_clock

    first = enforce("db", "figures")
    assert first.exit_code == 0 and first.output.startswith("按月统计已重算"), first.output
    again = enforce("db", "figures")
    assert again.exit_code == 0 and "已重算 0 个月" in again.output  # nothing stale: nothing recomputed
    with open_session() as session:
        assert figures.stale_months(session, figures.bureau_zone(), get_clock().now().date()) == []


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


def _closed_penalty_case(home: Path) -> str:
    with sqlite3.connect(home / "enforce.db") as conn:
        return conn.execute("SELECT case_number FROM enforcement_case WHERE status = 'closed' AND filed_at IS NOT NULL "
                            "ORDER BY id LIMIT 1").fetchone()[0]


def test_documents_dossier_of_a_closed_penalty_case(demo_home: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    number = _closed_penalty_case(demo_home)
    out = tmp_path / "dossier.pdf"
    result = enforce("documents", "dossier", number, "--out", str(out))
    assert result.exit_code == 0, result.output
    sha = re.search(r"SHA-256 ([0-9a-f]{64})", result.output).group(1)
    content = out.read_bytes()
    assert hashlib.sha256(content).hexdigest() == sha
    assert any(p.read_bytes() == content for p in (demo_home / "documents" / "dossier").rglob("*.pdf"))
    reader = PdfReader(out)
    titles = [item.title for item in reader.outline]
    assert titles[:2] == ["卷宗封面", "卷内目录"] and titles[-1] == "备考表"
    assert any(t.startswith("行政处罚决定书") for t in titles)
    cover = reader.pages[0].extract_text().replace(" ", "")
    assert number in cover and "长期（30年）" in cover
    missing = runner.invoke(cli.app, ["documents", "dossier", "NO-SUCH-CASE", "--out", str(tmp_path / "x.pdf")])
    assert missing.exit_code == 1 and "不存在" in missing.output


def test_documents_seal_and_cert_set(demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from documents.settings import get_documents_settings
    from tests.documents.test_documents_content import _seal_png
    from tests.documents.test_documents_signing import PASSWORD, self_signed_p12

    monkeypatch.setenv("ENFORCE_SIGNING_PASSWORD", PASSWORD)
    get_documents_settings.cache_clear()
    try:
        png, p12, bad = tmp_path / "seal.png", tmp_path / "seal.p12", tmp_path / "bad.png"
        png.write_bytes(_seal_png())
        p12.write_bytes(self_signed_p12())
        bad.write_bytes(b"not a png")
        result = enforce("documents", "seal", "set", "--department", "2", str(png))
        assert result.exit_code == 0 and "息烽县教育局" in result.output, result.output
        assert (demo_home / "seals" / "2.png").read_bytes() == png.read_bytes()
        refused = runner.invoke(cli.app, ["documents", "seal", "set", "--department", "2", str(bad)])
        assert refused.exit_code == 1 and "PNG" in refused.output
        assert runner.invoke(cli.app, ["documents", "seal", "set", "--department", "999", str(png)]).exit_code == 1
        assert "已删除" in enforce("documents", "seal", "remove", "--department", "2").output
        result = enforce("documents", "cert", "set", "--department", "2", str(p12))
        assert result.exit_code == 0 and "息烽县教育局" in result.output, result.output
        assert (demo_home / "certificates" / "2.p12").is_file()
        assert enforce("documents", "verify").exit_code == 0  # nothing signed yet: hashes only
    finally:
        for leftover in ((demo_home / "certificates" / "2.p12"), (demo_home / "seals" / "2.png")):
            leftover.unlink(missing_ok=True)
        get_documents_settings.cache_clear()
