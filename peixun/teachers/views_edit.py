"""Edit pages of the pool: a teacher's profile, an intake round, the unit's opinion on an application.

Thin: parse with a form (no validation of its own beyond types), call the service, show its Chinese
messages on the form's fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from peixun.core.http import actor_of, flash_errors, form_submitted
from peixun.org.permissions import require as _require
from peixun.teachers import forms, selectors, services
from peixun.teachers import services_profile as profile


@login_required
@require_http_methods(["GET", "POST"])
def teacher_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    teacher = selectors.teacher_get(actor=actor, pk=pk)
    _require(services.is_org_admin(actor), services.ERR_ORG_ONLY)
    initial = {"name": teacher.external_name, "organisation": teacher.external_org, "title": teacher.title,
               "fields": list(teacher.fields.all())}  # fmt: skip
    form = forms.TeacherProfileForm(request.POST or None, initial=initial, external=teacher.is_external)

    def save(d: dict[str, Any]) -> HttpResponse:
        profile.teacher_profile_update(
            actor=actor, teacher=teacher, fields=d["fields"], title=d["title"], name=d.get("name", ""),
            organisation=d.get("organisation", ""),
        )  # fmt: skip
        messages.success(request, "师资档案已保存")
        return redirect("teachers:teacher_detail", pk=teacher.pk)

    return form_submitted(request, form, save) or render(
        request,
        "teachers/form.html",
        {"form": form, "title": f"修改师资档案 · {teacher.name}", "form_id": "profile-form"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    intake = selectors.round_get(actor=actor, pk=pk)
    _require(services.is_org_admin(actor), services.ERR_ORG_ONLY)
    initial = {"title": intake.title, "criteria": intake.criteria, "fields": list(intake.fields.all()),
               "deadline": intake.deadline}  # fmt: skip
    form = forms.RoundForm(request.POST or None, initial=initial)

    def save(d: dict[str, Any]) -> HttpResponse:
        services.round_save(
            actor=actor, title=d["title"], criteria=d["criteria"], fields=d["fields"], deadline=d["deadline"],
            is_open=intake.is_open, intake=intake,
        )  # fmt: skip
        messages.success(request, "遴选批次已保存")
        return redirect("teachers:round_detail", pk=intake.pk)

    return form_submitted(request, form, save) or render(
        request,
        "teachers/form.html",
        {"form": form, "title": f"修改遴选批次 · {intake.title}", "form_id": "round-form"},
    )


@login_required
@require_POST
def application_opinion_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = selectors.application_get(actor=actor, pk=pk)
    try:
        profile.application_unit_opinion(actor=actor, application=app, opinion=request.POST.get("unit_opinion", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "单位意见已提交")
    return redirect("teachers:application_detail", pk=app.pk)
