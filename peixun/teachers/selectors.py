"""Reads of the teacher pool, cut to what the actor may see.

Applications: the organisation department (and the other province-wide roles) all; a unit admin those of
cadres in its subtree; a cadre their own. The pool: province-wide roles and the offices' members and
directors (who plan teaching); a teacher sees their own profile.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, FloatField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.org.selectors import sees_whole_province
from peixun.teachers.models import IntakeRound, Teacher, TeacherApplication, TeacherStatus
from peixun.training.models import Evaluation, Lecture


def _alive(actor: User) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


def rounds_visible(*, actor: User) -> QuerySet[IntakeRound]:
    if not _alive(actor):
        return IntakeRound.objects.none()
    return IntakeRound.objects.prefetch_related("fields")


def round_get(*, actor: User, pk: int) -> IntakeRound:
    try:
        return rounds_visible(actor=actor).get(pk=pk)
    except (IntakeRound.DoesNotExist, ValueError):
        raise Http404 from None


def application_scope_q(actor: User) -> Q | None:
    if not _alive(actor):
        return None
    if sees_whole_province(actor):
        return Q()
    q = Q(submitted_by=actor)
    if actor.cadre_id is not None:
        q |= Q(cadre_id=actor.cadre_id)
    if actor.has_role(Role.UNIT_ADMIN):
        for path in actor.grants.admin_paths:
            q |= Q(cadre__unit__path__startswith=path)
    return q


def applications_visible(*, actor: User) -> QuerySet[TeacherApplication]:
    q = application_scope_q(actor)
    if q is None:
        return TeacherApplication.objects.none()
    return (
        TeacherApplication.objects.filter(q)
        .select_related("round", "cadre", "cadre__unit", "submitted_by")
        .prefetch_related("fields")
    )


def application_get(*, actor: User, pk: int) -> TeacherApplication:
    try:
        return applications_visible(actor=actor).prefetch_related("samples", "steps__actor").get(pk=pk)
    except (TeacherApplication.DoesNotExist, ValueError):
        raise Http404 from None


def sees_pool(actor: User) -> bool:
    if not _alive(actor):
        return False
    return sees_whole_province(actor) or bool(actor.grants.member_office_ids | actor.grants.director_office_ids)


def teachers_visible(*, actor: User) -> QuerySet[Teacher]:
    if not _alive(actor):
        return Teacher.objects.none()
    qs = Teacher.objects.select_related("cadre", "cadre__unit").prefetch_related("fields")
    if sees_pool(actor):
        return qs
    if actor.cadre_id is not None:
        return qs.filter(cadre_id=actor.cadre_id)
    return Teacher.objects.none()


def teacher_get(*, actor: User, pk: int) -> Teacher:
    try:
        return teachers_visible(actor=actor).get(pk=pk)
    except (Teacher.DoesNotExist, ValueError):
        raise Http404 from None


def _rating_subquery() -> Subquery:
    scores = (
        Evaluation.objects.filter(lecture__teacher__cadre_id=OuterRef("cadre_id"), teacher_score__isnull=False)
        .order_by()
        .values("lecture__teacher__cadre_id")
        .annotate(avg=Avg("teacher_score"))
        .values("avg")
    )
    return Subquery(scores, output_field=FloatField())


ERR_FREE_PAIR = "空闲时段须同时填写开始和结束时间"
ERR_FREE_ORDER = "空闲时段的结束时间须晚于开始时间"
RATING_MIN, RATING_MAX = 1, 5  # the evaluation's teacher score


def free_window_errors(free_from: dt.datetime | None, free_to: dt.datetime | None) -> dict[str, str]:
    """The search's free-time window is both ends or neither, in order; the page and the API share it."""
    if (free_from is None) != (free_to is None):
        return {"free_to" if free_to is None else "free_from": ERR_FREE_PAIR}
    if free_from is not None and free_to is not None and free_to <= free_from:
        return {"free_to": ERR_FREE_ORDER}
    return {}


def teacher_search(
    *,
    actor: User,
    field: int | None = None,
    unit: str = "",
    min_rating: float | None = None,
    free_from: dt.datetime | None = None,
    free_to: dt.datetime | None = None,
    status: str = TeacherStatus.ACTIVE,
    query: str = "",
) -> QuerySet[Teacher]:
    """By field (office), unit (name fragment, also an external teacher's organisation), rating (average
    teacher score of the evaluations) and free time (no lecture of theirs overlaps the window)."""
    qs = teachers_visible(actor=actor).annotate(rating=_rating_subquery())
    if status:
        qs = qs.filter(status=status)
    if field:
        qs = qs.filter(fields__pk=field)
    if unit:
        qs = qs.filter(Q(cadre__unit__name__icontains=unit) | Q(external_org__icontains=unit))
    if query:
        qs = qs.filter(Q(cadre__name__icontains=query) | Q(external_name__icontains=query) | Q(number__icontains=query))
    if min_rating is not None:
        qs = qs.filter(rating__gte=min_rating)
    if free_from is not None and free_to is not None:
        busy = Lecture.objects.filter(starts_at__lt=free_to, ends_at__gt=free_from)
        busy_cadres = busy.exclude(teacher=None).values("teacher__cadre_id")
        busy_names = busy.exclude(teacher_name="").values("teacher_name")
        qs = qs.exclude(cadre_id__in=busy_cadres).exclude(Q(cadre=None) & Q(external_name__in=busy_names))
    return qs.distinct().order_by("number")


def teacher_lectures(teacher: Teacher) -> QuerySet[Lecture]:
    """Lectures taught, straight from the training app: by account for a cadre, by name for an external."""
    if teacher.cadre_id:
        qs = Lecture.objects.filter(teacher__cadre_id=teacher.cadre_id)
    else:
        qs = Lecture.objects.filter(teacher=None, teacher_name=teacher.external_name)
    return qs.select_related("training_class").order_by("-starts_at")


def teacher_stats(teacher: Teacher) -> dict[str, Any]:
    lectures = teacher_lectures(teacher)
    per_year = (
        lectures.annotate(year=ExtractYear("starts_at"))
        .order_by()
        .values("year")
        .annotate(minutes=Sum("duration_minutes"), n=Count("id"))
        .order_by("-year")
    )
    hours = [
        {"year": r["year"], "lectures": r["n"], "hours": (Decimal(r["minutes"] or 0) / 60).quantize(Decimal("0.1"))}
        for r in per_year
    ]
    ev = Evaluation.objects.filter(lecture__in=lectures.values("pk")).aggregate(
        n=Count("id"), teacher=Avg("teacher_score"), lecture=Avg("lecture_score")
    )
    return {"hours_per_year": hours, "evaluations": ev, "lecture_count": lectures.count()}


def teacher_of(actor: User) -> Teacher | None:
    if actor.cadre_id is None:
        return None
    return Teacher.objects.filter(cadre_id=actor.cadre_id).first()


def busy_between(teacher: Teacher, start: dt.datetime, end: dt.datetime) -> bool:
    return teacher_lectures(teacher).filter(starts_at__lt=end, ends_at__gt=start).exists()
