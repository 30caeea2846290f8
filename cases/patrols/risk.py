"""Risk grading (风险分级 A–D) as configurable scoring. Pure: stdlib + cases.enums/errors.

No national scoring rule was found (docs/law.md §5), so the factors, their points,
the grade thresholds and the visit frequency per grade all come from `cases/data/risk.toml`.
`score()` returns the grade together with the points of every factor so a supervisor can see
why an institution is graded as it is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cases.enums import InstitutionCategory, LicenceStatus, ListStatus
from cases.errors import ValidationFailed

GRADES: tuple[str, ...] = ("A", "B", "C", "D")
RISK_FILE = Path(__file__).resolve().parents[1] / "data" / "risk.toml"


class FundSupervision(StrEnum):
    """预收费资金监管 status of an institution."""

    SUPERVISED = "supervised"  # 已纳入监管
    NOT_SUPERVISED = "not_supervised"  # 未纳入监管
    ABNORMAL = "abnormal"  # 监管账户异常


@dataclass(frozen=True)
class RiskInputs:
    """The facts the grade is computed from; counts are prepared by the caller (no clock here)."""

    category: str  # InstitutionCategory value
    licence: str  # LicenceStatus value
    complaints_90d: int = 0
    refund_complaints: int = 0
    prior_violations: int = 0
    fund_supervision: str = FundSupervision.NOT_SUPERVISED
    enrolled: int | None = None  # 在读学员数
    capacity: int | None = None  # 核定容量
    list_status: str = ListStatus.NONE


@dataclass(frozen=True)
class RiskScore:
    score: int
    grade: str
    breakdown: tuple[tuple[str, int], ...]  # (factor, points), only non-zero factors


@dataclass(frozen=True)
class CountFactor:
    per_item: int
    max: int

    def points(self, count: int) -> int:
        return min(self.max, self.per_item * max(0, count))


@dataclass(frozen=True)
class RiskConfig:
    category: Mapping[str, int]
    licence: Mapping[str, int]
    complaints_90d: CountFactor
    refund_complaints: CountFactor
    prior_violations: CountFactor
    fund_supervision: Mapping[str, int]
    over_capacity: int
    near_capacity: int
    near_ratio: float
    list_status: Mapping[str, int]
    thresholds: Mapping[str, int]  # A/B/C minimum scores
    frequency_days: Mapping[str, int]  # grade -> days; a missing grade has no fixed frequency

    def frequency(self, grade: str) -> int | None:
        return self.frequency_days.get(grade)


def _table(raw: dict[str, Any], key: str, allowed: set[str] | None = None) -> Mapping[str, int]:
    table = raw.get(key)
    if not isinstance(table, dict):
        raise ValidationFailed(f"风险分级配置缺少[{key}]表", code="risk_config")
    unknown = set(table) - allowed if allowed is not None else set()
    if unknown:
        raise ValidationFailed(f"风险分级配置[{key}]含未知取值：{sorted(unknown)}", code="risk_config")
    return MappingProxyType({k: int(v) for k, v in table.items()})


def parse_risk_config(raw: dict[str, Any]) -> RiskConfig:
    """Builds a RiskConfig from the parsed TOML, refusing inconsistent thresholds."""
    thresholds = _table(raw, "grades", {"A", "B", "C"})
    if not (thresholds.get("A", 0) > thresholds.get("B", 0) > thresholds.get("C", 0)):
        raise ValidationFailed("风险分级阈值必须满足 A > B > C", code="risk_config")
    frequency = _table(raw, "frequency_days", set(GRADES))
    if any(days <= 0 for days in frequency.values()):
        raise ValidationFailed("巡查频次（天）必须为正整数", code="risk_config")
    head = raw.get("headcount", {})
    return RiskConfig(
        category=_table(raw, "category", {c.value for c in InstitutionCategory}),
        licence=_table(raw, "licence", {s.value for s in LicenceStatus}),
        complaints_90d=CountFactor(**raw["complaints_90d"]),
        refund_complaints=CountFactor(**raw["refund_complaints"]),
        prior_violations=CountFactor(**raw["prior_violations"]),
        fund_supervision=_table(raw, "fund_supervision", {s.value for s in FundSupervision}),
        over_capacity=int(head.get("over_capacity", 0)),
        near_capacity=int(head.get("near_capacity", 0)),
        near_ratio=float(head.get("near_ratio", 1.0)),
        list_status=_table(raw, "list_status", {s.value for s in ListStatus}),
        thresholds=thresholds,
        frequency_days=frequency,
    )


def load_risk_config(path: Path | None = None) -> RiskConfig:
    with open(path or RISK_FILE, "rb") as fh:
        return parse_risk_config(tomllib.load(fh))


def _lookup(table: Mapping[str, int], value: str, what: str) -> int:
    try:
        return table[str(value)]
    except KeyError:
        raise ValidationFailed(f"未配置的{what}取值：{value}", code="risk_input") from None


def grade_for(score: int, config: RiskConfig) -> str:
    for grade in ("A", "B", "C"):
        if score >= config.thresholds[grade]:
            return grade
    return "D"


def score(inputs: RiskInputs, config: RiskConfig) -> RiskScore:
    """Sums the configured points of every factor and maps the sum onto a grade."""
    parts = [
        ("机构类型", _lookup(config.category, inputs.category, "机构类型")),
        ("证照情况", _lookup(config.licence, inputs.licence, "证照情况")),
        ("近90日投诉", config.complaints_90d.points(inputs.complaints_90d)),
        ("退费投诉", config.refund_complaints.points(inputs.refund_complaints)),
        ("既往违法", config.prior_violations.points(inputs.prior_violations)),
        ("预收费资金监管", _lookup(config.fund_supervision, inputs.fund_supervision, "资金监管状态")),
        ("学生余量", _headcount_points(inputs, config)),
        ("名单状态", _lookup(config.list_status, inputs.list_status, "名单状态")),
    ]
    total = sum(points for _, points in parts)
    return RiskScore(total, grade_for(total, config), tuple(p for p in parts if p[1]))


def _headcount_points(inputs: RiskInputs, config: RiskConfig) -> int:
    if not inputs.capacity or inputs.enrolled is None:
        return 0
    if inputs.enrolled > inputs.capacity:
        return config.over_capacity
    if inputs.enrolled >= config.near_ratio * inputs.capacity:
        return config.near_capacity
    return 0
