"""Pure pieces of documents/: filters, charts, seal-image and certificate checks, import rules (no rendering)."""

from __future__ import annotations

import ast
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import UndefinedError

from documents import charts, filters, render
from documents.errors import SnapshotMismatch

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("day", "text"), [
    (date(2026, 3, 9), "2026年3月9日"), (date(2026, 10, 1), "2026年10月1日"), (date(2026, 12, 31), "2026年12月31日"),
    (datetime(2026, 1, 5, 8, 0), "2026年1月5日"), (None, ""),
])
def test_dates_have_no_leading_zeros(day, text):
    assert filters.cn_date(day) == text


def test_datetime_and_weekday():
    assert filters.cn_datetime(datetime(2026, 3, 7, 10, 5)) == "2026年3月7日10时05分"
    assert filters.weekday(date(2026, 5, 2)) == "星期六" and filters.weekday(date(2026, 5, 3)) == "星期日"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_every_date_reads_back(day):
    match = re.fullmatch(r"(\d{4})年([1-9]\d?)月([1-9]\d?)日", filters.cn_date(day))
    assert match and tuple(map(int, match.groups())) == (day.year, day.month, day.day)


@pytest.mark.parametrize("number", ["清教责改〔2026〕3号", "某教罚决〔2026〕120号", "X教通报〔2027〕1号"])
def test_good_document_numbers(number):
    assert filters.doc_number(number) == number


@pytest.mark.parametrize("number", ["清教责改〔2026〕03号", "清教责改[2026]3号", "清教责改〔2026〕第3号",
                                    "清教责改〔26〕3号", "清教责改〔2026〕3", "〔2026〕3号", ""])
def test_bad_document_numbers(number):
    with pytest.raises(SnapshotMismatch):
        filters.doc_number(number)


@pytest.mark.parametrize(("value", "text"), [
    (5, "五"), (10, "十"), (15, "十五"), (60, "六十"), (90, "九十"), (105, "一百零五"), (1010, "一千零一十")])
def test_chinese_numerals(value, text):
    assert filters.cn_int(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (30000, "叁万元整"), (45600, "肆万伍仟陆佰元整"), (12050, "壹万贰仟零伍拾元整"), (100000, "壹拾万元整"),
    (1005, "壹仟零伍元整"), (10010, "壹万零壹拾元整"), (200000000, "贰亿元整"), (0, "零元整")])
def test_amounts_in_capitals(value, text):
    assert filters.rmb_upper(value) == text


def test_sentences_and_clauses():
    assert filters.sentence(" 停止培训 ") == "停止培训。" and filters.sentence("已停止。") == "已停止。"
    joined = filters.unique_clauses(["《办法》第二十一条；《处罚法》第二十八条",
                                     "《办法》第十七条；《处罚法》第二十八条"], "、")
    assert joined == "《办法》第二十一条、《处罚法》第二十八条、《办法》第十七条"


def test_strict_undefined_and_autoescape():
    with pytest.raises(UndefinedError):
        render._env.from_string("{{ missing_field }}").render()
    assert render._env.from_string("{{ v }}").render(v="<b>&") == "&lt;b&gt;&amp;"


def test_chart_escapes_labels_and_scales():
    svg = charts.bar_chart_svg("图", ["<单位>"], [("出动", [7])])
    assert "&lt;单位&gt;" in svg and "<单位>" not in svg
    assert charts.nice_ceiling(46) == (50.0, 10.0) and charts.nice_ceiling(0) == (5.0, 1.0)


def test_documents_imports_only_ports_enums_and_errors_of_our_code():
    allowed = ("cases.ports", "cases.enums", "cases.errors", "cases.caches")  # caches: imports nothing of ours
    ours = ("cases", "api", "flows", "documents")
    bad = {}
    for path in (ROOT / "documents").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                if name.split(".")[0] in ours and not name.startswith("documents") and name not in allowed \
                        and not (name == "cases" and all(a.name in ("ports", "enums", "errors")
                                                         for a in node.names)):
                    bad.setdefault(str(path.relative_to(ROOT)), []).append(name)
    assert bad == {}


def test_no_cwtex_font_anywhere():
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "documents").rglob("*")
                   if p.suffix in (".css", ".html", ".py"))
    assert "cwTeX" not in text.replace("never cwTeX", "")
