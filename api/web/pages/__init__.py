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
        decisions,
        desk,
        files,
        institutions,
        intake,
        offline,
        patrols,
        public,
        stats,
        whistles,
    )

    router = APIRouter(route_class=WebRoute, include_in_schema=False)
    for module in (auth, public, decisions, offline, cases, files, board, desk, admin, patrols, stats, institutions,
                   intake, whistles):
        router.include_router(module.router)
    return router
