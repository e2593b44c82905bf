"""Exam results for unit admins: the examinees of their units (and the units below them), per exam.

A unit admin sees only attempts of cadres whose unit lies in one of their subtrees; the organiser sees all.
Scores are shown to unit admins once the results are published (released by the organiser, or graded
under the "after grading" policy); before that, only who sat and who handed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from peixun.accounts.models import User
from peixun.exams.models import Attempt, AttemptStatus, Exam, ResultsPolicy
from peixun.exams.permissions import can_organise


def results_scope_q(actor: User) -> Q | None:
    """Attempts the actor may see in the results view, as a condition on Attempt; None: no access."""
    if not actor.is_authenticated or not actor.is_active:
        return None
    if can_organise(actor):
        return Q()
    paths = actor.grants.admin_paths
    if not paths:
        return None
    return reduce(or_, (Q(cadre__unit__path__startswith=p) for p in paths))


def may_view_results(actor: User) -> bool:
    return results_scope_q(actor) is not None


def attempts_in_scope(*, actor: User) -> QuerySet[Attempt]:
    q = results_scope_q(actor)
    if q is None:
        return Attempt.objects.none()
    return Attempt.objects.filter(q)


def exams_with_results(*, actor: User) -> QuerySet[Exam]:
    """Exams sat by at least one examinee in the actor's scope, with their counts in that scope."""
    q = results_scope_q(actor)
    if q is None:
        return Exam.objects.none()
    scoped = Q(attempts__in=attempts_in_scope(actor=actor))
    return (
        Exam.objects.filter(scoped)
        .annotate(
            examinees=Count("attempts__cadre", filter=scoped, distinct=True),
            submitted=Count("attempts", filter=scoped & Q(attempts__status=AttemptStatus.SUBMITTED)),
        )
        .order_by("-starts_at", "-id")
    )


def exam_with_results_get(*, actor: User, pk: int) -> Exam:
    exam = exams_with_results(actor=actor).filter(pk=pk).first()
    if exam is None:
        raise Http404
    return exam


def scores_published(exam: Exam) -> bool:
    return exam.results_released_at is not None or exam.results_policy == ResultsPolicy.AFTER_GRADING


@dataclass(frozen=True)
class ResultRow:
    unit: str
    name: str
    employee_number: str
    attempts: int
    status: str
    score: Decimal | None
    passed: bool | None
    submitted_at: Any


def exam_results(*, actor: User, exam: Exam, query: str = "") -> tuple[list[ResultRow], dict[str, Any]]:
    """One row per examinee in scope (their best graded attempt, else their latest), and a summary."""
    from peixun.exams.services.attempts import close_expired_attempts

    close_expired_attempts(exam_id=exam.pk)
    attempts = attempts_in_scope(actor=actor).filter(exam=exam).select_related("cadre__unit")
    if query:
        attempts = attempts.filter(Q(cadre__name__icontains=query) | Q(cadre__employee_number=query))
    show = can_organise(actor) or scores_published(exam)
    rows = _rows(attempts.order_by("cadre__unit__path", "cadre__name", "cadre_id", "number"), show)
    scored = [r.score for r in rows if r.score is not None]
    summary = {
        "examinees": len(rows),
        "submitted": sum(1 for r in rows if r.status == AttemptStatus.SUBMITTED.label),
        "scores_shown": show,
        "mean": (sum(scored, Decimal(0)) / len(scored)).quantize(Decimal("0.01")) if scored else None,
        "passed": sum(1 for r in rows if r.passed),
        "pass_rate": f"{sum(1 for r in rows if r.passed) / len(scored):.0%}" if scored else "—",
    }
    return rows, summary


def _rows(attempts: Iterable[Attempt], show: bool) -> list[ResultRow]:
    by_cadre: dict[int, list[Attempt]] = {}
    for a in attempts:
        by_cadre.setdefault(a.cadre_id, []).append(a)
    rows = []
    for group in by_cadre.values():
        graded = [a for a in group if a.status == AttemptStatus.SUBMITTED and a.graded]
        best = max(graded, key=lambda a: (a.score or Decimal(0), -a.number)) if graded else group[-1]
        cadre = best.cadre
        rows.append(
            ResultRow(
                unit=cadre.unit.name,
                name=cadre.name,
                employee_number=cadre.employee_number,
                attempts=len(group),
                status=best.get_status_display()
                + ("" if best.status != AttemptStatus.SUBMITTED or best.graded else "（待阅卷）"),
                score=best.score if show and best.graded else None,
                passed=best.passed if show and best.graded else None,
                submitted_at=best.submitted_at,
            )
        )
    return rows
