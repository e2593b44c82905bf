"""Create and edit forms of research topics and textbooks, and edit forms of milestones and chapters.

Each form is a partial that htmx swaps in place (refused input comes back in the same partial with the
service's Chinese message beside the field; success sends the browser to the detail page with
HX-Redirect). Without htmx the same partial sits in a full page and success is a plain redirect.
Permission checks and validation are the services'; the views only parse.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from peixun.core.http import actor_of
from peixun.offices import selectors
from peixun.offices import services_work as work
from peixun.offices.models_work import TextbookChapter, TextbookStatus, TopicMilestone, TopicStatus
from peixun.offices.views import parse_date
from peixun.offices.views_work import parse_order, posted_cadre
from peixun.org.models import Cadre


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    """Messages by field; those of no field under "form" (templates cannot read "__all__")."""
    if not hasattr(exc, "error_dict"):
        return {"form": exc.messages}
    return {("form" if k == "__all__" else k): v for k, v in exc.message_dict.items()}


def _form(request: HttpRequest, partial: str, heading: str, context: dict[str, Any]) -> HttpResponse:
    context = {**context, "heading": heading, "form_template": partial}
    return render(request, partial if _is_htmx(request) else "offices/edit_page.html", context)


def _done(request: HttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- Topics ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def topic_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    if not selectors.may_manage_office(actor, office.pk):
        raise PermissionDenied(work.ERR_NOT_DIRECTOR)
    values: dict[str, Any] = {"title": "", "plan": "", "members": set()}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        ids = {int(i) for i in request.POST.getlist("members") if i.isdigit()}
        values = {"title": request.POST.get("title", ""), "plan": request.POST.get("plan", ""), "members": ids}
        try:
            topic = work.topic_save(
                actor=actor, office=office, title=values["title"], plan=values["plan"],
                members=Cadre.objects.filter(pk__in=ids),
            )  # fmt: skip
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return _done(request, reverse("offices:topic_detail", args=[topic.pk]), "课题已立项")
    return _form(request, "offices/_topic_edit_form.html", f"新立课题 · {office.name}", {
        "office": office, "values": values, "errors": errors, "members": selectors.office_members(office),
        "action": reverse("offices:topic_create", args=[office.pk]),
        "cancel_url": reverse("offices:office_detail", args=[office.pk]),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    topic = selectors.topic_get(actor=actor, pk=pk)
    if not selectors.may_manage_office(actor, topic.office_id):
        raise PermissionDenied(work.ERR_NOT_DIRECTOR)
    values: dict[str, Any] = {
        "title": topic.title, "plan": topic.plan, "status": topic.status,
        "members": {c.pk for c in topic.members.all()},
    }  # fmt: skip
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        ids = {int(i) for i in request.POST.getlist("members") if i.isdigit()}
        values = {k: request.POST.get(k, "") for k in ("title", "plan", "status")} | {"members": ids}
        try:
            work.topic_save(
                actor=actor, office=topic.office, title=values["title"], plan=values["plan"],
                status=values["status"], members=Cadre.objects.filter(pk__in=ids), topic=topic,
            )  # fmt: skip
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return _done(request, reverse("offices:topic_detail", kwargs={"pk": topic.pk}), "课题已保存")
    return _form(request, "offices/_topic_edit_form.html", f"编辑课题 · {topic.title}", {
        "topic": topic, "values": values, "errors": errors, "statuses": TopicStatus.choices,
        "members": selectors.office_members(topic.office), "action": reverse("offices:topic_edit", args=[topic.pk]),
        "cancel_url": reverse("offices:topic_detail", args=[topic.pk]),
    })  # fmt: skip


def _milestone(request: HttpRequest, pk: int) -> TopicMilestone:
    milestone = get_object_or_404(TopicMilestone.objects.select_related("topic"), pk=pk)
    selectors.topic_get(actor=actor_of(request), pk=milestone.topic_id)  # 404 unless the topic is visible
    return milestone


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the table row turns into inputs and back; without htmx a small page."""
    actor = actor_of(request)
    milestone = _milestone(request, pk)
    topic = milestone.topic
    if not work.may_work_on_topic(actor, topic):
        raise PermissionDenied(work.ERR_NOT_TOPIC_MEMBER)
    row = {"m": milestone, "topic": topic, "may_work": True}
    if request.method == "GET" and request.GET.get("cancel") and _is_htmx(request):
        return render(request, "offices/_milestone_row.html", row)
    values = {"title": milestone.title, "due_on": milestone.due_on.isoformat()}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {"title": request.POST.get("title", ""), "due_on": request.POST.get("due_on", "")}
        try:
            work.milestone_update(
                actor=actor, milestone=milestone, title=values["title"], due_on=parse_date(values["due_on"])
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            if _is_htmx(request):
                return render(request, "offices/_milestone_row.html", row)
            messages.success(request, "节点已保存")
            return redirect("offices:topic_detail", pk=topic.pk)
    context = {**row, "values": values, "errors": errors}
    if _is_htmx(request):
        return render(request, "offices/_milestone_edit_row.html", context)
    return _form(request, "offices/_milestone_edit_form.html", f"编辑节点 · {topic.title}", context)


@login_required
@require_POST
def milestone_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = _milestone(request, pk)
    topic_id = milestone.topic_id
    work.milestone_remove(actor=actor_of(request), milestone=milestone)
    if _is_htmx(request):
        return HttpResponse("")  # the row is swapped for nothing
    messages.success(request, "节点已删除")
    return redirect("offices:topic_detail", pk=topic_id)


# --- Textbooks -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def textbook_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    if not selectors.may_manage_office(actor, office.pk):
        raise PermissionDenied(work.ERR_NOT_DIRECTOR)
    values = {"title": "", "outline": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {"title": request.POST.get("title", ""), "outline": request.POST.get("outline", "")}
        try:
            book = work.textbook_save(actor=actor, office=office, title=values["title"], outline=values["outline"])
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return _done(request, reverse("offices:textbook_detail", args=[book.pk]), "教材编写已立项")
    return _form(request, "offices/_textbook_edit_form.html", f"新立教材 · {office.name}", {
        "office": office, "values": values, "errors": errors,
        "action": reverse("offices:textbook_create", args=[office.pk]),
        "cancel_url": reverse("offices:office_detail", args=[office.pk]),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def textbook_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    book = selectors.textbook_get(actor=actor, pk=pk)
    if not selectors.may_manage_office(actor, book.office_id):
        raise PermissionDenied(work.ERR_NOT_DIRECTOR)
    fields = ("title", "outline", "status", "publisher", "published_on")
    values = {
        "title": book.title, "outline": book.outline, "status": book.status, "publisher": book.publisher,
        "published_on": book.published_on.isoformat() if book.published_on else "",
    }  # fmt: skip
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in fields}
        published_on = parse_date(values["published_on"])
        try:
            if values["published_on"].strip() and published_on is None:
                raise ValidationError({"published_on": work.ERR_DATE})
            work.textbook_save(
                actor=actor, office=book.office, title=values["title"], outline=values["outline"],
                status=values["status"], publisher=values["publisher"], published_on=published_on, textbook=book,
            )  # fmt: skip
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return _done(request, reverse("offices:textbook_detail", kwargs={"pk": book.pk}), "教材信息已保存")
    return _form(request, "offices/_textbook_edit_form.html", f"编辑教材 · {book.title}", {
        "book": book, "values": values, "errors": errors, "statuses": TextbookStatus.choices,
        "action": reverse("offices:textbook_edit", args=[book.pk]),
        "cancel_url": reverse("offices:textbook_detail", args=[book.pk]),
    })  # fmt: skip


def _chapter(request: HttpRequest, pk: int) -> TextbookChapter:
    chapter = get_object_or_404(TextbookChapter.objects.select_related("textbook", "assignee"), pk=pk)
    selectors.textbook_get(actor=actor_of(request), pk=chapter.textbook_id)  # 404 unless the book is visible
    return chapter


@login_required
@require_http_methods(["GET", "POST"])
def chapter_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    chapter = _chapter(request, pk)
    book = chapter.textbook
    if not selectors.may_manage_office(actor, book.office_id):
        raise PermissionDenied(work.ERR_NOT_DIRECTOR)
    values = {"order": str(chapter.order), "title": chapter.title, "assignee": str(chapter.assignee_id)}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("order", "title", "assignee")}
        try:
            work.chapter_update(
                actor=actor, chapter=chapter, order=parse_order(values["order"]), title=values["title"],
                assignee=posted_cadre(values["assignee"]),
            )  # fmt: skip
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            url = reverse("offices:textbook_detail", kwargs={"pk": book.pk}) + f"#c{chapter.pk}"
            return _done(request, url, "章节已保存")
    return _form(request, "offices/_chapter_edit_form.html", f"编辑章节 · {book.title}", {
        "chapter": chapter, "book": book, "values": values, "errors": errors,
        "members": selectors.office_members(book.office),
    })  # fmt: skip


@login_required
@require_POST
def chapter_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    chapter = _chapter(request, pk)
    url = reverse("offices:textbook_detail", kwargs={"pk": chapter.textbook_id})
    try:
        work.chapter_remove(actor=actor_of(request), chapter=chapter)
    except ValidationError as exc:
        for group in _errors(exc).values():
            for message in group:
                messages.error(request, message)
        if _is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    return _done(request, url, "章节已删除")
