"""The installable officer app: web app manifest, service worker, offline sync list, device uploads.

* `/manifest.webmanifest` and `/sw.js` (served from the root so the worker's scope is the whole
  site). The worker keeps the shipped assets and the pages synced for offline use
  (`api/web/static/sw.js`); it never caches a POST.
* `/offline/sync`: what the device should keep for offline work — my cases and their detail,
  my team's patrol day, the inspection forms on those pages — plus a fresh CSRF token for the
  outbox (`api/web/static/app.js`), which sends forms filled offline when the network returns.
* `POST /cases/{id}/evidence`: one photo from the device, byte for byte, with the SHA-256 the
  device computed, its clock and (with permission) position — JSON answers for the outbox.
  Videos go through the resumable upload (`api/tus.py`).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import UploadFile

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
from api.routes.cases import attach_evidence, store_evidence
from api.web import session as web_session
from api.web.deps import FormDep, UserDep, make_ctx
from api.web.routing import WebRoute
from api.web.templating import CASE_ROLES, STATIC, page
from cases import queries, repository
from cases.actions import ACTIONS, Action
from cases.errors import DomainError, NotAuthorised, ValidationFailed
from cases.fields import MAX_INT

router = APIRouter(route_class=WebRoute)
OFFLINE_CASES = 60  # the open cases of mine kept on the device

MANIFEST = {
    "name": "双减执法办案平台", "short_name": "双减执法", "lang": "zh-CN", "dir": "ltr",
    "description": "校外培训监管执法：我的案件、巡查和现场检查，弱网和离线时也能记录。",
    "start_url": "/cases", "scope": "/", "display": "standalone", "orientation": "portrait",
    "background_color": "#f4f6fa", "theme_color": "#173f7a",
    "icons": [{"src": "/static/icons/app-192.png", "sizes": "192x192", "type": "image/png"},
              {"src": "/static/icons/app-512.png", "sizes": "512x512", "type": "image/png"},
              {"src": "/static/icons/app-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"}],
}


@router.get("/manifest.webmanifest", summary="应用清单")
def manifest() -> Response:
    return Response(json.dumps(MANIFEST, ensure_ascii=False), media_type="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})


@router.get("/sw.js", summary="离线服务")
def service_worker() -> Response:
    return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/",
                                 # the worker fetches this site's pages and assets, nothing else
                                 "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"})


@router.get("/offline", summary="离线")
def offline_page(request: Request) -> Response:
    """What the worker shows for a page that was not synced while the device is offline."""
    return page(request, "offline.html", {}, user=getattr(request.state, "web_user", None))


@router.get("/offline/sync", summary="离线同步清单")
def sync_list(request: Request, user: UserDep, session: SessionDep, clock: ClockDep) -> Response:
    today = clock.now().date()
    urls = ["/offline", "/patrols"]
    if user.has(*CASE_ROLES):
        regions = repository.subtree_codes(session, user.actor.region_code)
        rows, _ = queries.work_list(session, regions, today, member_id=user.actor.officer_id, limit=OFFLINE_CASES)
        urls += ["/cases", "/cases?scope=mine"] + [f"/cases/{r.case.id}" for r in rows]
    body = {"officer_id": user.actor.officer_id, "at": clock.now().isoformat(), "urls": urls,
            "csrf_token": web_session.token_for(request)}
    response = JSONResponse(body, headers={"Cache-Control": "no-store"})
    web_session.set_csrf_seed(response, request)
    return response


def _refusal(exc: DomainError) -> JSONResponse:
    return JSONResponse({"ok": False, "code": exc.code, "message": exc.message, "detail": exc.detail},
                        status_code=status_of(exc))


@router.post("/cases/{case_id}/evidence", summary="上传现场证据（设备）")
def device_upload(request: Request, case_id: Annotated[int, Path(ge=1, le=MAX_INT)], form: FormDep,
                  user: UserDep, session: SessionDep, write: WriteSessionDep, clock: ClockDep,
                  calendar: CalendarDep, evidence: EvidenceStoreDep, settings: SettingsDep) -> Response:
    try:
        if not user.has(*ACTIONS[Action.UPLOAD_EVIDENCE].roles):
            raise NotAuthorised("只有执法人员和科长可以上传证据")
        scoped_case(session, user.actor, case_id)  # 404 outside the jurisdiction
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("没有收到文件", code="empty_file")
        sha = form.get("sha256")
        provenance = client_provenance(dict(form.items()))
        ref = store_evidence(evidence, settings, upload, sha if isinstance(sha, str) else None)
        attach_evidence(write, make_ctx(request, user.actor, clock, calendar), case_id, ref, provenance)
    except DomainError as exc:
        write.rollback()
        return _refusal(exc)
    return JSONResponse({"ok": True, "sha256": ref.sha256, "size": ref.size, "content_type": ref.content_type,
                         "captured_at": ref.captured_at}, status_code=201)
