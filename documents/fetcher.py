"""The only way a render reaches the file system: `StaticOnlyFetcher` (WeasyPrint 70 URLFetcher).

It serves `file://` URLs that resolve (after following symlinks and `..`) inside one of its
allowed folders — `documents/static/` and the licensed-font folder — and refuses everything
else: other files, `http(s)://`, `ftp://`, `data:`. A refusal raises WeasyPrint's
`FatalURLFetchingError`, which aborts the render (any other exception would only be logged and
the resource silently dropped); `documents.render` converts it to `RefusedResource`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC_DIR = (Path(__file__).parent / "static").resolve()


class RefusedFetch(FatalURLFetchingError):
    """Raised inside WeasyPrint; carries the refused URL."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def resolve_file_url(url: str) -> Path | None:
    """The local path of a plain `file://` URL (no host, no query), else None."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parts.path)).resolve()


class StaticOnlyFetcher(URLFetcher):
    def __init__(self, roots: Iterable[Path] = (STATIC_DIR,)) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)
        self.roots = tuple(Path(r).resolve() for r in roots)
        # Refusals seen since the last `clear()`: WeasyPrint swallows every exception (even a
        # BaseException) raised while drawing an SVG's <image>, so the renderer checks this too.
        self.refused: list[str] = []

    def clear(self) -> None:
        self.refused.clear()

    def allows(self, url: str) -> bool:
        path = resolve_file_url(url)
        return path is not None and path.is_file() and any(path.is_relative_to(r) for r in self.roots)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if not self.allows(url):
            self.refused.append(url)
            raise RefusedFetch(url)
        return super().fetch(url.split("?")[0].split("#")[0], headers)
