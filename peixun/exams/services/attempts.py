"""Sittings: start (or resume), autosave with sequence numbers, submit exactly once, grade.

Concurrency: a save locks its attempt row (FOR NO KEY UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers anyway), and a submit flips the status with a conditional UPDATE ...
WHERE status='in_progress' and grades in the same transaction, so a save either lands before the grading
or is refused, and of two racing submits exactly one does the work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Case, DecimalField, Value, When
from django.http import Http404
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.core.tasks import job
from peixun.exams.grading import ERR_ANSWER_SHAPE, answer_is_valid, grade
from peixun.exams.models import (
    Attempt,
    AttemptEvent,
    AttemptEventKind,
    AttemptItem,
    AttemptStatus,
    Exam,
    MistakeEntry,
    Question,
    QuestionType,
    SubmitReason,
)
from peixun.exams.permissions import ERR_NOT_GRADER, ERR_NOT_IN_AUDIENCE, require
from peixun.exams.selectors import examinee_unit_path, is_in_audience
from peixun.exams.services.papers import snapshot_draw
from peixun.exams.snapshot import PaperSnapshot, snapshot_for
from peixun.org.models import Cadre

ERR_NOT_OPEN = "考试不在开放时间内"
ERR_NO_ATTEMPTS_LEFT = "您的考试次数已用完"
ERR_STALE = "该题已有更新的答案，本次保存已忽略"
ERR_CLOSED = "答卷已提交，不能再修改"
ERR_SCORE_RANGE = "得分必须在0到本题分值之间"
ERR_NOT_SUBJECTIVE = "只有简答题需要人工阅卷"
ERR_NOT_SUBMITTED = "答卷尚未提交"


class AttemptConflict(Exception):
    """A save or submit that the attempt's state refuses (HTTP 409)."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


def _own_attempt(actor: User, attempt_id: int, *, lock: bool = False, with_cadre: bool = False) -> Attempt:
    qs = Attempt.objects.select_related("exam", "cadre") if with_cadre else Attempt.objects.select_related("exam")
    if lock:
        qs = qs.select_for_update(of=("self",), no_key=True)
    attempt = qs.filter(pk=attempt_id).first()
    # Someone else's attempt does not exist, as far as this actor can tell.
    if attempt is None or actor.cadre_id is None or attempt.cadre_id != actor.cadre_id:
        raise Http404
    return attempt


def attempt_start(*, actor: User, exam: Exam, now: dt.datetime | None = None) -> Attempt:
    """The examinee's attempt in progress, or a new one with its questions drawn.

    The hot path of a synchronized start: the exam, its audience and its question pools come from the
    process's snapshot (`peixun.exams.snapshot`), so a start reads the cadre's unit and their attempts,
    and writes the attempt and its items in one insert each.
    """
    now = now or timezone.now()
    unit_path = examinee_unit_path(actor) if actor.is_authenticated else None
    require(
        unit_path is not None and is_in_audience(exam, Cadre(pk=actor.cadre_id), unit_path=unit_path),
        ERR_NOT_IN_AUDIENCE,
    )
    assert actor.cadre_id is not None
    return _start(snapshot_for(exam.pk, exam.created_at), exam, actor.cadre_id, now)


def _start(snap: PaperSnapshot, exam: Exam, cadre_id: int, now: dt.datetime) -> Attempt:
    attempts = list(
        Attempt.objects.filter(exam_id=exam.pk, cadre_id=cadre_id).only(
            "id", "exam_id", "cadre_id", "number", "status", "started_at", "deadline"
        )
    )
    for attempt in attempts:
        if attempt.status != AttemptStatus.IN_PROGRESS:
            continue
        if attempt.deadline > now:
            return attempt
        attempt.exam = exam
        with transaction.atomic():
            _finalise(attempt, reason=SubmitReason.DEADLINE, now=now)
    if not exam.starts_at <= now < exam.ends_at:
        raise ValidationError({"exam": ERR_NOT_OPEN})
    used = len(attempts)
    if used >= exam.attempts_allowed:
        raise ValidationError({"exam": ERR_NO_ATTEMPTS_LEFT})
    attempt, items = draw_attempt(snap=snap, exam=exam, cadre_id=cadre_id, number=used + 1, now=now)
    try:
        with transaction.atomic():
            attempt.save(force_insert=True)
            for item in items:
                item.attempt = attempt
            # Kept on the attempt: the paper the start answers with needs no read-back.
            attempt.drawn_items = AttemptItem.objects.bulk_create(items)  # type: ignore[attr-defined]
    except IntegrityError:
        # A second tab started at the same moment: resume the attempt it created.
        return Attempt.objects.get(exam_id=exam.pk, cadre_id=cadre_id, number=used + 1)
    return attempt


def draw_attempt(
    *, snap: PaperSnapshot, exam: Exam, cadre_id: int, number: int, now: dt.datetime
) -> tuple[Attempt, list[AttemptItem]]:
    """A new attempt and its items drawn from the exam's snapshot, unsaved (the start saves them)."""
    attempt, drawn = draw_rows(snap=snap, exam=exam, cadre_id=cadre_id, number=number, now=now)
    items = [
        AttemptItem(attempt=attempt, question_id=qid, order=i + 1, points=p, option_order=keys)
        for i, (qid, p, keys) in enumerate(drawn)
    ]
    return attempt, items


def draw_rows(
    *, snap: PaperSnapshot, exam: Exam, cadre_id: int, number: int, now: dt.datetime
) -> tuple[Attempt, list[tuple[int, Decimal, list[str]]]]:
    """A new attempt, unsaved, and its drawn (question id, points, option order) in the paper's order: the
    fast lane's start (`attempts_lane`) writes them without building an item per row."""
    drawn = snapshot_draw(snap)
    attempt = Attempt(
        exam=exam,
        cadre_id=cadre_id,
        number=number,
        started_at=now,
        deadline=min(now + dt.timedelta(minutes=exam.duration_minutes), exam.ends_at),
        max_score=sum((p for _, p, _ in drawn), Decimal(0)),
    )
    return attempt, drawn


def attempt_save_answer(
    *, actor: User, attempt_id: int, question_id: int, answer: Any, seq: int, now: dt.datetime | None = None
) -> AttemptItem:
    """Save one answer. A save with seq <= the stored one is stale (AttemptConflict), unless it repeats the
    stored save exactly, which is a harmless retry and succeeds without change."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValidationError({"seq": ERR_ANSWER_SHAPE})
    result = _save(actor, attempt_id, question_id, answer, seq, now or timezone.now())
    # Raised after the commit, so that a deadline submit made on the way is kept.
    if isinstance(result, AttemptConflict):
        raise result
    return result


@transaction.atomic
def _save(
    actor: User, attempt_id: int, question_id: int, answer: Any, seq: int, now: dt.datetime
) -> AttemptItem | AttemptConflict:
    attempt = _own_attempt(actor, attempt_id, lock=True)
    if attempt.status == AttemptStatus.IN_PROGRESS and attempt.deadline <= now:
        _finalise(attempt, reason=SubmitReason.DEADLINE, now=now)
    item = (
        AttemptItem.objects.filter(attempt=attempt, question_id=question_id)
        .only("id", "attempt_id", "question_id", "answer", "seq", "saved_at")
        .first()
    )
    if item is None:
        raise Http404
    if seq <= item.seq and item.seq == seq and item.answer == answer:
        return item  # a retry of a save that already made it in
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return AttemptConflict("closed", ERR_CLOSED)
    if seq <= item.seq:
        return AttemptConflict("stale", ERR_STALE, seq=item.seq)
    question = snapshot_for(attempt.exam_id, attempt.exam.created_at).questions.get(question_id)
    if question is None:  # retired since the draw: not in the exam's current snapshot
        question = Question.objects.get(pk=question_id)
    if not answer_is_valid(question, answer):
        raise ValidationError({"answer": ERR_ANSWER_SHAPE})
    AttemptItem.objects.filter(pk=item.pk, seq__lt=seq).update(answer=answer, seq=seq, saved_at=now)
    item.answer, item.seq, item.saved_at = answer, seq, now
    return item


def _finalise(attempt: Attempt, *, reason: str, now: dt.datetime, actor: User | None = None) -> bool:
    """Flip in_progress → submitted once; the winner grades. Must run inside a transaction. `actor` is
    the examinee handing in (None: the system, at the deadline)."""
    submitted_at = min(now, attempt.deadline) if reason == SubmitReason.DEADLINE else now
    won = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
        status=AttemptStatus.SUBMITTED, submitted_at=submitted_at, submit_reason=reason
    )
    if not won:
        attempt.refresh_from_db()
        return False
    attempt.status, attempt.submitted_at, attempt.submit_reason = AttemptStatus.SUBMITTED, submitted_at, reason
    _grade_objective(attempt, now=now)
    audit_record(
        actor=actor,
        actor_label=submit_actor_label(actor),
        event=Event.EXAM_SUBMIT,
        obj=attempt,
        detail={"reason": reason},
    )
    return True


def submit_actor_label(actor: User | None) -> str:
    """Who handed in, as the audit names them: the examinee, or the system at the deadline."""
    return f"{actor}({actor.username})"[:100] if actor is not None else "系统"


def _grade_objective(attempt: Attempt, *, now: dt.datetime) -> None:
    items = list(attempt.items.only("id", "attempt_id", "question_id", "points", "answer"))
    # The key from the exam's snapshot; a question it lacks (retired since the draw) from the bank.
    known = snapshot_for(attempt.exam_id, attempt.exam.created_at).questions
    missing = [i.question_id for i in items if i.question_id not in known]
    questions = {**known, **(Question.objects.in_bulk(missing) if missing else {})}
    sheet = grade_sheet(questions, [(i.pk, i.question_id, i.points, i.answer) for i in items])
    for item, (_, score, correct) in zip(items, sheet.grades, strict=True):
        item.score, item.correct = score, correct
    _store_grades(items)
    _record_mistakes(attempt.cadre_id, sheet.wrong, now=now)
    _store_total(attempt, sheet)


@dataclass(frozen=True)
class GradeSheet:
    """An attempt's objective grading: (item id, score, correct) per item, the questions for the mistake
    book, the total so far and whether every item has its score (a short answer waits for a grader)."""

    grades: list[tuple[int, Decimal | None, bool | None]]
    wrong: list[int]

    @property
    def score(self) -> Decimal:
        return sum((s for _, s, _ in self.grades if s is not None), Decimal(0))

    @property
    def graded(self) -> bool:
        return all(s is not None for _, s, _ in self.grades)

    def passed(self, pass_mark: Decimal) -> bool | None:
        return self.score >= pass_mark if self.graded else None


def grade_sheet(questions: dict[int, Question], items: list[tuple[int, int, Decimal, Any]]) -> GradeSheet:
    """Grade (item id, question id, points, answer) rows against the key: the submit on the normal path
    and on the fast lane (`attempts_lane`) both grade here."""
    grades: list[tuple[int, Decimal | None, bool | None]] = []
    wrong: list[int] = []
    for item_id, question_id, points, answer in items:
        question = questions[question_id]
        score, correct = grade(question, answer, points)
        grades.append((item_id, score, correct))
        if correct is False and question.qtype != QuestionType.SHORT_ANSWER:
            wrong.append(question_id)
    return GradeSheet(grades=grades, wrong=wrong)


def _store_grades(items: list[AttemptItem]) -> None:
    """One UPDATE with a CASE per distinct (score, correct) pair, of which objective grading makes only a
    few (full marks, nothing, a partial mark): bulk_update's CASE per row cost more than the rest of a
    submit."""
    groups: dict[tuple[Decimal | None, bool | None], list[int]] = {}
    for item in items:
        groups.setdefault((item.score, item.correct), []).append(item.pk)
    if not groups:
        return
    score = Case(
        *(When(pk__in=ids, then=Value(s, output_field=DecimalField())) for (s, _), ids in groups.items()),
        output_field=DecimalField(),
    )
    correct = Case(
        *(When(pk__in=ids, then=Value(c, output_field=BooleanField())) for (_, c), ids in groups.items()),
        output_field=BooleanField(),
    )
    AttemptItem.objects.filter(pk__in=[i.pk for i in items]).update(score=score, correct=correct)


def mistakes_upsert_sql(rows: str) -> str:
    """Into the mistake book: a new entry, or one more wrong answer (and back out of the cleared ones) for
    an entry the cadre already has. `rows` gives (cadre_id, question_id, last_wrong_at) rows: a VALUES list
    here, an unnest on the fast lane."""
    q = connection.ops.quote_name
    table = q(MistakeEntry._meta.db_table)
    return (
        f"INSERT INTO {table} ({q('cadre_id')}, {q('question_id')}, {q('last_wrong_at')}, {q('wrong_count')}) "  # noqa: S608 - names from the model
        # WHERE true: SQLite's parser needs it between an INSERT's SELECT and its ON CONFLICT.
        f"SELECT *, 1 FROM ({rows}) AS new_entry WHERE true "
        f"ON CONFLICT ({q('cadre_id')}, {q('question_id')}) DO UPDATE SET "
        f"{q('wrong_count')} = {table}.{q('wrong_count')} + 1, "
        f"{q('last_wrong_at')} = excluded.{q('last_wrong_at')}, {q('cleared_at')} = NULL"
    )


def _record_mistakes(cadre_id: int, question_ids: list[int], *, now: dt.datetime) -> None:
    if not question_ids:
        return
    values = "VALUES " + ", ".join(["(%s, %s, %s)"] * len(question_ids))
    params: list[Any] = []
    for question_id in question_ids:
        params += [cadre_id, question_id, connection.ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cursor:
        cursor.execute(mistakes_upsert_sql(values), params)


def _store_total(attempt: Attempt, sheet: GradeSheet) -> None:
    attempt.score, attempt.graded, attempt.passed = sheet.score, sheet.graded, sheet.passed(attempt.exam.pass_mark)
    Attempt.objects.filter(pk=attempt.pk).update(score=attempt.score, graded=attempt.graded, passed=attempt.passed)


@transaction.atomic
def attempt_submit(*, actor: User, attempt_id: int, now: dt.datetime | None = None) -> tuple[Attempt, bool]:
    """Submit the examinee's attempt; (attempt, True) for the one request that did it."""
    now = now or timezone.now()
    attempt = _own_attempt(actor, attempt_id, with_cadre=True)
    if attempt.deadline <= now:
        won = _finalise(attempt, reason=SubmitReason.DEADLINE, now=now)
    else:
        won = _finalise(attempt, reason=SubmitReason.EXAMINEE, now=now, actor=actor)
    return attempt, won


def attempt_close_if_expired(attempt: Attempt, *, now: dt.datetime | None = None) -> Attempt:
    """Lazy deadline submit: every read of an attempt passes through here."""
    now = now or timezone.now()
    if attempt.status == AttemptStatus.IN_PROGRESS and attempt.deadline <= now:
        with transaction.atomic():
            _finalise(attempt, reason=SubmitReason.DEADLINE, now=now)
    return attempt


@job
def close_expired_attempts(
    *, now: dt.datetime | None = None, exam_id: int | None = None, cadre_id: int | None = None
) -> int:
    """Submit and grade every attempt whose deadline has passed (the cron/systemd job and lazy reads)."""
    now = now or timezone.now()
    qs = Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lte=now).select_related("exam")
    if exam_id is not None:
        qs = qs.filter(exam_id=exam_id)
    if cadre_id is not None:
        qs = qs.filter(cadre_id=cadre_id)
    closed = 0
    for attempt in qs:
        with transaction.atomic():
            closed += _finalise(attempt, reason=SubmitReason.DEADLINE, now=now)
    return closed


def attempt_log_event(*, actor: User, attempt_id: int, kind: str, detail: str = "") -> AttemptEvent:
    """Log leaving or returning to the exam page. The page reports with keepalive requests, which can
    arrive after the attempt is gone (or after it was handed in): those are Http404 / AttemptConflict, never
    a database error."""
    if kind not in AttemptEventKind.values:
        raise ValidationError({"kind": ERR_ANSWER_SHAPE})
    try:
        # The block holds the insert's foreign-key check too (deferred to the commit on PostgreSQL).
        with transaction.atomic():
            attempt = _own_attempt(actor, attempt_id)
            if attempt.status != AttemptStatus.IN_PROGRESS:
                raise AttemptConflict("closed", ERR_CLOSED)
            return AttemptEvent.objects.create(attempt_id=attempt.pk, kind=kind, detail=detail[:100])
    except IntegrityError:
        raise Http404 from None


@transaction.atomic
def item_grade(*, actor: User, item_id: int, score: Decimal, comment: str = "") -> AttemptItem:
    """A grader scores a short answer, blind to the examinee's name."""
    item = (
        AttemptItem.objects.select_for_update(of=("self",))
        .select_related("attempt__exam", "question")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise Http404
    exam = item.attempt.exam
    if not exam.graders.filter(pk=actor.pk).exists():
        raise PermissionDenied(ERR_NOT_GRADER)
    if item.question.qtype != QuestionType.SHORT_ANSWER:
        raise ValidationError({"item": ERR_NOT_SUBJECTIVE})
    if item.attempt.status != AttemptStatus.SUBMITTED:
        raise ValidationError({"item": ERR_NOT_SUBMITTED})
    if not Decimal(0) <= score <= item.points:
        raise ValidationError({"score": ERR_SCORE_RANGE})
    item.score, item.graded_by, item.grader_comment = score, actor, comment.strip()
    item.correct = score == item.points
    item.save(update_fields=["score", "correct", "graded_by", "grader_comment"])
    grades = item.attempt.items.values_list("pk", "score", "correct")
    _store_total(item.attempt, GradeSheet(grades=list(grades), wrong=[]))
    audit_record(actor=actor, event=Event.EXAM_GRADE, obj=item.attempt, detail={"item": item.pk, "score": str(score)})
    return item
