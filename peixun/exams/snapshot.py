"""An exam's paper prepared once per process: what starting, loading and handing in an attempt need.

Thousands of examinees start the same exam within seconds. Each of them needs the exam's window and
audience, the rule pools to draw from, the examinee's view of every question and, at the submit, the answer
key. Reading all that from the bank per request was most of the cost of a start, so it is read once per
process and kept, keyed by the exam and by a bank version token kept in the shared cache: every write to
the bank, a paper or an exam's audience calls `bank_changed()`, which replaces the token, so every worker
rebuilds its copy at its next request. The snapshot never leaves the server: the examinee's rows are built
from it by `question_row`, without the key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connections, transaction
from django.http import Http404

from peixun.exams.models import Exam, PaperMode, Question

VERSION_KEY = "exams:bank-version"
# Even without a write the copy is refreshed now and then, in case the shared cache lost the token.
MAX_AGE_SECONDS = 300.0
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class RulePool:
    count: int
    points: Decimal
    pool: tuple[int, ...]


@dataclass
class PaperSnapshot:
    exam: Exam
    token: str
    built_at: float
    mode: str
    shuffle_questions: bool
    shuffle_options: bool
    fixed: list[tuple[int, Decimal]]
    rules: list[RulePool]
    questions: dict[int, Question]
    audience_paths: frozenset[str]
    audience_cadres: frozenset[int]
    audience_classes: tuple[int, ...]
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)

    def in_audience_by_unit_or_name(self, cadre_id: int, unit_path: str) -> bool:
        if cadre_id in self.audience_cadres:
            return True
        return any(unit_path[:n] in self.audience_paths for n in range(7, len(unit_path) + 1, 7))


_lock = threading.Lock()
_snapshots: dict[int, PaperSnapshot] = {}


# The token is read from the shared cache at most once a second per process (a start looks at its exam's
# snapshot several times): a change reaches every worker within that second.
TOKEN_TTL_SECONDS = 1.0
_token: tuple[str, float] = ("", -TOKEN_TTL_SECONDS)


def current_token() -> str:
    global _token
    value, read_at = _token
    if time.monotonic() - read_at < TOKEN_TTL_SECONDS:
        return value
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(VERSION_KEY) or ""
    _token = (str(token), time.monotonic())
    return str(token)


def bank_changed() -> None:
    """Every process drops its snapshots at its next request. Called after the commit of the change."""

    def bump() -> None:
        global _token
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        with _lock:
            _snapshots.clear()
            _token = ("", -TOKEN_TTL_SECONDS)

    transaction.on_commit(bump)


def snapshot_for(exam_id: int, created_at: dt.datetime | None = None) -> PaperSnapshot:
    """The exam's snapshot, built at the first use after a change. Http404 for an unknown exam.

    `created_at`, when the caller has the exam's row, also tells a new exam from an older one that had the
    same id (SQLite reuses the ids of deleted rows; test databases are emptied between tests)."""
    token = current_token()
    snap = _current(exam_id, token, created_at)
    if snap is not None:
        return snap
    # One build at a time: the requests of a burst that all find it missing wait for the first one's.
    with _build_lock:
        snap = _current(exam_id, current_token(), created_at)
        if snap is None:
            snap = _build(exam_id, current_token())
            with _lock:
                _snapshots[exam_id] = snap
    return snap


def _current(exam_id: int, token: str, created_at: dt.datetime | None) -> PaperSnapshot | None:
    snap = _snapshots.get(exam_id)
    if (
        snap is not None
        and snap.token == token
        and (created_at is None or snap.exam.created_at == created_at)
        and time.monotonic() - snap.built_at < MAX_AGE_SECONDS
    ):
        return snap
    return None


_build_lock = threading.Lock()
_building: dict[tuple[int, dt.datetime], asyncio.Future[PaperSnapshot | None]] = {}


async def snapshot_built(exam_id: int, created_at: dt.datetime) -> PaperSnapshot | None:
    """`snapshot_for` for the fast lane's event loop: the process's current snapshot, or one built in a
    worker thread (once, however many requests are waiting for it); None when the exam is gone."""
    snap = snapshot_peek(exam_id, created_at)
    if snap is not None:
        return snap
    loop = asyncio.get_running_loop()
    key = (exam_id, created_at)
    build = _building.get(key)
    if build is None or build.get_loop() is not loop:
        build = _building[key] = loop.create_task(sync_to_async(_build_for_lane, thread_sensitive=False)(*key))
        build.add_done_callback(lambda done: _building.pop(key, None) if _building.get(key) is done else None)
    return await asyncio.shield(build)


def _build_for_lane(exam_id: int, created_at: dt.datetime) -> PaperSnapshot | None:
    try:
        snap = snapshot_for(exam_id, created_at)
    except Http404:
        return None
    finally:
        connections.close_all()  # this worker thread's, back to the pool
    return snap if snap.exam.created_at == created_at else None


def snapshot_peek(exam_id: int, created_at: dt.datetime) -> PaperSnapshot | None:
    """The exam's snapshot if this process holds a current one; never builds one (the fast lane, which
    cannot query through the ORM, hands the request over instead)."""
    snap = _snapshots.get(exam_id)
    if (
        snap is None
        or snap.exam.created_at != created_at
        or time.monotonic() - snap.built_at >= MAX_AGE_SECONDS
        or snap.token != current_token()
    ):
        return None
    return snap


def _build(exam_id: int, token: str) -> PaperSnapshot:
    exam = Exam.objects.select_related("paper").filter(pk=exam_id).first()
    if exam is None:
        raise Http404
    paper = exam.paper
    fixed: list[tuple[int, Decimal]] = []
    rules: list[RulePool] = []
    if paper.mode == PaperMode.FIXED:
        fixed = [(qid, points) for qid, points in paper.entries.values_list("question_id", "points")]
        ids = {qid for qid, _ in fixed}
    else:
        from peixun.exams.services.papers import rule_pool

        ids = set()
        for rule in paper.rules.all():
            pool = tuple(rule_pool(rule).order_by("pk").values_list("pk", flat=True))
            rules.append(RulePool(rule.count, rule.points, pool))
            ids.update(pool)
    questions = Question.objects.in_bulk(ids)
    return PaperSnapshot(
        exam=exam,
        token=token,
        built_at=time.monotonic(),
        mode=paper.mode,
        shuffle_questions=paper.shuffle_questions,
        shuffle_options=paper.shuffle_options,
        fixed=fixed,
        rules=rules,
        questions=questions,
        audience_paths=frozenset(exam.audience_units.values_list("path", flat=True)),
        audience_cadres=frozenset(exam.audience_cadres.values_list("pk", flat=True)),
        audience_classes=tuple(exam.audience_classes.values_list("pk", flat=True)),
    )


def question_base_row(q: Question) -> dict[str, Any]:
    """The parts of an examinee's row that do not depend on the attempt: never the key."""
    return {
        "question_id": q.pk,
        "qtype": q.qtype,
        "qtype_display": q.get_qtype_display(),
        "stem": q.stem,
        "image": bool(q.stem_image),
        "image_url": stem_image_url(q),
        "blanks": q.blank_count,
        "texts": {o["key"]: o["text"] for o in q.options or []},
        # Option order → the row's options, shared by every row in that order and never changed: a
        # snapshot's question appears in thousands of answers in a few orders.
        "orders": {},
    }


def stem_image_url(q: Question) -> str:
    if not q.stem_image:
        return ""
    from django.urls import reverse

    return reverse("exams:question_image", args=[q.pk])


def question_row(snap: PaperSnapshot | None, q: Question) -> dict[str, Any]:
    if snap is None:
        return question_base_row(q)
    row = snap.rows.get(q.pk)
    if row is None:
        row = snap.rows[q.pk] = question_base_row(q)
    return row


def attempt_row(
    base: dict[str, Any], *, order: int, points: Decimal, option_order: list[str], answer: Any, seq: int
) -> dict[str, Any]:
    blanks = base["blanks"]
    options = base["orders"].get(tuple(option_order))
    if options is None:
        texts = base["texts"]
        options = [{"key": k, "label": LETTERS[i], "text": texts[k]} for i, k in enumerate(option_order)]
        base["orders"][tuple(option_order)] = options
    return {
        "question_id": base["question_id"],
        "order": order,
        "qtype": base["qtype"],
        "qtype_display": base["qtype_display"],
        "stem": base["stem"],
        "image": base["image"],
        "image_url": base["image_url"],
        "points": str(points),
        "options": options,
        "blanks": blanks,
        "answer": answer,
        "seq": seq,
        "blank_values": [(answer[i] if isinstance(answer, list) and i < len(answer) else "") for i in range(blanks)],
    }
