"""An exam's start and the exam page's state load on the fast lane (`peixun.core.lane`): the same
outcome as `attempt_start` and the state the API's attempt endpoint gives, from the process's snapshot of
the exam and two or three SQL statements, for the plain case only.

When the process holds no current snapshot of the exam (the first start of a sitting, or after a change
to the bank), the lane builds it in a worker thread, once for all the requests of a burst that wait for
it: handing them over instead sent the first seconds of a sitting to the slower normal path, and every
one of its threads built a snapshot of its own.

Whatever is not plain returns None and goes on to the normal path, which answers it: an examinee in the
audience only through a class, an
attempt whose deadline passed (the normal path hands it in), a closed window, no attempts left, a
submitted attempt (its results and key depend on the release), a second tab's start racing this one.

The submit on the lane is `attempt_submit` for an examinee handing in their own attempt before its
deadline: the same conditional flip (so of racing submits exactly one wins; the others go to the normal
path, which answers submitted_now=false), the same grading (`grade_sheet`), mistake book, total and audit
record, in one transaction of two round trips.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import orjson
from django.db import connection
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.context import current_ip
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.core.lane import Facts, LaneRequest, insert_params, insert_sql
from peixun.exams.models import Attempt, AttemptItem, AttemptStatus, Exam, SubmitReason
from peixun.exams.selectors import attempt_paper_rows
from peixun.exams.services.attempts import draw_rows, grade_sheet, mistakes_upsert_sql, submit_actor_label
from peixun.exams.snapshot import PaperSnapshot, snapshot_built, snapshot_peek
from peixun.org.models import Cadre, Unit

ITEM_COLUMNS = ("question_id", "order", "points", "option_order", "answer", "seq")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def _start_facts_sql() -> str:
    """Read with the session (`Facts`, the signed-in user as u): the examinee's unit path, the exam's
    creation time and the examinee's attempts at it, one row per attempt (or one row without an attempt);
    no row without a cadre or an exam."""
    return (
        f"SELECT un.{_q('path')}, e.{_q('created_at')}, a.{_q('id')}, a.{_q('status')}, a.{_q('deadline')} "  # noqa: S608 - names from the models
        f"FROM {_q(Cadre._meta.db_table)} c JOIN {_q(Unit._meta.db_table)} un ON un.{_q('id')} = c.{_q('unit_id')} "
        f"JOIN {_q(Exam._meta.db_table)} e ON e.{_q('id')} = %s "
        f"LEFT JOIN {_q(Attempt._meta.db_table)} a ON a.{_q('exam_id')} = e.{_q('id')} "
        f"AND a.{_q('cadre_id')} = c.{_q('id')} WHERE c.{_q('id')} = u.{_q('cadre_id')}"
    )


@functools.cache
def _items_json_sql() -> str:
    """An attempt's items as one JSON array of ITEM_COLUMNS rows, in the paper's order: one value to
    decode instead of a row of typed values per item. The points as text, as Django's Decimal prints."""
    columns = ", ".join("i." + _q(c) + ("::text" if c == "points" else "") for c in ITEM_COLUMNS)
    return (
        f"SELECT coalesce(json_agg(json_build_array({columns}) ORDER BY i.{_q('order')}), '[]')::text "  # noqa: S608 - names from the model
        f"FROM {_q(AttemptItem._meta.db_table)} i WHERE i.{_q('attempt_id')} = %s"
    )


@functools.cache
def _attempt_facts_sql() -> str:
    """Read with the session (`Facts`): the signed-in examinee's attempt, its exam's creation time and its
    items (`_items_json_sql`). Someone else's attempt is no row: it never leaves the database."""
    fields = [str(f.column) for f in Attempt._meta.concrete_fields]
    return (
        f"SELECT {', '.join('a.' + _q(c) for c in fields)}, e.{_q('created_at')}, "  # noqa: S608 - names from the models
        f"({_items_json_sql().replace('%s', 'a.' + _q('id'))}) AS items "
        f"FROM {_q(Attempt._meta.db_table)} a JOIN {_q(Exam._meta.db_table)} e ON e.{_q('id')} = a.{_q('exam_id')} "
        f"WHERE a.{_q('id')} = %s AND a.{_q('cadre_id')} = u.{_q('cadre_id')}"
    )


_MARK = 918273645  # an attempt id that stands for any in the result page's address
_result_url_parts: dict[str, tuple[str, str]] = {}


def result_url(attempt_id: int) -> str:
    """`reverse` of the attempt's result page, from the address reversed once per script prefix: reverse
    cost as much as the rest of building the answer."""
    prefix = get_script_prefix()
    parts = _result_url_parts.get(prefix)
    if parts is None:
        head, _, tail = reverse("exams:attempt_result", args=[_MARK]).partition(str(_MARK))
        parts = _result_url_parts[prefix] = (head, tail)
    return f"{parts[0]}{attempt_id}{parts[1]}"


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
        "result_url": result_url(attempt.pk),
    }


async def _items(conn: Any, attempt_id: int) -> list[tuple[Any, ...]]:
    cursor = await conn.execute(_items_json_sql(), (attempt_id,))
    row = await cursor.fetchone()
    return orjson.loads(row[0])


async def exam_start_lane(
    *, conn: Any, cadre_id: int, exam_id: int, rows: list[tuple[Any, ...]], now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """`attempt_start` plus the state the start answers with, for the plain case; None for the rest.
    `rows`: the facts of `_start_facts_sql`."""
    now = now or timezone.now()
    if not rows:
        return None
    unit_path, created_at = rows[0][0], rows[0][1]
    snap = await snapshot_built(exam_id, created_at)
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
    attempt, drawn = draw_rows(snap=snap, exam=exam, cadre_id=cadre_id, number=len(attempts) + 1, now=now)
    if not drawn:
        return None  # an empty paper: the normal path's
    sql, fields, fixed = _start_insert_sql()
    drawn_rows = [
        {"question_id": q, "order": i + 1, "points": str(p), "option_order": k} for i, (q, p, k) in enumerate(drawn)
    ]
    # One statement, so atomic without a transaction's two extra round trips.
    params = [*insert_params([attempt], fields), *fixed, orjson.dumps(drawn_rows).decode()]
    cursor = await conn.execute(sql, params)
    row = await cursor.fetchone()
    if row is None:  # a second tab started at the same moment: the normal path resumes its attempt
        return None
    attempt.pk = row[0]
    items = [(q, i + 1, p, k, None, 0) for i, (q, p, k) in enumerate(drawn)]  # ITEM_COLUMNS of a new attempt
    return _state(attempt, snap, items)


# The columns of a new attempt's items that vary from row to row; every other one starts at its default.
DRAWN_COLUMNS = ("question_id", "order", "points", "option_order")


@functools.cache
def _start_insert_sql() -> tuple[str, list[Any], list[Any]]:
    """The attempt (unless a racing start made it) and its items from a JSON array of DRAWN_COLUMNS
    rows; the attempt's fields in column order (for `insert_params`) and the items' default values."""
    attempt, fields = insert_sql(Attempt, 1, returning="id", on_conflict="ON CONFLICT DO NOTHING")
    by_name = {f.name: f for f in AttemptItem._meta.concrete_fields}
    drawn = [by_name[name.removesuffix("_id")] for name in DRAWN_COLUMNS]
    parent = by_name["attempt"]
    defaulted = [
        f for f in AttemptItem._meta.concrete_fields if not f.primary_key and f is not parent and f not in drawn
    ]
    fixed = [f.get_db_prep_save(f.get_default(), connection) for f in defaulted]
    columns = [parent, *drawn, *defaulted]
    record = ", ".join(f"{_q(str(f.column))} {f.db_type(connection)}" for f in drawn)
    sql = (
        f"WITH new_attempt AS ({attempt}) "  # noqa: S608 - names from the models
        f"INSERT INTO {_q(AttemptItem._meta.db_table)} ({', '.join(_q(str(f.column)) for f in columns)}) "
        f"SELECT new_attempt.{_q('id')}, {', '.join('r.' + _q(str(f.column)) for f in drawn)}, "
        f"{', '.join(['%s'] * len(defaulted))} FROM new_attempt, jsonb_to_recordset(%s::jsonb) AS r({record}) "
        f"RETURNING {_q(str(parent.column))}"
    )
    return sql, fields, fixed


async def attempt_state_lane(
    *, cadre_id: int, rows: list[tuple[Any, ...]], now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """The API's state of the examinee's own attempt in progress; None for the rest. `rows`: the facts
    of `_attempt_facts_sql`."""
    now = now or timezone.now()
    if not rows:
        return None
    row = rows[0]
    fields = Attempt._meta.concrete_fields
    attempt = Attempt.from_db("default", [f.attname for f in fields], row[: len(fields)])
    if attempt.cadre_id != cadre_id or attempt.status != AttemptStatus.IN_PROGRESS or attempt.deadline <= now:
        return None
    snap = await snapshot_built(attempt.exam_id, row[len(fields)])
    if snap is None:
        return None
    attempt.exam = snap.exam
    return _state(attempt, snap, orjson.loads(row[len(fields) + 1]))


def _pk(params: dict[str, str]) -> tuple[int]:
    return (int(params["pk"]),)


async def exam_start_lane_view(lane: LaneRequest) -> dict[str, Any] | None:
    """POST /api/exams/exams/<pk>/start/ with no body or an empty JSON object."""
    if lane.body not in (None, {}) or lane.user.cadre_id is None:
        return None
    return await exam_start_lane(
        conn=lane.conn, cadre_id=lane.user.cadre_id, exam_id=int(lane.params["pk"]), rows=lane.facts
    )


exam_start_lane_view.facts = Facts(sql=_start_facts_sql, params=_pk)  # type: ignore[attr-defined]


async def attempt_state_lane_view(lane: LaneRequest) -> dict[str, Any] | None:
    """GET /api/exams/attempts/<pk>/."""
    if lane.user.cadre_id is None:
        return None
    return await attempt_state_lane(cadre_id=lane.user.cadre_id, rows=lane.facts)


attempt_state_lane_view.allow = "GET, HEAD, OPTIONS"  # type: ignore[attr-defined]
attempt_state_lane_view.facts = Facts(sql=_attempt_facts_sql, params=_pk)  # type: ignore[attr-defined]


class _HandOver(Exception):
    """Raised inside the submit's transaction to roll it back and hand the request over."""


@functools.cache
def _flip_sql() -> str:
    """Hand in the examinee's own attempt before its deadline; the row's exam and cadre for the total and
    the audit record. No row: not theirs, not in progress, or past its deadline (the normal path's)."""
    a, e, c = _q(Attempt._meta.db_table), _q(Exam._meta.db_table), _q(Cadre._meta.db_table)
    return (
        f"UPDATE {a} SET {_q('status')} = %s, {_q('submitted_at')} = %s, {_q('submit_reason')} = %s "  # noqa: S608 - names from the models
        f"FROM {e}, {c} WHERE {a}.{_q('id')} = %s AND {a}.{_q('cadre_id')} = %s "
        f"AND {a}.{_q('status')} = %s AND {a}.{_q('deadline')} > %s "
        f"AND {e}.{_q('id')} = {a}.{_q('exam_id')} AND {c}.{_q('id')} = {a}.{_q('cadre_id')} "
        f"RETURNING {a}.{_q('exam_id')}, {a}.{_q('number')}, {e}.{_q('created_at')}, {e}.{_q('title')}, "
        f"{e}.{_q('pass_mark')}, {c}.{_q('name')}, {c}.{_q('employee_number')}"
    )


@functools.cache
def _grade_items_sql() -> str:
    return (
        f"SELECT {_q('id')}, {_q('question_id')}, {_q('points')}, {_q('answer')} "  # noqa: S608 - names from the model
        f"FROM {_q(AttemptItem._meta.db_table)} WHERE {_q('attempt_id')} = %s"
    )


@functools.cache
def _store_sql() -> tuple[str, list[Any]]:
    """The grades, the mistake book, the total and the audit record in one statement; the audit row's
    fields in column order (for `insert_params`)."""
    item_id = AttemptItem._meta.pk.db_type(connection)  # type: ignore[union-attr]
    i, a = _q(AttemptItem._meta.db_table), _q(Attempt._meta.db_table)
    cadre_id = Attempt._meta.get_field("cadre").rel_db_type(connection)  # type: ignore[union-attr]
    question_id = AttemptItem._meta.get_field("question").rel_db_type(connection)  # type: ignore[union-attr]
    audit, fields = insert_sql(AuditEvent, 1)
    rows = f"SELECT * FROM unnest(%s::{cadre_id}[], %s::{question_id}[], %s::timestamptz[])"  # noqa: S608 - types
    mistakes = mistakes_upsert_sql(rows)
    sql = (
        f"WITH graded AS (UPDATE {i} SET {_q('score')} = v.score, {_q('correct')} = v.correct "  # noqa: S608 - names from the models
        f"FROM unnest(%s::{item_id}[], %s::numeric[], %s::boolean[]) AS v(id, score, correct) "
        f"WHERE {i}.{_q('id')} = v.id), "
        f"mistakes AS ({mistakes}), "
        f"total AS (UPDATE {a} SET {_q('score')} = %s, {_q('graded')} = %s, {_q('passed')} = %s "
        f"WHERE {_q('id')} = %s) {audit}"
    )
    return sql, fields


async def attempt_submit_lane(
    *, conn: Any, user: User, attempt_id: int, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """`attempt_submit` by the examinee before the deadline; None for the rest (nothing changed then)."""
    now = now or timezone.now()
    try:
        async with conn.pipeline(), conn.transaction():
            flipped = (AttemptStatus.SUBMITTED, now, SubmitReason.EXAMINEE)
            flip = await conn.execute(
                _flip_sql(), (*flipped, attempt_id, user.cadre_id, AttemptStatus.IN_PROGRESS, now)
            )
            items = await conn.execute(_grade_items_sql(), (attempt_id,))
            head = await flip.fetchone()
            if head is None:
                raise _HandOver
            exam_id, number, created_at, title, pass_mark, name, employee_number = head
            snap = snapshot_peek(exam_id, created_at)
            rows = await items.fetchall()
            if snap is None or any(question_id not in snap.questions for _, question_id, _, _ in rows):
                raise _HandOver  # a question retired since the draw: the normal path reads it from the bank
            sheet = grade_sheet(snap.questions, rows)
            record = AuditEvent(
                actor_id=user.pk,
                actor_label=submit_actor_label(user),
                ip=current_ip.get(),
                event=Event.EXAM_SUBMIT.value,
                object_type=Attempt._meta.label_lower,
                object_id=str(attempt_id),
                object_repr=f"{title} · {name}({employee_number}) · 第{number}次"[:200],
                detail={"reason": SubmitReason.EXAMINEE},
            )
            sql, fields = _store_sql()
            grades = sheet.grades
            wrong = sheet.wrong
            await conn.execute(
                sql,
                [
                    *([g[n] for g in grades] for n in range(3)),
                    *([user.cadre_id] * len(wrong), wrong, [now] * len(wrong)),
                    *(sheet.score, sheet.graded, sheet.passed(pass_mark), attempt_id),
                    *insert_params([record], fields),
                ],
            )
    except _HandOver:
        return None
    return {
        "status": AttemptStatus.SUBMITTED,
        "submitted_now": True,
        "result_url": result_url(attempt_id),
    }


async def attempt_submit_lane_view(lane: LaneRequest) -> dict[str, Any] | None:
    """POST /api/exams/attempts/<pk>/submit/ with no body or an empty JSON object."""
    if lane.body not in (None, {}) or lane.user.cadre_id is None:
        return None
    return await attempt_submit_lane(conn=lane.conn, user=lane.user, attempt_id=int(lane.params["pk"]))
