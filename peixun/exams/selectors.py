"""Reads of the question bank, papers, exams and attempts, cut to what the actor may see.

The answer key (Question.answer, reference_answer, scoring_points, explanation) never leaves through the
examinee's reads: `attempt_paper` builds the examinee's view from the attempt snapshot without it, and
adds it only once the organiser has released the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from peixun.accounts.models import User
from peixun.exams.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Contest,
    Exam,
    MistakeEntry,
    Paper,
    Question,
    QuestionStatus,
    ResultsPolicy,
)
from peixun.exams.permissions import can_organise
from peixun.exams.snapshot import (
    PaperSnapshot,
    attempt_row,
    question_base_row,
    question_row,
    snapshot_for,
    stem_image_url,
)
from peixun.org.models import Cadre, Unit
from peixun.org.selectors import cadres_visible
from peixun.training.models import Enrolment, EnrolmentStatus


# --- Question bank -------------------------------------------------------------------------------
def questions_visible(*, actor: User) -> QuerySet[Question]:
    """Office members see their offices' questions; the organiser sees the whole bank."""
    if not actor.is_authenticated:
        return Question.objects.none()
    qs = Question.objects.select_related("office", "similar_to")
    if can_organise(actor):
        return qs
    return qs.filter(office_id__in=actor.grants.member_office_ids)


def question_list(
    *, actor: User, q: str = "", qtype: str = "", status: str = "", difficulty: str = "", knowledge_point: str = ""
) -> QuerySet[Question]:
    qs = questions_visible(actor=actor)
    if q:
        qs = qs.filter(Q(stem__icontains=q) | Q(source__icontains=q))
    if qtype:
        qs = qs.filter(qtype=qtype)
    if status:
        qs = qs.filter(status=status)
    if difficulty.isdigit():
        qs = qs.filter(difficulty=int(difficulty))
    if knowledge_point:
        qs = qs.filter(knowledge_point=knowledge_point)
    return qs


def question_get(*, actor: User, pk: int) -> Question:
    question = questions_visible(actor=actor).filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


def question_image_get(*, actor: User, pk: int) -> Question:
    """A question whose stem image the actor may see: in their bank, in one of their own attempts, in an
    exam they grade, or open for practice. Http404 otherwise, and for a question without an image."""
    if not actor.is_authenticated:
        raise Http404
    question = questions_visible(actor=actor).filter(pk=pk).first()
    if question is None:
        seen = Q(pk__in=AttemptItem.objects.filter(attempt__exam__graders=actor).values("question_id"))
        if actor.cadre_id is not None:
            seen |= Q(pk__in=AttemptItem.objects.filter(attempt__cadre_id=actor.cadre_id).values("question_id"))
            seen |= Q(status=QuestionStatus.ACTIVE, for_practice=True) & ~Q(qtype="short_answer")
        question = Question.objects.filter(seen, pk=pk).first()
    if question is None or not question.stem_image:
        raise Http404
    return question


# --- Papers and exams (organiser) -----------------------------------------------------------------
def papers_visible(*, actor: User) -> QuerySet[Paper]:
    return Paper.objects.all() if can_organise(actor) else Paper.objects.none()


def paper_get(*, actor: User, pk: int) -> Paper:
    paper = papers_visible(actor=actor).filter(pk=pk).first()
    if paper is None:
        raise Http404
    return paper


def exams_managed(*, actor: User) -> QuerySet[Exam]:
    return Exam.objects.select_related("paper") if can_organise(actor) else Exam.objects.none()


def exam_managed_get(*, actor: User, pk: int) -> Exam:
    exam = exams_managed(actor=actor).filter(pk=pk).first()
    if exam is None:
        raise Http404
    return exam


# --- Examinees ------------------------------------------------------------------------------------
def audience_q(cadre: Cadre) -> Q:
    """Exams whose audience includes the cadre: a unit above (or at) the cadre's unit, by name, or as an
    enrolled trainee of one of the exam's classes."""
    unit_path = cadre.unit.path
    ancestors = [unit_path[: i + 7] for i in range(0, len(unit_path), 7)]
    enrolled = Enrolment.objects.filter(cadre=cadre, status=EnrolmentStatus.ENROLLED).values("training_class_id")
    return Q(audience_units__path__in=ancestors) | Q(audience_cadres=cadre) | Q(audience_classes__in=Subquery(enrolled))


def examinee_unit_path(actor: User) -> str | None:
    """The path of the actor's cadre's unit, read once per request (kept on the user object)."""
    if actor.cadre_id is None:
        return None
    path: str | None = getattr(actor, "_exams_unit_path", None)
    if path is None:
        path = Unit.objects.filter(cadres__pk=actor.cadre_id).values_list("path", flat=True).first() or ""
        actor._exams_unit_path = path  # type: ignore[attr-defined]
    return path


def is_in_audience(exam: Exam, cadre: Cadre, *, unit_path: str | None = None) -> bool:
    snap = snapshot_for(exam.pk, exam.created_at)
    path = unit_path if unit_path is not None else cadre.unit.path
    if snap.in_audience_by_unit_or_name(cadre.pk, path):
        return True
    return (
        bool(snap.audience_classes)
        and Enrolment.objects.filter(
            cadre_id=cadre.pk, training_class_id__in=snap.audience_classes, status=EnrolmentStatus.ENROLLED
        ).exists()
    )


def exam_for_examinee_start(*, actor: User, pk: int) -> Exam:
    """The exam to start, from the process's snapshot: Http404 unless the actor is in its audience."""
    if not actor.is_authenticated or actor.cadre_id is None:
        raise Http404
    # One query: the cadre's unit, and the exam's creation time that tells whether the snapshot is current.
    row = (
        Cadre.objects.filter(pk=actor.cadre_id)
        .annotate(exam_created=Subquery(Exam.objects.filter(pk=pk).values("created_at")[:1]))
        .values_list("unit__path", "exam_created")
        .first()
    )
    if row is None or row[1] is None:
        raise Http404
    actor._exams_unit_path = row[0]  # type: ignore[attr-defined]
    snap = snapshot_for(pk, row[1])
    if not is_in_audience(snap.exam, Cadre(pk=actor.cadre_id), unit_path=row[0]):
        raise Http404
    return snap.exam


def exams_for_examinee(*, actor: User) -> QuerySet[Exam]:
    if not actor.is_authenticated or actor.cadre_id is None:
        return Exam.objects.none()
    cadre = Cadre.objects.select_related("unit").get(pk=actor.cadre_id)
    ids = Exam.objects.filter(audience_q(cadre)).values("pk")
    return Exam.objects.filter(pk__in=ids).select_related("paper").order_by("-starts_at")


def exam_for_examinee(*, actor: User, pk: int) -> Exam:
    exam = exams_for_examinee(actor=actor).filter(pk=pk).first()
    if exam is None:
        raise Http404
    return exam


def my_attempts(*, actor: User, exam: Exam) -> QuerySet[Attempt]:
    if actor.cadre_id is None:
        return Attempt.objects.none()
    return Attempt.objects.filter(exam=exam, cadre_id=actor.cadre_id).order_by("number")


def attempt_owned(*, actor: User, pk: int) -> None:
    """Http404 unless the attempt is the actor's own: nobody learns whether another's exists."""
    if actor.cadre_id is None or not Attempt.objects.filter(pk=pk, cadre_id=actor.cadre_id).exists():
        raise Http404


def attempt_for_examinee(*, actor: User, pk: int) -> Attempt:
    """The examinee's own attempt, finalised first if its deadline has passed."""
    from peixun.exams.services.attempts import attempt_close_if_expired

    attempt = Attempt.objects.select_related("exam", "cadre").filter(pk=pk).first()
    if attempt is None or actor.cadre_id is None or attempt.cadre_id != actor.cadre_id:
        raise Http404
    return attempt_close_if_expired(attempt)


def results_visible(attempt: Attempt) -> bool:
    exam = attempt.exam
    if attempt.status != AttemptStatus.SUBMITTED or not attempt.graded:
        return False
    return exam.results_released_at is not None or exam.results_policy == ResultsPolicy.AFTER_GRADING


def key_visible(attempt: Attempt) -> bool:
    return attempt.status == AttemptStatus.SUBMITTED and attempt.exam.results_released_at is not None


def attempt_paper(attempt: Attempt) -> list[dict[str, Any]]:
    """The examinee's view of the paper: stems, options in this attempt's order, saved answers.

    The answer key is added only after release; before it, no field of it is read into the result.
    """
    show_key, show_score = key_visible(attempt), results_visible(attempt)
    if not show_key and not show_score:
        return _attempt_paper_lean(attempt)
    out = []
    for item in attempt.items.select_related("question").order_by("order"):
        q = item.question
        by_key = {o["key"]: o["text"] for o in q.options or []}
        row: dict[str, Any] = {
            "question_id": q.pk,
            "order": item.order,
            "qtype": q.qtype,
            "qtype_display": q.get_qtype_display(),
            "stem": q.stem,
            "image": bool(q.stem_image),
            "image_url": stem_image_url(q),
            "points": str(item.points),
            "options": [{"key": k, "label": "ABCDEFGH"[i], "text": by_key[k]} for i, k in enumerate(item.option_order)],
            "blanks": q.blank_count,
            "answer": item.answer,
            "seq": item.seq,
            "blank_values": [
                (item.answer[i] if isinstance(item.answer, list) and i < len(item.answer) else "")
                for i in range(q.blank_count)
            ],
        }
        if show_score:
            row["score"] = None if item.score is None else str(item.score)
            row["correct"] = item.correct
        if show_key:
            row["key"] = q.answer
            row["reference_answer"] = q.reference_answer
            row["explanation"] = q.explanation
        out.append(row)
    return out


def _attempt_paper_lean(attempt: Attempt) -> list[dict[str, Any]]:
    """The same rows from the exam's snapshot and the attempt's own columns: one query."""
    snap = snapshot_for(attempt.exam_id, attempt.exam.created_at)
    drawn = getattr(attempt, "drawn_items", None)  # just created by attempt_start: nothing saved yet
    if drawn is not None:
        items = [(i.question_id, i.order, i.points, i.option_order, i.answer, i.seq) for i in drawn]
    else:
        items = list(
            attempt.items.order_by("order").values_list(
                "question_id", "order", "points", "option_order", "answer", "seq"
            )
        )
    missing = [qid for qid, *_ in items if qid not in snap.questions]
    return attempt_paper_rows(snap, items, Question.objects.in_bulk(missing) if missing else {})


def attempt_paper_rows(snap: PaperSnapshot, items: list[tuple], extra: dict[int, Question]) -> list[dict[str, Any]]:
    """The examinee's rows of (question id, order, points, option order, answer, seq) items, from the
    snapshot, or from `extra` for questions it lacks (retired since the draw)."""
    out = []
    for qid, order, points, option_order, answer, seq in items:
        q = snap.questions.get(qid) or extra[qid]
        base = question_row(snap, q) if qid in snap.questions else question_base_row(q)
        out.append(attempt_row(base, order=order, points=points, option_order=option_order, answer=answer, seq=seq))
    return out


# --- Grading --------------------------------------------------------------------------------------
def exams_to_grade(*, actor: User) -> QuerySet[Exam]:
    if not actor.is_authenticated:
        return Exam.objects.none()
    return Exam.objects.filter(graders=actor)


def grading_queue(*, actor: User, exam: Exam) -> QuerySet[AttemptItem]:
    """Short answers of submitted attempts still to grade, for one of the actor's exams. No names."""
    if not exam.graders.filter(pk=actor.pk).exists():
        raise Http404
    return (
        AttemptItem.objects.filter(
            attempt__exam=exam,
            attempt__status=AttemptStatus.SUBMITTED,
            question__qtype="short_answer",
        )
        .select_related("question")
        .order_by("score", "attempt_id", "order")
    )


def grading_item_get(*, actor: User, pk: int) -> AttemptItem:
    item = AttemptItem.objects.select_related("question", "attempt__exam").filter(pk=pk).first()
    if item is None or not item.attempt.exam.graders.filter(pk=actor.pk).exists():
        raise Http404
    return item


# --- Results for the training record ---------------------------------------------------------------
@dataclass(frozen=True)
class ExamResult:
    exam_id: int
    title: str
    taken_on: Any
    score: Decimal
    max_score: Decimal
    passed: bool


def exam_results_for_cadre(*, actor: User, cadre: Cadre) -> list[ExamResult]:
    """A cadre's published exam results (best attempt per exam), for the training record.

    The actor must be able to see the cadre; results that are not released yet are left out.
    """
    if not cadres_visible(actor=actor).filter(pk=cadre.pk).exists():
        raise Http404
    released = Q(exam__results_released_at__isnull=False) | Q(exam__results_policy=ResultsPolicy.AFTER_GRADING)
    attempts = (
        Attempt.objects.filter(released, cadre=cadre, status=AttemptStatus.SUBMITTED, graded=True)
        .select_related("exam")
        .order_by("exam_id", "-score", "submitted_at")
    )
    best: dict[int, Attempt] = {}
    for a in attempts:
        best.setdefault(a.exam_id, a)
    return [
        ExamResult(a.exam_id, a.exam.title, a.submitted_at, a.score or Decimal(0), a.max_score, bool(a.passed))
        for a in sorted(best.values(), key=lambda a: a.submitted_at or a.started_at, reverse=True)
    ]


# --- Practice, mistake book and contests ----------------------------------------------------------
def practice_pool(*, knowledge_point: str = "", difficulty: str = "") -> QuerySet[Question]:
    qs = Question.objects.filter(status=QuestionStatus.ACTIVE, for_practice=True).exclude(qtype="short_answer")
    if knowledge_point:
        qs = qs.filter(knowledge_point=knowledge_point)
    if difficulty.isdigit():
        qs = qs.filter(difficulty=int(difficulty))
    return qs


def knowledge_points() -> list[str]:
    return list(
        Question.objects.filter(status=QuestionStatus.ACTIVE)
        .exclude(knowledge_point="")
        .values_list("knowledge_point", flat=True)
        .distinct()
        .order_by("knowledge_point")
    )


def mistake_book(*, actor: User) -> QuerySet[MistakeEntry]:
    if actor.cadre_id is None:
        return MistakeEntry.objects.none()
    return (
        MistakeEntry.objects.filter(cadre_id=actor.cadre_id, cleared_at__isnull=True)
        .select_related("question")
        .order_by("-last_wrong_at")
    )


def contests_visible(*, actor: User) -> QuerySet[Contest]:
    if can_organise(actor):
        return Contest.objects.select_related("exam")
    return Contest.objects.filter(exam__in=exams_for_examinee(actor=actor)).select_related("exam")


def contest_get(*, actor: User, pk: int) -> Contest:
    contest = contests_visible(actor=actor).filter(pk=pk).first()
    if contest is None:
        raise Http404
    return contest


def contest_ranking(contest: Contest, *, limit: int = 50) -> dict[str, Any]:
    """Live ranking: each cadre's best submitted score (ties: shorter time first), and units by mean."""
    from peixun.exams.services.attempts import close_expired_attempts

    close_expired_attempts(exam_id=contest.exam_id)
    rows = Attempt.objects.filter(exam_id=contest.exam_id, status=AttemptStatus.SUBMITTED).values(
        "pk", "cadre_id", "cadre__name", "cadre__unit_id", "cadre__unit__name", "score", "started_at", "submitted_at"
    )
    best: dict[int, dict[str, Any]] = {}
    for row in rows:
        r: dict[str, Any] = dict(row)
        r["seconds"] = int((r["submitted_at"] - r["started_at"]).total_seconds())
        r["score"] = r["score"] or Decimal(0)
        cur = best.get(r["cadre_id"])
        if cur is None or (r["score"], -r["seconds"]) > (cur["score"], -cur["seconds"]):
            best[r["cadre_id"]] = r
    cadres = sorted(best.values(), key=lambda r: (-r["score"], r["seconds"]))
    units: dict[int, dict[str, Any]] = {}
    for c in cadres:
        u = units.setdefault(c["cadre__unit_id"], {"name": c["cadre__unit__name"], "total": Decimal(0), "n": 0})
        u["total"] += c["score"]
        u["n"] += 1
    unit_rows = sorted(
        (
            {"name": u["name"], "n": u["n"], "mean": (u["total"] / u["n"]).quantize(Decimal("0.01"))}
            for u in units.values()
        ),
        key=lambda u: -u["mean"],
    )
    return {"cadres": cadres[:limit], "units": unit_rows[:limit], "updated": timezone.now()}
