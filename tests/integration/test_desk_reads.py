"""The desk's reads and writes on each backend (issue 12): the board counts each case once and agrees
with the case list and the statistics; officers' loads; the 法制审核 queue; 督办单 rules; message
delivery with retries and its log (through an in-memory sender, no network)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from cases import desk, messages, queries, repository
from cases.actions import Action
from cases.errors import NotFound, ValidationFailed
from cases.models import Department, MessageChannel, MessageDelivery
from cases.service.supervision import answer_order, issue_order
from cases.settings import get_calendar
from tests.integration.conftest import TZ, County, at
from tests.integration.test_case_service import _receive, _run

TODAY = "2026-03-16 09:00"


def _three_cases(county: County) -> list[int]:
    """An overdue assignment (2 March), one due soon (12 March) and one assigned (its inspection clock runs)."""
    late = _receive(county, "2026-03-02 09:30", index=0)
    soon = _receive(county, "2026-03-12 10:00", index=1)
    assigned = _receive(county, "2026-03-09 10:00", index=2)
    _run(county, Action.ASSIGN, "education01", "2026-03-10 10:00", assigned.id,
         officer_ids=county.team("education03", "education04"))
    return [late.id, soon.id, assigned.id]


def test_the_board_counts_each_case_once_like_the_case_list_and_the_statistics(county: County) -> None:
    ids = _three_cases(county)
    today, calendar = at(TODAY).date(), get_calendar()
    team = county.team("education03", "education04", "education05")
    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
        board = desk.board_cases(s, regions, today, calendar, soon_working_days=3)
        numbers = [r.case_number for r in board.rows]
        assert len(numbers) == len(set(numbers)) == board.total
        assert board.total == board.overdue + board.due_today + board.due_soon
        assert ids[0] in {r.case_id for r in board.rows}
        overdue_rows, overdue_total = queries.work_list(s, regions, today, overdue_only=True, limit=100)
        assert overdue_total == board.overdue >= 1
        until = queries.soon_limit(today, calendar, 3)
        _, soon_total = queries.work_list(s, regions, today, next_due_from=today + timedelta(days=1),
                                          next_due_before=until, limit=100)
        _, today_total = queries.work_list(s, regions, today, next_due_from=today,
                                           next_due_before=today + timedelta(days=1), limit=100)
        assert (soon_total, today_total) == (board.due_soon, board.due_today)
        figures = queries.statistics(s, regions, start=today.replace(day=1), end=today, today=today, zone=TZ)
        assert sum(f.overdue_cases for f in figures) == board.overdue
        for row in board.rows:  # the most urgent step first, every running step listed
            dates = [st.deadline.due_date for st in row.steps]
            assert dates == sorted(dates) and dates[0] == row.next_due
        loads = desk.officer_loads(s, team)
    assert loads[team[0]] >= 1 and loads[team[2]] == 0


def test_the_todo_badge_counts_what_the_inbox_lists(county: County) -> None:
    _three_cases(county)
    today, calendar = at(TODAY).date(), get_calendar()
    officers = [county.officer(u) for u in ("education01", "education03", "education05", "education02")]
    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
        for officer in officers:
            username = officer.username
            roles = frozenset(officer.roles)
            box = desk.inbox(s, regions, today, calendar, officer_id=officer.id,
                             department_id=officer.department_id, roles=roles)
            badge = desk.todo_count(s, regions, today, calendar, officer_id=officer.id,
                                    department_id=officer.department_id, roles=roles)
            assert badge == box.total, username
            if username == "education01":  # the supervisor owes two assignments, one overdue, one due soon
                assert badge >= 2


class FlakySender:
    """Refuses the first `failures` sends, then accepts; keeps what it accepted."""

    def __init__(self, failures: int) -> None:
        self.failures, self.sent = failures, []

    def send(self, channel: messages.Channel, text: str, *, now: datetime) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise messages.DeliveryFailed("HTTP 503")
        self.sent.append((channel.url, text))


def test_messages_are_retried_logged_and_never_carry_personal_data(county: County) -> None:
    with county.session() as s:
        dept = s.exec(select(Department).where(Department.name == "息烽县教育局")).one()
        s.add_all([MessageChannel(department_id=dept.id, kind="wecom", url="http://127.0.0.1:1/a"),
                   MessageChannel(department_id=dept.id, kind="dingtalk", url="http://127.0.0.1:1/b")])
        s.commit()
        dept_id = dept.id
    case = _receive(county, "2026-03-12 10:00", index=3)
    _run(county, Action.ASSIGN, "education01", "2026-03-13 10:00", case.id,
         officer_ids=county.team("education03", "education04"))
    wecom, dingtalk = FlakySender(2), FlakySender(5)
    pauses: list[float] = []
    with county.session() as s:
        queued = s.exec(select(MessageDelivery).where(MessageDelivery.case_id == case.id)).all()
        assert {q.topic for q in queued} == {"assigned"} and len(queued) == 2
        assert all(case.case_number in q.text and "期限" in q.text for q in queued)
        run = messages.deliver_pending(s, {"wecom": wecom, "dingtalk": dingtalk},
                                       now=lambda: at("2026-03-13 10:01"), sleep=pauses.append,
                                       department_ids=[dept_id])
        log = {c.kind: d for d, c in messages.delivery_log(s, [dept_id])}
    assert (run.sent, run.failed, run.retried) == (1, 1, 4)
    assert log["wecom"].state == "sent" and log["wecom"].attempts == 3
    assert log["dingtalk"].state == "failed" and log["dingtalk"].attempts == 3 and "503" in log["dingtalk"].last_error
    assert pauses == [0.5, 2.0, 0.5, 2.0]
    assert wecom.sent and "张三" not in wecom.sent[0][1]
    with pytest.raises(ValidationFailed) as refused:
        messages.compose("举报人电话13812345678")
    assert refused.value.code == "message_personal_data"


def test_a_supervision_order_goes_to_a_lower_unit_with_its_own_deadline(county: County) -> None:
    case = _receive(county, "2026-03-10 10:00", index=4)
    with county.session() as s:
        city = s.exec(select(Department).where(Department.name == "贵阳市教育局")).one()
        county_edu = s.exec(select(Department).where(Department.name == "息烽县教育局")).one()
        police = s.exec(select(Department).where(Department.kind == "police")).one()
    ctx = county.ctx(county.actor("筑教01", at(TODAY)), at(TODAY))
    officer_elsewhere = county.ctx(county.actor("market01", at(TODAY)), at(TODAY))
    unit = county.ctx(county.actor("education01", at(TODAY)), at(TODAY))
    cases_to_try = [(city.id, date(2026, 3, 25), "own_unit"), (county_edu.id, date(2026, 3, 16), "due_date_invalid"),
                    (police.id, date(2026, 3, 25), "not_case_unit")]
    for target, due, code in cases_to_try:
        with county.session() as s, pytest.raises(ValidationFailed) as refused:
            issue_order(s, ctx, case_id=case.id, to_department_id=target, requirement="请核查", due_date=due)
        assert refused.value.code == code
    with county.session() as s:
        order = issue_order(s, ctx, case_id=case.id, to_department_id=county_edu.id, requirement="请于期限内办结",
                            due_date=date(2026, 3, 25))
        s.commit()
        order_id, number = order.id, order.number
    assert number == "筑教督〔2026〕1号"
    with county.session() as s:
        received = desk.supervision_orders(s, [county_edu.id], received=True, open_only=True)
        assert [o.order.id for o in received] == [order_id]
    with county.session() as s, pytest.raises(NotFound):
        answer_order(s, officer_elsewhere, order_id=order_id, feedback="已办结")
    with county.session() as s:
        answer_order(s, unit, order_id=order_id, feedback="已完成核查，机构已停止违规培训。")
        s.commit()
    with county.session() as s, pytest.raises(ValidationFailed) as twice:
        answer_order(s, unit, order_id=order_id, feedback="再次反馈")
    assert twice.value.code == "already_answered"
    with county.session() as s:
        assert desk.supervision_orders(s, [county_edu.id], received=True, open_only=True) == []


def test_a_case_that_needs_legal_review_is_queued_and_messaged(county: County) -> None:
    from cases.enums import ServiceMethod
    from tests.integration.test_case_service import _penalty_case

    with county.session() as s:
        dept = s.exec(select(Department).where(Department.name == "息烽县教育局")).one()
        s.add(MessageChannel(department_id=dept.id, kind="wecom", url="http://127.0.0.1:1/review"))
        s.commit()
    case = _penalty_case(county)
    _run(county, Action.COLLECTIVE_DISCUSSION, "education01", "2026-03-10 10:00", case.id, summary="同意",
         participants=["局长", "副局长"])
    notice = _run(county, Action.ISSUE_PENALTY_NOTICE, "education03", "2026-03-11 10:00", case.id)
    _run(county, Action.RECORD_SERVICE, "education03", "2026-03-11 15:00", case.id, document_id=notice.id,
         method=ServiceMethod.DIRECT, served_on=date(2026, 3, 11), recipient="法定代表人")
    _run(county, Action.CLOSE_STATEMENT_WINDOW, "education03", "2026-03-19 10:00", case.id, hearing_requested=False)
    reviewer = county.officer("education02").id
    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
        queue = desk.review_queue(s, regions, reviewer)
        review = s.exec(select(MessageDelivery).where(MessageDelivery.case_id == case.id,
                                                      MessageDelivery.topic == "review")).one()
    assert [(i.case.id, i.kind, i.investigator) for i in queue] == [(case.id, "first", False)]
    assert case.case_number in review.text and "待法制审核" in review.text and review.state == "pending"
