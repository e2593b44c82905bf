"""Question bank pages: list, write, review, Excel import and export."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.exams import excel, images, selectors, services
from peixun.exams.models import Question, QuestionStatus, QuestionType
from peixun.exams.permissions import can_review, can_use_bank, require
from peixun.offices.models import ResearchOffice

ERR_NO_FILE = "请选择要导入的Excel文件"
ERR_TOO_LARGE = "文件过大"
ERR_OFFICE = "请选择本人所在的教研室"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _my_offices(actor: Any) -> list[ResearchOffice]:
    return list(ResearchOffice.objects.filter(pk__in=actor.grants.member_office_ids))


def _data_from_post(post: Any) -> services.QuestionData:
    qtype = post.get("qtype", "")
    options = [post.get(f"option_{k}", "").strip() for k in "ABCDEF"]
    while options and not options[-1]:
        options.pop()
    try:
        difficulty = int(post.get("difficulty", "3"))
    except ValueError:
        difficulty = 0
    data = services.QuestionData(
        qtype=qtype,
        stem=post.get("stem", ""),
        options=options,
        explanation=post.get("explanation", ""),
        knowledge_point=post.get("knowledge_point", ""),
        difficulty=difficulty,
        source=post.get("source", ""),
        reference_answer=post.get("reference_answer", ""),
    )
    if qtype == QuestionType.SHORT_ANSWER:
        points = excel.parse_points(post.get("scoring_points", ""))
        if points is None:
            raise ValidationError({"scoring_points": excel.ERR_POINTS_FORMAT})
        data.scoring_points = points
    else:
        data.answer = excel.parse_answer(qtype, post.get("answer", ""))
    return data


def _form_initial(q: Question) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "qtype": q.qtype,
        "stem": q.stem,
        "explanation": q.explanation,
        "knowledge_point": q.knowledge_point,
        "difficulty": q.difficulty,
        "source": q.source,
        "reference_answer": q.reference_answer,
        "answer": excel._answer_text(q) if q.qtype != QuestionType.SHORT_ANSWER else "",
        "scoring_points": "\n".join(f"{p['text']}|{p['score']:g}" for p in q.scoring_points or []),
    }
    for o in q.options or []:
        initial[f"option_{o['key']}"] = o["text"]
    return initial


@login_required
def question_list_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(can_use_bank(actor))  # type: ignore[arg-type]
    g = request.GET
    qs = selectors.question_list(
        actor=actor,
        q=g.get("q", "").strip(),
        qtype=g.get("qtype", ""),  # type: ignore[arg-type]
        status=g.get("status", ""),
        difficulty=g.get("difficulty", ""),
        knowledge_point=g.get("kp", "").strip(),
    )
    page = Paginator(qs, 30).get_page(g.get("page"))
    return render(
        request,
        "exams/question_list.html",
        {
            "page": page,
            "filters": g,
            "types": QuestionType.choices,
            "statuses": QuestionStatus.choices,
            "can_write": bool(actor.grants.member_office_ids),  # type: ignore[union-attr]
        },
    )


@login_required
def question_new_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    offices = _my_offices(actor)
    require(bool(offices))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        office = next((o for o in offices if str(o.pk) == request.POST.get("office")), None)
        try:
            if office is None:
                raise ValidationError({"office": ERR_OFFICE})
            q = services.question_create(
                actor=actor,  # type: ignore[arg-type]
                office=office,
                data=_data_from_post(request.POST),
                image=request.FILES.get("stem_image"),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            if q.similar_to_id:
                messages.warning(
                    request, f"题干与第{q.similar_to_id}号试题相似（相似度{q.similarity:.0%}），请核对是否重复"
                )
            messages.success(request, "试题已保存为草稿")
            return redirect("exams:question_detail", pk=q.pk)
    return render(
        request,
        "exams/question_form.html",
        {
            "offices": offices,
            "types": QuestionType.choices,
            "errors": errors,
            "initial": request.POST if request.method == "POST" else {"difficulty": 3},
        },
    )


@login_required
def question_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    q = selectors.question_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    transitions = (
        [(s, QuestionStatus(s).label) for s in services.bank.TRANSITIONS.get(q.status, set())]
        if can_review(actor, q.office_id)
        else []
    )  # type: ignore[arg-type]
    return render(
        request,
        "exams/question_detail.html",
        {
            "q": q,
            "answer_text": excel._answer_text(q),
            "transitions": sorted(transitions),
            "can_edit": q.office_id in actor.grants.member_office_ids  # type: ignore[union-attr]
            and q.status in (QuestionStatus.DRAFT, QuestionStatus.REVIEWED),
        },
    )


@login_required
def question_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    q = selectors.question_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    require(q.office_id in actor.grants.member_office_ids)  # type: ignore[union-attr]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.question_update(
                actor=actor,  # type: ignore[arg-type]
                question=q,
                data=_data_from_post(request.POST),
                image=request.FILES.get("stem_image"),
                remove_image=request.POST.get("remove_image") == "1",
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "试题已修改，需重新审核")
            return redirect("exams:question_detail", pk=q.pk)
    return render(
        request,
        "exams/question_form.html",
        {
            "q": q,
            "types": QuestionType.choices,
            "errors": errors,
            "initial": request.POST if request.method == "POST" else _form_initial(q),
        },
    )


@login_required
def question_image_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A stem image, for whoever may see its question: the bank's users, its examinees, graders, practice."""
    q = selectors.question_image_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return images.serve(q)


@login_required
@require_POST
def question_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    q = selectors.question_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    try:
        services.question_set_status(actor=actor, question=q, status=request.POST.get("status", ""))  # type: ignore[arg-type]
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("exams:question_detail", pk=q.pk)


@login_required
def question_import_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    offices = _my_offices(actor)
    require(bool(offices))
    context: dict[str, Any] = {"offices": offices}
    if request.method == "POST":
        upload = request.FILES.get("file")
        office = next((o for o in offices if str(o.pk) == request.POST.get("office")), None)
        if office is None:
            context["errors"] = [ERR_OFFICE]
        elif upload is None:
            context["errors"] = [ERR_NO_FILE]
        elif upload.size and upload.size > settings.IMPORT_MAX_BYTES:
            context["errors"] = [ERR_TOO_LARGE]
        else:
            sheet = excel.read_sheet(upload.read())
            if sheet.errors:
                context["errors"] = sheet.errors  # all or nothing: nothing was created
            else:
                context["report"] = services.questions_import(
                    actor=actor,
                    office=office,
                    rows=sheet.rows,  # type: ignore[arg-type]
                )
    return render(request, "exams/question_import.html", context)


@login_required
def question_export_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(can_use_bank(actor))  # type: ignore[arg-type]
    g = request.GET
    qs = selectors.question_list(
        actor=actor,
        q=g.get("q", "").strip(),
        qtype=g.get("qtype", ""),  # type: ignore[arg-type]
        status=g.get("status", ""),
        difficulty=g.get("difficulty", ""),
    )
    content = excel.export_workbook(qs.select_related("office")[:20000])
    with transaction.atomic():
        audit_record(
            actor=actor,
            event=Event.EXPORT,
            object_type="exams.question",  # type: ignore[arg-type]
            object_repr="试题导出",
            detail={"filters": dict(g.items())},
        )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''questions.xlsx"
    return response


@login_required
def question_template_view(request: HttpRequest) -> HttpResponse:
    require(can_use_bank(request.user))  # type: ignore[arg-type]
    response = HttpResponse(excel.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''question-template.xlsx"
    return response
