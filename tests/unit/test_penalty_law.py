"""The penalty procedure's rules of law (cases/penalty_law.py): a golden table of refusals and successes.

Each row: the inputs → the refusal code and the article its Chinese message must name, or success.
Dates are hand-counted on the 2026 State Council table (cases/data/calendar/2026.toml).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cases import penalty_law as law
from cases.catalogue import DATA, load_catalogue, parse_norms
from cases.enums import Gravity, PenaltyType, ReviewOutcome, ServiceMethod
from cases.errors import RuleViolation, ValidationFailed
from cases.penalty_law import (
    Circumstances,
    FilingConditions,
    IllegalIncome,
    IntendedPenalty,
    Note,
    PartyHistory,
    Pause,
    PenaltyItem,
    Review,
    ServedNotice,
)

T = PenaltyType
D = date.fromisoformat
MO53, APL, AEL = "《校外培训行政处罚暂行办法》", "《行政处罚法》", "《行政强制法》"
CAL = None  # set by the autouse fixture (the repo's official calendar)


@pytest.fixture(autouse=True)
def _calendar(work_calendar: Any) -> None:
    global CAL
    CAL = work_calendar


def P(*items: PenaltyItem) -> IntendedPenalty:
    return IntendedPenalty.of(*items)


def warning() -> PenaltyItem:
    return PenaltyItem(T.WARNING)


def criticism() -> PenaltyItem:
    return PenaltyItem(T.CIRCULATED_CRITICISM)


def fine(n: int) -> PenaltyItem:
    return PenaltyItem(T.FINE, n)


def confiscate(n: int) -> PenaltyItem:
    return PenaltyItem(T.CONFISCATE_INCOME, n)


def practice(years: int = 0, permanent: bool = False) -> PenaltyItem:
    return PenaltyItem(T.RESTRICT_PRACTICE, years=years, permanent=permanent)


NONE = IllegalIncome(0)
INCOME = IllegalIncome(50000, 4400)  # 45,600 derived


def penalty(codes: Any, gravity: str, p: IntendedPenalty, income: IllegalIncome | None = NONE, **kw: Any
            ) -> Callable[[], Any]:
    return lambda: law.check_penalty(codes, gravity, p, income, **kw)


OK = None
# (id, thunk, expected: None = success, or (code, article fragment the message must name))
GOLDEN: list[tuple[str, Callable[[], Any], tuple[str, str] | None]] = [
    # --- 1./2. the penalty the article allows (53号令 arts. 17–25, 消防法 art. 60) ---------------------
    ("18 general: warning", penalty("disguised_subject_training", "general", P(warning())), OK),
    ("18 general: 通报批评", penalty("disguised_subject_training", "general", P(criticism())), OK),
    ("18 general: warning and 通报批评 (或者)", penalty("disguised_subject_training", "general",
                                                    P(warning(), criticism())), ("penalty_choice", "第十八条")),
    ("18 general: no fine", penalty("disguised_subject_training", "general", P(warning(), fine(10000))),
     ("penalty_type_not_allowed", "第十八条")),
    ("18: no 没收违法所得 (demo)", penalty("disguised_subject_training", "general", P(warning(), confiscate(20000)),
                                       INCOME), ("penalty_type_not_allowed", "第十八条")),
    ("18 serious: ¥50,000 inclusive", penalty("disguised_subject_training", "serious", P(fine(50000))), OK),
    ("18 serious: ¥50,001", penalty("disguised_subject_training", "serious", P(fine(50001))),
     ("fine_out_of_band", "第四十三条")),
    ("18 serious: fine required", penalty("disguised_subject_training", "serious", P(warning())),
     ("penalty_type_missing", "第十八条")),
    ("18 especially: ¥50,000 inclusive", penalty("disguised_subject_training", "especially_serious",
                                               P(warning(), fine(50000))), OK),
    ("18 especially: ¥100,000 inclusive", penalty("disguised_subject_training", "especially_serious",
                                                P(fine(100000))), OK),
    ("18 especially: ¥49,999", penalty("disguised_subject_training", "especially_serious", P(fine(49999))),
     ("fine_out_of_band", "第十八条")),
    ("18 especially: ¥100,001", penalty("disguised_subject_training", "especially_serious", P(fine(100001))),
     ("fine_out_of_band", "第十八条")),
    ("23 serious: ¥30,000", penalty("unauthorised_competition", "serious", P(fine(30000))), OK),
    ("21 general: warning, no income", penalty("late_training", "general", P(warning())), OK),
    ("21 general: warning + confiscation = derived income", penalty("late_training", "general",
                                                                    P(warning(), confiscate(45600)), INCOME), OK),
    ("21: confiscation ≠ derived income", penalty("late_training", "general", P(warning(), confiscate(50000)),
                                                  INCOME), ("confiscation_not_income", "第四十二条")),
    ("21: income not established", penalty("late_training", "general", P(warning()), None),
     ("illegal_income_required", "第四十二条")),
    ("21: income but no confiscation", penalty("late_training", "general", P(warning()), INCOME),
     ("penalty_type_missing", "第二十一条")),
    ("21: no fine at all (demo ¥100,000)", penalty("late_training", "general", P(warning(), fine(100000))),
     ("penalty_type_not_allowed", "第二十一条")),
    ("21 general: warning required", penalty("rest_day_training", "general", P(criticism())),
     ("penalty_type_not_allowed", "第二十一条")),
    ("21 serious: warning + 责令停止招收学员", penalty("advanced_training", "serious",
                                                 P(warning(), PenaltyItem(T.STOP_ENROLMENT))), OK),
    ("21 serious: 停止招收 or 吊销 required", penalty("advanced_training", "serious", P(warning())),
     ("penalty_type_missing", "第二十一条")),
    ("21 has no 特别严重 tier", penalty("advanced_training", "especially_serious", P(warning())),
     ("tier_not_in_article", "第二十一条")),
    ("22 serious: revoke licence", penalty("prepaid_fees", "serious", P(warning(), PenaltyItem(T.REVOKE_LICENCE))), OK),
    ("17: stop + 3 × income", penalty("unapproved_institution", "general",
                                       P(PenaltyItem(T.STOP_RUNNING), fine(3 * 45600)), INCOME), OK),
    ("17: 5 × income inclusive", penalty("unapproved_institution", "serious",
                                          P(PenaltyItem(T.STOP_RUNNING), fine(5 * 45600)), INCOME), OK),
    ("17: 6 × income", penalty("unapproved_institution", "general", P(PenaltyItem(T.STOP_RUNNING), fine(6 * 45600)),
                              INCOME), ("fine_out_of_band", "第十七条")),
    ("17: below 1 × income", penalty("unapproved_institution", "general",
                                      P(PenaltyItem(T.STOP_RUNNING), fine(45599)), INCOME),
     ("fine_out_of_band", "第十七条")),
    ("17: 责令停止举办 required", penalty("unapproved_institution", "general", P(fine(45600)), INCOME),
     ("penalty_type_missing", "第十七条")),
    ("17: fine needs income", penalty("unapproved_institution", "general", P(PenaltyItem(T.STOP_RUNNING), fine(1)),
                                      None), ("illegal_income_required", "第四十二条")),
    ("17: income → fine required", penalty("unapproved_institution", "general", P(PenaltyItem(T.STOP_RUNNING)),
                                           INCOME), ("penalty_type_missing", "第十七条")),
    ("19: only after refused correction", penalty("mo53_art19", "general", P(warning())),
     ("correction_not_refused", "第十九条")),
    ("19: after refused correction", penalty("mo53_art19", "general", P(warning()), correction_refused=True), OK),
    ("24 serious: 限制从业 3 years", penalty("mo53_art24", "serious", P(practice(3)), party_is_person=True), OK),
    ("24 serious: 6 years", penalty("mo53_art24", "serious", P(practice(6)), party_is_person=True),
     ("practice_term_not_allowed", "第六十四条")),
    ("24 serious: permanent only if 特别严重", penalty("mo53_art24", "serious", P(practice(permanent=True))),
     ("practice_term_not_allowed", "第二十四条")),
    ("24 especially: permanent", penalty("mo53_art24", "especially_serious", P(practice(permanent=True))), OK),
    ("25 general: confiscation only", penalty("mo53_art25", "general", P(confiscate(45600)), INCOME), OK),
    ("25 general: no warning", penalty("mo53_art25", "general", P(warning())),
     ("penalty_type_not_allowed", "第二十五条")),
    ("消防法 60 unit: ¥5,000 inclusive", penalty("fire_safety", "general", P(fine(5000))), OK),
    ("消防法 60 unit: ¥4,999", penalty("fire_safety", "general", P(fine(4999))),
     ("fine_out_of_band", "消防法》第六十条第一款")),
    ("消防法 60 unit: ¥60,000", penalty("fire_safety", "serious", P(fine(60000))),
     ("fine_out_of_band", "消防法》第六十条第一款")),
    ("消防法 60 person: ¥500", penalty("fire_safety", "general", P(fine(500)), party_is_person=True), OK),
    ("消防法 60 person: ¥600", penalty("fire_safety", "general", P(fine(600)), party_is_person=True),
     ("fine_out_of_band", "第六十条第二款")),
    ("消防法 60 person: warning or fine", penalty("fire_safety", "general", P(warning(), fine(100)),
                                              party_is_person=True), ("penalty_choice", "第六十条第二款")),
    ("art. 13: two fines for one act", penalty("disguised_subject_training", "serious", P(fine(100), fine(200))),
     ("second_fine", "第十三条第一款")),
    ("art. 13: one act, two norms — the higher band applies",
     penalty(["unauthorised_competition", "fire_safety"], "especially_serious", P(fine(80000))), OK),
    ("art. 13: the lower norm's band is not enough",
     penalty(["unauthorised_competition", "fire_safety"], "especially_serious", P(fine(30000))),
     ("fine_out_of_band", "第十三条第二款")),
    ("notice states no amount", penalty("late_training", "general", P(warning(), confiscate(0)), INCOME),
     ("penalty_amount_missing", "第四十四条")),
    ("no penalty item", penalty("late_training", "general", P()), ("penalty_empty", "第四十四条")),
    # --- 4. decision against the 告知书 (行政处罚法 arts. 44, 45, 62) --------------------------------------
    ("decision without a notice", lambda: law.check_decision_vs_notice(P(warning()), [], D("2026-03-20"), CAL),
     ("notice_missing", "第六十二条")),
    ("decision heavier: higher fine", lambda: law.check_decision_vs_notice(
        P(fine(40000)), [ServedNotice(P(fine(30000)), D("2026-03-02"))], D("2026-03-20"), CAL),
     ("decision_heavier_than_notice", "第四十五条")),
    ("decision heavier: new type", lambda: law.check_decision_vs_notice(
        P(warning(), confiscate(10)), [ServedNotice(P(warning()), D("2026-03-02"))], D("2026-03-20"), CAL),
     ("decision_heavier_than_notice", "第四十四条")),
    ("new notice served, its window still open", lambda: law.check_decision_vs_notice(
        P(fine(40000)), [ServedNotice(P(fine(30000)), D("2026-03-02")), ServedNotice(P(fine(40000)), D("2026-03-16"))],
        D("2026-03-23"), CAL), ("statement_window_open", "第六十二条")),
    ("new notice served, window passed", lambda: law.check_decision_vs_notice(
        P(fine(40000)), [ServedNotice(P(fine(30000)), D("2026-03-02")), ServedNotice(P(fine(40000)), D("2026-03-16"))],
        D("2026-03-24"), CAL), OK),
    ("lighter decision is fine", lambda: law.check_decision_vs_notice(
        P(fine(20000)), [ServedNotice(P(warning(), fine(30000)), D("2026-03-02"))], D("2026-03-10"), CAL), OK),
    ("decided on the window's last day", lambda: law.check_decision_vs_notice(
        P(warning()), [ServedNotice(P(warning()), D("2026-03-02"))], D("2026-03-09"), CAL),
     ("statement_window_open", "第三十一条")),
    ("party waived in writing", lambda: law.check_decision_vs_notice(
        P(warning()), [ServedNotice(P(warning()), D("2026-03-02"))], D("2026-03-04"), CAL, statement_waived=True), OK),
    # --- 5. hearing: request, notice, chair --------------------------------------------------------
    ("hearing request on day 5", lambda: law.check_hearing_request(
        D("2026-03-09"), D("2026-03-02"), P(fine(100000)), CAL, party_is_person=False), OK),
    ("hearing request on day 6", lambda: law.check_hearing_request(
        D("2026-03-10"), D("2026-03-02"), P(fine(100000)), CAL, party_is_person=False),
     ("hearing_request_late", "第三十条第二款")),
    ("hearing request before service", lambda: law.check_hearing_request(
        D("2026-03-01"), D("2026-03-02"), P(fine(100000)), CAL, party_is_person=False),
     ("hearing_request_before_service", "第三十条")),
    ("hearing request, penalty below threshold", lambda: law.check_hearing_request(
        D("2026-03-03"), D("2026-03-02"), P(fine(99999)), CAL, party_is_person=False),
     ("hearing_not_offered", "第三十条第一款")),
    ("hearing on the 7th working day", lambda: law.check_hearing_schedule(D("2026-03-19"), D("2026-03-10"), CAL), OK),
    ("hearing the day it is requested", lambda: law.check_hearing_schedule(D("2026-03-10"), D("2026-03-10"), CAL),
     ("hearing_notice_too_late", "第六十四条第（二）项")),
    ("hearing on the 6th working day", lambda: law.check_hearing_schedule(D("2026-03-18"), D("2026-03-10"), CAL),
     ("hearing_notice_too_late", "第六十四条")),
    ("hearing with no 听证通知书", lambda: law.check_hearing_schedule(D("2026-03-18"), None, CAL),
     ("hearing_notice_missing", "第六十四条")),
    ("hearing chaired by an investigator", lambda: law.check_hearing_chair(7, [7, 8]),
     ("hearing_chair_investigator", "第六十四条第（四）项")),
    ("hearing chaired by another officer", lambda: law.check_hearing_chair(9, [7, 8]), OK),
    # --- 6. 法制审核 and 集体讨论 ---------------------------------------------------------------------------
    ("decision after a 不通过", lambda: law.check_decision_review(
        False, [Review(ReviewOutcome.FAILED, D("2026-03-20"), 3, "证据不足")]),
     ("legal_review_not_passed", "第三十三条")),
    ("decision after 退回补充调查", lambda: law.check_decision_review(
        True, [Review(ReviewOutcome.RETURNED, D("2026-03-20"), 3, "补充询问笔录")]),
     ("legal_review_not_passed", "第五十八条")),
    ("required review missing", lambda: law.check_decision_review(True, []), ("legal_review_missing", "第三十三条")),
    ("review before the hearing", lambda: law.check_decision_review(
        True, [Review(ReviewOutcome.PASSED, D("2026-03-20"), 3)], hearing_held_on=D("2026-03-25")),
     ("legal_review_before_hearing", "第三十三条第二款")),
    ("passing review after the hearing", lambda: law.check_decision_review(
        True, [Review(ReviewOutcome.FAILED, D("2026-03-20"), 3, "x"), Review(ReviewOutcome.PASSED, D("2026-03-27"), 3)],
        hearing_held_on=D("2026-03-25")), OK),
    ("reviewer is an investigator", lambda: law.check_review(Review(ReviewOutcome.PASSED, D("2026-03-20"), 7), [7]),
     ("reviewer_investigator", "第五十八条")),
    ("不通过 without reasons", lambda: law.check_review(Review(ReviewOutcome.FAILED, D("2026-03-20"), 3)),
     ("review_reasons_required", "第三十三条")),
    ("collective discussion after the notice", lambda: law.check_collective_discussion(
        True, D("2026-03-05"), D("2026-03-02"), ["局长", "副局长"]),
     ("collective_discussion_first", "第三十四条第二款")),
    ("collective discussion never held", lambda: law.check_collective_discussion(True, None, D("2026-03-02")),
     ("collective_discussion_first", "第三十四条")),
    ("collective discussion with one participant", lambda: law.check_collective_discussion(
        True, D("2026-03-01"), D("2026-03-02"), ["局长"]), ("collective_discussion_participants", "第三十四条")),
    ("collective discussion before the notice", lambda: law.check_collective_discussion(
        True, D("2026-03-02"), D("2026-03-02"), ["局长", "副局长", "法规科长"]), OK),
    # --- 7. decision time limit (行政处罚法 art. 60) -------------------------------------------------------
    ("decided on day 90 (rolled to Monday)", lambda: law.check_decision_in_time(D("2026-06-01"), D("2026-03-02"), CAL),
     OK),
    ("decided after 90 days", lambda: law.check_decision_in_time(D("2026-06-02"), D("2026-03-02"), CAL),
     ("decision_late", "第六十条")),
    ("hearing pause not counted", lambda: law.check_decision_in_time(
        D("2026-06-08"), D("2026-03-02"), CAL, pauses=[Pause("hearing", D("2026-04-01"), D("2026-04-11"))]), OK),
    ("pause reason not excluded", lambda: law.check_decision_in_time(
        D("2026-05-20"), D("2026-03-02"), CAL, pauses=[Pause("holiday", D("2026-04-01"), D("2026-04-11"))]),
     ("pause_not_excluded", "第六十条")),
    ("extension where none is allowed", lambda: law.check_decision_in_time(
        D("2026-06-20"), D("2026-03-02"), CAL, extension_days=30), ("decision_extension_not_allowed", "第六十条")),
    ("decision before 立案", lambda: law.check_decision_in_time(D("2026-03-01"), D("2026-03-02"), CAL),
     ("decision_before_filing", "第六十条")),
    # the limit falls in 2027 (no table), but no 2027 table can put it before 1 January: in time, unconfirmed
    ("limit in a year without a table", lambda: law.check_decision_in_time(D("2026-12-20"), D("2026-11-02"), CAL),
     OK),
    ("limit in a year without a table, confirmed", lambda: law.check_decision_in_time(
        D("2026-12-20"), D("2026-11-02"), CAL, provisional_confirmed=True), OK),
    ("decision dated in a year without a table", lambda: law.check_decision_in_time(
        D("2027-01-04"), D("2026-10-12"), CAL), ("calendar_unconfirmed", "第六十条")),
    # --- 8. service ---------------------------------------------------------------------------------------
    ("electronic service without consent", lambda: law.check_service("penalty_decision", ServiceMethod.ELECTRONIC),
     ("electronic_service_without_consent", "第六十一条第二款")),
    ("electronic service with consent", lambda: law.check_service("penalty_decision", "electronic",
                                                                  consent_recorded=True), OK),
    ("公告送达 without the reason", lambda: law.check_service("penalty_notice", ServiceMethod.PUBLIC_NOTICE),
     ("public_notice_reason_missing", "第三十五条第三款")),
    ("公告送达 with the reason", lambda: law.check_service("hearing_notice", ServiceMethod.PUBLIC_NOTICE,
                                                       public_notice_reason="当事人下落不明，经多次联系未果"), OK),
    ("one 送达回证 for two documents", lambda: law.check_receipts([("X教送〔2026〕1号", 1), ("X教送〔2026〕1号", 2)]),
     ("one_receipt_per_document", "第三十五条")),
    ("one 送达回证 each", lambda: law.check_receipts([("X教送〔2026〕1号", 1), ("X教送〔2026〕2号", 2)]), OK),
    # --- 9. execution -------------------------------------------------------------------------------------
    ("payment before the decision", lambda: law.check_payment_date(D("2026-03-01"), D("2026-03-02")),
     ("payment_before_decision", "第六十七条")),
    ("payment on the decision day", lambda: law.check_payment_date(D("2026-03-02"), D("2026-03-02")), OK),
    ("court: three days after service", lambda: law.check_court_enforcement(
        D("2026-01-08"), D("2026-01-05"), CAL, reminder_served_on=D("2026-01-06")),
     ("remedy_period_running", "第五十三条")),
    ("court: after 复议 60 days, within 诉讼 6 months", lambda: law.check_court_enforcement(
        D("2026-04-01"), D("2026-01-05"), CAL, reminder_served_on=D("2026-03-10")),
     ("remedy_period_running", "第三十六条")),
    ("court: no 催告书", lambda: law.check_court_enforcement(D("2026-07-22"), D("2026-01-05"), CAL,
                                                          reminder_served_on=None), ("reminder_missing", "第五十四条")),
    ("court: 催告书 10th working day", lambda: law.check_court_enforcement(
        D("2026-07-21"), D("2026-01-05"), CAL, reminder_served_on=D("2026-07-07")),
     ("reminder_period_running", "第五十四条")),
    ("court: lawful", lambda: law.check_court_enforcement(D("2026-07-22"), D("2026-01-05"), CAL,
                                                         reminder_served_on=D("2026-07-07")), OK),
    ("court: after the three months", lambda: law.check_court_enforcement(
        D("2026-10-12"), D("2026-01-05"), CAL, reminder_served_on=D("2026-07-07")),
     ("court_enforcement_late", "第五十三条")),
    ("court: party sought 复议", lambda: law.check_court_enforcement(
        D("2026-07-22"), D("2026-01-05"), CAL, reminder_served_on=D("2026-07-07"), remedy_sought=True),
     ("remedy_pending", "第三十六条")),
    ("court: already paid", lambda: law.check_court_enforcement(
        D("2026-07-22"), D("2026-01-05"), CAL, reminder_served_on=D("2026-07-07"), performed=True),
     ("already_performed", "第五十三条")),
    # --- 10. 立案 ----------------------------------------------------------------------------------------
    ("limitation: discovered on the last day", lambda: law.check_limitation(D("2024-03-02"), D("2026-03-02")), OK),
    ("limitation: two years and a day", lambda: law.check_limitation(D("2024-03-02"), D("2026-03-03")),
     ("limitation_expired", "第三十六条")),
    ("limitation: continuing act from its end", lambda: law.check_limitation(D("2025-06-30"), D("2026-03-03")), OK),
    ("limitation: 5 years where life/health harmed", lambda: law.check_limitation(
        D("2022-03-02"), D("2026-03-03"), extended=True), OK),
    ("立案: conditions unmet", lambda: law.check_filing_conditions(FilingConditions(True, True, True, False, True)),
     ("filing_conditions_unmet", "第二十六条")),
    ("立案: all five conditions", lambda: law.check_filing_conditions(FilingConditions(True, True, True, True, True)),
     OK),
    ("撤销立案 while the conditions hold", lambda: law.check_filing_revocation(
        FilingConditions(True, True, True, True, True), "当事人申请"), ("revocation_unfounded", "第二十七条")),
    ("撤销立案 without reasons", lambda: law.check_filing_revocation(FilingConditions(), ""),
     ("revocation_reason_required", "第二十七条")),
    ("立案 under a notice never served", lambda: law.check_filing_after_rectification(
        notice_served_on=None, rectification_due=None, reinspected_on=None, rectified=None),
     ("rectification_not_served", "第三十二条")),
    ("立案 before the rectification deadline", lambda: law.check_filing_after_rectification(
        notice_served_on=D("2026-03-02"), rectification_due=D("2026-03-17"), reinspected_on=D("2026-03-17"),
        rectified=False), ("rectification_period_running", "第二十八条")),
    ("立案 after a 复查 that found it rectified", lambda: law.check_filing_after_rectification(
        notice_served_on=D("2026-03-02"), rectification_due=D("2026-03-17"), reinspected_on=D("2026-03-18"),
        rectified=True), ("rectified_no_filing", "第三十二条")),
    ("立案 after a 复查 that found it not rectified", lambda: law.check_filing_after_rectification(
        notice_served_on=D("2026-03-02"), rectification_due=D("2026-03-17"), reinspected_on=D("2026-03-18"),
        rectified=False), OK),
    ("立案 on a new violation with its own inspection", lambda: law.check_filing_after_rectification(
        notice_served_on=D("2026-03-02"), rectification_due=D("2026-03-17"), reinspected_on=None, rectified=None,
        new_violation_inspected=True), OK),
    ("onward transfer of a transferred case", lambda: law.check_transfer(True),
     ("onward_transfer_barred", "第十条第三款")),
    ("transfer of an own case", lambda: law.check_transfer(False), OK),
    # --- 11. leniency ---------------------------------------------------------------------------------------
    ("penalty where the law says 不予处罚", lambda: law.check_penalty_allowed(law.leniency_notes(
        D("2026-03-02"), Circumstances(minor=True, corrected_promptly=True, harm=False))),
     ("no_penalty_required", "第三十三条第一款")),
    ("penalty with no fault proven", lambda: law.check_penalty_allowed(law.leniency_notes(
        D("2026-03-02"), Circumstances(no_fault_proven=True))), ("no_penalty_required", "第三十三条第二款")),
    ("首违 only allows leniency", lambda: law.check_penalty_allowed(law.leniency_notes(
        D("2026-03-02"), Circumstances(harm_minor=True, corrected_promptly=True))), OK),
    # --- publication (行政处罚法 art. 48) -------------------------------------------------------------------
    ("published on the 7th working day", lambda: law.check_publication(D("2026-03-11"), D("2026-03-02"), CAL), OK),
    ("published on the 8th working day", lambda: law.check_publication(D("2026-03-12"), D("2026-03-02"), CAL),
     ("publication_late", "第四十八条")),
    ("withdrawn on the 4th working day", lambda: law.check_withdrawal(D("2026-03-06"), D("2026-03-02"), CAL),
     ("withdrawal_late", "第四十八条第二款")),
    ("withdrawn on the 3rd working day", lambda: law.check_withdrawal(D("2026-03-05"), D("2026-03-02"), CAL), OK),
]


@pytest.mark.parametrize(("thunk", "expected"), [(t, e) for _, t, e in GOLDEN], ids=[i for i, _, _ in GOLDEN])
def test_golden(thunk: Callable[[], Any], expected: tuple[str, str] | None) -> None:
    if expected is None:
        thunk()
        return
    code, article = expected
    with pytest.raises(RuleViolation) as caught:
        thunk()
    exc = caught.value
    assert exc.code == code, exc.message
    assert article in exc.message and article in exc.detail["article"], exc.message
    assert exc.message.endswith("）") and "（" in exc.message  # the article is named in the message


def test_golden_ids_are_unique() -> None:
    assert len({i for i, _, _ in GOLDEN}) == len(GOLDEN)


# --- values ---------------------------------------------------------------------------------------


def test_illegal_income_is_derived_and_checked() -> None:
    assert INCOME.amount_yuan == 45600
    with pytest.raises(ValidationFailed):
        IllegalIncome(100, 101)
    with pytest.raises(ValidationFailed):
        IllegalIncome(-1)


def test_penalty_items_are_typed() -> None:
    with pytest.raises(ValidationFailed):
        PenaltyItem(T.WARNING, 100)
    with pytest.raises(ValidationFailed):
        PenaltyItem(T.FINE, years=2)
    with pytest.raises(ValidationFailed):
        practice(3, permanent=True)
    assert PenaltyItem("fine", 5).type is T.FINE
    p = P(fine(30000), warning(), confiscate(45600), practice(3))
    assert p.text_zh == "警告；罚款人民币30000元；没收违法所得人民币45600元；限制从业3年"
    assert (p.fine_yuan, p.confiscation_yuan) == (30000, 45600)


@pytest.mark.parametrize(("penalty", "person", "offered"), [
    (P(fine(30000)), True, True), (P(fine(29999)), True, False), (P(fine(99999)), False, False),
    (P(fine(100000)), False, True), (P(warning(), confiscate(100000)), False, True),
    (P(warning(), confiscate(99999)), False, False), (P(warning(), PenaltyItem(T.STOP_ENROLMENT)), False, True),
    (P(PenaltyItem(T.STOP_RUNNING)), False, True), (P(PenaltyItem(T.REVOKE_LICENCE)), False, True),
    (P(practice(1)), True, True), (P(warning()), False, False), (P(criticism()), True, False),
])
def test_hearing_offered_from_the_structured_penalty(penalty: IntendedPenalty, person: bool, offered: bool) -> None:
    assert law.hearing_offered(penalty, party_is_person=person) is offered
    grounds = law.hearing_grounds(penalty, party_is_person=person)
    assert all("第三十条" in g for g in grounds) and bool(grounds) is offered


def test_heavier_than() -> None:
    notice = P(warning(), fine(30000), practice(2))
    assert law.heavier_than(P(warning(), fine(30000)), notice) == ()
    assert law.heavier_than(P(fine(20000)), notice) == ()
    assert law.heavier_than(P(warning(), fine(30001)), notice) == ("罚款由30000元提高到30001元",)
    assert law.heavier_than(P(criticism()), notice) == ("增加了告知书未载明的通报批评",)
    assert law.heavier_than(P(practice(3)), notice) == ("限制从业由2年加重为3年",)
    assert law.heavier_than(P(practice(permanent=True)), notice) == ("限制从业由2年加重为（永久）",)


def test_hearing_absence_is_a_waiver() -> None:
    assert law.hearing_absence_is_waiver(attended=False, justified=False)
    assert not law.hearing_absence_is_waiver(attended=False, justified=True)
    assert not law.hearing_absence_is_waiver(attended=True, justified=False)


def test_legal_review_required_by_rule() -> None:
    org = {"party_is_person": False}
    assert not law.legal_review_required(P(warning()), hearing_held=False, **org)
    assert law.legal_review_grounds(P(warning()), hearing_held=True, **org) == (
        f"经过听证程序（{MO53}第三十三条第一款第（二）项）",)
    assert law.legal_review_required(P(fine(100000)), hearing_held=False, **org)  # hearing threshold = major
    assert law.legal_review_required(P(fine(30000)), hearing_held=False, party_is_person=True)
    assert not law.legal_review_required(P(fine(30000)), hearing_held=False, **org)
    assert law.legal_review_required(P(warning()), hearing_held=False, complex_case=True, **org)
    assert law.legal_review_required(P(warning()), hearing_held=False, public_interest=True, **org)
    relaxed = dataclasses.replace(law.load_penalty_law(), hearing_threshold_is_major=False,
                                  major_penalty_types=frozenset())
    assert not law.legal_review_required(P(fine(100000)), hearing_held=False, law=relaxed, **org)


def test_collective_discussion_required_by_rule() -> None:
    assert law.collective_discussion_required(P(fine(100000)), party_is_person=False)
    assert not law.collective_discussion_required(P(warning()), party_is_person=False)
    assert law.collective_discussion_required(P(warning()), party_is_person=False, major=True)
    law.check_collective_discussion(False, None, D("2026-03-02"))  # not required: nothing to check


def test_decision_deadline_and_extension_from_configuration() -> None:
    assert law.decision_deadline(D("2026-03-02"), CAL).date == D("2026-06-01")  # 05-31 is a Sunday
    paused = law.decision_deadline(D("2026-03-02"), CAL, pauses=[Pause("appraisal", D("2026-04-01"), D("2026-04-11"))])
    assert paused.date == D("2026-06-10")  # 05-31 + 10 days
    allowing = dataclasses.replace(law.load_penalty_law(), extension_allowed=True, extension_max_days=30)
    assert law.decision_deadline(D("2026-03-02"), CAL, extension_days=30, law=allowing).date == D("2026-06-30")
    with pytest.raises(RuleViolation, match="第六十条") as caught:
        law.decision_deadline(D("2026-03-02"), CAL, extension_days=31, law=allowing)
    assert caught.value.code == "decision_extension_too_long"
    provisional = law.decision_deadline(D("2026-11-02"), CAL, provisional_confirmed=True)
    assert provisional.provisional and str(provisional).endswith("provisional")
    assert law.reckoned_zh(provisional) == "2027年2月1日（暂定，该年度法定节假日安排尚未公布）"
    assert law.reckoned_zh(law.decision_deadline(D("2026-03-02"), CAL)) == "2026年6月1日"


def test_decision_in_an_official_year_before_a_provisional_limit() -> None:
    """The limit of a case filed in November falls in a year without a table; a decision in the official year
    is in time whatever that table says (the limit is no earlier than 1 January), one in that year is not."""
    due = law.check_decision_in_time(D("2026-11-20"), D("2026-11-02"), CAL)
    assert due.provisional and due.date == D("2027-02-01")
    with pytest.raises(RuleViolation, match="第六十条") as caught:
        law.check_decision_in_time(D("2027-01-05"), D("2026-11-02"), CAL)
    assert caught.value.code == "calendar_unconfirmed"
    assert law.check_decision_in_time(D("2027-01-05"), D("2026-11-02"), CAL, provisional_confirmed=True).provisional
    with pytest.raises(RuleViolation) as paused:
        law.check_pause_reason("other")
    assert paused.value.code == "pause_not_excluded"


def test_service_rules() -> None:
    assert all(law.must_be_served(t) for t in ("rectification_notice", "penalty_notice", "hearing_notice",
                                                "penalty_decision", "payment_reminder"))
    assert not law.must_be_served("inspection_record")
    assert law.deemed_served_on(ServiceMethod.PUBLIC_NOTICE, D("2026-03-02"), CAL).date == D("2026-04-01")
    assert law.deemed_served_on(ServiceMethod.DIRECT, D("2026-03-02"), CAL).date == D("2026-03-02")
    with pytest.raises(ValidationFailed):
        law.check_service("inspection_record", ServiceMethod.DIRECT)


def test_payment_due_and_surcharge() -> None:
    assert law.payment_due(D("2026-03-02"), CAL).date == D("2026-03-17")
    due = D("2026-03-17")
    assert law.surcharge_yuan(10000, due, due) == Decimal("0.00")
    assert law.surcharge_yuan(10000, due, D("2026-03-18")) == Decimal("300.00")
    assert law.surcharge_yuan(5001, due, D("2026-03-18")) == Decimal("150.03")
    assert law.surcharge_yuan(10000, due, D("2026-04-19")) == Decimal("9900.00")  # day 33
    assert law.surcharge_yuan(10000, due, D("2026-04-20")) == Decimal("10000.00")  # capped at the fine
    assert law.surcharge_yuan(10000, due, D("2026-12-31")) == Decimal("10000.00")
    # art. 73 ¶3: days in 复议 are not counted
    assert law.surcharge_yuan(10000, due, D("2026-03-28"), remedy_periods=[(D("2026-03-20"), D("2026-03-27"))]) \
        == Decimal("1200.00")


def test_court_enforcement_window() -> None:
    window = law.court_enforcement_window(D("2026-01-05"), CAL)
    assert window.remedies_end.date == D("2026-07-06")  # 6 months: 07-05 is a Sunday
    assert window.closes.date == D("2026-10-08")  # 3 months: 10-06 falls in the National Day break (to 10-07)
    deferred = law.court_enforcement_window(D("2026-01-05"), CAL, deferred_until=D("2026-08-31"))
    assert deferred.remedies_end.date == D("2026-08-31")


def test_leniency_notes_cite_the_paragraph() -> None:
    first = law.leniency_notes(D("2026-03-02"), Circumstances(harm_minor=True, corrected_promptly=True))
    assert first == (Note("可以不予处罚", "初次违法且危害后果轻微并及时改正",
                          f"{APL}第三十三条第一款、{MO53}第十五条第二款"),)
    again = law.leniency_notes(D("2026-03-02"), Circumstances(harm_minor=True, corrected_promptly=True),
                               PartyHistory((D("2023-01-10"),)))
    assert again == ()  # not a first offence, and more than two years since
    reoffence = law.leniency_notes(D("2026-03-02"), Circumstances(), PartyHistory((D("2024-03-02"),)))
    assert [(n.kind, n.citation) for n in reoffence] == [("从重", f"{MO53}第十六条第（一）项")]
    teacher = law.leniency_notes(D("2026-03-02"), Circumstances(serving_teacher=True, subject_training=True))
    assert [n.citation for n in teacher] == [f"{MO53}第十六条第（六）项"]
    assert law.leniency_notes(D("2026-03-02"), Circumstances(serving_teacher=True)) == ()
    expired = law.leniency_notes(D("2026-03-02"), Circumstances(limitation_expired=True))
    assert expired[0].mandatory_no_penalty and "第十五条第一款第（三）项" in expired[0].citation


# --- the catalogue carries the law ----------------------------------------------------------------


def test_every_violation_names_an_article_that_allows_a_penalty() -> None:
    cat = load_catalogue()
    for code in cat.violations:
        for person in (False, True):
            norm = cat.norm_for(code, party_is_person=person)
            assert norm.citation and all(t.allowed for t in norm.tiers.values())
    assert cat.hearing.fine_person_yuan == 30000 and cat.hearing.confiscation_yuan == 100000
    # the free-text method existing callers use still answers
    assert cat.hearing.hearing_offered(fine=100000, confiscation=0, party_is_person=False, penalty="警告")
    assert not cat.hearing.hearing_offered(fine=0, confiscation=0, party_is_person=False, penalty="警告")


@pytest.mark.parametrize("bad", [
    {"x": {"citation": "c", "general": {"allowed": ["caning"]}}},
    {"x": {"citation": "c", "general": {"allowed": ["warning"], "required": ["fine"]}}},
    {"x": {"citation": "c", "general": {"allowed": ["fine"]}}},
    {"x": {"citation": "c", "general": {"allowed": ["warning"], "fine_max_yuan": 5}}},
    {"x": {"citation": "c", "grave": {"allowed": ["warning"]}}},
    {"x": {"general": {"allowed": ["warning"]}}},
])
def test_norm_table_is_checked(bad: dict) -> None:
    with pytest.raises(ValidationFailed):
        parse_norms(bad)


def test_penalty_law_configuration_is_read_from_data() -> None:
    cfg = law.load_penalty_law(Path(DATA))
    assert (cfg.limitation_years, cfg.limitation_extended_years, cfg.reoffence_years) == (2, 5, 2)
    assert cfg.surcharge_percent_per_day == 3 and not cfg.extension_allowed
    assert {k: (p.days, p.months) for k, p in cfg.periods.items() if k in {
        "statement", "decision", "payment", "hearing_notice", "payment_reminder", "reconsideration", "litigation",
        "court_enforcement", "public_notice_service", "publication", "publication_withdrawal"}} == {
        "statement": (5, 0), "decision": (90, 0), "payment": (15, 0), "hearing_notice": (7, 0),
        "payment_reminder": (10, 0), "reconsideration": (60, 0), "litigation": (0, 6), "court_enforcement": (0, 3),
        "public_notice_service": (30, 0), "publication": (7, 0), "publication_withdrawal": (3, 0)}
    assert Gravity("serious").label == "情节严重"
