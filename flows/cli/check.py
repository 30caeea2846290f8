"""`enforce check …`: validate identifiers at the command line.

`enforce check uscc CODE` prints the normalised code and `有效` (exit 0), or the reason on
stderr (exit 1). `enforce check name NAME` prints the institution-name matching key.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cases.errors import ValidationFailed
from cases.uscc import normalise_name, validate_uscc

check_app = typer.Typer(no_args_is_help=True, help="统一社会信用代码等数据校验")


def register(app: typer.Typer) -> None:
    app.add_typer(check_app, name="check")


@check_app.command("uscc")
def uscc(code: Annotated[str, typer.Argument(metavar="CODE", help="18位统一社会信用代码")]) -> None:
    """校验统一社会信用代码（GB 32100），打印规范化后的代码。"""
    try:
        value = validate_uscc(code)
    except ValidationFailed as exc:
        typer.echo(f"无效：{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{value} 有效")


@check_app.command("name")
def name(text: Annotated[str, typer.Argument(metavar="NAME", help="机构名称")]) -> None:
    """打印机构名称的比对键（全角转半角、统一括号、去标点与公司类型后缀）。"""
    typer.echo(normalise_name(text))
