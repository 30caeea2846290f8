"""The one table mapping errors to HTTP statuses, and the one JSON shape `{code, message, detail}`.

Domain errors carry their stable code and Chinese message; this module only chooses the status.
FastAPI's request validation, unknown routes (404), wrong methods (405) and anything unexpected
(a logged 500 `internal_error`) answer in the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cases.errors import (
    Busy,
    CalendarUnknown,
    Conflict,
    DocumentIntegrityError,
    DomainError,
    InputInvalid,
    InvalidTransition,
    NotAuthorised,
    NotFound,
    PayloadTooLarge,
    RuleViolation,
    ServiceUnavailable,
    StaleVersion,
    UnsupportedMedia,
    ValidationFailed,
    VersionRequired,
)

log = logging.getLogger("api")


# --- errors raised by the HTTP layer itself (domain errors, so they share the shape) -------------
# Conflict, PayloadTooLarge, UnsupportedMedia and ServiceUnavailable are raised by use cases too:
# they live in cases.errors.
class NotAuthenticated(DomainError):
    code = "not_authenticated"


class LoginLocked(DomainError):
    code = "login_locked"


class PreconditionRequired(DomainError):
    code = "precondition_required"


class RateLimited(DomainError):
    code = "rate_limited"


# Most specific first: the first class in this order that matches decides the status.
HTTP_STATUS: dict[type[DomainError], int] = {
    NotAuthenticated: 401,
    NotAuthorised: 403,
    NotFound: 404,
    StaleVersion: 409,
    Busy: 409,
    InvalidTransition: 409,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMedia: 415,
    RuleViolation: 422,
    ValidationFailed: 422,
    CalendarUnknown: 422,
    PreconditionRequired: 428,
    VersionRequired: 428,
    LoginLocked: 429,
    RateLimited: 429,
    DocumentIntegrityError: 500,
    ServiceUnavailable: 503,
}
try:  # the renderer's own errors: the server failed, not the request
    from documents.errors import RenderError, RenderTimeout

    HTTP_STATUS = {RenderTimeout: 503, RenderError: 500, **HTTP_STATUS}
except ImportError:  # pragma: no cover - documents not installed
    pass

DEFAULT_DOMAIN_STATUS = 422  # a domain refusal we have no better status for

STATUS_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "您无权执行此操作",
    404: "请求的资源不存在",
    405: "不支持该请求方法",
    406: "无法提供所要求的响应格式",
    413: "请求内容过大",
    415: "不支持的内容类型",
    422: "请求参数不合法",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
}

# pydantic error types → Chinese reasons shown per field
FIELD_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "不允许的字段",
    "int_parsing": "应为整数", "int_type": "应为整数", "int_from_float": "应为整数",
    "float_parsing": "应为数字", "float_type": "应为数字", "decimal_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为字符串", "string_too_short": "内容过短", "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "greater_than": "数值过小", "greater_than_equal": "数值过小", "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "too_short": "项数过少", "too_long": "项数过多", "list_type": "应为列表",
    "enum": "不是允许的取值", "literal_error": "不是允许的取值",
    "date_parsing": "日期格式应为 YYYY-MM-DD", "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601", "datetime_from_date_parsing": "时间格式应为 ISO 8601",
    "datetime_type": "时间格式应为 ISO 8601", "timezone_aware": "时间须带时区",
    "json_invalid": "不是有效的 JSON", "model_attributes_type": "应为 JSON 对象", "dict_type": "应为 JSON 对象",
    "value_error": "取值不合法", "url_parsing": "网址格式不正确",
}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": jsonable_encoder(detail or {})}


def status_of(exc: DomainError) -> int:
    for exc_type, status in HTTP_STATUS.items():
        if isinstance(exc, exc_type):
            return status
    return DEFAULT_DOMAIN_STATUS


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status in (429, 503) and exc.detail.get("retry_after"):
        headers["Retry-After"] = str(exc.detail["retry_after"])
    if status >= 500:
        log.error("server-side domain error: %s", exc, exc_info=exc)
    detail = exc.detail
    if isinstance(exc, InputInvalid):  # the same shape as a body FastAPI itself refused
        detail = {"errors": field_errors({**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors)}
    if isinstance(exc, StaleVersion):  # the client's next If-Match, also as the ETag
        detail = {"current_version": exc.current, "expected_version": exc.detail.get("expected")}
        headers["ETag"] = f'"{exc.current}"'
    return JSONResponse(error_body(exc.code, exc.message, detail), status, headers=headers)


def field_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        out.append({"loc": loc, "type": err.get("type", ""),
                    "message": FIELD_MESSAGES.get(err.get("type", ""), "取值不合法")})
    return out


def _request_invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    where = "、".join(".".join(e["loc"][1:] or e["loc"]) for e in errors[:5])
    message = f"请求参数不合法：{where}" if where else STATUS_MESSAGES[422]
    return JSONResponse(error_body("request_invalid", message, {"errors": errors}), 422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI could not parse the body (bad UTF-8, broken multipart)
        return JSONResponse(error_body("request_invalid", "请求内容无法解析（应为 UTF-8 编码的 JSON 或表单）"), 422)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated", 403: "not_authorised"}
    code = codes.get(exc.status_code, f"http_{exc.status_code}")
    message = STATUS_MESSAGES.get(exc.status_code, "请求无法处理")
    return JSONResponse(error_body(code, message), exc.status_code, headers=getattr(exc, "headers", None))


def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.error("database error: %s", exc)
    return JSONResponse(error_body("database_busy", "数据库繁忙，请稍后重试"), 503, headers={"Retry-After": "1"})


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", STATUS_MESSAGES[500]), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the error shape for `statuses`."""
    from api.schemas import ErrorOut

    return {status: {"model": ErrorOut, "description": STATUS_MESSAGES.get(status, "错误")}
            for status in statuses}
