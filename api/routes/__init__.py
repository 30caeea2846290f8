"""Routers under /api/v1, one module per concern."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import actions, auth, board, cases, complaints, documents, institutions, intake, reference, staff


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    for module in (auth, complaints, cases, actions, documents, institutions, intake, staff, board, reference):
        router.include_router(module.router)
    return router
