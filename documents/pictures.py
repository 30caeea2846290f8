"""Page-1 images of every document type and of a sample dossier's cover and 卷内目录, for
`docs/documents/` (`python -m documents.pictures docs/documents`).

Each image is rendered from `documents.samples` (typical content), rasterised with poppler's
`pdftoppm` at 60 dpi and reduced to a 64-colour palette PNG, so the folder stays small.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from cases.enums import DocumentType
from documents import dossier, render, samples

DPI = 60


def _png(pdf: bytes, out: Path, page: int = 1) -> Path:
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", "-png",
                        str(source), str(Path(tmp) / "page")], check=True)
        image = Image.open(Path(tmp) / "page.png").convert("RGB")
        image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    return out


def sample_dossier() -> bytes:
    """A dossier of the sample documents (cover, 目录, the documents, 备考表)."""
    items = []
    for doc_type in (DocumentType.INSPECTION_RECORD, DocumentType.RECTIFICATION_NOTICE, DocumentType.SERVICE_RECEIPT,
                     DocumentType.PENALTY_NOTICE, DocumentType.PENALTY_DECISION):
        snapshot = samples.sample_with(doc_type, "typical")
        pdf = render.render_document(doc_type, snapshot)
        items.append(dossier.DossierItem(
            number=getattr(snapshot, "number", ""), title=doc_type.label,
            issued_on=getattr(snapshot, "issued_on", None) or date(2026, 3, 7), pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(), author=samples.AUTHORITY.name))
    cover = dossier.DossierCover(
        case_number="2026-340100-0007", cause="涉嫌占用法定节假日、休息日、寒暑假开展学科类培训案",
        party=samples.PARTY.name, authority=samples.AUTHORITY.name, filed_on=date(2026, 3, 9),
        closed_on=date(2026, 5, 8),
        handlers=("王建国（执法证号：34010020260018）", "陈晓燕（执法证号：34010020260027）"),
        retention="长期（30年）", result="处罚执行完毕", filed_by="王建国", archived_on=date(2026, 5, 12))
    return dossier.build_dossier(cover, items)


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for doc_type in DocumentType:
        pdf = render.render_document(doc_type, samples.sample_with(doc_type, "typical"))
        print(_png(pdf, out / f"{doc_type}.png"))
    whole = sample_dossier()
    print(_png(whole, out / "dossier_cover.png", 1))
    print(_png(whole, out / "dossier_toc.png", 2))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/documents")
