"""One way the pages export a table to Excel: a title, a line saying what was selected, the header,
the rows (openpyxl), as a download named in Chinese."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import Response

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(title: str, subtitle: str, header: Sequence[str], rows: Sequence[Sequence[Any]], filename: str,
                  *, widths: Sequence[int] = ()) -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([title])
    sheet.append([subtitle])
    sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    sheet["A1"].font = Font(bold=True, size=14)
    fill = PatternFill("solid", fgColor="DCE6F5")
    for cell in sheet[4]:
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "B5"
    buffer = io.BytesIO()
    book.save(buffer)
    ascii_name = "export.xlsx"
    return Response(buffer.getvalue(), media_type=XLSX_TYPE, headers={
        "Content-Disposition": f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"})
