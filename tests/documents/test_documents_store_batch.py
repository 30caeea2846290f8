"""The write-once store and the multi-process batch renderer."""

from __future__ import annotations

import hashlib
import threading

import pytest

from cases.enums import DocumentType
from cases.errors import DocumentIntegrityError, ValidationFailed
from cases.ports import DocumentRef, DocumentStore
from documents import render, samples
from documents.batch import render_batch
from documents.storage import FileDocumentStore, verify_all


def test_put_get_round_trip(tmp_path):
    store: DocumentStore = FileDocumentStore(tmp_path)
    ref = store.put(b"%PDF-1.7 one", name="rectification_notice/2026/1-3.pdf")
    digest = hashlib.sha256(b"%PDF-1.7 one").hexdigest()
    assert ref == DocumentRef("rectification_notice/2026/1-3.pdf", digest, 12)
    assert store.get(ref) == b"%PDF-1.7 one"
    assert (tmp_path / ref.path).stat().st_mode & 0o222 == 0  # read-only on disk
    assert [p.name for p in (tmp_path / "rectification_notice/2026").iterdir()] == ["1-3.pdf"]  # no temp left


def test_same_content_again_is_idempotent_and_different_content_is_refused(tmp_path):
    store = FileDocumentStore(tmp_path)
    ref = store.put(b"first", name="a/b.pdf")
    assert store.put(b"first", name="a/b.pdf") == ref
    with pytest.raises(DocumentIntegrityError):
        store.put(b"second", name="a/b.pdf")
    assert store.get(ref) == b"first"


def test_tampering_is_detected(tmp_path):
    store = FileDocumentStore(tmp_path)
    ref = store.put(b"original", name="x.pdf")
    other = store.put(b"kept", name="y.pdf")
    path = tmp_path / "x.pdf"
    path.chmod(0o644)
    path.write_bytes(b"0riginal")
    with pytest.raises(DocumentIntegrityError):
        store.get(ref)
    missing = DocumentRef("gone.pdf", ref.sha256, ref.size)
    with pytest.raises(DocumentIntegrityError):
        store.get(missing)
    assert verify_all(store, [ref, other, missing]) == [ref, missing]
    assert store.verify_all([other]) == []


@pytest.mark.parametrize("name", ["../escape.pdf", "/abs.pdf", "a/../../b.pdf", "", "a//b.pdf", "a\\b.pdf"])
def test_paths_stay_inside_the_root(tmp_path, name):
    with pytest.raises(ValidationFailed):
        FileDocumentStore(tmp_path / "root").put(b"x", name=name)


def test_concurrent_writers_of_one_name_one_wins(tmp_path):
    store = FileDocumentStore(tmp_path)
    results: list[object] = []
    barrier = threading.Barrier(8)

    def write(i: int) -> None:
        barrier.wait()
        try:
            results.append(store.put(f"content {i % 2}".encode(), name="race.pdf"))
        except DocumentIntegrityError as exc:
            results.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refs = [r for r in results if isinstance(r, DocumentRef)]
    stored = (tmp_path / "race.pdf").read_bytes()
    assert refs and all(store.get(r) == stored for r in refs)
    assert len(refs) + sum(isinstance(r, DocumentIntegrityError) for r in results) == 8
    assert len({r.sha256 for r in refs}) == 1


@pytest.mark.integration
def test_batch_returns_the_sequential_bytes_in_input_order():
    items = [(DocumentType.PENALTY_NOTICE, samples.penalty_notice()),
             (DocumentType.RECTIFICATION_NOTICE, samples.rectification_notice()),
             (DocumentType.SERVICE_RECEIPT, samples.service_receipt()),
             (DocumentType.RECTIFICATION_NOTICE, samples.rectification_notice(number="清教责改〔2026〕4号"))]
    sequential = [render.render_document(t, s) for t, s in items]
    assert render_batch(items, processes=2, min_per_worker=1) == sequential  # on two workers
    assert render_batch(items, processes=2) == sequential  # too few for two workers: in the caller
    assert render_batch([]) == []
