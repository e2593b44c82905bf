"""Edit pages: annual plans, per-cadre study-hours targets, branch venues and per-unit quotas.

Each form posts with htmx (hx-post, the form swaps itself on error; HX-Redirect on success) and works as a
plain form without JavaScript. Services validate and explain; the views only parse and show.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peixun.org.models import Unit
from peixun.org.selectors import cadres_visible, units_visible
from peixun.training import selectors
from peixun.training.forms import ClassForm, HoursTargetForm, LectureForm, PlanForm, QuotaForm, VenueForm
from peixun.training.models import TrainingPlan
from peixun.training.permissions import may_manage_class, may_manage_training
from peixun.training.selectors_admin import quota_usage
from peixun.training.services import CLASS_FIELDS, class_save, lecture_save, plan_save, quota_set, venue_save
from peixun.training.services_edit import hours_target_remove, hours_target_save, may_edit_venue, venue_update
from peixun.training.views import _require

ERR_NO_CADRE = "工号不存在或不在您的管理范围内"
FORM_PARTIAL = "training/_edit_form.html"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def add_service_errors(form: Form, error: ValidationError) -> None:
    """A service's messages beside the fields they name; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, msgs in error.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


def done(request: HttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def show_form(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only the form when htmx posted it (the form replaces itself)."""
    return render(request, FORM_PARTIAL if is_htmx(request) else template, context)


# --- Plans ------------------------------------------------------------------------------------------------


@login_required
def plan_list_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    _require(may_manage_training(actor))  # type: ignore[arg-type]
    plans = selectors.plans_visible(actor=actor).annotate(n_classes=Count("classes"))  # type: ignore[arg-type]
    return render(request, "training/plan_list.html", {"plans": plans})


@login_required
def plan_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = request.user
    _require(may_manage_training(actor))  # type: ignore[arg-type]
    plan = get_object_or_404(selectors.plans_visible(actor=actor), pk=pk) if pk else None  # type: ignore[arg-type]
    initial = (
        {"year": plan.year, "title": plan.title, "hours_target": plan.hours_target, "description": plan.description}
        if plan
        else {"hours_target": 40}
    )
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = plan_save(actor=actor, plan=plan, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return done(request, reverse("training:plan_list"), f"年度培训计划“{saved.title}”已保存")
    action = reverse("training:plan_edit", args=[plan.pk]) if plan else reverse("training:plan_create")
    title = f"修改年度培训计划：{plan.title}" if plan else "新建年度培训计划"
    return show_form(request, "training/edit_page.html", {"form": form, "action": action, "title": title})


# --- Classes and lectures ------------------------------------------------------------------------------


@login_required
def class_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's organiser edits it (an archived class is refused by the service); only the
    organisation department moves a class to another office."""
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    _require(may_manage_class(actor, cls))  # type: ignore[arg-type]
    initial = {name: getattr(cls, name) for name in CLASS_FIELDS} | {"plan": cls.plan_id, "office": cls.office_id}
    form = ClassForm(request.POST or None, initial=initial)
    if not may_manage_training(actor):  # type: ignore[arg-type]
        # class_save refuses the move (ERR_OFFICE_ORG_ONLY); the page does not even offer it.
        form.fields["office"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        plan, office = data.pop("plan"), data.pop("office")
        try:
            class_save(actor=actor, plan=plan, office=office, data=data, training_class=cls)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
            cls.refresh_from_db()
        else:
            return done(request, reverse("training:class_detail", args=[cls.pk]), "培训班已保存")
    context = {
        "form": form,
        "action": reverse("training:class_edit", args=[cls.pk]),
        "title": f"修改培训班：{cls.title}",
    }
    return show_form(request, "training/edit_page.html", context)


@login_required
def lecture_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a lecture; the teacher and venue clash checks run again, excluding the lecture itself."""
    actor = request.user
    lecture = selectors.lecture_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    cls = lecture.training_class
    _require(may_manage_class(actor, cls))  # type: ignore[arg-type]
    fields = (
        "topic",
        "starts_at",
        "duration_minutes",
        "teacher",
        "teacher_name",
        "main_venue",
        "is_live",
        "study_hours",
    )
    initial = {name: getattr(lecture, name) for name in fields}
    initial["starts_at"] = timezone.localtime(lecture.starts_at).strftime("%Y-%m-%dT%H:%M")
    form = LectureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lecture_save(actor=actor, training_class=cls, lecture=lecture, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
            lecture.refresh_from_db()
        else:
            return done(request, reverse("training:class_detail", args=[cls.pk]), f"课次“{lecture.topic}”已保存")
    title = f"{cls.title} · 修改课次：{lecture.topic}"
    context = {"form": form, "action": reverse("training:lecture_edit", args=[lecture.pk]), "title": title}
    return show_form(request, "training/edit_page.html", context)


# --- Study-hours targets --------------------------------------------------------------------------------


@login_required
def hours_targets_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's default target and the cadres with a target of their own; set one by employee number."""
    actor = request.user
    _require(may_manage_training(actor))  # type: ignore[arg-type]
    plan: TrainingPlan = get_object_or_404(selectors.plans_visible(actor=actor), pk=pk)  # type: ignore[arg-type]
    form = HoursTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["employee_number"].strip()
        cadre = cadres_visible(actor=actor).filter(employee_number=number).first()  # type: ignore[arg-type]
        if cadre is None:
            form.add_error("employee_number", ERR_NO_CADRE)
        else:
            try:
                hours_target_save(actor=actor, year=plan.year, cadre=cadre, hours=form.cleaned_data["hours"])  # type: ignore[arg-type]
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                url = reverse("training:hours_targets", args=[plan.pk])
                return done(request, url, f"{cadre.name}的{plan.year}年度学时目标已设为{form.cleaned_data['hours']}")
    query = request.GET.get("q", "")
    targets = selectors.hours_targets_visible(actor=actor, year=plan.year, query=query)  # type: ignore[arg-type]
    context = {
        "plan": plan,
        "form": form,
        "action": reverse("training:hours_targets", args=[plan.pk]),
        "title": "设置个人学时目标",
        "page": Paginator(targets, 50).get_page(request.GET.get("page")),
        "q": query,
    }
    return show_form(request, "training/hours_targets.html", context)


@login_required
@require_POST
def hours_target_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    _require(may_manage_training(actor))  # type: ignore[arg-type]
    target = selectors.hours_target_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    plan = get_object_or_404(TrainingPlan, year=target.year)
    hours_target_remove(actor=actor, target=target)  # type: ignore[arg-type]
    messages.success(request, f"已取消{target.cadre.name}的个人学时目标，按年度计划目标{plan.hours_target}学时执行")
    return redirect("training:hours_targets", pk=plan.pk)


# --- Venues ---------------------------------------------------------------------------------------------


@login_required
def venue_create_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    _require(may_manage_training(actor))  # type: ignore[arg-type]
    units = units_visible(actor=actor).filter(is_active=True).order_by("path")  # type: ignore[arg-type]
    form = VenueForm(request.POST or None, org=True, units=units, new=True)
    if request.method == "POST" and form.is_valid():
        try:
            venue = venue_save(actor=actor, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return done(request, reverse("training:venue_list"), f"分会场“{venue.name}”已创建")
    context = {"form": form, "action": reverse("training:venue_create"), "title": "新增分会场"}
    return show_form(request, "training/edit_page.html", context)


@login_required
def venue_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    venue = selectors.venue_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    _require(may_edit_venue(actor, venue))  # type: ignore[arg-type]
    org = may_manage_training(actor)  # type: ignore[arg-type]
    initial = {
        "name": venue.name,
        "seats": venue.seats,
        "allowed_occupancy": venue.allowed_occupancy,
        "address": venue.address,
        "is_active": venue.is_active,
        "is_main": venue.is_main,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "has_intranet": venue.unit.has_intranet,
        "host_unit": venue.unit.host_unit_id,
    }
    form = VenueForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            venue_update(actor=actor, venue=venue, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
            venue.refresh_from_db()
            venue.unit.refresh_from_db()
        else:
            return done(request, reverse("training:venue_list"), f"分会场“{venue.name}”已保存")
    context = {
        "form": form,
        "venue": venue,
        "operators": selectors.venue_operators(venue=venue),
        "action": reverse("training:venue_edit", args=[venue.pk]),
        "title": f"修改分会场：{venue.name}",
    }
    return show_form(request, "training/venue_form.html", context)


# --- Quotas ---------------------------------------------------------------------------------------------


@login_required
def quotas_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    _require(may_manage_class(actor, cls))  # type: ignore[arg-type]
    # The class's organiser sets quotas for any unit of the province, not only those it administers.
    units = Unit.objects.filter(is_active=True).order_by("path")
    form = QuotaForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit, seats = form.cleaned_data["unit"], form.cleaned_data["seats"]
        try:
            quota_set(actor=actor, training_class=cls, unit=unit, seats=seats)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = f"已取消{unit.name}的名额" if seats == 0 else f"{unit.name}的名额已设为{seats}人"
            return done(request, reverse("training:quotas", args=[cls.pk]), text)
    context = {
        "cls": cls,
        "form": form,
        "rows": quota_usage(training_class=cls),
        "action": reverse("training:quotas", args=[cls.pk]),
        "title": "设置或修改名额",
    }
    return show_form(request, "training/quotas.html", context)
