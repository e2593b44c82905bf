"""Helpers for whole-file work: a few large queries instead of one per row."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import connection

T = TypeVar("T")
PROGRESS_EVERY = 200
Progress = Callable[[int], None]


def param_budget() -> int:
    """How many bound parameters one query may carry on this database."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            return max(999, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 100)
        except AttributeError:
            return 999
    return 30000


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


@dataclass
class Problems:
    """Errors of a whole file, as the job stores them, plus the set of rows that have any."""

    items: list[dict[str, object]] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append({"row": row, "column": column, "message": message})
        self.rows.add(row)

    def sorted(self, headers: Sequence[str]) -> list[dict[str, object]]:
        """By row, then in the sheet's column order."""
        order = {h: i for i, h in enumerate(headers)}
        return sorted(self.items, key=lambda e: (e["row"], order.get(str(e["column"]), len(order))))  # type: ignore[arg-type]
