"""Pages from placement to return: a secondment's file and its acts, placement, notices, reports."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.core.http import actor_of, flash_errors
from peixun.org import selectors as org_selectors
from peixun.org.models import Unit
from peixun.secondment import exports, forms, notices, selectors, services, services_during, services_placement
from peixun.secondment.models import RECEIVING_STAGES, Post, Secondment, SecondmentBatch, Stage
from peixun.secondment.permissions import (
    admins_unit,
    can_act_for_receiving,
    can_act_for_sending,
    can_manage_batches,
    can_put_forward,
    is_org_admin,
    is_secondee,
)
from peixun.secondment.views import form_errors, require_org

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _forms_for(actor, s: Secondment) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The forms this actor may use on this secondment now (the services check again)."""
    out: dict[str, object] = {}
    sending, receiving = can_act_for_sending(actor, s), can_act_for_receiving(actor, s)
    if sending and s.stage in (Stage.SUBMITTED, Stage.UNIT_APPROVED, Stage.UNIT_REJECTED):
        out["unit_review"] = forms.UnitReviewForm(
            initial={
                "political_assessment": s.political_assessment,
                "work_assessment": s.work_assessment,
                "opinion": s.unit_opinion,
            }
        )
    if is_org_admin(actor) and s.stage in (Stage.UNIT_APPROVED, Stage.APPROVED, Stage.REJECTED):
        out["org_review"] = forms.OrgReviewForm()
    if s.stage == Stage.IN_PROGRESS:
        if receiving:
            out["assessment"] = forms.AssessmentForm()
            out["appraisal"] = forms.AppraisalForm(initial={"rating": s.final_rating, "comment": s.final_comment})
        if sending:
            out["sending_opinion"] = forms.OpinionForm(initial={"opinion": s.sending_opinion})
            if s.final_rating and s.sending_opinion:
                out["return"] = forms.ReturnForm()
        if is_secondee(actor, s):
            out["worklog"] = forms.WorkLogForm(initial={"date": timezone.localdate()})
            out["summary"] = forms.SummaryForm(initial={"summary": s.summary})
    if s.stage in RECEIVING_STAGES and (sending or receiving):
        out["liaison"] = forms.LiaisonRecordForm(initial={"date": timezone.localdate()})
    return out


@login_required
def secondment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    s = selectors.secondment_get(actor=actor, pk=pk)
    return render(
        request,
        "secondment/secondment_detail.html",
        {
            "s": s,
            "forms": _forms_for(actor, s),
            "show_internal": can_act_for_sending(actor, s) or can_act_for_receiving(actor, s) or is_secondee(actor, s),
        },
    )


def _act(form_class: type, call: Callable[..., object], done: str):  # type: ignore[no-untyped-def]
    return form_class, call, done


ACTIONS = {
    "unit_review": _act(
        forms.UnitReviewForm,
        lambda a, s, d: services.secondment_unit_review(actor=a, secondment=s, **d),
        "单位意见已保存",
    ),
    "org_review": _act(
        forms.OrgReviewForm,
        lambda a, s, d: services.secondment_org_review(actor=a, secondment=s, **d),
        "审核结果已保存",
    ),
    "assessment": _act(
        forms.AssessmentForm,
        lambda a, s, d: services_during.assessment_record(actor=a, secondment=s, **d),
        "平时考核已登记",
    ),
    "liaison": _act(
        forms.LiaisonRecordForm,
        lambda a, s, d: services_during.liaison_record(actor=a, secondment=s, **d),
        "沟通记录已登记",
    ),
    "worklog": _act(
        forms.WorkLogForm, lambda a, s, d: services_during.worklog_add(actor=a, secondment=s, **d), "工作日志已保存"
    ),
    "summary": _act(
        forms.SummaryForm, lambda a, s, d: services_during.summary_submit(actor=a, secondment=s, **d), "个人总结已提交"
    ),
    "appraisal": _act(
        forms.AppraisalForm,
        lambda a, s, d: services_during.appraisal_record(actor=a, secondment=s, **d),
        "期满考核鉴定已保存",
    ),
    "sending_opinion": _act(
        forms.OpinionForm,
        lambda a, s, d: services_during.sending_opinion_record(actor=a, secondment=s, **d),
        "派出单位意见已保存",
    ),
    "return": _act(
        forms.ReturnForm,
        lambda a, s, d: services_during.secondment_return(actor=a, secondment=s, **d),
        "已办理期满返回",
    ),
}


@login_required
@require_POST
def secondment_act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    actor = actor_of(request)
    s = selectors.secondment_get(actor=actor, pk=pk)
    form_class, call, done = ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(actor, s, form.cleaned_data)
            messages.success(request, done)
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        form_errors(request, form)
    return redirect("secondment:secondment_detail", pk)


@login_required
def placement_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_org(request)
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk)
    rows = (
        selectors.secondment_list(actor=actor, batch=batch)
        .filter(stage__in=(Stage.APPROVED, *RECEIVING_STAGES))
        .order_by(F("post").asc(nulls_first=True), "receiving_unit__path", "pk")
    )
    units = Unit.objects.filter(Q(pk__in=rows.values("sending_unit")) | Q(pk__in=rows.values("receiving_unit")))
    return render(
        request,
        "secondment/placement.html",
        {
            "batch": batch,
            "rows": rows,
            "posts": selectors.batch_posts(batch=batch),
            "units": units.order_by("path"),
            "placed": rows.filter(post__isnull=False).count(),
            "unplaced": rows.filter(post__isnull=True).count(),
        },
    )


PLACEMENT_ACTIONS = {
    "run": (services_placement.placement_run, "已生成岗位安排方案"),
    "confirm": (services_placement.placement_confirm, "岗位安排已确定"),
    "start": (services_placement.batch_start, "锻炼干部已到岗"),
}


@login_required
@require_POST
def placement_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    require_org(request)
    if action not in PLACEMENT_ACTIONS:
        raise Http404
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk)
    call, done = PLACEMENT_ACTIONS[action]
    try:
        call(actor=actor, batch=batch)
        messages.success(request, done)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("secondment:placement", pk)


@login_required
@require_POST
def placement_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_org(request)
    actor = actor_of(request)
    s = selectors.secondment_get(actor=actor, pk=pk)
    post_id = request.POST.get("post", "")
    post = get_object_or_404(Post, pk=int(post_id), batch=s.batch) if post_id.isdigit() else None
    try:
        services_placement.placement_set(actor=actor, secondment=s, post=post)
        messages.success(request, f"已调整 {s.cadre.name} 的岗位")
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("secondment:placement", s.batch_id)


@login_required
def notice_pdf_view(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """The placement notice to one unit (sending or receiving): the org dept, or that unit's admin."""
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk)
    unit = get_object_or_404(Unit, pk=unit_pk)
    if not (is_org_admin(actor) or admins_unit(actor, unit)):
        raise PermissionDenied
    rows = (
        Secondment.objects.filter(batch=batch, stage__in=RECEIVING_STAGES)
        .filter(Q(sending_unit=unit) | Q(receiving_unit=unit))
        .select_related("cadre", "sending_unit", "receiving_unit", "post")
    )
    content = notices.placement_notice_pdf(batch=batch, unit=unit, rows=list(rows))
    audit_record(actor=actor, event=Event.DOWNLOAD, obj=batch, detail={"notice_for": unit.pk})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="placement-notice-{batch.pk}-{unit.pk}.pdf"'
    return response


def _report_batch(request: HttpRequest, pk: int) -> SecondmentBatch:
    if not can_put_forward(actor_of(request)):
        raise PermissionDenied
    return selectors.batch_get(actor=actor_of(request), pk=pk)


@login_required
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _report_batch(request, pk)
    report = selectors.batch_report(actor=actor_of(request), batch=batch)
    chart = {
        "labels": [label for _, label, _ in report["ratings"]],  # type: ignore[attr-defined]
        "values": [n for _, _, n in report["ratings"]],
    }  # type: ignore[attr-defined]
    return render(request, "secondment/report.html", {"batch": batch, "report": report, "chart": json.dumps(chart)})


@login_required
def report_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _report_batch(request, pk)
    content = exports.batch_report_xlsx(actor=actor_of(request), batch=batch)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="secondment-{batch.pk}.xlsx"'
    return response


@login_required
def cadre_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The secondment part of a cadre's file, where promotion and commendation are considered."""
    actor = actor_of(request)
    cadre = org_selectors.cadre_get(actor=actor, pk=pk)
    if not (can_manage_batches(actor) or admins_unit(actor, cadre.unit) or actor.cadre_id == cadre.pk):
        raise Http404
    return render(
        request,
        "secondment/cadre_record.html",
        {"cadre": cadre, "rows": selectors.cadre_record(actor=actor, cadre=cadre)},
    )
