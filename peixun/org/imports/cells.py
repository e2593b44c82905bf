"""Turning one Excel cell into a Python value, or a CellError with the message the user will read."""

from __future__ import annotations

import datetime as dt
import re

from openpyxl.utils.datetime import from_excel

from peixun.org.imports import messages as m
from peixun.org.imports.columns import NO, YES, Column

_DATE_TEXT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CODE = re.compile(r"^[A-Za-z0-9_-]+$")
_MOBILE = re.compile(r"^1\d{10}$")
_PHONE = re.compile(r"^[0-9 ()（）+-]+$")
EARLIEST = dt.date(1900, 1, 1)


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text(value: object) -> str:
    """A cell as text: Excel stores typed digits as numbers, so 100001 and 100001.0 both read "100001"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def checked_text(value: object, column: Column) -> str:
    result = text(value)
    if column.required and not result:
        raise CellError(m.ERR_REQUIRED)
    if column.max_length and len(result) > column.max_length:
        raise CellError(m.ERR_TOO_LONG.format(limit=column.max_length))
    return result


def code(value: object, column: Column) -> str:
    result = checked_text(value, column)
    if result and not _CODE.match(result):
        raise CellError(m.ERR_CODE_FORMAT)
    return result


def choice(value: object, column: Column, labels: dict[str, str]) -> str:
    """The stored value of a choice given by its Chinese label; empty stays empty."""
    label = checked_text(value, column)
    if not label:
        return ""
    if label not in labels:
        raise CellError(m.ERR_CHOICE.format(choices="、".join(labels)))
    return labels[label]


def yes_no(value: object, column: Column, *, default: bool) -> bool:
    answer = checked_text(value, column)
    if not answer:
        return default
    if answer not in (YES, NO):
        raise CellError(m.ERR_YES_NO)
    return answer == YES


def date(value: object, column: Column, *, today: dt.date | None = None) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if column.required:
            raise CellError(m.ERR_REQUIRED)
        return None
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell whose number format was lost: Excel's serial day number.
        if not 1 <= value < 2958466:
            raise CellError(m.ERR_DATE)
        converted = from_excel(value)
        result = converted.date() if isinstance(converted, dt.datetime) else converted  # type: ignore[assignment]
    else:
        match = _DATE_TEXT.match(str(value).strip())
        if not match:
            raise CellError(m.ERR_DATE)
        try:
            result = dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            raise CellError(m.ERR_DATE) from None
    if not EARLIEST <= result <= (today or dt.date.today()):
        raise CellError(m.ERR_DATE_RANGE)
    return result


def mobile(value: object, column: Column) -> str:
    result = checked_text(value, column)
    if result and not _MOBILE.match(result):
        raise CellError(m.ERR_MOBILE)
    return result


def phone(value: object, column: Column) -> str:
    result = checked_text(value, column)
    if result and not _PHONE.match(result):
        raise CellError(m.ERR_PHONE)
    return result
