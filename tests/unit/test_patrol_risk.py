"""Risk grading from configuration: factor points, grade boundaries, refusals."""

from __future__ import annotations

import tomllib

import pytest

from cases.errors import ValidationFailed
from cases.patrols.risk import (
    RISK_FILE,
    FundSupervision,
    RiskInputs,
    grade_for,
    load_risk_config,
    parse_risk_config,
    score,
)

CONFIG = load_risk_config()
CALM = RiskInputs(category="arts", licence="licensed", fund_supervision=FundSupervision.SUPERVISED)


def raw_config() -> dict:
    with open(RISK_FILE, "rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize(
    ("points", "grade"),
    [(0, "D"), (19, "D"), (20, "C"), (44, "C"), (45, "B"), (69, "B"), (70, "A"), (200, "A"), (-10, "D")],
)
def test_grade_boundaries_follow_the_thresholds(points: int, grade: str) -> None:
    assert CONFIG.thresholds == {"A": 70, "B": 45, "C": 20}
    assert grade_for(points, CONFIG) == grade


def test_calm_licensed_non_subject_institution_is_grade_d() -> None:
    result = score(CALM, CONFIG)
    assert result.score == 8 and result.grade == "D"
    assert result.breakdown == (("机构类型", 8),)


def test_unlicensed_subject_training_is_grade_a() -> None:
    result = score(RiskInputs(category="subject", licence="unlicensed", fund_supervision="supervised"), CONFIG)
    assert result.score == 70 and result.grade == "A"


def test_every_factor_contributes_its_configured_points() -> None:
    inputs = RiskInputs(
        category="subject", licence="unlicensed_registered", complaints_90d=10, refund_complaints=1,
        prior_violations=2, fund_supervision="abnormal", enrolled=210, capacity=200, list_status="black",
    )
    parts = dict(score(inputs, CONFIG).breakdown)
    assert parts == {
        "机构类型": 30, "证照情况": 25, "近90日投诉": 32,  # 10 × 8 capped at 32
        "退费投诉": 12, "既往违法": 20, "预收费资金监管": 30, "学生余量": 15, "名单状态": 30,
    }
    assert score(inputs, CONFIG).score == sum(parts.values())


def test_headcount_margin_near_capacity() -> None:
    near = RiskInputs(category="arts", licence="licensed", fund_supervision="supervised", enrolled=180, capacity=200)
    assert dict(score(near, CONFIG).breakdown)["学生余量"] == 5


def test_a_changed_threshold_changes_the_grade() -> None:
    raw = raw_config()
    raw["grades"]["C"] = 5
    assert score(CALM, parse_risk_config(raw)).grade == "C"


def test_frequency_per_grade_comes_from_config_and_d_has_none() -> None:
    assert [CONFIG.frequency(g) for g in "ABCD"] == [14, 30, 90, None]


def test_inconsistent_thresholds_are_refused() -> None:
    raw = raw_config()
    raw["grades"]["B"] = 80
    with pytest.raises(ValidationFailed, match="A > B > C"):
        parse_risk_config(raw)


def test_unknown_input_value_is_refused_in_chinese() -> None:
    with pytest.raises(ValidationFailed, match="未配置的证照情况"):
        score(RiskInputs(category="arts", licence="pirate"), CONFIG)
