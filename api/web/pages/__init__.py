"""The page routers, one module per page group, all answering through `WebRoute`."""

from __future__ import annotations

from fastapi import APIRouter

from api.web.routing import WebRoute


def web_router() -> APIRouter:
    from api.web.pages import (
        admin,
        auth,
        board,
        cases,
        desk,
        files,
        institutions,
        intake,
        offline,
        patrols,
        public,
        stats,
    )

    router = APIRouter(route_class=WebRoute, include_in_schema=False)
    for module in (auth, public, offline, cases, files, board, desk, admin, patrols, stats, institutions, intake):
        router.include_router(module.router)
    return router
