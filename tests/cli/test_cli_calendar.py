"""`enforce calendar …` and `enforce check …`: the exact output forms and exit codes scripts use."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cases.calendar import WorkCalendar
from flows import cli
from flows.cli import calendar as calendar_cli

DATA = Path(__file__).resolve().parents[1] / "data"
REPO_2026 = Path(__file__).resolve().parents[2] / "cases" / "data" / "calendar" / "2026.toml"
runner = CliRunner()


def enforce(*args: str):  # noqa: ANN201 - click's Result
    return runner.invoke(cli.app, list(args))


@pytest.fixture(autouse=True)
def _home(enforce_home: Path) -> Path:
    return enforce_home


@pytest.mark.parametrize(
    ("args", "out"),
    [
        (["is-working-day", "2026-02-14"], "true"),  # 调休 Saturday
        (["is-working-day", "2026-02-16"], "false"),
        (["is-working-day", "2026-03-09"], "true"),
        (["add-working-days", "2026-02-13", "5"], "2026-02-27"),
        (["add-days", "2026-09-25", "7"], "2026-10-08"),
        (["add-days", "2026-09-05", "15"], "2026-09-20"),  # ends on a 调休 Sunday
        (["add-working-days", "2026-12-21", "5", "--provisional"], "2026-12-28"),  # nothing unknown examined
        (["add-working-days", "2027-02-03", "6", "--provisional"], "2027-02-15 provisional"),
        (["add-days", "2026-12-25", "7", "--provisional"], "2027-01-04 provisional"),
        (["is-working-day", "2027-02-05", "--provisional"], "false provisional"),  # 除夕 by law
    ],
)
def test_answers(args: list[str], out: str) -> None:
    result = enforce("calendar", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout == out + "\n"


@pytest.mark.parametrize(
    "args",
    [
        ["is-working-day", "2027-03-01"],
        ["add-working-days", "2026-12-28", "5"],
        ["add-days", "2027-02-01", "7"],
    ],
)
def test_unknown_year_exits_3_naming_the_year(args: list[str]) -> None:
    result = enforce("calendar", *args)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "2027年" in result.stderr and "calendar_unknown" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["is-working-day", "2026-02-30"],
        ["is-working-day", "14/02/2026"],
        ["add-days", "2026-09-25", "seven"],
        ["add-working-days", "2026-09-25", "-1"],
    ],
)
def test_bad_input_exits_2_in_chinese(args: list[str]) -> None:
    result = enforce("calendar", *args)
    assert result.exit_code == 2
    assert "无效" in result.stderr or "错误" in result.stderr


def test_years_lists_sources() -> None:
    result = enforce("calendar", "years")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["2024", "2025", "2026"]
    assert "国办发明电〔2024〕12号" in lines[1]


# --- calendar load -------------------------------------------------------------------------------


@pytest.fixture
def recomputed(monkeypatch: pytest.MonkeyPatch) -> list[WorkCalendar]:
    calls: list[WorkCalendar] = []

    def fake(calendar: WorkCalendar) -> int:
        calls.append(calendar)
        return 0

    monkeypatch.setattr(calendar_cli, "_recompute", fake)
    return calls


def test_load_copies_into_overlay_and_unlocks_the_year(enforce_home: Path, recomputed: list) -> None:
    result = enforce("calendar", "load", str(DATA / "calendar_2027_invented.toml"))
    assert result.exit_code == 0, result.output
    target = enforce_home / "calendar" / "2027.toml"
    assert target.read_bytes() == (DATA / "calendar_2027_invented.toml").read_bytes()
    assert "已载入2027年节假日安排" in result.stdout and "已重算暂定期限：0 项" in result.stdout
    assert len(recomputed) == 1 and 2027 in recomputed[0].known_years
    # invented break Feb 5-12: Feb 4 (1), Feb 15-19 (6), Sat Feb 20 worked (7); no longer provisional
    answer = enforce("calendar", "add-working-days", "2027-02-03", "7")
    assert answer.exit_code == 0 and answer.stdout == "2027-02-20\n"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".partial")]


def test_load_refuses_existing_years_unless_replace(enforce_home: Path, recomputed: list) -> None:
    assert enforce("calendar", "load", str(DATA / "calendar_2027_invented.toml")).exit_code == 0
    again = enforce("calendar", "load", str(DATA / "calendar_2027_invented.toml"))
    assert again.exit_code == 1 and "--replace" in again.stderr
    repo_year = enforce("calendar", "load", str(REPO_2026))
    assert repo_year.exit_code == 1 and "仓库内置日历" in repo_year.stderr
    assert not (enforce_home / "calendar" / "2026.toml").exists()
    replaced = enforce("calendar", "load", str(REPO_2026), "--replace")
    assert replaced.exit_code == 0 and (enforce_home / "calendar" / "2026.toml").exists()
    assert len(recomputed) == 2


def test_load_refuses_an_invalid_file(enforce_home: Path, tmp_path: Path, recomputed: list) -> None:
    bad = tmp_path / "2027.toml"
    text = (DATA / "calendar_2027_invented.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace("[2027-02-20]", "[2027-02-09]"), encoding="utf-8")
    result = enforce("calendar", "load", str(bad))
    assert result.exit_code == 2
    assert "calendar_table_invalid" in result.stderr and "星期二" in result.stderr
    assert not (enforce_home / "calendar").exists()
    assert recomputed == []


# --- check uscc ----------------------------------------------------------------------------------


def test_check_uscc_valid_prints_normalised_code() -> None:
    result = enforce("check", "uscc", "９１４４０３００７１５２６７２６ｘｇ")
    assert result.exit_code == 0
    assert result.stdout == "9144030071526726XG 有效\n"


@pytest.mark.parametrize(
    ("code", "reason"),
    [("91110000600037341N", "应为“L”"), ("9111000060003IOZSV", "第14位"), ("9144", "应为18位")],
)
def test_check_uscc_invalid_exits_1_with_reason(code: str, reason: str) -> None:
    result = enforce("check", "uscc", code)
    assert result.exit_code == 1
    assert reason in result.stderr


def test_check_name_prints_matching_key() -> None:
    result = enforce("check", "name", "腾讯科技（深圳）有限公司")
    assert result.exit_code == 0 and result.stdout == "腾讯科技(深圳)\n"
