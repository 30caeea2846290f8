"""PAdES signatures of issued documents (pyHanko), and their verification.

A document issued in an authority's name (a snapshot with `sealed=True`) whose authority has a
certificate (`documents.seals.certificate_path`) is signed right after it is rendered, before it
is stored and hashed: the stored bytes are the signed PDF, so `enforce documents verify` checks
the hash of exactly what was signed, and then the signature itself. The signature is invisible
(the seal position stays what GB/T 9704 makes it: the physical stamp or the uploaded image);
it is a PAdES baseline signature (ETSI.CAdES.detached, SHA-256) over the whole file.

Verification reports, per signature: the signer, whether the signed bytes are intact, whether
the signature is cryptographically valid, whether it covers the whole file (nothing appended
after signing), and whether the signer chains to a trusted certificate — by default the
authority's own stored certificate (a self-signed certificate is then trusted as itself).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from cases.errors import DocumentIntegrityError
from documents.errors import RenderError

SIGNATURE_FIELD = "EnforceSignature"


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str  # the certificate's subject
    intact: bool  # the signed byte ranges hash to the signed digest
    valid: bool  # the signature over the digest verifies with the signer's key
    whole_file: bool  # the signature covers the file entirely (no later changes)
    trusted: bool  # the signer chains to one of the trust roots
    signed_at: datetime | None

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.whole_file and self.trusted


T = TypeVar("T")


def _signer(p12: Path, password: str):  # noqa: ANN202
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=password.encode() or None)
    if signer is None:
        raise RenderError("签名证书无法打开（PKCS#12 文件或密码不正确）", code="render_signing_certificate")
    return signer


def sign_pdf(pdf: bytes, p12: Path, password: str = "", *, name: str = "", reason: str = "",
             location: str = "") -> bytes:
    """The PDF with an invisible PAdES signature by the certificate in `p12`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES, name=name or None,
                                        reason=reason or None, location=location or None)
    signer = _signer(p12, password)

    def sign() -> bytes:
        return bytes(signers.sign_pdf(writer, meta, signer=signer).getvalue())

    return _outside_event_loop(sign)


def _outside_event_loop(work: Callable[[], T]) -> T:
    """pyHanko signs through `asyncio.run`, which refuses to start inside a running event loop (an
    async caller, or a thread that hosts one): there the work runs on a short-lived thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-sign") as pool:
        return pool.submit(work).result()


def certificate_of(p12: Path, password: str = ""):  # noqa: ANN201 - an asn1crypto x509.Certificate
    """The signing certificate in a PKCS#12 file (to trust it when verifying its own documents)."""
    return _signer(p12, password).signing_cert


def has_signature(pdf: bytes) -> bool:
    return b"/ByteRange" in pdf and b"/Contents" in pdf


def verify_signatures(pdf: bytes, trust_roots: list | tuple = ()) -> list[SignatureCheck]:
    """Every signature of the PDF, checked (empty list: the PDF is not signed)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - a damaged file is an integrity failure, not a crash
        raise DocumentIntegrityError(f"文书无法解析：{exc}", code="document_unreadable") from None
    checks = []
    for signature in signatures:
        context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
        status = _outside_event_loop(partial(validate_pdf_signature, signature, context))
        checks.append(SignatureCheck(
            field=signature.field_name, signer=status.signing_cert.subject.human_friendly,
            intact=bool(status.intact), valid=bool(status.valid),
            whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            trusted=bool(status.trusted), signed_at=status.signer_reported_dt))
    return checks
