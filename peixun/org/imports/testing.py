"""Building import files in tests (unit and browser tests share it)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from peixun.org.idnumber import check_char
from peixun.org.import_models import ImportKind
from peixun.org.imports.columns import COLUMNS, SHEET_TITLES


def id_number(birth: dt.date, gender: str, serial: int = 1, area: str = "110101") -> str:
    """A valid resident ID number: odd sequence digit for men, even for women."""
    sequence = (serial % 500) * 2 + (1 if gender == "M" else 0)
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def cadre_values(**overrides: object) -> dict[str, object]:
    """One row of a cadre file by header, valid unless overridden."""
    row: dict[str, object] = {
        "工号": "T0001",
        "姓名": "王测试",
        "性别": "男",
        "出生日期": "1988-03-15",
        "单位编码": "A1",
        "职务": "科员",
        "职级": "科员",
        "政治面貌": "中共党员",
        "手机号码": "13800000001",
        "参加工作时间": "2010/7/1",
        "状态": "在职",
        "身份证号": "",
    }
    row.update(overrides)
    return row


def unit_values(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "单位编码": "A3",
        "单位名称": "甲三县纪委监委",
        "单位类别": "县(市、区)纪委监委",
        "上级单位编码": "A",
        "是否接入内网": "是",
        "驻地市级纪委监委编码": "",
        "地址": "",
        "联系人": "",
        "联系电话": "",
    }
    row.update(overrides)
    return row


def xlsx_bytes(kind: str, rows: Iterable[dict[str, object]], headers: Sequence[str] | None = None) -> bytes:
    headers = list(headers) if headers is not None else [c.header for c in COLUMNS[kind]]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES.get(kind, "Sheet")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def cadre_file(rows: Iterable[dict[str, object]]) -> SimpleUploadedFile:
    return upload(xlsx_bytes(ImportKind.CADRES, rows))


def unit_file(rows: Iterable[dict[str, object]]) -> SimpleUploadedFile:
    return upload(xlsx_bytes(ImportKind.UNITS, rows))


def run_import(capture, *, actor, kind: str, file: SimpleUploadedFile):  # type: ignore[no-untyped-def]
    """Upload and validate with the jobs run inline (settings.TASKS_BACKEND = "sync")."""
    from peixun.org.imports.services import import_job_create

    with capture(execute=True):
        job = import_job_create(actor=actor, kind=kind, upload=file)
    job.refresh_from_db()
    return job


def run_apply(capture, *, actor, job, only_valid: bool = False):  # type: ignore[no-untyped-def]
    from peixun.org.imports.services import import_job_apply

    with capture(execute=True):
        import_job_apply(actor=actor, job=job, only_valid=only_valid)
    job.refresh_from_db()
    return job
