"""Web pages for officers, supervisors and the public: server-rendered Jinja2 on the same app.

Same rules as the HTTP API: the pages call the same use cases, queries and views, with the
caller taken from a signed session cookie instead of a bearer header. `install(app)` adds the
pages, the static folder (`/static`) and the Chinese HTML page for unknown addresses.
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from fastapi.staticfiles import StaticFiles

    from api.web.pages import web_router
    from api.web.routing import HtmlFallback
    from api.web.templating import STATIC

    app.include_router(web_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="web-static")
    app.router.routes.append(HtmlFallback())
