"""Jinja filters: how dates, numbers and amounts are printed on documents.

GB/T 9704 §7.3.5.4: dates in Arabic numerals, the year in full, month and day without leading
zeros (2026年3月9日). §7.2.5 (docs/law.md §4): document numbers are 机关代字〔2026〕N号 — the
year in 六角括号, no leading zeros, no 第.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from documents.errors import SnapshotMismatch

DOC_NUMBER = re.compile(r"^\S+〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")
_DIGITS = "零一二三四五六七八九"
_UPPER = "零壹贰叁肆伍陆柒捌玖"
_END = ("。", "！", "？", "；", "：", "…", "”", "）")


def cn_date(value: date | datetime | None) -> str:
    """2026年3月9日; an empty string for None (a blank to fill in by hand)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: datetime | None) -> str:
    """2026年3月7日10时05分 (the minute keeps two digits, as on 笔录 forms)."""
    if value is None:
        return ""
    return f"{cn_date(value)}{value.hour}时{value.minute:02d}分"


def weekday(value: date) -> str:
    """星期一 … 星期日."""
    return "星期" + "一二三四五六日"[value.weekday()]


def doc_number(value: str) -> str:
    """Check a document number against 机关代字〔年份〕序号号 and return it unchanged."""
    if not DOC_NUMBER.match(value or ""):
        raise SnapshotMismatch(f"文书编号“{value}”不符合“机关代字〔年份〕序号号”格式", code="render_bad_number")
    return value


def cn_int(value: int) -> str:
    """Small counts and periods in Chinese numerals: 5 → 五, 15 → 十五, 60 → 六十, 105 → 一百零五."""
    if value < 0 or value >= 10000:
        return str(value)
    if value < 10:
        return _DIGITS[value]
    out, zero = "", False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit_value)
        if digit:
            if zero and out:
                out += "零"
            out += _DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out[1:] if out.startswith("一十") else out


def yuan(value: int) -> str:
    """Amounts in yuan with thousands separators: 30000 → 30,000."""
    return f"{value:,}"


def rmb_upper(value: int) -> str:
    """The amount in 大写 (as on receipts and decisions): 30000 → 叁万元整, 12050 → 壹万贰仟零伍拾元整."""
    if value <= 0:
        return "零元整"
    digits, out, zero = str(value), "", False
    for i, char in enumerate(digits):
        power = len(digits) - 1 - i
        if char == "0":
            zero = bool(out)
        else:
            out += ("零" if zero else "") + _UPPER[int(char)] + ("", "拾", "佰", "仟")[power % 4]
            zero = False
        if power % 4 == 0 and power and int(digits[max(0, i - 3):i + 1]):
            out += ("万", "亿", "万亿")[power // 4 - 1]
            zero = False
    return out + "元整"


def sentence(value: str) -> str:
    """A field printed as a sentence of its own: strip it and end it with 。 unless it ends already."""
    text = (value or "").strip()
    return text if not text or text.endswith(_END) else text + "。"


def unique_clauses(values: Iterable[str], sep: str = "；") -> str:
    """Join legal bases, dropping repeated clauses ("《行政处罚法》第二十八条" cited by every violation)."""
    seen: list[str] = []
    for value in values:
        for clause in re.split(r"[；;]", value or ""):
            clause = clause.strip()
            if clause and clause not in seen:
                seen.append(clause)
    return sep.join(seen)


FILTERS = {
    "cn_date": cn_date,
    "cn_datetime": cn_datetime,
    "doc_number": doc_number,
    "weekday": weekday,
    "cn_int": cn_int,
    "yuan": yuan,
    "rmb_upper": rmb_upper,
    "sentence": sentence,
    "unique_clauses": unique_clauses,
}
