"""我的案件 (the work list) and 案件详情 (the case page with its action forms and the logged reveal).

The action forms post to `/cases/{id}/actions/{action}`, which calls the same checked entry point
(`cases.service.perform`) with the same input model (`cases.actions`) as
`POST /api/v1/cases/{id}/actions/{action}`; photos are stored and attached to the case as the API's
evidence upload does. A refusal re-renders the page with the reason at the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session, select
from starlette.datastructures import FormData, UploadFile

from api import views
from api.deps import (
    CalendarDep,
    ClockDep,
    EvidenceStoreDep,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
    scoped_case,
)
from api.errors import status_of
from api.provenance import client_provenance
from api.routes.cases import attach_evidence, store_evidence, store_signed_receipt
from api.web import forms
from api.web.deps import FormDep, UserDep, WebUser, make_ctx, require
from api.web.routing import WebRoute
from api.web.templating import CASE_ROLES, page
from cases import allowed, authority, queries, repository
from cases.actions import ACTIONS, REVIEW_POINTS, Action, ActionSpec, OpinionIn
from cases.authority import ActorFacts
from cases.catalogue import load_catalogue
from cases.enums import (
    CaseEventType,
    CaseStatus,
    CloseReason,
    DecisionOutcome,
    DocumentType,
    Gravity,
    InstitutionCategory,
    LicenceStatus,
    ListStatus,
    PauseReason,
    PenaltyType,
    ReviewOutcome,
    Role,
    ServiceMethod,
)
from cases.errors import DomainError, InputInvalid, NotFound, StaleVersion, ValidationFailed
from cases.fields import MAX_INT
from cases.models import Case, Complaint, Document, Institution, Penalty
from cases.models import key as row_id
from cases.patrols.sheets import KIND_LABELS
from cases.penalty_law import load_penalty_law
from cases.service import perform
from cases.service.disclosure import log_reveal
from cases.settings import get_settings

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 30
CaseIdPath = Annotated[int, Path(ge=1, le=MAX_INT)]
STAGES = (CaseStatus.RECEIVED, CaseStatus.ASSIGNED, CaseStatus.INSPECTED, CaseStatus.RECTIFICATION_NOTICE,
          CaseStatus.PENALTY, CaseStatus.CLOSED)
STAGE_LABELS = {CaseStatus.RECEIVED: "受理", CaseStatus.ASSIGNED: "分派", CaseStatus.INSPECTED: "检查",
                CaseStatus.RECTIFICATION_NOTICE: "整改", CaseStatus.PENALTY: "处罚", CaseStatus.CLOSED: "结案"}
PHOTO_MARK = "【现场照片SHA-256】"


# --- 我的案件 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    """The work list's filters, parsed once for /cases and its Excel export (/export/cases.xlsx)."""

    scope: str | None
    q: str | None
    state: str | None
    overdue: str | None
    closed: str | None
    due: str | None
    soon: int
    department: int | None
    escalated: str | None

    @property
    def state_value(self) -> CaseStatus | None:
        return CaseStatus(self.state) if self.state in CaseStatus._value2member_map_ else None

    def chosen_scope(self, user: WebUser) -> str:
        """Officers see their own cases first; supervisors their whole jurisdiction."""
        return self.scope or ("mine" if user.has(Role.OFFICER) and not user.has(Role.SUPERVISOR) else "all")

    def params(self, user: WebUser) -> dict[str, str]:
        """The query string that reproduces this list (paging links, the Excel export)."""
        values = {"scope": self.chosen_scope(user), "q": self.q or "", "state": self.state or "",
                  "overdue": self.overdue or "", "closed": self.closed or "", "due": self.due or "",
                  "soon": str(self.soon) if self.due else "", "department": str(self.department or ""),
                  "escalated": self.escalated or ""}
        return {k: v for k, v in values.items() if v}

    def work_list(self, session: Session, user: WebUser, today: date, calendar: Any, *,
                  limit: int, offset: int = 0) -> tuple[list[Any], int]:
        regions = repository.subtree_codes(session, user.actor.region_code)
        lo, hi = board_range(today, calendar, self.due, self.soon)
        mine = self.chosen_scope(user) == "mine"
        return queries.work_list(session, regions, today, member_id=user.actor.officer_id if mine else None,
                                 q=self.q, state=self.state_value, overdue_only=bool(self.overdue),
                                 include_closed=bool(self.closed), limit=limit, offset=offset,
                                 department_id=self.department, next_due_from=lo, next_due_before=hi,
                                 escalated=bool(self.escalated))


def case_filters(scope: Annotated[str | None, Query(pattern="^(mine|all)$")] = None,
                 q: Annotated[str | None, Query(max_length=64)] = None,
                 state: Annotated[str | None, Query(max_length=32)] = None,
                 overdue: Annotated[str | None, Query(max_length=4)] = None,
                 closed: Annotated[str | None, Query(max_length=4)] = None,
                 due: Annotated[str | None, Query(pattern="^(today|soon)$")] = None,
                 soon: Annotated[int, Query(ge=0, le=20)] = 3,
                 department: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
                 escalated: Annotated[str | None, Query(max_length=4)] = None) -> CaseFilters:
    return CaseFilters(scope=scope, q=(q or "").strip()[:64] or None, state=state, overdue=overdue, closed=closed,
                       due=due, soon=soon, department=department, escalated=escalated)


CaseFiltersDep = Annotated[CaseFilters, Depends(case_filters)]


@router.get("/cases", summary="我的案件")
def case_list(request: Request, user: UserDep, session: SessionDep, clock: ClockDep, calendar: CalendarDep,
              filters: CaseFiltersDep,
              page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> Response:
    require(user, *CASE_ROLES)
    today = clock.now().date()
    scope = filters.chosen_scope(user)
    rows, total = filters.work_list(session, user, today, calendar, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    items = [{"row": r, "next": views.deadline_out(r.next_deadline, today, calendar) if r.next_deadline else None}
             for r in rows]
    mine_total = None
    if scope == "all" and user.has(Role.OFFICER):
        regions = repository.subtree_codes(session, user.actor.region_code)
        _, mine_total = queries.work_list(session, regions, today, member_id=user.actor.officer_id, limit=1)
    params = filters.params(user)
    pages = max(1, -(-total // PAGE_SIZE))
    return page(request, "cases.html", {
        "items": items, "total": total, "scope": scope, "q": filters.q or "", "state": filters.state_value,
        "overdue": bool(filters.overdue), "closed": bool(filters.closed), "states": list(CaseStatus),
        "page_no": page_no, "pages": pages,
        "prev_url": f"/cases?{urlencode({**params, 'page': page_no - 1})}" if page_no > 1 else None,
        "next_url": f"/cases?{urlencode({**params, 'page': page_no + 1})}" if page_no < pages else None,
        "mine_url": f"/cases?{urlencode({**params, 'scope': 'mine'})}",
        "all_url": f"/cases?{urlencode({**params, 'scope': 'all'})}", "mine_total": mine_total, "today": today,
        "overdue_count": sum(1 for r in rows if r.overdue), "due": filters.due, "escalated": bool(filters.escalated),
        "department": filters.department, "xlsx_url": f"/export/cases.xlsx?{urlencode(params)}"}, user=user)


def board_range(today: date, calendar: Any, due: str | None, soon: int) -> tuple[date | None, date | None]:
    """The next-due range of the board's "due today" / "due soon" tiles (cases.desk.board_cases)."""
    if due == "today":
        return today, today + timedelta(days=1)
    if due == "soon":
        return today + timedelta(days=1), queries.soon_limit(today, calendar, soon)
    return None, None


# --- 案件详情 ----------------------------------------------------------------------------------


@dataclass
class FormState:
    """What the page shows at one action's form after a refused submission."""

    action: str = ""
    error: str = ""
    stale: bool = False
    values: dict[str, list[str]] = field(default_factory=dict)
    field_errors: dict[str, str] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)

    def value(self, name: str, default: Any = "") -> Any:
        got = self.values.get(name)
        return got[0] if got else default

    def values_of(self, name: str, default: list | None = None) -> list[str]:
        return self.values.get(name, default if default is not None else [])

    def has(self, name: str) -> bool:
        return name in self.values


def _form_values(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key not in ("csrf_token", "version"):
            out.setdefault(key, []).append(value)
    return out


def _event_detail(event: Any, names: dict[int, str], catalogue: Any) -> str:
    p = event.payload or {}
    bits: list[str] = []
    if p.get("officer_ids"):
        bits.append("人员：" + "、".join(names.get(i, f"#{i}") for i in p["officer_ids"]))
    if p.get("violation_codes"):
        bits.append("认定：" + "、".join(catalogue.violations[c].name if c in catalogue.violations else c
                                         for c in p["violation_codes"]))
    if "rectified" in p:
        bits.append("整改到位" if p["rectified"] else "未整改到位")
    if p.get("document"):
        bits.append(f"文书：{p['document']}")
    if p.get("method") in ServiceMethod._value2member_map_:
        bits.append(ServiceMethod(p["method"]).label)
    if p.get("served_on"):
        bits.append(f"送达日期 {p['served_on']}")
    if p.get("deadline"):
        bits.append(f"整改期限至 {p['deadline']}")
    if p.get("reason") in CloseReason._value2member_map_:
        bits.append(CloseReason(p["reason"]).label)
    elif p.get("reason"):
        bits.append(f"{'事由' if p.get('whistle_id') else '理由'}：{p['reason']}")
    if p.get("transferred_to"):
        bits.append(f"移送：{p['transferred_to']}")
    if p.get("intended_penalty"):
        bits.append(f"拟处罚：{p['intended_penalty']}")
    if p.get("outcome") in DecisionOutcome._value2member_map_:
        bits.append(DecisionOutcome(p["outcome"]).label)
    if p.get("findings"):
        bits.append(str(p["findings"]))
    if p.get("whistle_id"):
        kinds = [KIND_LABELS.get(k, k) for k in p.get("departments") or [p.get("department", "")] if k]
        bits.append(f"第{p['whistle_id']}号吹哨" + (f"，部门：{'、'.join(kinds)}" if kinds else "")
                    + (f"，{p['answer_by']}前报到" if p.get("answer_by") and event.event_type != CaseEventType.ESCALATE
                       else "")
                    + ("，逾期未报到" if event.event_type == CaseEventType.ESCALATE else ""))
    elif event.event_type == CaseEventType.ESCALATE:
        bits.append(f"{p.get('level', '')}级督办，已逾期{p.get('overdue_working_days', '?')}个工作日"
                    + (f"，报{p['to_department']}" if p.get("to_department") else ""))
    if event.event_type == CaseEventType.REVEAL_COMPLAINANT:
        bits.append(f"查看人：{p.get('actor') or names.get(event.actor_id or 0, '')}（已记入审计）")
    if event.event_type in (CaseEventType.RECEIVE, CaseEventType.MERGE_COMPLAINT) and p.get("channel"):
        from cases.enums import Channel

        if p["channel"] in Channel._value2member_map_:
            bits.append("来源：" + Channel(p["channel"]).label)
    if event.event_type == CaseEventType.UPLOAD_EVIDENCE and p.get("sha256"):
        bits.append(f"文件：{p.get('filename') or '证据'}（SHA-256 {str(p['sha256'])[:12]}…）")
    if p.get("step") and event.event_type in (CaseEventType.PAUSE_CLOCK, CaseEventType.RESUME_CLOCK):
        from cases.deadlines import load_periods

        period = load_periods().get(str(p["step"]))
        bits.append(f"环节：{period.label_zh if period else p['step']}")  # the step as periods.toml names it
    return "；".join(bits)


def _photo_hashes(content: str) -> tuple[str, list[str]]:
    """A public complaint's text without the photo line, and the photos' hashes."""
    if PHOTO_MARK not in content:
        return content, []
    text, _, tail = content.partition(PHOTO_MARK)
    hashes = [h for h in tail.replace("，", ",").split(",") if len(h.strip()) == 64]
    return text.rstrip(), [h.strip() for h in hashes]


def detail_context(session: Session, user: WebUser, case: Case, today: date, calendar: Any, *,
                   reveal: bool = False, state: FormState | None = None, done: str | None = None,
                   done_doc: int | None = None, whistled: int | None = None,
                   started: str | None = None) -> dict[str, Any]:
    actor = user.actor
    complaints = list(session.exec(select(Complaint).where(Complaint.case_id == case.id)
                                   .order_by(Complaint.received_at)).all())
    detail = views.case_detail(session, case, actor, today, calendar, complaints=complaints, reveal=reveal)
    catalogue = load_catalogue()
    inst = session.get(Institution, case.institution_id) if case.institution_id else None
    ids = list(case.team_officer_ids) + [case.assignee_id or 0] + [i for x in detail.inspections for i in x.officer_ids]
    ids += [e.actor_id or 0 for e in detail.timeline] + [i for e in detail.timeline
                                                         for i in (e.payload or {}).get("officer_ids", []) or []]
    penalty_row = session.exec(select(Penalty).where(Penalty.case_id == case.id)).first()
    ids += [r.get("reviewer_id") or 0 for r in (penalty_row.reviews if penalty_row else [])]
    names = queries.officer_names(session, ids)
    clocks = list(repository.open_deadlines(session, case.id))
    offers = allowed.offers(case.status, case.penalty_step, case.team_officer_ids, actor,
                            running_clock=any(d.paused_since is None for d in clocks),
                            paused_clock=any(d.paused_since is not None for d in clocks))
    allowed_names = {o.spec.name for o in offers if o.refusal is None}
    others: dict[str, list[str]] = {}  # what the case waits for from someone else, and why not you
    for offer in offers:
        if offer.refusal is not None and offer.spec.action not in (Action.PAUSE_CLOCK, Action.RESUME_CLOCK):
            others.setdefault(offer.refusal.message, []).append(offer.spec.label)
    regions = repository.subtree_codes(session, actor.region_code)
    dept_ids = [case.lead_department_id, *case.cooperating_department_ids]
    officers = queries.officer_options(session, regions, today, department_ids=dept_ids) if allowed_names & {
        "assign", "record_inspection", "record_reinspection"} else []
    visited = {e.to_status for e in detail.timeline if e.to_status} | {str(case.status), str(CaseStatus.RECEIVED)}
    stages = [{"label": STAGE_LABELS[s], "done": str(s) in visited and s is not case.status,
               "current": s is case.status} for s in STAGES]
    complaint_views = []
    for c in detail.complaints:
        text, photos = _photo_hashes(c.content)
        complaint_views.append({"c": c, "text": text, "photos": photos})
    unserved = queries.unserved_documents(session, case.id) if "record_service" in allowed_names else []
    shown = [o.spec for o in offers if o.refusal is None
             and not (o.spec.action is Action.RECORD_SERVICE and not unserved)]  # nothing left to serve
    primary = next((s.name for s in shown if s.name not in forms.SECONDARY), None)
    evidence = list(repository.case_evidence(session, row_id(case)))
    # the party's history within the reoffence window, and whether it makes this case 从重 (53号令 art. 16(一))
    reoffence_years = load_penalty_law().reoffence_years
    act_on = penalty_row.violation_on if penalty_row and penalty_row.violation_on else today
    record = queries.party_record(session, case, act_on, years=reoffence_years,
                                  zone=ZoneInfo(get_settings().timezone)) if inst else []
    names.update(queries.officer_names(session, [e.uploaded_by_id or 0 for e in evidence]))
    return {
        "party_record": record, "reoffence_years": reoffence_years, "record_act_on": act_on,
        "case": case, "d": detail, "inst": inst, "names": names, "catalogue": catalogue, "evidence": evidence,
        "allowed": shown, "others": others, "officers": officers, "unserved": unserved,
        "running": [d for d in clocks if d.paused_since is None], "paused": [d for d in clocks if d.paused_since],
        "stages": stages, "complaints": complaint_views, "may_reveal": authority.permitted(actor, "reveal_complainant"),
        "revealed": reveal, "form": state or FormState(), "done_doc": done_doc,
        "done": Action(done).label if done in Action._value2member_map_ else None,
        "primary": primary, "service_methods": list(ServiceMethod),
        "close_reasons": [r for r in CloseReason if r.value in ("duplicate", "transferred", "insufficient")],
        "outcomes": list(DecisionOutcome), "penalty_types": list(PenaltyType), "gravities": list(Gravity),
        "review_outcomes": list(ReviewOutcome), "pause_reasons": list(PauseReason),
        "review_points": REVIEW_POINTS, "review_fields": OpinionIn.model_fields,
        "review_label": lambda v: ReviewOutcome(v).label if v in ReviewOutcome._value2member_map_ else "",
        "today": today, "field_labels": forms.FIELD_LABELS,
        "category_label": InstitutionCategory(inst.category).label if inst else "",
        "licence_label": LicenceStatus(inst.licence_status).label if inst else "",
        "list_label": ListStatus(inst.list_status).label if inst else "",
        "team": [names.get(i, f"#{i}") for i in case.team_officer_ids],
        "assignee": names.get(case.assignee_id) if case.assignee_id else None,
        "doc_types": DocumentType,
        "may_file_receipt": authority.standing_refusal(ActorFacts.of(actor, case.team_officer_ids),
                                                       Action.ATTACH_SIGNED_RECEIPT) is None,
        "event_detail": lambda e: _event_detail(e, names, catalogue),
        # 吹哨 (api/web/pages/whistles.py): the case's whistles, each department's 报到, the joint team
        "whistles": queries.whistles(session, [], case_id=case.id), "whistle_kinds": queries.department_kinds(session),
        "may_whistle": authority.permitted(actor, "raise_whistle") and case.status is not CaseStatus.CLOSED,
        "whistle_error": "", "whistled": whistled,
        "whistle_values": {"reason": "", "departments": sorted({k for c in case.violation_codes
                                                                if c in catalogue.violations
                                                                for k in catalogue.violations[c].needs})},
        "whistle_started": started,
    }


def _scoped(session: Session, user: WebUser, case_id: int) -> Case:
    require(user, *CASE_ROLES)
    return scoped_case(session, user.actor, case_id)


@router.get("/cases/{case_id}", summary="案件详情")
def case_page(request: Request, case_id: CaseIdPath, user: UserDep, session: SessionDep, clock: ClockDep,
              calendar: CalendarDep, done: Annotated[str | None, Query(max_length=40)] = None,
              doc: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
              whistled: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
              started: Annotated[str | None, Query(pattern="^(prefect|in_process|no_slot)$")] = None,
              intake: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    case = _scoped(session, user, case_id)
    ctx = detail_context(session, user, case, clock.now().date(), calendar, done=done, done_doc=doc,
                         whistled=whistled, started=started)
    ctx["intake_notice"] = INTAKE_NOTICES.get(intake or "")  # after 登记线索 (api/web/pages/intake.py)
    return page(request, "case_detail.html", ctx, user=user)


INTAKE_NOTICES = {"new": "线索已登记，新建本案件，分派期限已开始计算。",
                  "merged": "该机构已有在办案件，线索已并入本案件。",
                  "replayed": "该编号的线索此前已登记，未重复登记，这是当时登记的案件。"}


@router.post("/cases/{case_id}/reveal", summary="查看举报人身份（记入审计）")
def reveal(request: Request, case_id: CaseIdPath, form: FormDep, user: UserDep, session: SessionDep,
           write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep) -> Response:
    case = _scoped(session, user, case_id)
    identified = [c.id for c in session.exec(select(Complaint).where(Complaint.case_id == case.id)).all()
                  if c.complainant_name or c.complainant_phone]
    log_reveal(write, case.id, user.actor, clock.now(), identified)
    ctx = detail_context(session, user, case, clock.now().date(), calendar, reveal=True)
    return page(request, "case_detail.html", ctx, user=user)


def _photos(form: FormData) -> list[UploadFile]:
    return [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]


@router.post("/cases/{case_id}/actions/{action}", summary="办案操作")
def act(request: Request, case_id: CaseIdPath, action: Annotated[str, Path(max_length=40)], form: FormDep,
        user: UserDep, session: SessionDep, write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep,
        evidence: EvidenceStoreDep, settings: SettingsDep) -> Response:
    spec: ActionSpec | None = ACTIONS.get(Action(action)) if action in Action._value2member_map_ else None
    if spec is None or not spec.routed:
        raise NotFound("没有这项办案操作", action=action)
    case = _scoped(session, user, case_id)
    outbox = request.headers.get(OUTBOX_HEADER) == "1"  # sent from the device's outbox (app.js): JSON answers
    state = FormState(action=spec.name, values=_form_values(form),
                      evidence=[e for e in form.getlist("evidence") if isinstance(e, str) and len(e) == 64])
    ctx = make_ctx(request, user.actor, clock, calendar)
    status = 200
    try:
        data = forms.body_from_form(spec, form)
        if spec.action is Action.RECORD_INSPECTION:
            claimed = [h for h in form.getlist("photo_sha256") if isinstance(h, str)]
            provenance = client_provenance(dict(form.items()))
            for i, upload in enumerate(_photos(form)):
                ref = store_evidence(evidence, settings, upload, claimed[i] if i < len(claimed) else None)
                attach_evidence(write, ctx, case.id, ref, provenance)
                state.evidence.append(ref.sha256)
            data["evidence"] = state.evidence
        done = perform(write, ctx, case.id, spec.action, _version(form), data)
    except InputInvalid as exc:
        write.rollback()
        state.field_errors = forms.field_errors(exc)
        state.error = "请检查填写内容：" + forms.describe_errors(state.field_errors)
        status = 422
        if outbox:
            return JSONResponse({"ok": False, "code": exc.code, "message": state.error,
                                 "field_errors": state.field_errors}, status_code=status)
    except StaleVersion as exc:
        write.rollback()
        state.stale = True
        state.error = (f"提交未生效：本案已被他人更新（您打开页面时为第{exc.detail.get('expected')}版，"
                       f"现为第{exc.detail.get('current')}版）。请重新打开案件查看最新情况后再操作。")
        status = 409
        if outbox:
            return JSONResponse({"ok": False, "code": exc.code, "message": state.error,
                                 "expected": exc.detail.get("expected"), "current": exc.detail.get("current"),
                                 "case_now": _case_now(session, user, case_id, clock.now().date(), calendar)},
                                status_code=status)
    except DomainError as exc:
        write.rollback()
        state.error = exc.message
        status = status_of(exc)
        if outbox:
            return JSONResponse({"ok": False, "code": exc.code, "message": exc.message}, status_code=status)
    else:
        query = {"done": spec.name}
        if isinstance(done.result, Document):
            query["doc"] = str(done.result.id)
        back = form.get("back")
        if back == "/board":  # the board's one-click assignment returns to the board
            return RedirectResponse(f"/board?{urlencode({**query, 'case': case.case_number})}", status_code=303)
        target = f"/cases/{case.id}?{urlencode(query)}#top"
        if outbox:
            return JSONResponse({"ok": True, "redirect": target, "version": done.case.version})
        return RedirectResponse(target, status_code=303)
    fresh = session.get(Case, case.id)
    session.refresh(fresh)
    detail = detail_context(session, user, fresh, clock.now().date(), calendar, state=state)
    return page(request, "case_detail.html", detail, user=user, status=status)


@router.post("/cases/{case_id}/documents/{document_id}/signed-receipt", summary="上传签收的送达回证")
def signed_receipt(request: Request, case_id: CaseIdPath, document_id: CaseIdPath, form: FormDep, user: UserDep,
                   session: SessionDep, write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep,
                   evidence: EvidenceStoreDep, settings: SettingsDep) -> Response:
    """The signed 送达回证 scanned or photographed after service, filed once with the service record."""
    case = _scoped(session, user, case_id)
    upload = form.get("receipt")
    state = FormState(action=Action.ATTACH_SIGNED_RECEIPT.value)
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed("请选择签收的送达回证照片或扫描件", code="receipt_missing")
        store_signed_receipt(write, make_ctx(request, user.actor, clock, calendar), row_id(case), document_id,
                             evidence, settings, upload)
    except DomainError as exc:
        write.rollback()
        state.error = exc.message
        session.refresh(case)
        detail = detail_context(session, user, case, clock.now().date(), calendar, state=state)
        return page(request, "case_detail.html", detail, user=user, status=status_of(exc))
    return RedirectResponse(f"/cases/{case.id}?{urlencode({'done': Action.ATTACH_SIGNED_RECEIPT.value})}#documents",
                            status_code=303)
OUTBOX_HEADER = "x-outbox"


def _case_now(session: Session, user: WebUser, case_id: int, today: date, calendar: Any) -> dict[str, Any]:
    """The case as it is now, for the device to show next to what the officer entered offline."""
    fresh = repository.get_case(session, case_id)
    session.refresh(fresh)
    detail = views.case_detail(session, fresh, user.actor, today, calendar, complaints=[], reveal=False)
    names = queries.officer_names(session, [e.actor_id or 0 for e in detail.timeline] + [
        i for e in detail.timeline for i in (e.payload or {}).get("officer_ids", []) or []])
    catalogue = load_catalogue()
    recent = [{"when": e.occurred_at.isoformat(), "who": e.actor_name or names.get(e.actor_id or 0, "系统"),
               "what": e.label, "detail": _event_detail(e, names, catalogue)} for e in detail.timeline[-5:]]
    return {"version": fresh.version, "state_label": detail.state_label,
            "penalty_step_label": detail.penalty_step_label or "", "inspections": len(detail.inspections),
            "recent": list(reversed(recent))}


def _version(form: FormData) -> int:
    raw = form.get("version")
    if not isinstance(raw, str) or not raw.strip().isdigit() or len(raw.strip()) > 9:
        raise ValidationFailed("表单缺少案件版本号，请刷新页面后重试", code="version_missing")
    return int(raw.strip())

