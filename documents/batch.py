"""Render many documents with a pool of worker processes (fork), results in input order.

Each worker drops any WeasyPrint state inherited from the parent (font maps hold FreeType
handles that must not be shared across processes), then warms its own fonts and stylesheet
once (`documents.render.warm`) before taking documents. Every render keeps its own time limit.
A worker error (RenderError, RefusedResource, RenderTimeout …) is re-raised in the caller.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence

from cases.enums import DocumentType
from documents import render
from documents.settings import get_documents_settings


def _init_worker() -> None:
    # A worker forked from a Prefect flow run inherits the engine's SIGTERM handler, which raises
    # TerminationSignal (a traceback on stderr) when the pool terminates its workers on exit.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    render.reset()
    render.warm()


def _render_one(item: tuple[DocumentType, object]) -> bytes:
    doc_type, snapshot = item
    return render.render_document(doc_type, snapshot)


def render_batch(items: Sequence[tuple[DocumentType, object]], *, processes: int | None = None,
                 chunksize: int | None = None) -> list[bytes]:
    """PDF bytes of every `(doc_type, snapshot)` in `items`, in the same order."""
    items = list(items)
    if not items:
        return []
    workers = max(1, min(processes or get_documents_settings().render_processes, len(items)))
    chunk = chunksize or max(1, len(items) // (workers * 4))
    with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
        return pool.map(_render_one, items, chunksize=chunk)
