"""`enforce documents …`: export and verify the stored PDFs (never re-rendered), build a case's dossier,
and set an authority's seal image or signing certificate.

    enforce documents export --out DIR [--type T]
    enforce documents verify                           # hashes, and the PAdES signatures of signed PDFs
    enforce documents dossier CASE_NUMBER --out FILE   # 卷宗封面, 卷内目录, documents, evidence, 备考表
    enforce documents seal set --department ID FILE.png
    enforce documents seal remove --department ID
    enforce documents cert set --department ID FILE.p12   # password: ENFORCE_SIGNING_PASSWORD
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

documents_app = typer.Typer(no_args_is_help=True, help="执法文书")


def _type_option(value: str | None) -> str | None:
    from cases.enums import DocumentType

    if value is not None and value not in {t.value for t in DocumentType}:
        raise typer.BadParameter(f"未知文书类型：{value}（可选：{'、'.join(t.value for t in DocumentType)}）")
    return value


@documents_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="导出目录")],
    doc_type: Annotated[str | None, typer.Option("--type", callback=_type_option, help="只导出某一类文书")] = None,
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
    """重新计算每份已存储文书的 SHA-256，并校验带电子签名文书的签名。"""
    from sqlmodel import col, select

    from cases.db import open_session
    from cases.errors import DocumentIntegrityError
    from cases.models import Document
    from cases.ports import DocumentRef
    from flows.context import document_store

    store, bad, total, signed = document_store(), [], 0, 0
    with open_session() as session:
        for doc in session.exec(select(Document).order_by(col(Document.id))).all():
            total += 1
            try:
                content = store.get(DocumentRef(doc.path, doc.sha256, doc.size))
                problem = _signature_problem(content, doc.department_id)
            except (DocumentIntegrityError, OSError) as exc:
                bad.append(f"{doc.number}（{doc.path}）：{getattr(exc, 'message', exc)}")
                continue
            if problem is not None:
                signed += 1
                if problem:
                    bad.append(f"{doc.number}（{doc.path}）：{problem}")
    for line in bad:
        typer.echo(f"不一致：{line}", err=True)
    if bad:
        typer.echo(f"共 {total} 份文书，{len(bad)} 份校验失败", err=True)
        raise typer.Exit(1)
    tail = f"；{signed} 份带电子签名，签名全部有效" if signed else ""
    typer.echo(f"共 {total} 份文书，哈希全部一致{tail}")


def _signature_problem(content: bytes, department_id: int) -> str | None:
    """None: not signed; "": every signature valid, covering the whole file, by a trusted certificate
    (the authority's stored one); otherwise what is wrong, in Chinese."""
    from documents import seals, signing
    from documents.settings import get_documents_settings

    if not signing.has_signature(content):
        return None
    p12 = seals.certificate_path(department_id)
    password = get_documents_settings().signing_password.get_secret_value()
    trust = [signing.certificate_of(p12, password)] if p12 else []
    checks = signing.verify_signatures(content, trust)
    if not checks:
        return None
    for check in checks:
        if not (check.intact and check.valid):
            return f"电子签名无效（签名人：{check.signer}），文件在签名后被改动"
        if not check.whole_file:
            return f"电子签名未覆盖整个文件（签名人：{check.signer}），签名后有追加内容"
        if not check.trusted:
            return f"电子签名的证书不是本机关存储的证书（签名人：{check.signer}）"
    return ""


@documents_app.command("dossier")
def dossier(
    case_number: Annotated[str, typer.Argument(help="案件编号")],
    out: Annotated[Path, typer.Option("--out", help="输出的案卷PDF文件")],
) -> None:
    """按案卷评查的要求组卷：卷宗封面、卷内目录、按法定顺序排列的文书（存储原件）及证据、备考表。"""
    from cases.db import open_session
    from cases.errors import DomainError
    from cases.service.dossier import dossier_material, store_dossier
    from cases.settings import get_clock, get_settings
    from documents.dossier import build_dossier
    from flows.context import document_store

    clock, store = get_clock(), document_store()
    try:
        with open_session() as session:
            cover, items = dossier_material(session, case_number, store=store,
                                            evidence_root=get_settings().resolved_home / "evidence",
                                            zone=clock.now().tzinfo, today=clock.today())
        bound = store_dossier(store, case_number, build_dossier(cover, items), len(items))
    except DomainError as exc:
        typer.echo(f"无法组卷：{exc.message}", err=True)
        raise typer.Exit(1) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bound.content)
    typer.echo(f"案卷 {case_number}：{bound.items} 份文书，已写入 {out}"
               f"（SHA-256 {bound.sha256}，存储为 {bound.ref.path}）")


seal_app = typer.Typer(no_args_is_help=True, help="机关印章图片（透明PNG，放在落款处供打印；不上传则留空加盖实物印章）")
cert_app = typer.Typer(no_args_is_help=True, help="机关电子签名证书（PKCS#12：盖章文书签发时加电子签名）")
documents_app.add_typer(seal_app, name="seal")
documents_app.add_typer(cert_app, name="cert")


def _department(department_id: int) -> str:
    from cases.db import open_session
    from cases.models import Department

    with open_session() as session:
        dept = session.get(Department, department_id)
    if dept is None:
        typer.echo(f"部门 {department_id} 不存在", err=True)
        raise typer.Exit(1)
    return dept.name


@seal_app.command("set")
def seal_set(department: Annotated[int, typer.Option("--department", help="部门编号")],
             file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="透明背景的PNG印章图片")]) -> None:
    """上传（替换）机关印章图片。"""
    from cases.errors import ValidationFailed
    from documents.seals import store_seal_image

    name = _department(department)
    try:
        path = store_seal_image(department, file.read_bytes())
    except ValidationFailed as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"已设置{name}的印章图片：{path}（此后签发的盖章文书在落款处使用该图片）")


@seal_app.command("remove")
def seal_remove(department: Annotated[int, typer.Option("--department", help="部门编号")]) -> None:
    """删除机关印章图片（此后落款处留空，加盖实物印章）。"""
    from documents.seals import remove_seal_image

    name = _department(department)
    typer.echo(f"已删除{name}的印章图片" if remove_seal_image(department) else f"{name}没有印章图片")


@cert_app.command("set")
def cert_set(department: Annotated[int, typer.Option("--department", help="部门编号")],
             file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="PKCS#12 证书文件（.p12）")],
             ) -> None:
    """上传（替换）机关电子签名证书；密码取自 ENFORCE_SIGNING_PASSWORD。"""
    from cases.errors import ValidationFailed
    from documents.seals import store_certificate

    name = _department(department)
    try:
        path, subject = store_certificate(department, file.read_bytes())
    except ValidationFailed as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"已设置{name}的签名证书：{subject}（{path}）")


def register(app: typer.Typer) -> None:
    app.add_typer(documents_app, name="documents")



