"""Pages of research topics and textbooks: detail pages and their actions (milestones, report, chapters,
drafts, review, status). The create and edit forms are in views_edit.py. Thin: parse, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from peixun.core.http import actor_of, flash_errors
from peixun.offices import selectors
from peixun.offices import services_work as work
from peixun.offices.models_work import TextbookChapter, TextbookStatus, TopicMilestone, TopicStatus
from peixun.offices.views import parse_date
from peixun.org.models import Cadre


def parse_order(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 6 else None


def posted_cadre(value: str) -> Cadre | None:
    value = (value or "").strip()
    return Cadre.objects.filter(pk=int(value)).first() if value.isdigit() else None


@login_required
def topic_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    topic = selectors.topic_get(actor=actor, pk=pk)
    return render(request, "offices/topic_detail.html", {
        "topic": topic, "may_work": work.may_work_on_topic(actor, topic),
        "may_manage": selectors.may_manage_office(actor, topic.office_id), "statuses": TopicStatus,
    })  # fmt: skip


@login_required
@require_POST
def topic_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = actor_of(request)
    topic = selectors.topic_get(actor=actor, pk=pk)
    try:
        if action == "milestone":
            work.milestone_add(
                actor=actor,
                topic=topic,
                title=request.POST.get("title", ""),
                due_on=parse_date(request.POST.get("due_on", "")),
            )
        elif action == "mark":
            milestone = get_object_or_404(TopicMilestone, topic=topic, pk=request.POST.get("milestone") or 0)
            work.milestone_mark(actor=actor, milestone=milestone, done=request.POST.get("done") == "1")
        elif action == "report":
            work.topic_report(
                actor=actor,
                topic=topic,
                final_report=request.POST.get("final_report", ""),
                conclude=request.POST.get("conclude") == "1",
            )
        else:
            raise PermissionDenied
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "课题已更新")
    return redirect("offices:topic_detail", pk=topic.pk)


@login_required
def textbook_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    book = selectors.textbook_get(actor=actor, pk=pk)
    return render(request, "offices/textbook_detail.html", {
        "book": book, "may_manage": selectors.may_manage_office(actor, book.office_id),
        "members": selectors.office_members(book.office), "statuses": TextbookStatus.choices,
        "my_cadre": actor.cadre_id,
    })  # fmt: skip


@login_required
@require_POST
def textbook_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = actor_of(request)
    book = selectors.textbook_get(actor=actor, pk=pk)
    chapter_id = request.POST.get("chapter", "")
    chapter = (
        TextbookChapter.objects.filter(textbook=book, pk=int(chapter_id)).first() if chapter_id.isdigit() else None
    )
    try:
        if action == "chapter":
            work.chapter_assign(
                actor=actor, textbook=book, order=parse_order(request.POST.get("order", "")),
                title=request.POST.get("title", ""), assignee=posted_cadre(request.POST.get("assignee", "")),
            )  # fmt: skip
        elif action == "draft" and chapter is not None:
            work.chapter_draft(actor=actor, chapter=chapter, draft=request.POST.get("draft", ""))
        elif action == "review" and chapter is not None:
            work.chapter_review(
                actor=actor,
                chapter=chapter,
                passed=request.POST.get("passed") == "1",
                comment=request.POST.get("comment", ""),
            )
        elif action == "status":
            work.textbook_save(
                actor=actor, office=book.office, title=book.title, outline=book.outline,
                status=request.POST.get("status", ""), publisher=request.POST.get("publisher", ""),
                published_on=parse_date(request.POST.get("published_on", "")), textbook=book,
            )  # fmt: skip
        elif not selectors.may_manage_office(actor, book.office_id):
            raise PermissionDenied(work.ERR_NOT_DIRECTOR)
        else:
            raise ValidationError({"chapter": work.ERR_REQUIRED})
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "教材编写已更新")
    return redirect("offices:textbook_detail", pk=book.pk)
