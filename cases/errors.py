"""Domain exceptions. Each carries a stable machine code and a Chinese message for users.

No HTTP status codes here: `api/errors.py` maps exception types to statuses.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base: `code` is stable (scripts and the API rely on it), `message` is for people."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class NotFound(DomainError):
    code = "not_found"


class NotAuthorised(DomainError):
    code = "not_authorised"


class InvalidTransition(DomainError):
    """The event is not declared from the case's current state."""

    code = "invalid_transition"


class RuleViolation(DomainError):
    """A guard refused: the event exists but the facts do not allow it now."""

    code = "rule_violation"


class StaleVersion(DomainError):
    """Optimistic lock: the caller's version is not the row's version."""

    code = "stale_version"

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(
            f"案件已被他人修改（当前版本 {current}，提交版本 {expected}），请刷新后重试",
            expected=expected,
            current=current,
        )
        self.current = current


class ValidationFailed(DomainError):
    """Bad input caught at the edge of the domain."""

    code = "validation_failed"


class CalendarUnknown(DomainError):
    """A date falls in a year whose official holiday table we do not have."""

    code = "calendar_unknown"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}年的法定节假日安排（国务院办公厅通知）尚未载入，无法确定工作日；"
            f"请载入该年度日历，或按暂定结果计算",
            year=year,
        )
        self.year = year


class DocumentIntegrityError(DomainError):
    code = "document_integrity"


class VersionRequired(DomainError):
    """A versioned write sent without the version it was based on (If-Match)."""

    code = "precondition_required"


class Busy(DomainError):
    """The case was being written by someone else at the same moment, and retrying did not help."""

    code = "concurrent_update"


class InputInvalid(ValidationFailed):
    """An action's input does not match its model; `errors` are pydantic's, per field."""

    code = "request_invalid"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        fields = "、".join(".".join(str(p) for p in e.get("loc", ())) for e in errors[:5])
        super().__init__(f"请求参数不合法：{fields}" if fields else "请求参数不合法")
        self.errors = errors


class Conflict(DomainError):
    """The write clashes with what is stored (a unique key taken, a row still referenced)."""

    code = "conflict"


class PayloadTooLarge(DomainError):
    """An uploaded file or body is larger than the configured limit."""

    code = "payload_too_large"


class UnsupportedMedia(DomainError):
    """An uploaded file is not in a format the system reads."""

    code = "unsupported_media_type"


class ServiceUnavailable(DomainError):
    """A resource the request needs is busy or down; the caller may retry (`retry_after` seconds)."""

    code = "service_unavailable"
