"""Reads of the offices' work, cut to what the actor may see.

An office's workspace (lesson preps, topics, textbooks, dashboard) is open to its members and director and
to the province-wide roles (read); the names of the offices are open to every account.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.offices.models import OfficeMembership, OfficeMembershipChange, OfficeRole, ResearchOffice
from peixun.offices.models_prep import LessonPrep, LessonPrepVersion, PrepComment
from peixun.offices.models_work import ChapterStatus, ResearchTopic, Textbook, TextbookChapter, TopicStatus
from peixun.org.models import Cadre, CadreStatus
from peixun.org.selectors import cadres_visible, sees_whole_province
from peixun.training.models import Lecture, TrainingClass


def _alive(actor: User) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


# --- Who ----------------------------------------------------------------------------------------------


def is_member(actor: User, office_id: int) -> bool:
    """Member or director (a director is a member with the director's role)."""
    return _alive(actor) and office_id in actor.grants.member_office_ids


def is_director(actor: User, office_id: int) -> bool:
    return _alive(actor) and office_id in actor.grants.director_office_ids


def may_view_office(actor: User, office_id: int) -> bool:
    return _alive(actor) and (sees_whole_province(actor) or is_member(actor, office_id))


def may_manage_office(actor: User, office_id: int) -> bool:
    """Topics and textbooks are set up by the office's director (or the organisation department)."""
    return _alive(actor) and (actor.has_role(Role.ORG_ADMIN) or is_director(actor, office_id))


def _office_q(actor: User, prefix: str = "") -> Q | None:
    if not _alive(actor):
        return None
    if sees_whole_province(actor):
        return Q()
    ids = sorted(actor.grants.member_office_ids)
    return Q(**{f"{prefix}office_id__in": ids}) if ids else None


# --- Offices --------------------------------------------------------------------------------------------


def offices_all(*, actor: User) -> QuerySet[ResearchOffice]:
    if not _alive(actor):
        return ResearchOffice.objects.none()
    directors = OfficeMembership.objects.filter(role=OfficeRole.DIRECTOR).select_related("cadre")
    return ResearchOffice.objects.annotate(n_members=Count("memberships")).prefetch_related(
        Prefetch("memberships", queryset=directors, to_attr="director_rows")
    )


def office_get(*, actor: User, pk: int) -> ResearchOffice:
    """The workspace: members, director, province-wide roles; anyone else gets 404."""
    try:
        office = ResearchOffice.objects.get(pk=pk)
    except (ResearchOffice.DoesNotExist, ValueError):
        raise Http404 from None
    if not may_view_office(actor, office.pk):
        raise Http404
    return office


def office_members(office: ResearchOffice) -> QuerySet[OfficeMembership]:
    return office.memberships.select_related("cadre", "cadre__unit").order_by("role", "cadre__name")


# --- Membership management ------------------------------------------------------------------------------

CANDIDATES_SHOWN = 20


def may_manage_members(actor: User, office_id: int) -> bool:
    """The organisation department manages every office's membership; a director their own office's
    ordinary members (appointing or dismissing a director stays with the organisation department)."""
    return _alive(actor) and (actor.has_role(Role.ORG_ADMIN) or is_director(actor, office_id))


def member_candidate_q(actor: User) -> Q | None:
    """Whom the actor may add to an office. The organisation department: any cadre it sees (the whole
    province). A director: the pool's active teachers and the cadres of the director's own unit, people
    the director can already see; not a province-wide directory of names and employee numbers."""
    if not _alive(actor):
        return None
    if actor.has_role(Role.ORG_ADMIN):
        return Q()
    if not actor.grants.director_office_ids:
        return None
    q = Q(teacher__status="active")
    if actor.grants.own_unit_id is not None:
        q |= Q(unit_id=actor.grants.own_unit_id)
    return q


def member_candidates(*, actor: User, office: ResearchOffice, query: str) -> QuerySet[Cadre]:
    """Active cadres matching a name, employee number or username, not yet in the office, at most 20."""
    query = (query or "").strip()
    scope = member_candidate_q(actor)
    if scope is None or not query or not may_manage_members(actor, office.pk):
        return Cadre.objects.none()
    base = cadres_visible(actor=actor) if actor.has_role(Role.ORG_ADMIN) else Cadre.objects.select_related("unit")
    match = Q(name__icontains=query) | Q(employee_number__icontains=query) | Q(user__username__iexact=query)
    return (
        base.filter(scope)
        .filter(match, status=CadreStatus.ACTIVE)
        .exclude(pk__in=office.memberships.values("cadre_id"))
        .distinct()
        .order_by("name", "employee_number")[:CANDIDATES_SHOWN]
    )


def may_add_candidate(actor: User, cadre: Cadre) -> bool:
    scope = member_candidate_q(actor)
    return scope is not None and Cadre.objects.filter(scope, pk=cadre.pk).exists()


def membership_history(office: ResearchOffice, *, limit: int = 200) -> QuerySet[OfficeMembershipChange]:
    return office.membership_changes.order_by("-at", "-id")[:limit]


# --- Lesson preps ------------------------------------------------------------------------------------------


def preps_visible(*, actor: User) -> QuerySet[LessonPrep]:
    """The office's people (and province-wide roles); a lecture's teacher reads its signed-off handout."""
    q = _office_q(actor)
    if _alive(actor) and not sees_whole_province(actor):  # Q() | x would be x: the province sees all
        taught = Q(lecture__teacher_id=actor.pk, status="signed_off")
        q = taught if q is None else q | taught
    if q is None:
        return LessonPrep.objects.none()
    return LessonPrep.objects.filter(q).select_related("office", "author", "signed_version", "signed_by", "lecture")


def prep_get(*, actor: User, pk: int) -> LessonPrep:
    try:
        return preps_visible(actor=actor).get(pk=pk)
    except (LessonPrep.DoesNotExist, ValueError):
        raise Http404 from None


def prep_latest(prep: LessonPrep) -> LessonPrepVersion | None:
    return prep.versions.order_by("-number").first()


def prep_version(prep: LessonPrep, number: int) -> LessonPrepVersion:
    try:
        return prep.versions.get(number=number)
    except (LessonPrepVersion.DoesNotExist, ValueError):
        raise Http404 from None


def prep_threads(prep: LessonPrep) -> dict[int, list[PrepComment]]:
    """Top-level comments per section, each with its replies prefetched, in two queries."""
    replies = PrepComment.objects.select_related("author").order_by("created_at", "id")
    top = (
        prep.comments.filter(parent=None)
        .select_related("author", "version")
        .prefetch_related(Prefetch("replies", queryset=replies))
    )
    threads: dict[int, list[PrepComment]] = {}
    for c in top:
        threads.setdefault(c.section, []).append(c)
    return threads


# --- Topics and textbooks ---------------------------------------------------------------------------------


def topics_visible(*, actor: User) -> QuerySet[ResearchTopic]:
    q = _office_q(actor)
    if q is None:
        return ResearchTopic.objects.none()
    return ResearchTopic.objects.filter(q).select_related("office").prefetch_related("members", "milestones")


def topic_get(*, actor: User, pk: int) -> ResearchTopic:
    try:
        return topics_visible(actor=actor).get(pk=pk)
    except (ResearchTopic.DoesNotExist, ValueError):
        raise Http404 from None


def textbooks_visible(*, actor: User) -> QuerySet[Textbook]:
    q = _office_q(actor)
    if q is None:
        return Textbook.objects.none()
    chapters = TextbookChapter.objects.select_related("assignee")
    return Textbook.objects.filter(q).select_related("office").prefetch_related(Prefetch("chapters", queryset=chapters))


def textbook_get(*, actor: User, pk: int) -> Textbook:
    try:
        return textbooks_visible(actor=actor).get(pk=pk)
    except (Textbook.DoesNotExist, ValueError):
        raise Http404 from None


# --- Dashboard ----------------------------------------------------------------------------------------------


def _question_share(office: ResearchOffice) -> dict[str, Any]:
    """The office's share of the question bank (exams app), by status."""
    from peixun.exams.models import Question, QuestionStatus

    counts = dict(Question.objects.filter(office=office).order_by().values_list("status").annotate(n=Count("id")))
    rows = [(label, counts.get(value, 0)) for value, label in QuestionStatus.choices]
    return {"total": sum(counts.values()), "by_status": rows}


def office_dashboard(office: ResearchOffice, *, year: int | None = None) -> dict[str, Any]:
    year = year or timezone.localdate().year
    classes = TrainingClass.objects.filter(office=office)
    member_cadres = office.memberships.values("cadre_id")
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    taught = (
        Lecture.objects.filter(teacher__cadre_id__in=member_cadres, starts_at__gte=start, starts_at__lt=end)
        .order_by()
        .values("teacher__cadre_id", "teacher__cadre__name")
        .annotate(minutes=Sum("duration_minutes"), n=Count("id"))
        .order_by("-minutes")
    )
    hours = [
        {"name": r["teacher__cadre__name"], "lectures": r["n"],
         "hours": (Decimal(r["minutes"] or 0) / 60).quantize(Decimal("0.1"))}
        for r in taught
    ]  # fmt: skip
    books = (
        Textbook.objects.filter(office=office)
        .annotate(
            n_chapters=Count("chapters"),
            n_reviewed=Count("chapters", filter=Q(chapters__status=ChapterStatus.REVIEWED)),
        )
        .order_by("-created_at")
    )
    return {
        "year": year,
        "classes_run": classes.count(),
        "classes_this_year": classes.filter(plan__year=year).count(),
        "recent_classes": list(classes.select_related("plan").order_by("-start_date")[:10]),
        "member_hours": hours,
        "total_hours": sum((h["hours"] for h in hours), Decimal("0")),
        "topics_in_progress": ResearchTopic.objects.filter(
            office=office, status__in=[TopicStatus.PLANNED, TopicStatus.IN_PROGRESS]
        ).count(),
        "topics_concluded": ResearchTopic.objects.filter(office=office, status=TopicStatus.CONCLUDED).count(),
        "textbooks": [
            {
                "book": b,
                "done": b.n_reviewed,
                "total": b.n_chapters,
                "percent": round(100 * b.n_reviewed / b.n_chapters) if b.n_chapters else 0,
            }
            for b in books
        ],
        "questions": _question_share(office),
        "preps_drafting": LessonPrep.objects.filter(office=office, status="drafting").count(),
        "preps_signed": LessonPrep.objects.filter(office=office, status="signed_off").count(),
    }
