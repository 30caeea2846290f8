"""`enforce documents export` and `enforce documents verify`: the stored PDFs, never re-rendered."""

from __future__ import annotations

from pathlib import Path

import typer

documents_app = typer.Typer(no_args_is_help=True, help="执法文书")


def _type_option(value: str | None) -> str | None:
    from cases.enums import DocumentType

    if value is not None and value not in {t.value for t in DocumentType}:
        raise typer.BadParameter(f"未知文书类型：{value}（可选：{'、'.join(t.value for t in DocumentType)}）")
    return value


@documents_app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="导出目录"),
    doc_type: str | None = typer.Option(None, "--type", callback=_type_option, help="只导出某一类文书"),
) -> None:
    """把已签发的文书PDF按文书编号命名导出（校验哈希，不重新生成）。"""
    from sqlmodel import col, select

    from cases.db import open_session
    from cases.models import Document
    from cases.ports import DocumentRef
    from flows.context import document_store

    store = document_store()
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with open_session() as session:
        query = select(Document).order_by(col(Document.id))
        if doc_type:
            query = query.where(Document.doc_type == doc_type)
        for doc in session.exec(query).all():
            content = store.get(DocumentRef(doc.path, doc.sha256, doc.size))
            target = out / doc.doc_type.value / f"{doc.number}.pdf"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            count += 1
    typer.echo(f"已导出 {count} 份文书到 {out}")


@documents_app.command("verify")
def verify() -> None:
    """重新计算每份已存储文书的 SHA-256，报告缺失或不一致的文书。"""
    from sqlmodel import col, select

    from cases.db import open_session
    from cases.errors import DocumentIntegrityError
    from cases.models import Document
    from cases.ports import DocumentRef
    from flows.context import document_store

    store, bad, total = document_store(), [], 0
    with open_session() as session:
        for doc in session.exec(select(Document).order_by(col(Document.id))).all():
            total += 1
            try:
                store.get(DocumentRef(doc.path, doc.sha256, doc.size))
            except (DocumentIntegrityError, OSError) as exc:
                bad.append(f"{doc.number}（{doc.path}）：{getattr(exc, 'message', exc)}")
    for line in bad:
        typer.echo(f"不一致：{line}", err=True)
    if bad:
        typer.echo(f"共 {total} 份文书，{len(bad)} 份校验失败", err=True)
        raise typer.Exit(1)
    typer.echo(f"共 {total} 份文书，哈希全部一致")


def register(app: typer.Typer) -> None:
    app.add_typer(documents_app, name="documents")



