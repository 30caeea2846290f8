"""Jinja2 environment, Chinese formatting filters and the one `page()` helper every route renders with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.web import session as web_session
from cases.caches import register_cache
from cases.enums import Role

ROOT = Path(__file__).parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
WEEKDAYS = "一二三四五六日"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                               "script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                               "base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    roles: frozenset[Role]


CASE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.LEGAL})
NAV = (
    NavItem("/cases", "我的案件", CASE_ROLES),
    NavItem("/intake", "登记线索", frozenset({Role.OFFICER, Role.SUPERVISOR})),
    NavItem("/board", "督办看板", frozenset({Role.SUPERVISOR})),
    NavItem("/reviews", "法制审核", frozenset({Role.LEGAL})),
    NavItem("/patrols", "巡查日历", frozenset(Role)),
    NavItem("/stats", "统计", frozenset({Role.SUPERVISOR, Role.LEGAL, Role.ADMIN})),
    NavItem("/institutions", "机构库", frozenset(Role)),
    NavItem("/admin", "系统管理", frozenset({Role.ADMIN})),
)


@lru_cache
def _zone() -> ZoneInfo:
    from cases.settings import get_settings

    return ZoneInfo(get_settings().timezone)


register_cache("api.web.templating._zone", _zone.cache_clear)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(_zone()).strftime(fmt)


def cn_date(value: date | datetime | None, weekday: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date()
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text}（周{WEEKDAYS[value.weekday()]}）" if weekday else text


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date()
    return f"{value.month}月{value.day}日"


def days_left(n: int | None) -> str:
    if n is None:
        return ""
    if n > 0:
        return f"剩{n}个工作日"
    if n == 0:
        return "今日到期"
    return f"逾期{-n}个工作日"


def yuan(n: int | None) -> str:
    return f"{(n or 0):,}"


def state_label(value: str | None) -> str:
    from cases.enums import CaseStatus

    return CaseStatus(value).label if value in CaseStatus._value2member_map_ else (value or "")


@lru_cache
def escalation_labels() -> dict[int, str]:
    """督办 level → its label in the jurisdiction's ladder (cases/data/escalation.toml)."""
    from cases.service.sweep import load_ladder

    return {lv.level: lv.label for lv in load_ladder().levels}


register_cache("api.web.templating.escalation_labels", escalation_labels.cache_clear)


def escalation(level: int | None) -> str:
    return escalation_labels().get(level or 0, f"{level}级督办") if level else ""


def tone(state: str | None) -> str:
    """The colour class of a due state or case state."""
    return {"overdue": "danger", "due": "warn", "due_soon": "warn", "on_track": "ok", "paused": "muted",
            "met": "muted", "closed": "muted", "received": "info", "penalty": "danger",
            "rectification_notice": "warn"}.get(state or "", "info")


@lru_cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(local=local_time, cn_date=cn_date, short_date=short_date, days_left=days_left, yuan=yuan,
                       tone=tone, state_label=state_label, escalation=escalation)
    return env


register_cache("api.web.templating.environment", environment.cache_clear)


def static_version() -> str:
    newest = max((p.stat().st_mtime_ns for p in STATIC.rglob("*") if p.is_file()), default=0)
    return f"{newest % 10**9:x}"


def page(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
         user: Any = None, public: bool = False) -> HTMLResponse:
    """Render `template` with the shared context: the user and their menu, the CSRF token, the path."""
    roles = user.actor.roles if user is not None else frozenset()
    nav = [n for n in NAV if n.roles & roles]
    ctx = {"request": request, "user": user, "nav": nav, "path": request.url.path, "public": public,
           "csrf_field": web_session.CSRF_FIELD, "csrf_token": web_session.token_for(request),
           "asset_version": _asset_version(), **(context or {})}
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status, headers=dict(SECURITY_HEADERS))
    response.headers["Cache-Control"] = "no-store"
    web_session.set_csrf_seed(response, request)
    return response


@lru_cache
def _asset_version() -> str:
    return static_version()


register_cache("api.web.templating._asset_version", _asset_version.cache_clear)
