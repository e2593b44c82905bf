"""Pages of training administration: classes, lectures, enrolment, allocation. Thin: services decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from peixun.org.selectors import cadre_get
from peixun.training import selectors
from peixun.training.forms import ClassForm, LectureForm, UploadForm
from peixun.training.models import ClassStatus, EnrolmentStatus, Venue
from peixun.training.permissions import ERR_NOT_ALLOWED, may_manage_class, may_manage_training
from peixun.training.services import STATUS_ORDER, class_save, class_transition, lecture_save
from peixun.training.services_allocation import allocation_run, placement_set
from peixun.training.services_enrolment import enrolment_create, enrolment_import, enrolment_withdraw


def explain(request: HttpRequest, error: ValidationError) -> None:
    """Put a service's validation messages on the page."""
    if hasattr(error, "error_dict"):
        for msgs in error.message_dict.values():
            for msg in msgs:
                messages.error(request, msg)
    else:
        for msg in error.messages:
            messages.error(request, msg)


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(ERR_NOT_ALLOWED)


@login_required
def class_list_view(request: HttpRequest) -> HttpResponse:
    qs = selectors.class_list(
        actor=request.user,  # type: ignore[arg-type]
        status=request.GET.get("status", ""),
        query=request.GET.get("q", ""),
    ).annotate(n_enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "training/class_list.html",
        {
            "page": page,
            "statuses": ClassStatus.choices,
            "filters": request.GET,
            "may_create": may_manage_training(request.user),
        },  # type: ignore[arg-type]
    )


@login_required
def class_create_view(request: HttpRequest) -> HttpResponse:
    _require(may_manage_training(request.user))  # type: ignore[arg-type]
    form = ClassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        plan, office = data.pop("plan"), data.pop("office")
        try:
            cls = class_save(actor=request.user, plan=plan, office=office, data=data)  # type: ignore[arg-type]
        except ValidationError as error:
            for field, msgs in error.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            messages.success(request, "培训班已创建")
            return redirect("training:class_detail", pk=cls.pk)
    return render(request, "training/class_form.html", {"form": form})


@login_required
def class_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    enrolments = (
        selectors.enrolments_visible(actor=actor)  # type: ignore[arg-type]
        .filter(training_class=cls)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .order_by("status", "cadre__unit__path", "cadre__employee_number")
    )
    page = Paginator(enrolments, 50).get_page(request.GET.get("page"))
    mine = cls.enrolments.filter(cadre_id=actor.cadre_id).select_related("venue").first() if actor.cadre_id else None
    counts = dict(cls.enrolments.values_list("status").annotate(n=Count("id")))
    manage = may_manage_class(actor, cls)  # type: ignore[arg-type]
    next_status = None
    if cls.status != ClassStatus.ARCHIVED:
        next_status = ClassStatus(STATUS_ORDER[STATUS_ORDER.index(cls.status) + 1])
    return render(
        request,
        "training/class_detail.html",
        {
            "cls": cls,
            "lectures": cls.lectures.select_related("teacher", "main_venue"),
            "page": page,
            "mine": mine,
            "counts": counts,
            "manage": manage,
            "org": may_manage_training(actor),  # type: ignore[arg-type]
            "next_status": next_status,
            "quotas": cls.quotas.select_related("unit") if manage else [],
            "can_enrol": bool(actor.grants.admin_paths) or manage,
            "upload_form": UploadForm(),
            "venues": Venue.objects.filter(is_active=True).order_by("unit__path") if manage else [],
        },
    )


@login_required
@require_POST
def class_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    cls = selectors.class_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        class_transition(actor=request.user, training_class=cls, to=request.POST.get("to", ""))  # type: ignore[arg-type]
        messages.success(request, f"状态已改为“{cls.get_status_display()}”")
    except ValidationError as error:
        explain(request, error)
    return redirect("training:class_detail", pk=cls.pk)


@login_required
def lecture_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    cls = selectors.class_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    _require(may_manage_class(request.user, cls))  # type: ignore[arg-type]
    form = LectureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lecture_save(actor=request.user, training_class=cls, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            for field, msgs in error.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            messages.success(request, "课次已保存")
            return redirect("training:class_detail", pk=cls.pk)
    return render(request, "training/lecture_form.html", {"form": form, "cls": cls})


@login_required
@require_POST
def enrol_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol a cadre by employee number (admins) or oneself (no number given)."""
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    number = request.POST.get("employee_number", "").strip()
    try:
        if number:
            from peixun.org.selectors import cadres_visible

            # An unknown number and one outside the actor's scope look the same: not found.
            cadre = get_object_or_404(cadres_visible(actor=actor), employee_number=number)  # type: ignore[arg-type]
        else:
            if actor.cadre_id is None:
                raise PermissionDenied(ERR_NOT_ALLOWED)
            cadre = cadre_get(actor=actor, pk=actor.cadre_id)  # type: ignore[arg-type]
        enrolment = enrolment_create(actor=actor, training_class=cls, cadre=cadre)  # type: ignore[arg-type]
        messages.success(request, f"{cadre.name}：{enrolment.get_status_display()}")
    except ValidationError as error:
        explain(request, error)
    return redirect("training:class_detail", pk=cls.pk)


@login_required
@require_POST
def enrol_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    _require(may_manage_training(actor) or bool(actor.grants.admin_paths))  # type: ignore[arg-type]
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的Excel文件")
        return redirect("training:class_detail", pk=cls.pk)
    upload = form.cleaned_data["file"]
    try:
        counts = enrolment_import(actor=actor, training_class=cls, upload=upload, size=upload.size)  # type: ignore[arg-type]
        messages.success(request, f"导入完成：报名{counts['enrolled']}人，候补{counts['waiting']}人")
    except ValidationError as error:
        explain(request, error)
    return redirect("training:class_detail", pk=cls.pk)


@login_required
@require_POST
def enrolment_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        promoted = enrolment_withdraw(actor=request.user, enrolment=enrolment)  # type: ignore[arg-type]
        messages.success(request, "已退出" + (f"，候补{len(promoted)}人转为正式报名" if promoted else ""))
    except ValidationError as error:
        explain(request, error)
    return redirect("training:class_detail", pk=enrolment.training_class_id)


@login_required
@require_POST
def placement_view(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    _require(may_manage_training(request.user))  # type: ignore[arg-type]
    choice = request.POST.get("venue", "")
    try:
        if choice == "unpin":
            placement_set(actor=request.user, enrolment=enrolment, venue=None, pinned=False)  # type: ignore[arg-type]
        elif choice == "desk":
            placement_set(actor=request.user, enrolment=enrolment, venue=None, at_desk=True)  # type: ignore[arg-type]
        else:
            venue = get_object_or_404(Venue, pk=int(choice) if choice.isdigit() else 0)
            placement_set(actor=request.user, enrolment=enrolment, venue=venue)  # type: ignore[arg-type]
        messages.success(request, "已调整并固定")
    except ValidationError as error:
        explain(request, error)
    return redirect("training:allocation", pk=enrolment.training_class_id)


@login_required
@require_POST
def allocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    cls = selectors.class_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    summary = allocation_run(actor=request.user, training_class=cls)  # type: ignore[arg-type]
    messages.success(
        request,
        f"分配完成：安排{summary['seated']}人，调剂{summary['moved_from_home']}人，未能安排{summary['unseated']}人"
        f"（用时{summary['seconds']}秒）",
    )
    return redirect("training:allocation", pk=cls.pk)


def allocation_rows(cls: Any, venues: list[Venue]) -> list[dict]:
    occupancy = (cls.allocation_summary or {}).get("occupancy", {})
    rows = []
    for v in venues:
        n = occupancy.get(str(v.pk), 0)
        if n or v.is_main:
            rows.append(
                {"venue": v, "n": n, "cap": v.capacity, "pct": round(100 * n / v.capacity) if v.capacity else 0}
            )
    return rows


@login_required
def allocation_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    _require(may_manage_training(actor))  # type: ignore[arg-type]
    venues = list(Venue.objects.filter(is_active=True).select_related("unit").order_by("unit__path"))
    moved = (
        cls.enrolments.filter(status=EnrolmentStatus.ENROLLED)
        .exclude(placement_note="")
        .select_related("cadre__unit", "venue")
        .order_by("-unseated", "cadre__unit__path")
    )
    return render(
        request,
        "training/allocation.html",
        {
            "cls": cls,
            "rows": allocation_rows(cls, venues),
            "summary": cls.allocation_summary,
            "moved": Paginator(moved, 100).get_page(request.GET.get("page")),
            "venues": venues,
        },
    )
