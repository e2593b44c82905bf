"""Practice (练习), the mistake book (错题本) and contest rankings (练兵比武)."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from peixun.exams import excel, selectors, services
from peixun.exams.models import QuestionType
from peixun.exams.permissions import require
from peixun.exams.services.practice import ERR_NO_CADRE


def _pick(qs: Any) -> Any:
    ids = list(qs.values_list("pk", flat=True)[:2000])
    return qs.model.objects.get(pk=random.choice(ids)) if ids else None


def _answer_from_post(qtype: str, post: Any) -> Any:
    if qtype == QuestionType.MULTIPLE:
        return sorted(post.getlist("answer")) or None
    if qtype == QuestionType.TRUE_FALSE:
        return {"true": True, "false": False}.get(post.get("answer", ""))
    if qtype == QuestionType.FILL_BLANK:
        return post.getlist("answer")
    return post.get("answer") or None


@login_required
def practice_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(actor.cadre_id is not None, ERR_NO_CADRE)  # type: ignore[union-attr]
    g = request.GET
    if g.get("mode") == "mistakes":
        entries = selectors.mistake_book(actor=actor)  # type: ignore[arg-type]
        question = _pick(selectors.practice_pool().filter(pk__in=entries.values("question_id")))
    else:
        question = _pick(selectors.practice_pool(knowledge_point=g.get("kp", ""), difficulty=g.get("difficulty", "")))
    return render(
        request,
        "exams/practice.html",
        {
            "question": question,
            "filters": g,
            "kps": selectors.knowledge_points(),
            "blanks": range(question.blank_count) if question else [],
        },
    )


@login_required
@require_POST
def practice_answer_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    question = selectors.practice_pool().filter(pk=request.POST.get("question", "0") or 0).first()
    if question is None:
        raise Http404
    answer = _answer_from_post(question.qtype, request.POST)
    try:
        correct = services.practice_answer(actor=actor, question=question, answer=answer)  # type: ignore[arg-type]
    except ValidationError:
        return render(request, "exams/_practice_feedback.html", {"invalid": True})
    return render(
        request,
        "exams/_practice_feedback.html",
        {
            "correct": correct,
            "question": question,
            "key": excel._answer_text(question),
        },
    )


@login_required
def mistakes_view(request: HttpRequest) -> HttpResponse:
    require(request.user.cadre_id is not None, ERR_NO_CADRE)  # type: ignore[union-attr]
    return render(request, "exams/mistakes.html", {"entries": selectors.mistake_book(actor=request.user)[:200]})  # type: ignore[arg-type]


@login_required
def contest_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/contest_list.html", {"contests": selectors.contests_visible(actor=request.user)})  # type: ignore[arg-type]


@login_required
def contest_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.contest_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return render(
        request, "exams/contest_detail.html", {"contest": contest, "ranking": selectors.contest_ranking(contest)}
    )


@login_required
def contest_ranking_view(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.contest_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return render(
        request, "exams/_contest_ranking.html", {"contest": contest, "ranking": selectors.contest_ranking(contest)}
    )
