"""`FileDocumentStore`: issued PDFs on disk, write-once, verified by SHA-256 on every read.

`put` writes the bytes to a temporary file created with O_EXCL in the target folder, fsyncs it,
then links it into place with `os.link` (atomic, and fails if the name exists — unlike `rename`,
which would replace), and fsyncs the folder. So a name is bound to one content forever:
* the same bytes again under the same name → the existing ref (an idempotent re-run);
* different bytes under an existing name → `DocumentIntegrityError`, nothing is touched;
* a crash leaves at most a stray `.tmp-*` file, never a half-written document.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from cases.errors import DocumentIntegrityError, ValidationFailed
from cases.ports import DocumentRef

_CHUNK = 1 << 20


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileDocumentStore:
    """`cases.ports.DocumentStore` on a local (or mounted) folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()

    def _path(self, relative: str) -> Path:
        pure = PurePosixPath(relative)
        parts = relative.split("/")
        if not relative or pure.is_absolute() or any(part in ("", ".", "..") for part in parts) \
                or "\\" in relative or "\x00" in relative:
            raise ValidationFailed(f"文书存储路径不合法：{relative!r}", code="bad_document_path")
        return self.root.joinpath(*pure.parts)

    def put(self, content: bytes, *, name: str) -> DocumentRef:
        target = self._path(name)
        sha = hashlib.sha256(content).hexdigest()
        ref = DocumentRef(path=PurePosixPath(name).as_posix(), sha256=sha, size=len(content))
        if target.exists():
            return self._same_or_refuse(target, ref)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".tmp-{target.name}-{secrets.token_hex(8)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, target)  # atomic; refuses an existing name (a concurrent writer won)
            except FileExistsError:
                return self._same_or_refuse(target, ref)
            except OSError:  # a file system without hard links: rename after a last check
                if target.exists():
                    return self._same_or_refuse(target, ref)
                os.rename(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(target.parent)
        return ref

    def _same_or_refuse(self, target: Path, ref: DocumentRef) -> DocumentRef:
        if target.stat().st_size == ref.size and _sha256_file(target) == ref.sha256:
            return ref
        raise DocumentIntegrityError(f"文书“{ref.path}”已存在且内容不同，拒绝覆盖", path=ref.path)

    def get(self, ref: DocumentRef) -> bytes:
        path = self._path(ref.path)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise DocumentIntegrityError(f"文书“{ref.path}”不存在", path=ref.path) from None
        if len(content) != ref.size or hashlib.sha256(content).hexdigest() != ref.sha256:
            raise DocumentIntegrityError(f"文书“{ref.path}”校验失败（SHA-256 不符），可能已被篡改",
                                         path=ref.path)
        return content

    def verify(self, ref: DocumentRef) -> bool:
        try:
            self.get(ref)
        except DocumentIntegrityError:
            return False
        return True

    def verify_all(self, refs: Iterable[DocumentRef]) -> list[DocumentRef]:
        """The refs whose file is missing or altered (empty when everything verifies)."""
        return [ref for ref in refs if not self.verify(ref)]


def verify_all(store: FileDocumentStore, refs: Iterable[DocumentRef]) -> list[DocumentRef]:
    """Module-level helper: the failing refs of `refs` in `store`."""
    return store.verify_all(refs)
