"""Pages of the teacher pool. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peixun.accounts.roles import Role
from peixun.core.http import actor_of, flash_errors, form_submitted
from peixun.offices.models import ResearchOffice
from peixun.org.permissions import require as _require
from peixun.org.selectors import cadres_visible
from peixun.teachers import forms, selectors, services
from peixun.teachers.models import ApplicationStatus, SampleLecture
from peixun.teachers.services_profile import may_give_opinion
from peixun.training.selectors import lectures_visible

ERR_NO_SUCH_CADRE = "找不到该工号的干部，或不在您的管理范围内"


@login_required
def round_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "teachers/round_list.html",
        {"rounds": selectors.rounds_visible(actor=actor), "is_org": services.is_org_admin(actor),
         "me": selectors.teacher_of(actor), "today": timezone.localdate()},
    )  # fmt: skip


@login_required
def round_create_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require(services.is_org_admin(actor), services.ERR_ORG_ONLY)
    form = forms.RoundForm(request.POST or None)

    def save(d: dict[str, Any]) -> HttpResponse:
        intake = services.round_save(
            actor=actor, title=d["title"], criteria=d["criteria"], fields=d["fields"], deadline=d["deadline"]
        )
        messages.success(request, "遴选批次已发布")
        return redirect("teachers:round_detail", pk=intake.pk)

    return form_submitted(request, form, save) or render(
        request, "teachers/form.html", {"form": form, "title": "发布师资遴选批次", "form_id": "round-form"}
    )


@login_required
def round_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    intake = selectors.round_get(actor=actor, pk=pk)
    applications = selectors.applications_visible(actor=actor).filter(round=intake)
    return render(
        request,
        "teachers/round_detail.html",
        {"round": intake, "applications": applications, "accepts": services.round_accepts(intake),
         "may_nominate": actor.has_role(Role.ORG_ADMIN, Role.UNIT_ADMIN), "may_apply": actor.cadre_id is not None,
         "is_org": services.is_org_admin(actor)},
    )  # fmt: skip


@login_required
@require_POST
def round_toggle_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop (or resume) taking applications before the deadline."""
    actor = actor_of(request)
    intake = selectors.round_get(actor=actor, pk=pk)
    services.round_save(
        actor=actor, title=intake.title, criteria=intake.criteria, fields=list(intake.fields.all()),
        deadline=intake.deadline, is_open=not intake.is_open, intake=intake,
    )  # fmt: skip
    messages.success(request, "已恢复接受报名" if intake.is_open else "已停止接受报名")
    return redirect("teachers:round_detail", pk=intake.pk)


def _round_offices(intake: object) -> object:
    return intake.fields.all()  # type: ignore[attr-defined]


@login_required
def apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    _require(actor.cadre_id is not None, services.ERR_NO_CADRE)
    intake = selectors.round_get(actor=actor, pk=pk)
    form = forms.ApplicationForm(request.POST or None, request.FILES or None, offices=_round_offices(intake))

    def save(d: dict[str, Any]) -> HttpResponse:
        app = services.application_apply(
            actor=actor, intake=intake, fields=d["fields"], experience=d["experience"], samples=form.samples()
        )  # type: ignore[arg-type]
        messages.success(request, "报名已提交")
        return redirect("teachers:application_detail", pk=app.pk)

    return form_submitted(request, form, save) or render(
        request,
        "teachers/form.html",
        {"form": form, "title": f"个人报名 · {intake.title}", "form_id": "apply-form", "multipart": True},
    )


@login_required
def nominate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    _require(actor.has_role(Role.ORG_ADMIN, Role.UNIT_ADMIN), services.ERR_OUT_OF_SCOPE)
    intake = selectors.round_get(actor=actor, pk=pk)
    form = forms.NominationForm(request.POST or None, request.FILES or None, offices=_round_offices(intake))

    def save(d: dict[str, Any]) -> HttpResponse:
        cadre = cadres_visible(actor=actor).filter(employee_number=d["employee_number"].strip()).first()
        if cadre is None:
            raise ValidationError({"employee_number": ERR_NO_SUCH_CADRE})
        app = services.application_nominate(
            actor=actor, intake=intake, cadre=cadre, fields=d["fields"], experience=d["experience"],
            unit_opinion=d["unit_opinion"], samples=form.samples(),  # type: ignore[arg-type]
        )  # fmt: skip
        messages.success(request, "推荐已提交")
        return redirect("teachers:application_detail", pk=app.pk)

    return form_submitted(request, form, save) or render(
        request,
        "teachers/form.html",
        {"form": form, "title": f"单位推荐 · {intake.title}", "form_id": "nominate-form", "multipart": True},
    )


@login_required
def application_list_view(request: HttpRequest) -> HttpResponse:
    qs = selectors.applications_visible(actor=actor_of(request))
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "teachers/application_list.html",
        {"page": page, "statuses": ApplicationStatus.choices, "status": status},
    )


@login_required
def application_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = selectors.application_get(actor=actor, pk=pk)
    is_org = services.is_org_admin(actor)
    return render(
        request,
        "teachers/application_detail.html",
        {"app": app, "may_review": is_org and app.status == ApplicationStatus.SUBMITTED,
         "may_approve": is_org and app.status == ApplicationStatus.REVIEWED,
         "may_edit": app.status == ApplicationStatus.RETURNED and services.may_edit_application(actor, app),
         "teacher": getattr(app, "teacher", None), "may_opinion": may_give_opinion(actor, app)},
    )  # fmt: skip


@login_required
def application_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = selectors.application_get(actor=actor, pk=pk)
    _require(services.may_edit_application(actor, app))
    if app.status != ApplicationStatus.RETURNED:
        messages.error(request, services.ERR_LOCKED)
        return redirect("teachers:application_detail", pk=app.pk)
    initial = {"fields": list(app.fields.all()), "experience": app.experience, "unit_opinion": app.unit_opinion}
    form = forms.ResubmitForm(
        request.POST or None, request.FILES or None, initial=initial, offices=_round_offices(app.round)
    )

    def save(d: dict[str, Any]) -> HttpResponse:
        services.application_resubmit(
            actor=actor, application=app, fields=d["fields"], experience=d["experience"],
            unit_opinion=d.get("unit_opinion", ""), samples=form.samples(), comment=d.get("comment", ""),  # type: ignore[arg-type]
        )  # fmt: skip
        messages.success(request, "已重新提交")
        return redirect("teachers:application_detail", pk=app.pk)

    return form_submitted(request, form, save) or render(
        request,
        "teachers/form.html",
        {"form": form, "title": "修改后重新提交", "form_id": "resubmit-form", "multipart": True},
    )


@login_required
@require_POST
def application_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = selectors.application_get(actor=actor, pk=pk)
    _require(services.is_org_admin(actor), services.ERR_ORG_ONLY)
    try:
        services.application_review(
            actor=actor, application=app, decision=request.POST.get("decision", ""),
            comment=request.POST.get("comment", ""),
        )  # fmt: skip
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "审核结果已保存")
    return redirect("teachers:application_detail", pk=app.pk)


@login_required
@require_POST
def application_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = selectors.application_get(actor=actor, pk=pk)
    _require(services.is_org_admin(actor), services.ERR_ORG_ONLY)
    try:
        teacher = services.application_approve(
            actor=actor, application=app, approve=request.POST.get("approve") == "1",
            comment=request.POST.get("comment", ""),
        )  # fmt: skip
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, f"已入库，师资编号{teacher.number}" if teacher else "已记录审定结果")
    return redirect("teachers:application_detail", pk=app.pk)


@login_required
def sample_download_view(request: HttpRequest, pk: int) -> FileResponse:
    sample = get_object_or_404(SampleLecture, pk=pk)
    selectors.application_get(actor=actor_of(request), pk=sample.application_id)  # 404 unless visible
    try:
        handle = sample.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=sample.original_name)


@login_required
def teacher_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require(selectors.sees_pool(actor))
    form = forms.SearchForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    qs = selectors.teacher_search(
        actor=actor, field=d["field"].pk if d.get("field") else None, unit=d.get("unit") or "",
        min_rating=d.get("min_rating"), free_from=d.get("free_from"), free_to=d.get("free_to"),
        status=d.get("status", "active") if request.GET else "active", query=d.get("q") or "",
    )  # fmt: skip
    if form.is_bound and not form.is_valid():
        qs = qs.none()  # a refused filter shows its message, not an unfiltered list
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "teachers/teacher_list.html", {
        "page": page, "form": form, "offices": ResearchOffice.objects.all(), "filters": request.GET,
        "is_org": services.is_org_admin(actor),
    })  # fmt: skip


@login_required
def teacher_create_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require(services.is_org_admin(actor), services.ERR_ORG_ONLY)
    form = forms.ExternalTeacherForm(request.POST or None)

    def save(d: dict[str, Any]) -> HttpResponse:
        teacher = services.teacher_create_external(
            actor=actor, name=d["name"], organisation=d["organisation"], fields=d["fields"], title=d["title"]
        )
        messages.success(request, f"外聘教师已入库，编号{teacher.number}")
        return redirect("teachers:teacher_detail", pk=teacher.pk)

    return form_submitted(request, form, save) or render(
        request, "teachers/form.html", {"form": form, "title": "新增外聘教师", "form_id": "external-form"}
    )


@login_required
def teacher_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    teacher = selectors.teacher_get(actor=actor, pk=pk)
    is_org = services.is_org_admin(actor)
    may_assign = is_org or bool(actor.grants.director_office_ids)
    upcoming = (
        lectures_visible(actor=actor).filter(starts_at__gte=timezone.now()).order_by("starts_at")[:50]
        if may_assign else []
    )  # fmt: skip
    return render(request, "teachers/teacher_detail.html", {
        "teacher": teacher, "stats": selectors.teacher_stats(teacher),
        "lectures": selectors.teacher_lectures(teacher)[:50], "reviews": teacher.reviews.all(),
        "is_org": is_org, "may_assign": may_assign, "upcoming": upcoming,
        "status_form": forms.StatusForm(), "review_form": forms.ReviewForm(initial={"year": timezone.localdate().year}),
    })  # fmt: skip


@login_required
@require_POST
def teacher_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    teacher = selectors.teacher_get(actor=actor, pk=pk)
    try:
        services.teacher_status_set(
            actor=actor, teacher=teacher, status=request.POST.get("status", ""), reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "状态已更新")
    return redirect("teachers:teacher_detail", pk=teacher.pk)


@login_required
@require_POST
def teacher_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    teacher = selectors.teacher_get(actor=actor, pk=pk)
    year = request.POST.get("year", "")
    try:
        services.teacher_review_record(
            actor=actor, teacher=teacher, year=int(year) if year.isdigit() else 0,
            grade=request.POST.get("grade", ""), comment=request.POST.get("comment", ""),
        )  # fmt: skip
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "年度考核已记录")
    return redirect("teachers:teacher_detail", pk=teacher.pk)


@login_required
@require_POST
def teacher_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    teacher = selectors.teacher_get(actor=actor, pk=pk)
    lecture_id = request.POST.get("lecture", "")
    lecture = lectures_visible(actor=actor).filter(pk=int(lecture_id) if lecture_id.isdigit() else 0).first()
    if lecture is None:
        raise Http404
    try:
        services.teacher_assign_lecture(actor=actor, teacher=teacher, lecture=lecture)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, f"已安排授课：{lecture.topic}")
    return redirect("teachers:teacher_detail", pk=teacher.pk)
