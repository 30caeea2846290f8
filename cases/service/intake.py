"""Intake: a complaint (线索) becomes a case, or is merged into the open case of its institution."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from cases import authority, repository
from cases.actions import Action, DismissIn
from cases.audit import append_event
from cases.enums import CaseEventType, Channel, CloseReason
from cases.errors import Busy, NotFound, ValidationFailed
from cases.lifecycle import Facts
from cases.models import Case, Complaint, Institution, Region
from cases.service._common import Ctx, fire, start_clock
from cases.service.perform import handles
from cases.uscc import normalise_name, validate_uscc

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
# A work order handed over late (over a weekend) may keep its receipt time this far back when staff
# enter it; an older time is a back-dated entry and is refused. Batch imports of a hotline export
# (no individual officer) keep the export's times.
STAFF_BACKDATE_LIMIT = timedelta(days=3)
PUBLIC_CHANNELS = frozenset({Channel.WEB, Channel.SNAPSHOT_APP, Channel.SOCIAL_SUPERVISOR})


@dataclass(frozen=True)
class ComplaintIn:
    channel: Channel
    content: str
    region_code: str
    violation_codes: tuple[str, ...] = ()
    institution_id: int | None = None
    reported_name: str = ""
    reported_uscc: str = ""
    reported_phone: str = ""
    reported_address: str = ""
    refund_related: bool = False
    anonymous: bool = False
    complainant_name: str = ""
    complainant_phone: str = ""
    received_at: datetime | None = None
    merge_window_days: int = 30
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IntakeResult:
    complaint: Complaint
    case: Case
    merged: bool
    replayed: bool = False  # an idempotent retry: nothing was created


def _validate(session: Session, ctx: Ctx, data: ComplaintIn) -> None:
    if len(data.content.strip()) < 5:
        raise ValidationFailed("举报内容过短，请具体描述违规情况（至少5个字）", code="content_too_short")
    if len(data.content) > 5000:
        raise ValidationFailed("举报内容过长（最多5000字）", code="content_too_long")
    if session.get(Region, data.region_code) is None:
        raise ValidationFailed("所在地区代码无效", code="unknown_region", region=data.region_code)
    if not _within(session, ctx, data.region_code):
        raise ValidationFailed("所在地区不在您的辖区内，请转交有管辖权的机关", code="region_out_of_scope",
                               region=data.region_code)
    public = not ctx.actor.roles  # the public files complaints with no role
    if public and data.channel not in PUBLIC_CHANNELS:
        raise ValidationFailed("该来源渠道仅限工作人员登记", code="channel_not_public", channel=str(data.channel))
    if public and data.received_at is not None:
        raise ValidationFailed("受理时间由系统记录", code="received_at_not_public")
    if data.received_at is not None:
        if data.received_at > ctx.now():
            raise ValidationFailed("受理时间不能晚于现在", code="received_in_future")
        if ctx.actor.officer_id is not None and data.received_at < ctx.now() - STAFF_BACKDATE_LIMIT:
            raise ValidationFailed(f"受理时间不能早于{STAFF_BACKDATE_LIMIT.days}天前（不得补填倒签）",
                                   code="received_backdated")
    for code in data.violation_codes:
        ctx.cat.get(code)
    if not data.anonymous and data.complainant_phone and not data.complainant_phone.replace("-", "").isdigit():
        raise ValidationFailed("联系电话格式不正确", code="bad_phone")


def _within(session: Session, ctx: Ctx, region_code: str) -> bool:
    return authority.within(region_code, ctx.actor.region_code, repository.region_parents(session))


def _match(session: Session, ctx: Ctx, data: ComplaintIn) -> Institution | None:
    if data.institution_id is not None:
        inst = session.get(Institution, data.institution_id)
        if inst is None or not _within(session, ctx, inst.region_code):
            raise NotFound("被举报机构不存在或不在您的辖区内", institution_id=data.institution_id)
        return inst
    uscc = validate_uscc(data.reported_uscc) if data.reported_uscc.strip() else None
    return repository.find_institution(
        session, uscc=uscc, name_key=normalise_name(data.reported_name) if data.reported_name else None,
        phone=data.reported_phone or None, address=data.reported_address or None)


def receive_complaint(session: Session, ctx: Ctx, data: ComplaintIn, *,
                      idempotency_key: str | None = None) -> IntakeResult:
    """Register a complaint; merge it into an open case of the same institution or open a new case.

    A retry with the same idempotency key returns the first result and creates nothing, also when
    the two race (the unique key decides); a merge that races another write of the same case is
    retried once.
    """
    for attempt in (1, 2):
        if idempotency_key:
            earlier = repository.complaint_by_key(session, idempotency_key)
            if earlier is not None:
                return IntakeResult(earlier, repository.get_case(session, earlier.case_id), False, replayed=True)
        _validate(session, ctx, data)
        try:
            return _receive(session, ctx, data, idempotency_key)
        except IntegrityError:
            session.rollback()
            if not (idempotency_key and repository.complaint_by_key(session, idempotency_key)):
                raise Busy("登记冲突，请重试") from None
        except StaleDataError:  # the open case changed under us: look again
            session.rollback()
            if attempt == 2:
                raise
    return receive_complaint(session, ctx, data, idempotency_key=idempotency_key)  # the key now replays


def _receive(session: Session, ctx: Ctx, data: ComplaintIn, idempotency_key: str | None) -> IntakeResult:
    institution = _match(session, ctx, data)
    if institution is not None and ctx.actor.officer_id is not None and not _within(session, ctx,
                                                                                      institution.region_code):
        # staff register inside their jurisdiction only: the register's match lies outside it
        raise ValidationFailed(f"被举报机构“{institution.name}”不在您的辖区内，请转交有管辖权的机关",
                               code="institution_out_of_scope", institution_id=institution.id)
    received = data.received_at or ctx.now()
    region = institution.region_code if institution else data.region_code
    complaint = Complaint(
        tracking_code="".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10)),
        idempotency_key=idempotency_key, channel=data.channel, received_at=received, content=data.content.strip(),
        institution_id=institution.id if institution else None, reported_name=data.reported_name,
        reported_address=data.reported_address, region_code=region, violation_codes=list(data.violation_codes),
        refund_related=data.refund_related, anonymous=data.anonymous,
        complainant_name="" if data.anonymous else data.complainant_name,
        complainant_phone="" if data.anonymous else data.complainant_phone)
    open_case = institution and repository.open_case_for_institution(
        session, institution.id, received - timedelta(days=data.merge_window_days))
    if open_case:
        case, merged = open_case, True
        case.violation_codes = sorted(set(case.violation_codes) | set(data.violation_codes))
        case.updated_at = ctx.now()
        session.add(case)
    else:
        case, merged = new_case(session, ctx, region, institution, data, received), False
    session.flush()
    complaint.case_id = case.id
    session.add(complaint)
    session.flush()
    event = CaseEventType.MERGE_COMPLAINT if merged else CaseEventType.RECEIVE
    append_event(session, case, event, actor_id=ctx.actor.officer_id, at=ctx.now(),
                 payload={"complaint_id": complaint.id, "channel": str(data.channel)})
    session.commit()
    return IntakeResult(complaint, case, merged)


def new_case(session: Session, ctx: Ctx, region: str, institution: Institution | None, data: ComplaintIn,
              received: datetime) -> Case:
    kinds: list[str] = []
    for code in data.violation_codes:
        kinds += [k for k in ctx.cat.get(code).competent if k not in kinds]
    dept = repository.department_for(session, region, kinds + ["education"])
    if dept is None:
        raise ValidationFailed("该地区没有有管辖权的执法部门", code="no_competent_department", region=region)
    cooperating = [d.id for k in kinds[1:] if (d := repository.department_for(session, region, [k]))
                   and d.id != dept.id]
    year = received.astimezone(ctx.now().tzinfo).year
    seq = repository.next_in_sequence(session, f"case:{dept.region_code}:{year}")
    case = Case(case_number=f"{year}-{dept.region_code}-{seq:04d}", region_code=region,
                lead_department_id=dept.id, cooperating_department_ids=sorted(set(cooperating)),
                institution_id=institution.id if institution else None,
                violation_codes=sorted(set(data.violation_codes)), received_at=received, updated_at=ctx.now(),
                received_by_transfer=data.channel is Channel.REFERRAL)  # 部门移送: not transferred on (53号令 art. 10)
    session.add(case)
    session.flush()
    start = received.astimezone(ctx.now().tzinfo).date()
    start_clock(session, ctx, case, "assignment", start)
    start_clock(session, ctx, case, "inspection", start)
    return case


@handles(Action.DISMISS)
def dismiss_case(session: Session, ctx: Ctx, case: Case, body: DismissIn) -> Case:
    """不予立案/终止: a duplicate (merged into another case), a transfer, or too little information."""
    reason = CloseReason(body.reason)
    facts = Facts(ctx.today(), close_reason=reason, merged_into_case_id=body.merged_into_case_id,
                  transferred_to=body.transferred_to, received_by_transfer=case.received_by_transfer)
    fire(session, ctx, case, "dismiss", facts, {"reason": str(reason), "merged_into": body.merged_into_case_id,
                                                 "transferred_to": body.transferred_to, "note": body.note})
    case.close_reason = str(reason)
    case.merged_into_id, case.transferred_to = body.merged_into_case_id, body.transferred_to
    return case
