"""Reference data for forms: the violation catalogue and the regions (public, read-only)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.deps import SessionDep
from cases.catalogue import load_catalogue
from cases.models import Region

router = APIRouter(tags=["基础数据"])


class ViolationTypeOut(BaseModel):
    code: str = Field(examples=["rest_day_training"])
    name: str = Field(examples=["在法定节假日、休息日及寒暑假期组织学科类培训"])
    violated_rule: str
    penalty_basis: str
    penalty: str
    competent: list[str] = Field(description="有管辖权的部门类型（第一个为主办）")


class RegionOut(BaseModel):
    code: str
    name: str
    parent_code: str | None
    level: str


@router.get("/violations", response_model=list[ViolationTypeOut], summary="违法行为目录",
            description="违法行为类型、违反的规定和处罚依据（填写举报、认定违法时使用）。")
def violations() -> list[ViolationTypeOut]:
    return [ViolationTypeOut(code=v.code, name=v.name, violated_rule=v.violated_rule,
                             penalty_basis=v.penalty_basis, penalty=v.penalty, competent=list(v.competent))
            for v in load_catalogue().violations.values()]


@router.get("/regions", response_model=list[RegionOut], summary="行政区划",
            description="本系统使用的行政区划（省、市、县、乡镇/街道）。")
def regions(session: SessionDep) -> list[RegionOut]:
    rows = session.exec(select(Region).order_by(col(Region.code))).all()
    return [RegionOut(code=r.code, name=r.name, parent_code=r.parent_code, level=r.level) for r in rows]
