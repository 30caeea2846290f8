"""The `enforce` command line: one Typer app assembled from a sub-app per concern.

The CLI is a composition root (like `api/deps.py` and the flow functions): it builds the
concrete calendar, clock, renderer and store and hands them to `cases` use cases. Heavy
imports (prefect, weasyprint) happen inside the commands that need them, so
`enforce calendar …` answers in well under a second.
"""

from __future__ import annotations

import typer

from flows.cli import backup, calendar, cases, check, documents, lifecycle, patrol, prefect, serve

app = typer.Typer(no_args_is_help=True, add_completion=False, help="双减 执法办案系统 命令行")

for _module in (calendar, check, cases, documents, backup, lifecycle, serve, patrol, prefect):
    _module.register(app)
