"""HTML form fields → the action's input (`cases.actions`), so a page and a JSON client are checked alike.

A form posts strings; this module turns them into the values the action's input model parses
(lists from repeated fields, check boxes to booleans, empty optional fields left out); then
`cases.service.perform` validates them exactly as for `POST /api/v1/cases/{id}/actions/…`.
"""

from __future__ import annotations

import re
import types
from datetime import date
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from starlette.datastructures import FormData

from api.errors import FIELD_MESSAGES
from cases.actions import ROUTED, ActionSpec
from cases.errors import InputInvalid

TRUE = {"1", "true", "on", "yes", "是"}
LINE_LISTS = {"requirements", "participants"}  # a textarea, one item per line

# Each field's label is its `title` in the input model; "lead_officer_id" is the form's own field.
FIELD_LABELS = {"lead_officer_id": "主办人"} | {
    name: f.title or name for spec in ROUTED for name, f in spec.body.model_fields.items()}
SECONDARY = {"dismiss", "pause_clock", "resume_clock", "close_no_violation"}


DATE_TEXT = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))\s*$")


def normalise_date(raw: str) -> str:
    """A date as users type it (2026-3-16, 2026/03/16, 2026.3.16, 2026年3月16日, 20260316) → ISO
    "2026-03-16"; anything else is returned unchanged, so the input model reports it in Chinese."""
    m = DATE_TEXT.match(raw)
    if not m:
        return raw.strip()
    year, month, day = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return raw.strip()


def _is_date(annotation: Any) -> bool:
    if annotation is date:
        return True
    return get_origin(annotation) in (Union, types.UnionType) and date in get_args(annotation)


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


def _row_model(annotation: Any) -> type[BaseModel] | None:
    """The item model of a list-of-rows field (e.g. the penalty items), else None."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return next((m for a in get_args(annotation) if (m := _row_model(a)) is not None), None)
    if origin is list:
        (item,) = get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _rows(name: str, model: type[BaseModel], form: FormData) -> list[dict[str, Any]]:
    """Repeated rows posted as `name.field` (one value per row, in order); a row without its first
    field (e.g. the penalty type) is an unused row and left out."""
    columns = {f: [str(v) for v in form.getlist(f"{name}.{f}")] for f in model.model_fields}
    first = next(iter(model.model_fields))
    rows = []
    for i, key in enumerate(columns[first]):
        if not key.strip():
            continue
        row: dict[str, Any] = {}
        for f, info in model.model_fields.items():
            raw = columns[f][i].strip() if i < len(columns[f]) else ""
            if raw:
                row[f] = (raw.lower() in TRUE if info.annotation is bool
                          else normalise_date(raw) if _is_date(info.annotation) else raw)
        rows.append(row)
    return rows


def body_from_form(spec: ActionSpec, form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in spec.body.model_fields.items():
        kind = _kind(field.annotation)
        if name == "evidence":
            continue  # photos are stored first, then referenced (see the case page's route)
        if (model := _row_model(field.annotation)) is not None:
            rows = _rows(name, model, form)
            if rows or field.is_required():
                data[name] = rows
            continue
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
                data[name] = normalise_date(raw) if _is_date(field.annotation) else raw.strip()
    return data


def field_errors(exc: InputInvalid) -> dict[str, str]:
    """{field: Chinese reason} from the input model's validation errors."""
    out: dict[str, str] = {}
    for err in exc.errors:
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
