"""`enforce lifecycle diagram`: draw the two declared machines (case lifecycle, penalty procedure).

The drawing is read from the machines themselves (`cases.lifecycle`): every state, every declared
transition with its event and guards. Graphviz's `dot` renders it (Debian package `graphviz`,
installed by `.ci/setup`); `--format dot` writes the source only.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer
from statemachine import StateMachine

from cases.enums import CaseEventType, CaseStatus, PenaltyStep
from cases.lifecycle import CaseLifecycle, PenaltyProcedure

lifecycle_app = typer.Typer(no_args_is_help=True, help="案件状态机")
FONT = "Noto Sans CJK SC"


def register(app: typer.Typer) -> None:
    app.add_typer(lifecycle_app, name="lifecycle")


def _quote(text: str) -> str:
    """A DOT string; labels are our own Chinese text, so only quotes need escaping."""
    return '"' + text.replace('"', "'") + '"'


def to_dot(machine: type[StateMachine], title: str, labels: dict[str, str]) -> str:
    """DOT source of a declared machine: states by their Chinese label, edges by event and guards."""
    lines = [f"digraph {machine.__name__} {{", f"label={_quote(title)}; labelloc=t; rankdir=LR;",
             f'fontname="{FONT}"; node [shape=box, style=rounded, fontname="{FONT}", fontsize=11];',
             f'edge [fontname="{FONT}", fontsize=9];', '__start [shape=point, width=0.15];']
    for state in machine.states:
        shape = ", peripheries=2" if state.final else ""
        lines.append(f"{state.id} [label={_quote(labels.get(str(state.value), state.id))}{shape}];")
    initial = next(s for s in machine.states if s.initial)
    lines.append(f"__start -> {initial.id};")
    for state in machine.states:
        for t in state.transitions:
            guards = [str(v) for v in t.validators if str(v) != "authorised"]
            event = CaseEventType(t.event).label if t.event in CaseEventType._value2member_map_ else t.event
            text = event + (f"\\n〔{'、'.join(guards)}〕" if guards else "")  # \\n: a line break in DOT
            lines.append(f"{t.source.id} -> {t.target.id} [label={_quote(text)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


MACHINES = {
    "case-lifecycle": (CaseLifecycle, "案件办理状态机（CaseLifecycle）", {s.value: s.label for s in CaseStatus}),
    "penalty-procedure": (PenaltyProcedure, "行政处罚程序（PenaltyProcedure，案件处于“行政处罚”状态时）",
                          {s.value: s.label for s in PenaltyStep}),
}


@lifecycle_app.command("diagram")
def diagram(out: Annotated[Path, typer.Option(help="输出目录")] = Path("docs/lifecycle"),
            fmt: Annotated[list[str], typer.Option("--format", help="svg、png 或 dot，可重复")] = ["svg", "png"],  # noqa: B006
            ) -> None:
    """按代码中声明的状态机画出状态图（每个状态、每个声明的转换及其守卫）。"""
    out.mkdir(parents=True, exist_ok=True)
    if any(f != "dot" for f in fmt) and shutil.which("dot") is None:
        typer.echo("未找到 Graphviz 的 dot 命令：请安装 graphviz（.ci/setup 会安装）", err=True)
        raise typer.Exit(2)
    for name, (machine, title, labels) in MACHINES.items():
        source = to_dot(machine, title, labels)
        for kind in fmt:
            target = out / f"{name}.{kind}"
            if kind == "dot":
                target.write_text(source, encoding="utf-8")
            else:
                target.write_bytes(subprocess.run(["dot", f"-T{kind}"], input=source.encode(), check=True,
                                                  capture_output=True).stdout)
            typer.echo(str(target))
