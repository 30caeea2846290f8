"""The risk control group (issue 12, item 7): visits grouped by why they were chosen, Wilson intervals."""

from __future__ import annotations

import pytest

from cases.patrols.control_group import ALL_GRADES, VisitOutcome, control_rows, group_of, percent, wilson


def test_wilson_interval_matches_the_textbook_values() -> None:
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(30, 100)
    assert low < 0.30 < high and high - low < wilson(3, 10)[1] - wilson(3, 10)[0]  # more visits, narrower


def test_a_visit_is_grouped_by_the_reason_the_planner_wrote() -> None:
    assert group_of("双随机抽取") == "random"
    assert group_of("近期投诉；A级风险到期巡查") == "hotspot"
    assert group_of("B级风险逾期巡查") == "risk"


def test_rows_per_district_and_grade_with_the_counts_behind_them() -> None:
    visits = ([VisitOutcome("息烽县", "A", "A级风险到期巡查", i < 12) for i in range(20)]
              + [VisitOutcome("息烽县", "A", "双随机抽取", i < 1) for i in range(20)]
              + [VisitOutcome("息烽县", "B", "近期投诉", True), VisitOutcome("修文县", "C", "双随机抽取", False)])
    rows = {(r.district, r.grade): r for r in control_rows(visits)}
    assert list(rows) == [("修文县", "C"), ("修文县", ALL_GRADES), ("息烽县", "A"), ("息烽县", "B"),
                          ("息烽县", ALL_GRADES)]
    a = rows[("息烽县", "A")]
    assert (a.shares["risk"].visits, a.shares["risk"].found) == (20, 12)
    assert (a.shares["random"].visits, a.shares["random"].found) == (20, 1)
    assert a.shares["hotspot"].visits == 0 and a.shares["hotspot"].share is None
    assert a.verdict == "高于随机"  # 60 % (39–78 %) against 5 % (1–24 %): the intervals do not overlap
    assert rows[("息烽县", ALL_GRADES)].shares["hotspot"].found == 1
    assert rows[("修文县", "C")].verdict == "样本不足"
    even = control_rows([VisitOutcome("县", "A", "A级风险到期巡查", i < 6) for i in range(10)]
                        + [VisitOutcome("县", "A", "双随机抽取", i < 2) for i in range(10)])
    assert even[0].verdict == "与随机无显著差异"  # 60 % (31–83 %) against 20 % (6–51 %): too few visits
    assert percent(0.5) == "50.0%" and percent(None) == "—"
