"""An exam's start and the exam page's state load on the fast lane (`peixun.core.lane`): the same
outcome as `attempt_start` and the state the API's attempt endpoint gives, from the process's snapshot of
the exam and two or three SQL statements, for the plain case only.

Whatever is not plain returns None and goes on to the normal path, which answers it: no snapshot in
this process yet (the normal path builds it), an examinee in the audience only through a class, an
attempt whose deadline passed (the normal path hands it in), a closed window, no attempts left, a
submitted attempt (its results and key depend on the release), a second tab's start racing this one.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from peixun.core.lane import LaneRequest, insert_many_params, insert_many_sql, insert_params, insert_sql
from peixun.exams.models import Attempt, AttemptItem, AttemptStatus, Exam
from peixun.exams.selectors import attempt_paper_rows
from peixun.exams.services.attempts import draw_attempt
from peixun.exams.snapshot import PaperSnapshot, snapshot_peek
from peixun.org.models import Cadre, Unit

ITEM_COLUMNS = ("question_id", "order", "points", "option_order", "answer", "seq")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def _start_sql() -> str:
    """The examinee's unit path, the exam's creation time and the examinee's attempts at it, one row per
    attempt (or one row without an attempt)."""
    return (
        f"SELECT u.{_q('path')}, e.{_q('created_at')}, a.{_q('id')}, a.{_q('status')}, a.{_q('deadline')} "  # noqa: S608 - names from the models
        f"FROM {_q(Cadre._meta.db_table)} c JOIN {_q(Unit._meta.db_table)} u ON u.{_q('id')} = c.{_q('unit_id')} "
        f"JOIN {_q(Exam._meta.db_table)} e ON e.{_q('id')} = %s "
        f"LEFT JOIN {_q(Attempt._meta.db_table)} a ON a.{_q('exam_id')} = e.{_q('id')} "
        f"AND a.{_q('cadre_id')} = c.{_q('id')} WHERE c.{_q('id')} = %s"
    )


@functools.cache
def _attempt_sql() -> str:
    fields = [f.column for f in Attempt._meta.concrete_fields]
    return (
        f"SELECT {', '.join('a.' + _q(c) for c in fields)}, e.{_q('created_at')} "  # noqa: S608 - names from the models
        f"FROM {_q(Attempt._meta.db_table)} a JOIN {_q(Exam._meta.db_table)} e ON e.{_q('id')} = a.{_q('exam_id')} "
        f"WHERE a.{_q('id')} = %s"
    )


@functools.cache
def _items_sql() -> str:
    return (
        f"SELECT {', '.join(_q(c) for c in ITEM_COLUMNS)} FROM {_q(AttemptItem._meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {_q('attempt_id')} = %s ORDER BY {_q('order')}"
    )


def _state(attempt: Attempt, snap: PaperSnapshot, items: list[tuple[Any, ...]]) -> dict[str, Any] | None:
    """The API's `attempt_state` of an attempt in progress, or None when a question is not in the snapshot."""
    if any(item[0] not in snap.questions for item in items):
        return None
    return {
        "attempt_id": attempt.pk,
        "status": attempt.status,
        "deadline": attempt.deadline.isoformat(),
        "now": timezone.now().isoformat(),
        "questions": attempt_paper_rows(snap, items, {}),
        "result_url": reverse("exams:attempt_result", args=[attempt.pk]),
    }


async def _items(conn: Any, attempt_id: int) -> list[tuple[Any, ...]]:
    cursor = await conn.execute(_items_sql(), (attempt_id,))
    return list(await cursor.fetchall())


async def exam_start_lane(
    *, conn: Any, cadre_id: int, exam_id: int, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """`attempt_start` plus the state the start answers with, for the plain case; None for the rest."""
    now = now or timezone.now()
    cursor = await conn.execute(_start_sql(), (exam_id, cadre_id))
    rows = await cursor.fetchall()
    if not rows:
        return None
    unit_path, created_at = rows[0][0], rows[0][1]
    snap = snapshot_peek(exam_id, created_at)
    if snap is None or not snap.in_audience_by_unit_or_name(cadre_id, unit_path):
        return None
    exam = snap.exam
    attempts = [(pk, status, deadline) for _, _, pk, status, deadline in rows if pk is not None]
    for pk, status, deadline in attempts:
        if status != AttemptStatus.IN_PROGRESS:
            continue
        if deadline <= now:
            return None
        resumed = Attempt(pk=pk, exam=exam, cadre_id=cadre_id, status=status, deadline=deadline)
        return _state(resumed, snap, await _items(conn, pk))
    if not exam.starts_at <= now < exam.ends_at or len(attempts) >= exam.attempts_allowed:
        return None
    attempt, items = draw_attempt(snap=snap, exam=exam, cadre_id=cadre_id, number=len(attempts) + 1, now=now)
    async with conn.transaction():
        sql, fields = insert_sql(Attempt, 1, returning="id", on_conflict="ON CONFLICT DO NOTHING")
        cursor = await conn.execute(sql, insert_params([attempt], fields))
        row = await cursor.fetchone()
        if row is None:  # a second tab started at the same moment: the normal path resumes its attempt
            return None
        attempt.pk = row[0]
        for item in items:
            item.attempt = attempt
        if items:
            sql, fields = insert_many_sql(AttemptItem)
            await conn.execute(sql, insert_many_params(items, fields))
    return _state(attempt, snap, [tuple(getattr(i, c) for c in ITEM_COLUMNS) for i in items])


async def attempt_state_lane(
    *, conn: Any, cadre_id: int, attempt_id: int, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """The API's state of the examinee's own attempt in progress; None for the rest."""
    now = now or timezone.now()
    cursor = await conn.execute(_attempt_sql(), (attempt_id,))
    row = await cursor.fetchone()
    if row is None:
        return None
    fields = Attempt._meta.concrete_fields
    attempt = Attempt.from_db("default", [f.attname for f in fields], row[: len(fields)])
    if attempt.cadre_id != cadre_id or attempt.status != AttemptStatus.IN_PROGRESS or attempt.deadline <= now:
        return None
    snap = snapshot_peek(attempt.exam_id, row[len(fields)])
    if snap is None:
        return None
    attempt.exam = snap.exam
    return _state(attempt, snap, await _items(conn, attempt.pk))


async def exam_start_lane_view(lane: LaneRequest) -> dict[str, Any] | None:
    """POST /api/exams/exams/<pk>/start/ with no body or an empty JSON object."""
    if lane.body not in (None, {}) or lane.user.cadre_id is None:
        return None
    return await exam_start_lane(conn=lane.conn, cadre_id=lane.user.cadre_id, exam_id=int(lane.params["pk"]))


async def attempt_state_lane_view(lane: LaneRequest) -> dict[str, Any] | None:
    """GET /api/exams/attempts/<pk>/."""
    if lane.user.cadre_id is None:
        return None
    return await attempt_state_lane(conn=lane.conn, cadre_id=lane.user.cadre_id, attempt_id=int(lane.params["pk"]))


attempt_state_lane_view.allow = "GET, HEAD, OPTIONS"  # type: ignore[attr-defined]
