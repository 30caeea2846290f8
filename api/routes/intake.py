"""Batch intake of a hotline / platform export: the file is stored on the shared ENFORCE_HOME and
the `intake-batch` deployment is started for it (in this process when no Prefect API is configured)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel

from api import triggers
from api.deps import CaseWorker, CtxDep, WriteSessionDep
from api.errors import PayloadTooLarge, error_responses
from cases.uploads import MAX_BYTES, store_intake_upload

router = APIRouter(prefix="/intake", tags=["举报线索批量导入"])


class IntakeStarted(BaseModel):
    upload: str
    mode: str
    flow_run_id: str | None = None
    flow_run_name: str | None = None
    result: dict[str, int | str] = {}


@router.post("/uploads", status_code=202, response_model=IntakeStarted, summary="上传举报线索文件并开始导入",
             description="CSV（UTF-8）或 Excel（.xlsx），表头为热线平台导出的列名"
                         "（工单号、来源渠道、举报内容、区域代码……）。文件存入共享存储后启动 intake-batch 部署；"
                         "未配置 Prefect 时在本服务内直接导入并返回结果。",
             responses=error_responses(401, 403, 413, 422))
def upload_intake(actor: CaseWorker, session: WriteSessionDep, ctx: CtxDep,
                  file: Annotated[UploadFile, File(description="CSV 或 .xlsx 文件")],
                  merge_window_days: Annotated[int, Query(ge=0, le=365, description="并案时间窗（天）")] = 30,
                  ) -> IntakeStarted:
    content = file.file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge("导入文件过大", max_bytes=MAX_BYTES)
    upload = store_intake_upload(content, file.filename or "")
    started = triggers.start_intake(session, ctx, upload, region_code=actor.region_code,
                                    merge_window_days=merge_window_days)
    return IntakeStarted(upload=upload, mode=started.mode, flow_run_id=started.flow_run_id,
                         flow_run_name=started.flow_run_name, result=started.result)
