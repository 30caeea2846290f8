"""Errors of the document renderer, as domain errors with a stable code and a Chinese message."""

from __future__ import annotations

from typing import Any

from cases.errors import DomainError


def _rebuild(cls: type[RenderError], state: dict[str, Any]) -> RenderError:
    error = Exception.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class RenderError(DomainError):
    """A document could not be rendered."""

    code = "render_failed"

    def __reduce__(self) -> tuple[Any, ...]:
        # picklable across batch worker processes whatever the subclass's __init__ signature
        return _rebuild, (type(self), dict(self.__dict__))


class RefusedResource(RenderError):
    """A template tried to load something outside documents/static (or the licensed-font folder)."""

    code = "render_refused_resource"

    def __init__(self, url: str) -> None:
        super().__init__(f"文书模板引用了不允许的外部资源：{url[:200]}", url=url)
        self.url = url


class RenderTimeout(RenderError):
    """The render ran past `DocumentsSettings.render_timeout_s`."""

    code = "render_timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"文书生成超时（超过{seconds:g}秒），已中止", seconds=seconds)
        self.seconds = seconds


class SnapshotMismatch(RenderError):
    """The snapshot handed over is not the one of the document type, or a field is malformed."""

    code = "render_bad_snapshot"
