"""登记线索: staff register a 12345 work order, a letter or visit, a superior's referral or a patrol finding.

The same use case as the public form and `POST /api/v1/complaints` (`cases.service.receive_complaint`):
the same matching against the register and merging into the institution's open case; inside the
officer's jurisdiction only (the place, and the register's match, must lie in it). A work order
number keys the complaint as the batch import of the hotline export does, so it is registered once.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from api.deps import CalendarDep, ClockDep, SessionDep, WriteSessionDep
from api.errors import status_of
from api.routes.complaints import staff_reference_key
from api.web.deps import FormDep, UserDep, WebUser, make_ctx, require
from api.web.forms import normalise_date
from api.web.routing import WebRoute
from api.web.templating import page
from cases import queries, repository
from cases import service as case_service
from cases.catalogue import load_catalogue
from cases.enums import Channel, Role
from cases.errors import DomainError, ValidationFailed

router = APIRouter(route_class=WebRoute)
# The sources staff register by hand, first the four of the desk (the public files on its own form)
STAFF_CHANNELS = (Channel.HOTLINE_12345, Channel.LETTER_VISIT, Channel.SUPERIOR, Channel.PATROL,
                  Channel.REFERRAL, Channel.GRID_OFFICER, Channel.SOCIAL_SUPERVISOR)
REFERENCE_LABELS = {Channel.HOTLINE_12345: "工单号", Channel.LETTER_VISIT: "信访件编号", Channel.SUPERIOR: "交办文号",
                    Channel.REFERRAL: "移送函文号"}
TEXT_FIELDS = ("channel", "reference", "received_on", "received_time", "region_code", "reported_name",
               "reported_uscc", "reported_phone", "reported_address", "content", "complainant_name",
               "complainant_phone")
STAFF = (Role.OFFICER, Role.SUPERVISOR)


def _context(session: Session, user: WebUser, values: dict[str, Any], errors: dict[str, str], error: str,
             now: datetime) -> dict[str, Any]:
    regions = repository.subtree_codes(session, user.actor.region_code)
    catalogue = load_catalogue()
    return {"values": values, "errors": errors, "error": error, "channels": STAFF_CHANNELS,
            "reference_labels": {str(k): v for k, v in REFERENCE_LABELS.items()},
            "places": [(t.code, t.name) for t in queries.townships(session, regions)],
            "violations": [(code, v.name) for code, v in catalogue.violations.items()],
            "today": now.date(), "now_time": now.strftime("%H:%M")}


@router.get("/intake", summary="登记线索")
def intake_form(request: Request, user: UserDep, session: SessionDep, clock: ClockDep) -> Response:
    require(user, *STAFF)
    now = clock.now()
    values: dict[str, Any] = {"channel": str(Channel.HOTLINE_12345), "received_on": now.date().isoformat(),
                              "received_time": now.strftime("%H:%M")}
    return page(request, "intake.html", _context(session, user, values, {}, "", now), user=user)


def _received_at(values: dict[str, Any], now: datetime) -> datetime | None:
    day_text, time_text = str(values.get("received_on") or "").strip(), str(values.get("received_time") or "").strip()
    if not day_text:
        return None
    try:
        day = datetime.fromisoformat(normalise_date(day_text)).date()
    except ValueError:
        raise ValidationFailed("受理日期请按“年-月-日”填写，如 2026-03-16", code="received_on_invalid",
                               field="received_on") from None
    try:
        moment = time.fromisoformat(time_text.replace("：", ":")) if time_text else time(9)
    except ValueError:
        raise ValidationFailed("受理时间请按“时:分”填写，如 09:30", code="received_time_invalid",
                               field="received_time") from None
    return datetime.combine(day, moment, now.tzinfo)


FIELD_OF = {"content_too_short": "content", "content_too_long": "content", "unknown_region": "region_code",
            "region_out_of_scope": "region_code", "bad_phone": "complainant_phone", "received_in_future": "received_on",
            "received_backdated": "received_on", "received_on_invalid": "received_on",
            "received_time_invalid": "received_time", "institution_out_of_scope": "reported_name",
            "uscc_invalid": "reported_uscc", "channel_unknown": "channel"}


@router.post("/intake", summary="登记线索")
def intake_submit(request: Request, form: FormDep, user: UserDep, session: SessionDep, write: WriteSessionDep,
                  clock: ClockDep, calendar: CalendarDep) -> Response:
    require(user, *STAFF)
    now = clock.now()
    values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in TEXT_FIELDS}
    values["violation_codes"] = [v for v in form.getlist("violation_codes") if isinstance(v, str)]
    values["anonymous"] = form.get("anonymous") == "true"
    values["refund_related"] = form.get("refund_related") == "true"
    try:
        if values["channel"] not in {str(c) for c in STAFF_CHANNELS}:
            raise ValidationFailed("请选择线索来源", code="channel_unknown")
        if not values["region_code"]:
            raise ValidationFailed("请选择发生地（乡镇、街道）", code="unknown_region")
        if len(values["reference"]) > 64:
            raise ValidationFailed("编号最多64个字符", code="reference_too_long")
        data = case_service.ComplaintIn(
            channel=Channel(values["channel"]), content=values["content"], region_code=values["region_code"],
            violation_codes=tuple(c for c in values["violation_codes"] if c in load_catalogue().violations),
            reported_name=values["reported_name"][:128], reported_uscc=values["reported_uscc"][:32],
            reported_phone=values["reported_phone"][:32], reported_address=values["reported_address"][:256],
            refund_related=values["refund_related"], anonymous=values["anonymous"],
            complainant_name="" if values["anonymous"] else values["complainant_name"][:32],
            complainant_phone="" if values["anonymous"] else values["complainant_phone"][:32],
            received_at=_received_at(values, now))
        ctx = make_ctx(request, user.actor, clock, calendar)
        result = case_service.receive_complaint(write, ctx, data,
                                                idempotency_key=staff_reference_key(values["reference"]))
    except DomainError as exc:
        write.rollback()
        where = exc.detail.get("field") or FIELD_OF.get(exc.code) or ("reported_uscc" if exc.code.startswith("uscc")
                                                                    else "")
        errors = {where: exc.message} if where else {}
        return page(request, "intake.html", _context(session, user, values, errors, exc.message, now),
                    status=status_of(exc), user=user)
    outcome = "replayed" if result.replayed else ("merged" if result.merged else "new")
    return RedirectResponse(f"/cases/{result.case.id}?intake={outcome}", status_code=303)
