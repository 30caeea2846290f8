"""Input field types shared by the request models.

Every value that reaches the database is bounded here, so no input can make the database refuse
it (a 500): integers fit a 32-bit column, strings carry no NUL and encode to UTF-8, dates and
times lie in 2000–2099 (the calendar's range, with room) and times carry a zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_INT = 2**31 - 1
MAX_YUAN = 1_000_000_000
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("文本中含有不允许的控制字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("文本不是有效的 UTF-8 字符") from None
    return value


def sane_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError("日期应在 2000-01-01 至 2099-12-31 之间")
    return value


def sane_moment(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("时间须带时区，例如 2026-03-02T09:30:00+08:00")
    sane_day(value.date())
    return value


Clean = AfterValidator(clean_text)
Str32 = Annotated[str, Field(max_length=32), Clean]
Str64 = Annotated[str, Field(max_length=64), Clean]
Str128 = Annotated[str, Field(max_length=128), Clean]
Str256 = Annotated[str, Field(max_length=256), Clean]
Str2000 = Annotated[str, Field(max_length=2000), Clean]
Str5000 = Annotated[str, Field(max_length=5000), Clean]
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Yuan = Annotated[int, Field(ge=0, le=MAX_YUAN, description="金额（元）")]
Day = Annotated[date, AfterValidator(sane_day)]
Moment = Annotated[datetime, AfterValidator(sane_moment)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256（64位小写十六进制）")]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class In(BaseModel):
    """Base of request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
