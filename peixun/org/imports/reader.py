"""Upload checks (size, real xlsx, headers, not empty) and reading the data rows of a stored file."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from peixun.org.imports import messages as m
from peixun.org.imports.columns import COLUMNS, ERROR_COLUMN, INSTRUCTIONS_SHEET, Column

ZIP_MAGIC = b"PK\x03\x04"
_INLINE = f"{{{SHEET_MAIN_NS}}}is"
_TEXT = f"{{{SHEET_MAIN_NS}}}t"
Row = dict[str, object]


def _fail(message: str) -> ValidationError:
    return ValidationError({"file": message})


@contextmanager
def _open(source: str | IO[bytes]) -> Iterator[Workbook]:
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError) as exc:
        raise _fail(m.ERR_NOT_XLSX) from exc
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise _fail(m.ERR_NOT_XLSX) from exc
    try:
        yield workbook
    finally:
        workbook.close()


def _data_sheet(workbook: Workbook) -> Any:
    sheets = [ws for ws in workbook.worksheets if ws.title != INSTRUCTIONS_SHEET]
    if not sheets:
        raise _fail(m.ERR_NO_SHEET)
    return sheets[0]


def _header_positions(kind: str, header_row: tuple[object, ...]) -> dict[str, int]:
    """Column key -> position; every column of the layout must be there, and nothing else."""
    by_header: dict[str, int] = {}
    duplicates: list[str] = []
    for position, cell in enumerate(header_row):
        header = str(cell).strip() if cell is not None else ""
        if not header or header == ERROR_COLUMN:
            continue
        if header in by_header:
            duplicates.append(header)
        by_header[header] = position
    columns: tuple[Column, ...] = COLUMNS[kind]
    known = {c.header for c in columns}
    missing = [c.header for c in columns if c.header not in by_header]
    unknown = [h for h in by_header if h not in known]
    problems = []
    if missing:
        problems.append(m.ERR_MISSING_COLUMNS.format(columns="、".join(missing)))
    if unknown:
        problems.append(m.ERR_UNKNOWN_COLUMNS.format(columns="、".join(unknown)))
    if duplicates:
        problems.append(m.ERR_DUPLICATE_COLUMNS.format(columns="、".join(duplicates)))
    if problems:
        raise _fail("；".join(problems))
    return {c.key: by_header[c.header] for c in columns}


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g}MB"
    return f"{max(1, size // 1024)}KB"


def _is_blank(values: tuple[object, ...]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


class _Parser(WorkSheetParser):
    """openpyxl's sheet parser, with a quick path for plain inline strings.

    openpyxl itself writes every string inline and reads each back through its rich-text model, which
    made reading our own exports twice as slow as needed; a 10,000-row file must stay quick."""

    def parse_cell(self, element: Any) -> dict[str, object]:
        if element.get("t") == "inlineStr":
            child = element.find(_INLINE)
            coordinate = element.get("r")
            if coordinate and child is not None and len(child) == 1 and child[0].tag == _TEXT:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
                return {"row": row, "column": column, "value": child[0].text or "", "data_type": "s", "style_id": 0}
        return super().parse_cell(element)  # type: ignore[no-any-return]


def _values(workbook: Workbook, sheet: Any) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, cell values) of every row present in the sheet's XML, from row 1."""
    try:
        source = sheet._get_source()
    except AttributeError:  # not a read-only sheet: openpyxl's own iteration
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        return
    with source:
        parser = _Parser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            width = max((c["column"] for c in cells), default=0)
            values: list[object] = [None] * width
            for c in cells:
                values[c["column"] - 1] = c["value"]
            yield number, tuple(values)


def _header_and_rows(
    workbook: Workbook, sheet: Any
) -> tuple[tuple[object, ...], Iterator[tuple[int, tuple[object, ...]]]]:
    rows = _values(workbook, sheet)
    first = next(rows, None)
    if first is None:
        return (), rows
    if first[0] != 1:  # the header must be the first row
        return (), itertools.chain([first], rows)
    return first[1], rows


def check_upload(kind: str, upload: IO[bytes], size: int) -> int:
    """Refuse anything that is not a usable sheet of this kind; return the number of rows it claims."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise _fail(m.ERR_FILE_TOO_LARGE.format(limit=size_label(limit)))
    upload.seek(0)
    if upload.read(4) != ZIP_MAGIC:
        raise _fail(m.ERR_NOT_XLSX)
    upload.seek(0)
    with _open(upload) as workbook:
        sheet = _data_sheet(workbook)
        header, rows = _header_and_rows(workbook, sheet)
        if _is_blank(header):
            raise _fail(m.ERR_EMPTY)
        _header_positions(kind, header)
        if all(_is_blank(values) for _, values in rows):
            raise _fail(m.ERR_EMPTY)
        estimate = _count_rows(workbook, sheet) - 1
    upload.seek(0)
    return max(estimate, 1)


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _count_rows(workbook: Workbook, sheet: Any) -> int:
    """Rows in the sheet's XML, for the progress bar. Counting tags in the raw stream is fast; asking
    openpyxl (max_row) parses the whole sheet when the writer left out its dimension, as openpyxl does."""
    try:
        stream = workbook._archive.open(sheet._worksheet_path)  # type: ignore[attr-defined]
    except (AttributeError, KeyError):
        return 0
    count, tail = 0, b""
    with stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            count += len(_ROW_TAG.findall(data))
            # Keep a short tail that cannot hold a whole tag, so a tag split across chunks is counted once.
            tail = data[-8:]
            count -= len(_ROW_TAG.findall(tail))
    return count + len(_ROW_TAG.findall(tail))


def _encode(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict):
        return dt.datetime.fromisoformat(value["date"])
    return value


def save_snapshot(path: str, rows: list[tuple[int, Row]]) -> None:
    """The rows as read, beside the upload: the import step then skips parsing the workbook again."""
    payload = [[number, {k: _encode(v) for k, v in raw.items()}] for number, raw in rows]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))  # dumps: the C encoder


def load_snapshot(path: str) -> list[tuple[int, Row]] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
    except (OSError, ValueError):
        return None
    return [(int(number), {k: _decode(v) for k, v in raw.items()}) for number, raw in payload]


def read_rows(kind: str, path: str) -> Iterator[tuple[int, Row]]:
    """(Excel row number, {column key: raw value}) for every non-blank data row of a stored file."""
    with _open(path) as workbook:
        header, rows = _header_and_rows(workbook, _data_sheet(workbook))
        positions = _header_positions(kind, header)
        for number, values in rows:
            if _is_blank(values):
                continue
            yield number, {key: (values[p] if p < len(values) else None) for key, p in positions.items()}
