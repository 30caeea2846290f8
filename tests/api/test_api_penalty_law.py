"""The penalty procedure as a county 法制审核 reviewer would try it, through the API: a golden table
of scenarios (each row: the steps with their dates and the expected refusal code and article, or
success), run on SQLite; the named scenarios after it run on SQLite and PostgreSQL. The rules are those of
`cases.penalty_law` (docs/penalty-law.md): pure checks over facts the same repository reads on either
database, so the table's 71 rows on a second database would retest the database, not the law, for
two minutes of the suite (docs/operations.md "Test suite")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from api.evidence import EvidenceStore
from api.main import create_app
from tests.api.support import Api, DirStore, FakeRenderer, MovableClock, api_settings
from tests.integration.conftest import County, at

pytestmark = pytest.mark.api

MO53, APL, AEL = "《校外培训行政处罚暂行办法》", "《行政处罚法》", "《行政强制法》"
WARNING = {"type": "warning"}
STOP_ENROLMENT = {"type": "stop_enrolment"}


def fine(amount: int) -> dict[str, Any]:
    return {"type": "fine", "amount_yuan": amount}


def confiscate(amount: int) -> dict[str, Any]:
    return {"type": "confiscate_income", "amount_yuan": amount}


class RecordingRenderer(FakeRenderer):
    """The test renderer, keeping every snapshot it rendered (what the document prints)."""

    def __init__(self) -> None:
        self.snapshots: list[tuple[str, Any]] = []

    def __call__(self, doc_type, snapshot) -> bytes:  # noqa: ANN001
        self.snapshots.append((str(doc_type), snapshot))
        return super().__call__(doc_type, snapshot)

    def last(self, doc_type: str) -> Any:
        return next(s for t, s in reversed(self.snapshots) if t == doc_type)


@pytest.fixture
def law_api(county: County, tmp_path: Path) -> tuple[Api, RecordingRenderer]:
    renderer = RecordingRenderer()
    clock = MovableClock(at("2026-03-02 09:00"))
    app = create_app(engine=county.engine, settings=api_settings(tmp_path), renderer=renderer,
                     document_store=DirStore(tmp_path / "documents"), evidence_store=EvidenceStore(tmp_path / "ev"),
                     clock=clock)
    return Api(TestClient(app), county, clock, app), renderer


# --- the steps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    action: str
    user: str
    when: str
    body: dict[str, Any] = field(default_factory=dict)
    serve: bool = False  # serve the document this step issued, the same day


def file(when: str = "2026-03-09 10:00", **body: Any) -> Step:
    return Step("open_penalty", "education01", when, body)


def notice(when: str = "2026-03-11 10:00") -> Step:
    return Step("issue_penalty_notice", "education03", when, serve=True)


def close_window(when: str = "2026-03-19 10:00", **body: Any) -> Step:
    return Step("close_statement_window", "education03", when, {"hearing_requested": False} | body)


def decide(when: str = "2026-03-20 10:00", **body: Any) -> Step:
    return Step("decide", "education01", when, {"outcome": "penalty"} | body)


def discuss(when: str = "2026-03-10 10:00", participants: tuple[str, ...] = ("局长", "分管副局长")) -> Step:
    return Step("collective_discussion", "education01", when, {"summary": "同意拟处罚意见",
                                                               "participants": list(participants)})


def review(outcome: str = "passed", when: str = "2026-03-20 10:00", reasons: str = "") -> Step:
    return Step("legal_review", "education02", when, {"outcome": outcome, "opinion": "审核意见", "reasons": reasons})


def hearing_notice(when: str = "2026-03-20 10:00", hearing_on: str = "2026-03-31") -> Step:
    return Step("issue_hearing_notice", "education02", when, {"hearing_on": hearing_on, "place": "本局会议室"},
                serve=True)


def hearing(when: str = "2026-03-31 10:00", **body: Any) -> Step:
    return Step("hold_hearing", "education02", when, {"summary": "听证"} | body)


def pause(reason_code: str, when: str = "2026-03-20 10:00") -> Step:
    return Step("pause_clock", "education01", when, {"step": "decision", "reason": "等待", "reason_code": reason_code})


def resume(when: str) -> Step:
    return Step("resume_clock", "education01", when, {"step": "decision"})


def execution(when: str, **body: Any) -> Step:
    return Step("record_execution", "education03", when, body)


def reminder(when: str = "2026-04-08 10:00") -> Step:
    return Step("issue_payment_reminder", "education03", when, serve=True)


def publish(day: str) -> Step:
    return Step("publish", "education03", day + " 10:00", {"published_on": day})


def withdraw(revoked_on: str, day: str) -> Step:
    return Step("withdraw_publication", "education01", day + " 10:00",
                {"revoked_on": revoked_on, "reason": "行政复议决定撤销原处罚决定"})


ART21_SERIOUS = dict(penalty=[WARNING, STOP_ENROLMENT, confiscate(20000)], gravity="serious",
                     income_collected_yuan=20000)  # 责令停止招收学员: hearing, review and discussion by rule
SERIOUS_NOTICED = (file(**ART21_SERIOUS), discuss(), notice(), close_window())
ART21_GENERAL = dict(penalty=[WARNING, confiscate(8000)], income_collected_yuan=8000)
ART18_GENERAL = dict(penalty=[WARNING])
ART18_SERIOUS = dict(penalty=[fine(30000)], gravity="serious")
SERVED_FINE = (file(**ART18_SERIOUS), notice(), close_window(), replace(decide(), serve=True))  # served 2026-03-20
HEARING_REQUESTED = (file(**ART21_SERIOUS), discuss(), notice(),
                     close_window(hearing_requested=True, hearing_requested_on="2026-03-13"))


@dataclass(frozen=True)
class Row:
    name: str
    codes: tuple[str, ...]
    steps: tuple[Step, ...]
    code: str | None = None  # the refusal of the last step; None: every step succeeds
    article: str = ""  # in the refusal's message
    department: tuple[tuple[str, str], ...] = ()  # settings of the lead department, set before the steps
    institution: tuple[tuple[str, str], ...] = ()  # fields of the party in the register, set before the steps


GOLDEN = (
    # 1. the penalty as data: type, tier, band, 违法所得 (53号令 arts. 17–23, 42, 43; 行政处罚法 art. 44)
    Row("art21_no_fine", ("rest_day_training",), (file(penalty=[WARNING, fine(100000)]),),
        "penalty_type_not_allowed", f"{MO53}第二十一条"),
    Row("art21_warning_and_income", ("rest_day_training",), (file(**ART21_GENERAL),)),
    Row("art21_confiscation_is_the_derived_income", ("rest_day_training",),
        (file(penalty=[WARNING, confiscate(30000)], income_collected_yuan=30000, income_refunded_yuan=10000),),
        "confiscation_not_income", f"{MO53}第四十二条"),
    Row("art21_confiscation_needs_income", ("rest_day_training",), (file(penalty=[WARNING, confiscate(8000)]),),
        "illegal_income_required", f"{MO53}第四十二条"),
    Row("art21_income_must_be_confiscated", ("rest_day_training",),
        (file(penalty=[WARNING], income_collected_yuan=8000),), "penalty_type_missing", f"{MO53}第二十一条"),
    Row("art18_100000_not_serious", ("disguised_subject_training",),
        (file(penalty=[fine(100000)], gravity="serious"),), "fine_out_of_band", f"{MO53}第十八条"),
    Row("art18_100000_especially_serious", ("disguised_subject_training",),
        (file(penalty=[WARNING, fine(100000)], gravity="especially_serious"),)),
    Row("art18_general_is_warning_or_criticism", ("disguised_subject_training",),
        (file(penalty=[WARNING, {"type": "circulated_criticism"}]),), "penalty_choice", f"{MO53}第十八条"),
    Row("art17_no_warning", ("unapproved_institution",), (file(penalty=[WARNING, confiscate(20000)],
                                                               income_collected_yuan=20000),),
        "penalty_type_not_allowed", f"{MO53}第十七条"),
    Row("art17_fine_multiple_of_income", ("unapproved_institution",),
        (file(penalty=[{"type": "stop_running"}, fine(200000)], income_collected_yuan=20000),),
        "fine_out_of_band", f"{MO53}第十七条"),
    Row("art17_lawful", ("unapproved_institution",),
        (file(penalty=[{"type": "stop_running"}, fine(100000)], income_collected_yuan=20000),)),
    Row("penalty_states_something", ("rest_day_training",), (file(penalty=[]),), "penalty_empty",
        f"{APL}第四十四条"),
    Row("fine_states_its_amount", ("disguised_subject_training",),
        (file(penalty=[{"type": "fine"}], gravity="serious"),), "penalty_amount_missing", f"{APL}第四十四条"),
    # 2. hearing right from the structured penalty (53号令 art. 30)
    Row("no_hearing_below_the_thresholds", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(hearing_requested=True)), "hearing_not_offered"),
    # the decision against the law and the served notice (行政处罚法 arts. 44, 45, 62)
    Row("decision_as_noticed", ("rest_day_training",), (file(**ART21_GENERAL), notice(), close_window(), decide())),
    Row("decision_lighter_than_notice", ("disguised_subject_training",),
        (file(penalty=[fine(30000)], gravity="serious"), notice(), close_window(),
         decide(penalty=[fine(20000)]))),
    Row("decision_adds_a_type", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(),
         decide(penalty=[WARNING, confiscate(8000), STOP_ENROLMENT], gravity="serious")),
        "decision_heavier_than_notice", f"{APL}第四十四条、第四十五条、第六十二条"),
    Row("decision_raises_the_fine", ("disguised_subject_training",),
        (file(penalty=[fine(30000)], gravity="serious"), notice(), close_window(), decide(penalty=[fine(40000)])),
        "decision_heavier_than_notice", f"{APL}第四十四条、第四十五条、第六十二条"),
    Row("decision_checked_against_the_article", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), decide(penalty=[confiscate(8000)])),
        "penalty_type_missing", f"{MO53}第二十一条"),
    # 法制审核 and 集体讨论 by rule, not by a flag (53号令 arts. 33, 34; 行政处罚法 arts. 57, 58)
    Row("discussion_before_notice_by_rule", ("rest_day_training",), (file(**ART21_SERIOUS), notice()),
        "collective_discussion_first", f"{MO53}第三十四条第二款"),
    Row("discussion_needs_two_participants", ("rest_day_training",),
        (file(**ART21_SERIOUS), discuss(participants=("局长",))), "collective_discussion_participants",
        f"{MO53}第三十四条第二款"),
    Row("review_required_by_the_penalty", ("rest_day_training",), (*SERIOUS_NOTICED, decide("2026-03-23 10:00")),
        "legal_review_missing", f"{MO53}第三十三条"),
    Row("review_required_by_public_interest", ("rest_day_training",),
        (file(**ART21_GENERAL, public_interest=True), discuss(), notice(), close_window(), decide()),
        "legal_review_missing", f"{APL}第五十八条"),
    Row("failing_review_states_reasons", ("rest_day_training",), (*SERIOUS_NOTICED, review("failed")),
        "review_reasons_required", f"{MO53}第三十三条"),
    Row("no_decision_after_a_failing_review", ("rest_day_training",),
        (*SERIOUS_NOTICED, review("failed", reasons="事实不清"), decide("2026-03-23 10:00")),
        "legal_review_not_passed", f"{MO53}第三十三条"),
    Row("no_decision_after_a_return", ("rest_day_training",),
        (*SERIOUS_NOTICED, review("returned", reasons="违法所得证据不足"), decide("2026-03-23 10:00")),
        "legal_review_not_passed", f"{APL}第五十八条"),
    Row("decision_after_a_later_pass", ("rest_day_training",),
        (*SERIOUS_NOTICED, review("returned", reasons="违法所得证据不足"), review("passed", "2026-03-23 10:00"),
         decide("2026-03-24 10:00"))),
    Row("other_major_case_is_discussed", ("rest_day_training",),
        (file(**ART21_GENERAL, major=True), notice()), "collective_discussion_first", f"{MO53}第三十四条第二款"),
    Row("review_after_the_hearing", ("rest_day_training",),
        (*HEARING_REQUESTED, hearing_notice(), hearing(), decide("2026-04-01 10:00")),
        "legal_review_missing", f"{MO53}第三十三条"),
    # 陈述申辩 recorded and answered (行政处罚法 art. 45)
    Row("statement_needs_its_answer", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(statement_summary="已退费")), "statement_answer_required",
        f"{APL}第四十五条"),
    # execution (行政处罚法 arts. 66, 67)
    Row("payment_not_before_the_decision", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), replace(decide(), serve=True),
         Step("record_execution", "education03", "2026-03-24 10:00", {"paid_on": "2026-03-19"})),
        "payment_before_decision", f"{APL}第六十六条、第六十七条"),
    Row("written_waiver_allows_an_early_decision", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window("2026-03-12 10:00", waived=True), decide("2026-03-12 15:00"))),
    # issue 10, item 5 (brief item 1): the decision within 90 days of 立案 (行政处罚法 art. 60)
    Row("decision_after_90_days", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), decide("2026-06-10 10:00")), "decision_late",
        f"{APL}第六十条"),
    Row("hearing_pause_not_counted", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), pause("hearing"), resume("2026-04-20 10:00"),
         decide("2026-06-10 10:00"))),
    Row("other_pause_does_not_stop_the_limit", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), pause("other")), "pause_not_excluded", f"{APL}第六十条"),
    Row("no_extension_without_a_local_rule", ("rest_day_training",),
        (file(**ART21_GENERAL), Step("extend_time_limit", "education01", "2026-03-10 10:00",
                                     {"days": 30, "reason": "案情复杂"})),
        "decision_extension_not_allowed", f"{APL}第六十条"),
    Row("decision_in_a_year_without_a_calendar", ("rest_day_training",),
        (file("2026-12-01 10:00", **ART21_GENERAL), notice("2026-12-02 10:00"), close_window("2026-12-10 10:00"),
         decide("2027-01-05 10:00")), "calendar_unconfirmed", "暂定"),
    Row("provisional_calendar_confirmed", ("rest_day_training",),
        (file("2026-12-01 10:00", **ART21_GENERAL), notice("2026-12-02 10:00"), close_window("2026-12-10 10:00"),
         decide("2027-01-05 10:00", confirm_provisional=True))),
    # item 7 (brief item 4): 催告 and court enforcement (行政强制法 arts. 53, 54; 53号令 art. 36)
    Row("no_reminder_inside_the_payment_period", ("disguised_subject_training",),
        (*SERVED_FINE, reminder("2026-03-25 10:00")),
        "payment_period_running", f"{AEL}第五十四条"),
    Row("court_only_after_the_remedy_periods", ("disguised_subject_training",),
        (*SERVED_FINE, reminder(), execution("2026-06-01 10:00", court_enforcement_on="2026-06-01")),
        "remedy_period_running", f"{AEL}第五十三条"),
    Row("court_only_after_a_reminder", ("disguised_subject_training",),
        (*SERVED_FINE, execution("2026-09-25 10:00", court_enforcement_on="2026-09-25")),
        "reminder_missing", f"{AEL}第五十四条"),
    Row("court_not_while_a_remedy_is_pending", ("disguised_subject_training",),
        (*SERVED_FINE, execution("2026-04-20 10:00", remedy_sought_on="2026-04-20"), reminder("2026-04-21 10:00"),
         execution("2026-09-25 10:00", court_enforcement_on="2026-09-25")), "remedy_pending", f"{MO53}第三十六条"),
    Row("court_within_three_months", ("disguised_subject_training",),
        (*SERVED_FINE, reminder(), execution("2027-01-05 10:00", court_enforcement_on="2027-01-05",
                                             confirm_provisional=True)), "court_enforcement_late", f"{AEL}第五十三条"),
    Row("court_enforcement_then_closed", ("disguised_subject_training",),
        (*SERVED_FINE, publish("2026-03-23"), reminder(),
         execution("2026-09-25 10:00", court_enforcement_on="2026-09-25"),
         Step("close_penalty", "education01", "2026-09-25 11:00"))),
    Row("no_closing_before_execution", ("disguised_subject_training",),
        (*SERVED_FINE, Step("close_penalty", "education01", "2026-04-01 11:00")), "not_executed"),
    # item 8 (brief item 5): 立案, its record and its alternatives (行政处罚法 art. 36; 53号令 arts. 10, 26, 27, 37)
    Row("limitation_two_years", ("rest_day_training",), (file(**ART21_GENERAL, violation_on="2023-12-01"),),
        "limitation_expired", f"{APL}第三十六条"),
    Row("limitation_five_years_where_the_law_says", ("rest_day_training",),
        (file(**ART21_GENERAL, violation_on="2023-12-01", limitation_extended=True),)),
    Row("violation_date_not_in_the_future", ("rest_day_training",), (file(**ART21_GENERAL, violation_on="2026-03-20"),),
        "violation_date_in_future"),
    Row("revocation_needs_an_unmet_condition", ("rest_day_training",),
        (file(**ART21_GENERAL), Step("revoke_filing", "education01", "2026-03-10 10:00", {"reason": "证据不足"})),
        "revocation_unfounded", f"{MO53}第二十七条"),
    Row("revocation_with_its_condition", ("rest_day_training",),
        (file(**ART21_GENERAL), Step("revoke_filing", "education01", "2026-03-10 10:00",
                                     {"unmet": ["prima_facie_evidence"], "reason": "照片不能证明为学科类培训"}))),
    Row("termination_needs_reasons", ("rest_day_training",),
        (file(**ART21_GENERAL), Step("terminate_investigation", "education01", "2026-03-10 10:00", {})),
        "termination_reason_required", f"{MO53}第三十七条"),
    Row("termination_with_reasons", ("rest_day_training",),
        (file(**ART21_GENERAL), Step("terminate_investigation", "education01", "2026-03-10 10:00",
                                     {"reason": "当事人已注销，无权利义务承受人"}))),
    Row("transfer_before_the_decision", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), Step("transfer", "education01", "2026-03-12 10:00",
                                               {"transferred_to": "某区教育局", "reason": "培训场所在某区"}))),
    Row("no_transfer_after_the_decision", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), decide(),
         Step("transfer", "education01", "2026-03-21 10:00", {"transferred_to": "某区教育局"})), "already_decided"),
    # item 3 (brief item 2): hearing timing, chair and absence (53号令 art. 30; 行政处罚法 art. 64)
    Row("hearing_request_after_five_working_days", ("rest_day_training",),
        (file(**ART21_SERIOUS), discuss(), notice(),
         close_window(hearing_requested=True, hearing_requested_on="2026-03-19")),
        "hearing_request_late", f"{MO53}第三十条第二款"),
    Row("hearing_needs_its_notice", ("rest_day_training",), (*HEARING_REQUESTED, hearing("2026-03-26 10:00")),
        "hearing_notice_missing", f"{APL}第六十四条"),
    Row("hearing_seven_working_days_after_its_notice", ("rest_day_training",),
        (*HEARING_REQUESTED, hearing_notice(hearing_on="2026-03-24"), hearing("2026-03-24 10:00")),
        "hearing_notice_too_late", f"{APL}第六十四条"),
    Row("hearing_chair_not_an_investigator", ("rest_day_training",),
        (*HEARING_REQUESTED, hearing_notice(), hearing(chair_id="@education03")),
        "hearing_chair_investigator", f"{APL}第六十四条"),
    Row("justified_absence_postpones_the_hearing", ("rest_day_training",),
        (*HEARING_REQUESTED, hearing_notice(), hearing(party_attended=False, absence_justified=True)),
        "hearing_postponed", f"{APL}第六十四条"),
    Row("unjustified_absence_is_a_waiver", ("rest_day_training",),
        (*HEARING_REQUESTED, hearing_notice(), hearing(party_attended=False), review("passed", "2026-04-01 10:00"),
         decide("2026-04-02 10:00"))),
    # item 9 (brief item 6): leniency and aggravation with the exact paragraph (行政处罚法 art. 33; 53号令 arts. 15, 16)
    Row("no_penalty_where_the_law_says_so", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), decide(minor=True, corrected_promptly=True, harm=False)),
        "no_penalty_required", f"{APL}第三十三条第一款"),
    Row("no_fault_cites_paragraph_two", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), decide(no_fault_proven=True)),
        "no_penalty_required", f"{APL}第三十三条第二款"),
    Row("no_penalty_needs_its_ground", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), decide(outcome="no_penalty")),
        "no_penalty_ground_required", f"{APL}第三十三条"),
    Row("first_offence_may_go_unpunished", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(),
         decide(outcome="no_penalty", harm_minor=True, corrected_promptly=True))),
    # item 11 (brief item 8): 一公开 within 7 working days, withdrawn within 3 (行政处罚法 art. 48)
    Row("publication_within_seven_working_days", ("disguised_subject_training",),
        (*SERVED_FINE, publish("2026-04-01")), "publication_late", f"{APL}第四十八条"),
    Row("publication_on_the_seventh_working_day", ("disguised_subject_training",),
        (*SERVED_FINE, publish("2026-03-31"))),
    Row("withdrawal_within_three_days", ("disguised_subject_training",),
        (*SERVED_FINE, publish("2026-03-23"), withdraw("2026-03-24", "2026-03-30")), "withdrawal_late",
        f"{APL}第四十八条第二款"),
    Row("withdrawal_in_time", ("disguised_subject_training",),
        (*SERVED_FINE, publish("2026-03-23"), withdraw("2026-03-24", "2026-03-27"))),
    # item 10: every contact field of the 决定书 filled (行政处罚法 arts. 59, 67)
    Row("decision_contact_missing", ("disguised_subject_training",),
        (file(**ART18_SERIOUS), notice(), close_window(), decide()), "decision_contact_missing",
        f"{APL}第五十九条", department=(("bank", ""), ("review_body", ""))),
    Row("decision_party_address_missing", ("rest_day_training",),
        (file(**ART21_GENERAL), notice(), close_window(), decide()), "decision_contact_missing",
        f"{APL}第五十九条", institution=(("address", ""), ("legal_representative", ""))),
    Row("no_bank_needed_without_a_payment", ("disguised_subject_training",),
        (file(**ART18_GENERAL), notice(), close_window(), decide()), department=(("bank", ""),)),
)


def run(api: Api, row: Row) -> Any:
    """Play the row's steps on a fresh inspected case; return the last response."""
    case_id = api.inspected_case(codes=row.codes)
    if row.department or row.institution:
        from cases.models import Case, Department, Institution

        with api.county.session() as s:
            case = s.get(Case, case_id)
            for model, key, changes in ((Department, case.lead_department_id, row.department),
                                        (Institution, case.institution_id, row.institution)):
                target = s.get(model, key)
                for name, value in changes:
                    setattr(target, name, value)
                s.add(target)
            s.commit()
    response = None
    for i, step in enumerate(row.steps):
        body = {k: api.officer_ids(v[1:])[0] if isinstance(v, str) and v.startswith("@") else v
                for k, v in step.body.items()}  # "@user": that officer's id
        response = api.act(case_id, step.action, step.user, body, when=step.when)
        last = i == len(row.steps) - 1
        if not last or row.code is None:
            assert response.status_code == 200, (step.action, response.text)
        if step.serve and response.status_code == 200:
            doc = response.json()["result"]
            served = api.act(case_id, "record_service", "education03", {
                "document_id": doc["id"], "method": "direct", "served_on": step.when[:10], "recipient": "法定代表人"},
                when=step.when[:10] + " 15:00")
            assert served.status_code == 200, served.text
    return case_id, response


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("row", GOLDEN, ids=[r.name for r in GOLDEN])
def test_golden(law_api: tuple[Api, RecordingRenderer], row: Row) -> None:
    api, _ = law_api
    _, response = run(api, row)
    if row.code is None:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == row.code, body
    assert row.article in body["message"], body["message"]


def test_contact_refusal_names_the_fields_and_changes_nothing(law_api: tuple[Api, RecordingRenderer]) -> None:
    """The refusal names each empty field, why the 决定书 prints it and where it is set; nothing is written."""
    api, renderer = law_api
    row = next(r for r in GOLDEN if r.name == "decision_contact_missing")
    case_id, response = run(api, replace(row, department=(("bank", ""), ("court", "")), institution=(
        ("legal_representative", ""),)))
    body = response.json()
    assert body["detail"]["missing"] == ["当事人的法定代表人（负责人）", "人民法院（行政诉讼）", "罚款缴纳银行"]
    assert "第六十七条第三款" in body["message"] and "“系统管理—部门”" in body["message"]
    assert "机构名录" in body["message"]
    case = api.get(f"/api/v1/cases/{case_id}", "education01").json()
    assert case["penalty"]["decided_on"] is None
    assert "penalty_decision" not in {d["doc_type"] for d in case["documents"]}
    assert not any(t == "penalty_decision" for t, _ in renderer.snapshots)


def test_notice_and_decision_print_the_structured_penalty(law_api: tuple[Api, RecordingRenderer]) -> None:
    api, renderer = law_api
    row = Row("serious", ("rest_day_training",), (
        file(penalty=[WARNING, STOP_ENROLMENT, confiscate(20000)], gravity="serious", income_collected_yuan=30000,
             income_refunded_yuan=10000),))
    case_id, _ = run(api, row)
    penalty = api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]
    assert penalty["hearing_offered"] is True  # 责令停止招收学员 (53号令 art. 30(三))
    assert penalty["illegal_income_yuan"] == 20000 and penalty["gravity"] == "serious"
    assert penalty["intended_penalty"] == "警告；没收违法所得人民币20000元；责令停止招收学员"
    assert [i["type"] for i in penalty["intended_items"]] == ["warning", "stop_enrolment", "confiscate_income"]
    assert penalty["norms"] == [f"{MO53}第二十一条"]
    assert penalty["major"] is True and penalty["review_required"] is True  # by rule: the hearing-threshold penalty
    # the 立案审批表 issued with the 立案 (53号令 art. 26), listed with the case's documents
    documents = api.get(f"/api/v1/cases/{case_id}", "education01").json()["documents"]
    assert "filing_approval" in [d["doc_type"] for d in documents]
    approval = renderer.last("filing_approval")
    assert [c.met for c in approval.conditions] == [True] * 5 and approval.approver
    assert approval.intended_penalty == "警告；没收违法所得人民币20000元；责令停止招收学员"
    assert api.act(case_id, "collective_discussion", "education01", discuss().body,
                   when="2026-03-10 10:00").status_code == 200
    ok = api.act(case_id, "issue_penalty_notice", "education03", when="2026-03-11 10:00")
    assert ok.status_code == 200, ok.text
    snap = renderer.last("penalty_notice")
    assert snap.intended_penalty == "警告；没收违法所得人民币20000元；责令停止招收学员" and snap.hearing_offered


def test_general_penalty_offers_no_hearing(law_api: tuple[Api, RecordingRenderer]) -> None:
    api, _ = law_api
    case_id, _ = run(api, Row("general", ("rest_day_training",), (file(**ART21_GENERAL),)))
    assert api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]["hearing_offered"] is False


def test_decision_prints_what_was_decided(law_api: tuple[Api, RecordingRenderer]) -> None:
    api, renderer = law_api
    row = Row("lighter", ("disguised_subject_training",), (
        file(penalty=[fine(30000)], gravity="serious"), notice(), close_window(),
        decide(penalty=[WARNING, fine(20000)])), "decision_heavier_than_notice")
    case_id, response = run(api, row)
    assert response.status_code == 422 and response.json()["code"] == "decision_heavier_than_notice"  # 警告 is new
    ok = api.act(case_id, "decide", "education01", {"outcome": "penalty", "penalty": [fine(20000)]})
    assert ok.status_code == 200, ok.text
    snap = renderer.last("penalty_decision")
    assert snap.penalty == "罚款人民币20000元" and snap.fine_yuan == 20000
    penalty = api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]
    assert penalty["decided_items"] == [{"type": "fine", "amount_yuan": 20000, "years": 0, "permanent": False}]
    assert penalty["notice_items"][0]["amount_yuan"] == 30000


def test_statement_recorded_shown_and_answered(law_api: tuple[Api, RecordingRenderer]) -> None:
    api, renderer = law_api
    statement = {"statement_summary": "已向学员退还部分费用", "statement_on": "2026-03-13", "statement_accepted": False,
                 "statement_answer": "退费已在违法所得认定中扣除"}
    row = Row("stated", ("rest_day_training",), (file(**ART21_GENERAL), notice(), close_window(**statement), decide()))
    case_id, _ = run(api, row)
    penalty = api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]
    assert (penalty["statement_text"], penalty["statement_on"], penalty["statement_accepted"]) == (
        "已向学员退还部分费用", "2026-03-13", False)
    assert penalty["statement_answer"] == "退费已在违法所得认定中扣除"
    answer = renderer.last("penalty_decision").statement_summary
    assert "2026年3月13日" in answer and "不予采纳" in answer and "退费已在违法所得认定中扣除" in answer


def test_extension_where_the_local_rule_allows(law_api: tuple[Api, RecordingRenderer],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """With [decision_limit] extension_allowed on, an approved extension moves the 90 days (行政处罚法 art. 60)."""
    from cases import penalty_law

    law = replace(penalty_law.load_penalty_law(), extension_allowed=True, extension_max_days=30)
    monkeypatch.setattr(penalty_law, "load_penalty_law", lambda *a, **k: law)
    api, _ = law_api
    case_id, _ = run(api, Row("extend", ("rest_day_training",), (file(**ART21_GENERAL), notice(), close_window())))
    too_long = api.act(case_id, "extend_time_limit", "education01", {"days": 31, "reason": "案情复杂"})
    assert too_long.status_code == 422 and too_long.json()["code"] == "decision_extension_too_long"
    assert api.act(case_id, "extend_time_limit", "education01", {"days": 30, "reason": "案情复杂"}).status_code == 200
    penalty = api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]
    assert penalty["extension_days"] == 30
    ok = api.act(case_id, "decide", "education01", {"outcome": "penalty"}, when="2026-06-10 10:00")
    assert ok.status_code == 200, ok.text


def test_surcharge_shown_on_the_case(law_api: tuple[Api, RecordingRenderer]) -> None:
    """加处罚款: 3 % of the fine a day after the 15 days, capped at the fine (行政处罚法 art. 72(一))."""
    api, _ = law_api
    case_id, _ = run(api, Row("late", ("disguised_subject_training",), SERVED_FINE))
    penalty = api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]
    assert penalty["payment_due_on"] == "2026-04-07"  # 15 days from 3-20, rolled past 清明
    assert api.act(case_id, "record_execution", "education03", {"paid_on": "2026-04-10"},
                   when="2026-04-10 10:00").status_code == 200
    penalty = api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]
    assert penalty["surcharge_yuan"] == "2700.00"  # 3 days × 3 % × 30,000


def test_received_by_transfer_is_not_transferred_on(law_api: tuple[Api, RecordingRenderer]) -> None:
    """A case received by 移送 asks for 指定管辖 instead (53号令 art. 10 ¶3)."""
    from cases.models import Case

    api, _ = law_api
    case_id = api.inspected_case()
    with api.county.session() as s:
        case = s.get(Case, case_id)
        case.received_by_transfer = True
        s.add(case)
        s.commit()
    refused = api.act(case_id, "transfer", "education01", {"transferred_to": "某区教育局"}, when="2026-03-09 10:00")
    assert refused.status_code == 422 and refused.json()["code"] == "onward_transfer_barred"
    assert "指定管辖" in refused.json()["message"] and f"{MO53}第十条第三款" in refused.json()["message"]


def test_service_needs_consent_or_reasons(law_api: tuple[Api, RecordingRenderer]) -> None:
    """Electronic service only with the party's recorded consent; 公告送达 with its reasons, deemed served 30 days
    after publication (行政处罚法 art. 61 ¶2; 53号令 art. 35 ¶2, ¶3)."""
    api, _ = law_api
    case_id, response = run(api, Row("served", ("rest_day_training",), (
        file(**ART21_GENERAL), Step("issue_penalty_notice", "education03", "2026-03-11 10:00"))))
    doc = response.json()["result"]["id"]
    base = {"document_id": doc, "served_on": "2026-03-11", "recipient": "法定代表人"}
    electronic = api.act(case_id, "record_service", "education03", base | {"method": "electronic"})
    assert electronic.status_code == 422 and electronic.json()["code"] == "electronic_service_without_consent"
    assert f"{APL}第六十一条第二款" in electronic.json()["message"]
    public = api.act(case_id, "record_service", "education03", base | {"method": "public_notice"})
    assert public.status_code == 422 and public.json()["code"] == "public_notice_reason_missing"
    assert f"{MO53}第三十五条第三款" in public.json()["message"]
    reason = {"method": "public_notice", "public_notice_reason": "当事人下落不明，多次联系未果"}
    ok = api.act(case_id, "record_service", "education03", base | reason)
    assert ok.status_code == 200, ok.text
    penalty = api.get(f"/api/v1/cases/{case_id}", "education01").json()["penalty"]
    assert penalty["notice_served_on"] == "2026-04-10"  # 30 days after publication


def test_electronic_service_with_consent(law_api: tuple[Api, RecordingRenderer]) -> None:
    api, _ = law_api
    case_id, response = run(api, Row("served", ("rest_day_training",), (
        file(**ART21_GENERAL), Step("issue_penalty_notice", "education03", "2026-03-11 10:00"))))
    ok = api.act(case_id, "record_service", "education03", {
        "document_id": response.json()["result"]["id"], "served_on": "2026-03-11", "recipient": "法定代表人",
        "method": "electronic", "consent_recorded": True})
    assert ok.status_code == 200, ok.text


def test_filing_under_a_rectification_notice(law_api: tuple[Api, RecordingRenderer]) -> None:
    """立案 under a 整改通知书: served, deadline passed, 复查 found it not rectified (53号令 art. 32)."""
    api, _ = law_api
    case_id = api.inspected_case()
    notice = api.act(case_id, "issue_rectification", "education03", {"deadline": "2026-03-20"},
                     when="2026-03-09 10:00")
    assert notice.status_code == 200, notice.text
    team = api.officer_ids("education03", "education04")
    assert api.act(case_id, "record_reinspection", "education03", {
        "officer_ids": team, "findings": "仍在周末开展学科类培训", "rectified": False},
        when="2026-03-23 10:00").status_code == 200
    unserved = api.act(case_id, "open_penalty", "education01", ART21_GENERAL, when="2026-03-24 10:00")
    assert unserved.status_code == 422 and unserved.json()["code"] == "rectification_not_served", unserved.text
    assert f"{MO53}第三十二条" in unserved.json()["message"]


def test_public_decisions_page(law_api: tuple[Api, RecordingRenderer]) -> None:
    """一公开 on a page without login; a person's name is reduced to the surname; a withdrawn decision is gone."""
    from cases.models import Institution, Penalty

    api, _ = law_api
    case_id, _ = run(api, Row("pub", ("disguised_subject_training",), (*SERVED_FINE, publish("2026-03-23"))))
    client = api.client
    listing = client.get("/public/decisions", follow_redirects=False)  # no token, no session: public
    assert listing.status_code == 200, listing.text
    institution_id = api.county.institution(0).id
    with api.county.session() as s:
        penalty = s.exec(select(Penalty).where(Penalty.case_id == case_id)).one()
        name = s.get(Institution, institution_id).name
        penalty.party_is_person = True
        s.add(penalty)
        s.commit()
        pid = penalty.id
    assert "罚款人民币30000元" in listing.text and f"/public/decisions/{pid}" in listing.text
    shown = client.get(f"/public/decisions/{pid}", follow_redirects=False)
    assert shown.status_code == 200 and name[:1] + "某" in shown.text and name not in shown.text
    assert api.act(case_id, "withdraw_publication", "education01",
                   {"revoked_on": "2026-03-24", "reason": "行政复议决定撤销原处罚决定"},
                   when="2026-03-25 10:00").status_code == 200
    assert client.get(f"/public/decisions/{pid}").status_code == 404
    assert f"/public/decisions/{pid}" not in client.get("/public/decisions").text
