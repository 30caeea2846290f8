"""Web pages for officers, supervisors and the public: server-rendered Jinja2 on the same app.

Same rules as the HTTP API: the pages call the same use cases, queries and views, with the
caller taken from a signed session cookie instead of a bearer header. `install(app, pages)` adds the
pages, the static folder (`/static`) and the Chinese HTML page for unknown addresses.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.routing import BaseRoute


def install(app: FastAPI, pages: Iterable[BaseRoute]) -> None:
    """Add `pages` (the routes of `api.web.pages.web_router`, built once per process by
    `api.main`), the static folder and the fallback page."""
    from fastapi.staticfiles import StaticFiles

    from api.web.routing import HtmlFallback
    from api.web.templating import STATIC

    app.router.routes.extend(pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="web-static")
    app.router.routes.append(HtmlFallback())
