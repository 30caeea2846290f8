"""HTML form fields → the API's action bodies (`api.actions`), so a page and a JSON client are checked alike.

A form posts strings; this module turns them into the JSON the action's request model parses
(lists from repeated fields, check boxes to booleans, empty optional fields left out), then
`api.routes.actions.parse_body` validates it exactly as for `POST /api/v1/cases/{id}/actions/…`.
"""

from __future__ import annotations

import json
import types
from typing import Any, Union, get_args, get_origin

from fastapi.exceptions import RequestValidationError
from starlette.datastructures import FormData

from api.actions import ActionSpec
from api.errors import FIELD_MESSAGES
from api.routes.actions import parse_body

TRUE = {"1", "true", "on", "yes", "是"}
LINE_LISTS = {"requirements"}  # a textarea, one item per line

FIELD_LABELS = {
    "officer_ids": "执法人员", "findings": "检查情况", "violation_codes": "违法行为", "place": "检查地点",
    "started_at": "检查时间", "institution_id": "被检查机构", "evidence": "现场照片", "deadline": "整改期限",
    "requirements": "整改要求", "document_id": "文书", "method": "送达方式", "served_on": "送达日期",
    "recipient": "受送达人", "refusal_reason": "拒收理由", "witness": "见证人", "rectified": "复查结论",
    "intended_penalty": "拟作出的处罚", "fine_yuan": "罚款金额", "confiscation_yuan": "没收违法所得",
    "party_is_person": "当事人为自然人", "major": "重大案件", "new_serious_violation": "新的严重违法行为",
    "rectification_deadline": "整改期限", "summary": "情况记录", "hearing_requested": "是否申请听证",
    "waived": "放弃陈述申辩", "statement_summary": "陈述申辩情况", "opinion": "审核意见", "outcome": "决定",
    "penalty_text": "处罚内容", "paid_on": "缴款日期", "court_enforcement_on": "申请强制执行日期",
    "published_on": "公示日期", "step": "环节", "reason": "理由", "merged_into_case_id": "并入案件编号",
    "transferred_to": "接收机关", "note": "备注",
}

# How each action looks on the case page: a short mark, and whether it is the case's next main step.
ACTION_MARKS = {
    "assign": "派", "dismiss": "终", "record_inspection": "检", "close_no_violation": "结", "issue_rectification": "改",
    "record_service": "送", "record_reinspection": "复", "open_penalty": "立", "collective_discussion": "议",
    "issue_penalty_notice": "告", "close_statement_window": "申", "hold_hearing": "听", "legal_review": "审",
    "decide": "决", "record_execution": "执", "publish": "公", "close_penalty": "结", "pause_clock": "停",
    "resume_clock": "续",
}
SECONDARY = {"dismiss", "pause_clock", "resume_clock", "close_no_violation"}


def _kind(annotation: Any) -> str:
    """"list", "bool" or "str" (kept even when empty) or "other" (left out when empty)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        kinds = {_kind(a) for a in inner}
        return "list" if "list" in kinds else ("other" if len(inner) != 1 else _kind(inner[0]))
    if origin is list:
        return "list"
    if annotation is bool:
        return "bool"
    if annotation is str:
        return "str"
    return "other"


def body_from_form(spec: ActionSpec, form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in spec.body.model_fields.items():
        kind = _kind(field.annotation)
        if name == "evidence":
            continue  # photos are stored first, then referenced (see the case page's route)
        if kind == "list":
            if name in LINE_LISTS:
                text = str(form.get(name) or "")
                items = [line.strip() for line in text.splitlines() if line.strip()]
                if items:
                    data[name] = items
                continue
            values = [str(v).strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]
            if name == "officer_ids":
                lead = str(form.get("lead_officer_id") or "").strip()
                values = ([lead] if lead else []) + [v for v in values if v != lead]
            if values or field.is_required():
                data[name] = list(dict.fromkeys(values))
        elif kind == "bool":
            raw = form.get(name)
            if isinstance(raw, str) and raw != "":
                data[name] = raw.strip().lower() in TRUE
        else:
            raw = form.get(name)
            if not isinstance(raw, str):
                continue
            if kind == "str":
                data[name] = raw.strip()
            elif raw.strip():
                data[name] = raw.strip()
    return data


def parse_action_form(spec: ActionSpec, form: FormData) -> dict[str, Any]:
    """The use case's keyword arguments; RequestValidationError names the fields that are wrong."""
    return parse_body(spec, json.dumps(body_from_form(spec, form), ensure_ascii=False).encode())


def field_errors(exc: RequestValidationError) -> dict[str, str]:
    """{field: Chinese reason} from the request model's validation errors."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        name = loc[0] if loc else ""
        message = FIELD_MESSAGES.get(err.get("type", ""), "取值不合法")
        if err.get("type") in ("value_error", "assertion_error") and err.get("msg"):
            text = str(err["msg"]).removeprefix("Value error, ")
            if any("\u4e00" <= ch <= "\u9fff" for ch in text):
                message = text
        out.setdefault(name, message)
    return out


def describe_errors(errors: dict[str, str]) -> str:
    return "；".join(f"{FIELD_LABELS.get(k, k)}：{v}" for k, v in errors.items())
