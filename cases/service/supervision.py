"""督办单 issued by hand: a supervisor sends one to a lower unit about a case, with its own deadline;
the unit answers with its feedback. Both are recorded on the case (a 督办 event) and messaged to the
unit that must act (`cases.messages`). The caller commits.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from cases import authority, messages, repository
from cases.audit import append_event
from cases.enums import CaseEventType, CaseStatus, Role
from cases.errors import NotAuthorised, NotFound, ValidationFailed
from cases.models import Department, SupervisionOrder, key
from cases.service._common import Ctx, scoped_case

MAX_DAYS = 60  # a hand-issued 督办单's own deadline lies within two months


def issue_order(session: Session, ctx: Ctx, *, case_id: int, to_department_id: int, requirement: str,
                due_date: date) -> SupervisionOrder:
    if Role.SUPERVISOR not in ctx.actor.roles:
        raise NotAuthorised("督办单须由科长或分管领导签发", code="supervisor_only")
    case = scoped_case(session, ctx, case_id)
    if case.status is CaseStatus.CLOSED:
        raise ValidationFailed("案件已结案，不能督办", code="case_closed")
    target = session.get(Department, to_department_id)
    parents = repository.region_parents(session)
    if target is None or not authority.within(target.region_code, ctx.actor.region_code, parents):
        raise NotFound("督办单位不存在或不在您的辖区内", code="department_unknown")
    if target.id == ctx.actor.department_id:
        raise ValidationFailed("督办单须发给下级单位，不能发给本单位", code="own_unit")
    if target.id not in (case.lead_department_id, *case.cooperating_department_ids):
        raise ValidationFailed("所选单位不是本案的主办或协办单位", code="not_case_unit")
    text = requirement.strip()
    if not text:
        raise ValidationFailed("请填写督办要求", code="requirement_required", field="requirement")
    if len(text) > 2000:
        raise ValidationFailed("督办要求不超过2000字", code="requirement_too_long", field="requirement")
    today = ctx.today()
    if not today < due_date <= date.fromordinal(today.toordinal() + MAX_DAYS):
        raise ValidationFailed(f"督办期限须在今天之后、{MAX_DAYS}日之内", code="due_date_invalid", field="due_date")
    issuer = session.get(Department, ctx.actor.department_id) if ctx.actor.department_id else None
    if issuer is None:
        raise NotAuthorised("督办单须由本单位的科长或分管领导签发", code="supervisor_only")
    code = issuer.doc_code
    seq = repository.next_in_sequence(session, f"supervision:{code}:{today.year}")
    order = SupervisionOrder(number=f"{code}督〔{today.year}〕{seq}号", case_id=key(case),
                             from_department_id=key(issuer), to_department_id=key(target),
                             issued_by_id=ctx.actor.officer_id, issued_at=ctx.now(), requirement=text,
                             due_date=due_date)
    session.add(order)
    session.flush()
    append_event(session, case, CaseEventType.ESCALATE, actor_id=ctx.actor.officer_id, at=ctx.now(),
                 payload={"kind": "督办单", "number": order.number, "to_department": target.name,
                          "due_date": due_date.isoformat()})
    messages.queue(session, department_id=key(target), case_id=case.id, topic=messages.Topic.SUPERVISION, now=ctx.now(),
                   text=messages.supervision_text(order.number, case.case_number, issuer.name, due_date))
    return order


def answer_order(session: Session, ctx: Ctx, *, order_id: int, feedback: str) -> SupervisionOrder:
    order = session.get(SupervisionOrder, order_id)
    if order is None or ctx.actor.department_id != order.to_department_id:
        raise NotFound("督办单不存在或不是发给本单位的", code="order_unknown")
    if not {Role.SUPERVISOR, Role.OFFICER} & ctx.actor.roles:
        raise NotAuthorised("您的角色无权反馈督办单", code="feedback_role")
    if order.feedback_at is not None:
        raise ValidationFailed("该督办单已反馈", code="already_answered")
    text = feedback.strip()
    if not text or len(text) > 2000:
        raise ValidationFailed("请填写办理情况（不超过2000字）", code="feedback_required", field="feedback")
    case = scoped_case(session, ctx, order.case_id)
    order.feedback, order.feedback_at, order.feedback_by_id = text, ctx.now(), ctx.actor.officer_id
    session.add(order)
    unit = session.get(Department, order.to_department_id)
    append_event(session, case, CaseEventType.ESCALATE, actor_id=ctx.actor.officer_id, at=ctx.now(),
                 payload={"kind": "督办反馈", "number": order.number, "from_department": unit.name if unit else ""})
    messages.queue(session, department_id=order.from_department_id, case_id=case.id, topic=messages.Topic.FEEDBACK,
                   now=ctx.now(), text=messages.feedback_text(order.number, case.case_number,
                                                              unit.name if unit else ""))
    return order
