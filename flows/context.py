"""Composition root for the CLI and the flows: builds the concrete calendar, clock, renderer, store."""

from __future__ import annotations

from functools import lru_cache

from cases.authority import Actor
from cases.caches import register_cache
from cases.enums import Role
from cases.models import Department, Officer
from cases.ports import Clock
from cases.service import Ctx
from cases.settings import get_calendar, get_clock, get_settings


def document_store():  # noqa: ANN201
    return _store_at(get_settings().documents_dir)


@lru_cache
def _store_at(root):  # noqa: ANN001, ANN202
    from documents.storage import FileDocumentStore

    return FileDocumentStore(root)


register_cache("flows.context._store_at", _store_at.cache_clear)


def renderer():  # noqa: ANN201
    from documents.render import render_document

    return render_document


def make_ctx(actor: Actor, clock: Clock | None = None) -> Ctx:
    return Ctx(actor=actor, clock=clock or get_clock(), calendar=get_calendar(), renderer=renderer(),
               store=document_store())


def actor_for(officer: Officer, department: Department, today=None) -> Actor:  # noqa: ANN001
    return Actor(officer_id=officer.id, roles=frozenset(Role(r) for r in officer.roles),
                 department_id=officer.department_id, region_code=department.region_code, name=officer.name,
                 certified=officer.certified_on(today or get_clock().today()))
