"""Resumable evidence uploads (videos from a 执法记录仪, hundreds of MB) with the tus 1.0 protocol.

The protocol is `tuspyserver`'s FastAPI router, mounted at `/api/v1/uploads`; this module adds the
rules around it:

* Who: a signed-in officer or supervisor — a bearer token, or the web session cookie together
  with the page's CSRF token in `X-CSRF-Token` — with standing on the case named in the upload's
  metadata (`case_id`), checked when the upload is created (`pre_create`). An upload's id starts
  with its creator's officer id, and only its creator may continue (HEAD/PATCH) or cancel it.
* What: metadata `case_id`, `filename`, `filetype` and `sha256` (computed on the device) are
  required, the size must be declared and at most `ApiSettings.video_max_bytes`; concatenation is
  refused. Each PATCH body is at most `ApiSettings.upload_chunk_max_bytes` (`api.limits.BodyLimit`).
* How: the library appends each chunk to a file under `<evidence root>/.incoming/` as it streams in —
  nothing is held in memory. When the last byte arrives the file is hashed from disk in 1 MB pieces
  and compared with the device's hash (a mismatch deletes it: nothing stored), its container is
  checked (`api.provenance.inspect_video`), it is linked into the evidence store and becomes the
  case's evidence through `perform` (UPLOAD_EVIDENCE: a row and an event in the hash chain), with
  the device time and position sent in the metadata and the capture time read from the file.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from api.deps import CalendarDep, ClockDep, SessionDep, WriteSessionDep, scoped_case
from api.errors import NotAuthenticated
from api.evidence import EvidenceRef, EvidenceStore, file_sha256, sniff
from api.provenance import client_provenance, sniff_video, verify_sha256
from api.routes.cases import attach_evidence
from api.security import actor_from_token
from api.settings import ApiSettings
from api.web import session as web_session
from cases.actions import ACTIONS, Action
from cases.authority import Actor, ActorFacts, check
from cases.errors import NotAuthorised, PayloadTooLarge, UnsupportedMedia, ValidationFailed
from cases.service import Ctx

PREFIX = "/api/v1/uploads"
Meta = dict[Any, Any]  # a tus upload's decoded metadata, or its upload parameters
_UID = re.compile(r"^(\d+)-[0-9a-f]{32}$")
ROLES = ACTIONS[Action.UPLOAD_EVIDENCE].roles


def _token(request: Request) -> tuple[str, bool]:
    """(token, from the cookie)."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), False
    return web_session.session_token(request), True


async def uploader(request: Request, session: SessionDep, clock: ClockDep) -> Actor:
    """The signed-in field worker sending this request; the creator only for an existing upload."""
    token, cookie = _token(request)
    if not token:
        raise NotAuthenticated("请先登录", code="not_authenticated")
    if cookie and not web_session.csrf_valid(request, request.headers.get("x-csrf-token")):
        raise NotAuthorised("安全校验未通过：请刷新页面后重新上传", code="csrf_failed")
    state = request.app.state
    actor = await run_in_threadpool(actor_from_token, session, state.secret, token, clock.now(),
                                    getattr(state, "actor_cache", None))
    if not actor.roles & ROLES:
        raise NotAuthorised("只有执法人员和科长可以上传证据", code="role_required")
    if request.headers.get("upload-concat"):
        raise ValidationFailed("不支持合并上传", code="upload_concat")
    uid = request.path_params.get("uuid")
    if uid is not None:
        match = _UID.match(str(uid))
        if match is None or int(match.group(1)) != actor.officer_id:
            raise NotAuthorised("只能续传自己开始的上传", code="upload_not_yours")
    return actor


def _case_id(metadata: dict[Any, str]) -> int:
    raw = str(metadata.get("case_id", "")).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise ValidationFailed("上传须注明案件编号（case_id）", code="upload_case_missing")
    return int(raw)


def _pre_create(settings: ApiSettings) -> Callable[..., Callable[[Meta, Meta], None]]:
    def dep(session: SessionDep, actor: Actor = Depends(uploader)) -> Callable[[Meta, Meta], None]:
        def hook(metadata: Meta, info: Meta) -> None:
            size = info.get("size")
            if info.get("defer_length") or size is None:
                raise ValidationFailed("上传须先声明文件大小（Upload-Length）", code="upload_length_required")
            if int(size) > settings.video_max_bytes:
                raise PayloadTooLarge(f"视频不能超过 {settings.video_max_bytes // (1024 * 1024)} MB",
                                      max_bytes=settings.video_max_bytes)
            if int(size) < 1:
                raise ValidationFailed("文件为空", code="empty_file")
            if not str(metadata.get("filename", "")).strip():
                raise ValidationFailed("上传须注明文件名（filename）", code="upload_filename_missing")
            if not re.fullmatch(r"[0-9a-f]{64}", str(metadata.get("sha256", "")).strip().lower()):
                raise ValidationFailed("上传须附手机计算的 SHA-256（sha256）", code="evidence_hash_invalid")
            client_provenance(metadata)  # refuse bad device time or position before a byte is sent
            case = scoped_case(session, actor, _case_id(metadata))  # 404 outside the jurisdiction
            check(ActorFacts.of(actor, case.team_officer_ids), Action.UPLOAD_EVIDENCE)
        return hook

    return dep


async def _file_id(actor: Actor = Depends(uploader)) -> Callable[[Meta], Awaitable[dict[str, str]]]:
    async def name(_metadata: Meta) -> dict[str, str]:
        return {"uid": f"{actor.officer_id}-{uuid.uuid4().hex}"}
    return name


def _discard(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".info")):
        try:
            os.unlink(leftover)
        except FileNotFoundError:
            pass


def finish(store: EvidenceStore, settings: ApiSettings, path: Path, metadata: Meta) -> EvidenceRef:
    """The finished upload into the evidence store (see the module doc); the incoming file is removed."""
    try:
        sha = file_sha256(path)
        verify_sha256(str(metadata.get("sha256", "")), sha)
        with open(path, "rb") as handle:
            head = handle.read(4096)
        filename = str(metadata.get("filename", ""))
        video = sniff_video(head)
        if video is not None:
            return store.put_file(path, sha256=sha, content_type=video[0], ext=video[1], filename=filename)
        kind = sniff(head)
        if kind is None:
            raise UnsupportedMedia("只接受 MP4、MOV、AVI 视频，JPEG、PNG、WebP 图片或 PDF 文件（按文件内容识别）",
                                   code="evidence_type")
        if path.stat().st_size > settings.evidence_max_bytes:
            raise PayloadTooLarge(f"照片或 PDF 不能超过 {settings.evidence_max_bytes // (1024 * 1024)} MB",
                                  max_bytes=settings.evidence_max_bytes)
        return store.put(path.read_bytes(), content_type=kind[0], ext=kind[1], filename=filename)
    finally:
        _discard(path)


def _on_complete(settings: ApiSettings, store: EvidenceStore) -> Callable[..., Callable[[str, Meta], Awaitable[None]]]:
    def dep(request: Request, write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep,
            actor: Actor = Depends(uploader)) -> Callable[[str, Meta], Awaitable[None]]:
        ctx = Ctx(actor=actor, clock=clock, calendar=calendar, renderer=request.app.state.renderer,
                  store=request.app.state.document_store)

        async def done(file_path: str, metadata: Meta) -> None:
            def work() -> None:
                provenance = client_provenance(metadata)
                ref = finish(store, settings, Path(file_path), metadata)
                attach_evidence(write, ctx, _case_id(metadata), ref, provenance)

            try:
                await run_in_threadpool(work)
            except Exception:
                write.rollback()
                raise

        return done

    return dep


def tus_router(settings: ApiSettings, store: EvidenceStore) -> APIRouter:
    from tuspyserver import create_tus_router

    incoming = store.root / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    router: APIRouter = create_tus_router(
        prefix=PREFIX, files_dir=str(incoming), max_size=settings.video_max_bytes,
        auth=cast(Any, uploader), days_to_keep=settings.upload_keep_days,
        pre_create_dep=_pre_create(settings), file_dep=cast(Any, _file_id),
        upload_complete_dep=cast(Any, _on_complete(settings, store)), tags=["案件"])
    for route in router.routes:  # the library's routes, described in Chinese like every other operation
        methods: set[str] = getattr(route, "methods", set()) or set()
        for method in sorted(methods):
            if method in OPERATIONS:
                route.summary, route.description = OPERATIONS[method]  # type: ignore[attr-defined]
                route.responses = {**STATUSES, **getattr(route, "responses", {})}  # type: ignore[attr-defined]
                break
    return router


STATUSES: dict[int | str, dict[str, Any]] = {code: {"description": text} for code, text in (
    (200, "成功"), (201, "已创建上传"), (204, "成功（无内容）"), (400, "请求不符合 tus 协议"), (401, "未登录"),
    (403, "无权上传或续传"), (404, "上传不存在或已过期"), (409, "断点位置不符（Upload-Offset）"), (410, "上传已过期"),
    (412, "协议版本不符（Tus-Resumable）"), (413, "文件或分片超过大小上限"), (415, "文件类型不支持"),
    (422, "元数据不完整或不合法"), (460, "校验和不符"))}
OPERATIONS = {  # tus 1.0 operations (https://tus.io/protocols/resumable-upload), as the API documents them
    "OPTIONS": ("断点续传：服务能力", "返回本服务支持的 tus 协议版本、扩展和单个文件大小上限。"),
    "POST": ("断点续传：创建上传", "声明文件大小（Upload-Length）和元数据 case_id、filename、filetype、sha256"
                                "（手机计算的 SHA-256），在本案有办案资格的执法人员或科长可创建；返回上传地址。"),
    "HEAD": ("断点续传：查询进度", "返回已收到的字节数（Upload-Offset），用于网络中断后从断点继续；仅上传者本人。"),
    "PATCH": ("断点续传：上传分片", "从 Upload-Offset 起追加一个分片，直接写入磁盘；最后一片到达后核对 SHA-256、"
                                 "检查文件格式并记入本案证据。仅上传者本人。"),
    "DELETE": ("断点续传：取消上传", "删除未完成的上传；仅上传者本人。"),
}
