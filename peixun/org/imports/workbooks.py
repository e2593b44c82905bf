"""The xlsx files the pages hand out: the blank template, exports and the error report.

All share the column layout in `columns`, so each of them can be uploaded again.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from peixun.org.imports.columns import COLUMNS, ERROR_COLUMN, EXAMPLES, INSTRUCTIONS_SHEET, SHEET_TITLES, Column
from peixun.org.imports.reader import Row
from peixun.org.models import Cadre, Unit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_ROWS = 10000  # how far down the drop-downs and text formats reach
DATE_FORMAT = "yyyy-mm-dd"
BOLD = Font(bold=True)
ERROR_FILL = PatternFill("solid", fgColor="FDE2E1")
HEADER_FILL = PatternFill("solid", fgColor="F3F4F6")


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rules(column: Column) -> str:
    parts = [column.help] if column.help else []
    if column.choices:
        parts.append("可选：" + "、".join(column.choices))
    if column.max_length and not column.choices:
        parts.append(f"不超过{column.max_length}个字符")
    return "；".join(parts)


def template(kind: str) -> bytes:
    """Header row with drop-downs on the data sheet; rules and an example on "填写说明"."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES[kind]
    sheet.append([c.header for c in columns])
    sheet.freeze_panes = "A2"
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position)
        cell.font, cell.fill = BOLD, HEADER_FILL
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        elif column.date:
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
        if column.choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(column.choices) + '"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="输入有误",
                error="请从下拉列表中选择",
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.append(["列名", "是否必填", "填写规则"])
    for column in columns:
        notes.append([column.header, "必填" if column.required else "选填", _rules(column)])
    notes.append([])
    notes.append(["示例（请在“" + SHEET_TITLES[kind] + "”工作表中填写，本表不会导入）"])
    notes.append([c.header for c in columns])
    notes.append(list(EXAMPLES[kind]))
    notes.append([])
    notes.append(["说明：按编码匹配，已存在的记录将被更新，不会重复新增；文件先整体校验，有错误时不会写入任何数据。"])
    for cell in notes[1]:
        cell.font = BOLD
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 70
    return _save(workbook)


def _sheet(kind: str, extra: Sequence[str] = ()) -> tuple[Workbook, Any]:
    # Not openpyxl's write-only mode: that leaves out the sheet's dimension, and reading such a file
    # back costs a whole extra parse of the sheet.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES[kind]
    headers = [*(c.header for c in COLUMNS[kind]), *extra]
    sheet.append(headers)
    for position, column in enumerate(COLUMNS[kind], start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    for offset in range(len(extra)):
        sheet.column_dimensions[get_column_letter(len(COLUMNS[kind]) + 1 + offset)].width = 60
    for cell in sheet[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    sheet.freeze_panes = "A2"
    return workbook, sheet


def export(kind: str, rows: Iterable[Sequence[object]]) -> bytes:
    workbook, sheet = _sheet(kind)
    for values in rows:
        sheet.append(list(values))  # dates get openpyxl's yyyy-mm-dd format
    return _save(workbook)


def unit_row(unit: Unit) -> tuple[object, ...]:
    return (
        unit.code,
        unit.name,
        unit.get_kind_display(),
        unit.parent.code if unit.parent else "",
        "是" if unit.has_intranet else "否",
        unit.host_unit.code if unit.host_unit else "",
        unit.address,
        unit.contact_name,
        unit.contact_phone,
    )


def cadre_row(cadre: Cadre) -> tuple[object, ...]:
    # Only the masked ID number ever leaves the database; the importer recognises it and keeps the stored one.
    return (
        cadre.employee_number,
        cadre.name,
        cadre.get_gender_display(),
        cadre.birth_date,
        cadre.unit.code,
        cadre.position,
        cadre.get_rank_display(),
        cadre.get_political_status_display(),
        cadre.phone,
        cadre.work_start_date,
        cadre.get_status_display(),
        cadre.id_number_masked,
    )


def error_report(kind: str, rows: Iterable[tuple[int, Row]], errors: list[dict[str, object]]) -> bytes:
    """The rows that have errors, as uploaded, with the bad cells shaded and an explanation column.

    Without the stored file (`rows` empty) the report still lists every error by row."""
    columns = COLUMNS[kind]
    by_row: dict[int, list[dict[str, object]]] = {}
    for error in errors:
        by_row.setdefault(int(error["row"]), []).append(error)  # type: ignore[call-overload]
    originals = {number: raw for number, raw in rows if number in by_row}
    workbook, sheet = _sheet(kind, extra=[ERROR_COLUMN])
    for number in sorted(by_row):
        problems, raw = by_row[number], originals.get(number, {})
        text = f"第{number}行：" + "；".join(f"{p['column']}：{p['message']}" for p in problems)
        sheet.append([*(raw.get(c.key) for c in columns), text])
        bad = {str(p["column"]) for p in problems}
        for position, column in enumerate(columns, start=1):
            if column.header in bad:
                sheet.cell(row=sheet.max_row, column=position).fill = ERROR_FILL
        sheet.cell(row=sheet.max_row, column=len(columns) + 1).alignment = Alignment(wrap_text=True)
    return _save(workbook)
