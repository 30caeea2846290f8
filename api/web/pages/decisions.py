"""一公开: published 行政处罚决定 on public pages, no login (行政处罚法 art. 48), personal data redacted.

`/public/decisions` lists the decisions published and not withdrawn; `/public/decisions/{id}` shows one.
A withdrawn decision (art. 48 ¶2) is no longer listed and its page answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import SessionDep
from api.web.routing import WebRoute
from api.web.templating import page
from cases import queries

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 20


@router.get("/public/decisions", summary="行政处罚决定公开")
def decisions(request: Request, session: SessionDep, p: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    rows, total = queries.published_decisions(session, limit=PAGE_SIZE, offset=(p - 1) * PAGE_SIZE)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return page(request, "public_decisions.html", {"rows": rows, "total": total, "page_no": p, "pages": pages},
                public=True)


@router.get("/public/decisions/{decision_id}", summary="行政处罚决定")
def decision(request: Request, session: SessionDep, decision_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    row = queries.published_decision(session, decision_id)
    if row is None:
        return page(request, "public_decision.html", {"row": None}, status=404, public=True)
    return page(request, "public_decision.html", {"row": row}, public=True)
