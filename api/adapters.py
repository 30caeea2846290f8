"""The concrete document renderer and store, imported on first use (the documents package pulls in
WeasyPrint, which costs a second at import and is not needed by most requests)."""

from __future__ import annotations

import threading
from pathlib import Path

from api.errors import ServiceUnavailable
from cases.enums import DocumentType
from cases.ports import DocumentRef


class LazyRenderer:
    def __call__(self, doc_type: DocumentType, snapshot: object) -> bytes:
        try:
            from documents.render import render_document
        except ImportError as exc:
            raise ServiceUnavailable("文书生成服务不可用，请联系管理员", code="documents_unavailable") from exc
        return render_document(doc_type, snapshot)


class LazyDocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._store = None
        self._lock = threading.Lock()

    def _get(self):  # noqa: ANN202
        with self._lock:
            if self._store is None:
                try:
                    from documents.storage import FileDocumentStore
                except ImportError as exc:
                    raise ServiceUnavailable("文书存档服务不可用，请联系管理员", code="documents_unavailable") from exc
                self._store = FileDocumentStore(self.root)
            return self._store

    def put(self, content: bytes, *, name: str) -> DocumentRef:
        return self._get().put(content, name=name)

    def get(self, ref: DocumentRef) -> bytes:
        return self._get().get(ref)
