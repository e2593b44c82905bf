"""Pages of the batch and candidacy stage. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from peixun.core.http import actor_of, flash_errors
from peixun.org import selectors as org_selectors
from peixun.org.models import Unit
from peixun.secondment import forms, selectors, services
from peixun.secondment.models import BatchAttachment, BatchStatus, Post, SecondmentBatch, SendingQuota, Stage
from peixun.secondment.permissions import can_manage_batches, can_put_forward, is_org_admin

ERR_FORM = "提交的内容有误，请检查"


def form_errors(request: HttpRequest, form: forms.forms.Form) -> None:
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)


def require_org(request: HttpRequest) -> None:
    if not can_manage_batches(actor_of(request)):
        raise PermissionDenied


def _posts_of(batch: SecondmentBatch, ids: list[int]) -> list[Post]:
    by_id = {p.pk: p for p in batch.posts.filter(pk__in=ids)}
    if len(by_id) != len(set(ids)):
        raise ValidationError({"preferences": services.ERR_FOREIGN_POST})
    return [by_id[i] for i in ids]


@login_required
def batch_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "secondment/batch_list.html",
        {
            "batches": selectors.batches_visible(actor=actor),
            "mine": selectors.my_secondments(actor=actor),
            "can_manage": can_manage_batches(actor),
        },
    )


@login_required
def batch_form_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_org(request)
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk) if pk else None
    form = forms.BatchForm(request.POST or None, instance=batch)
    if request.method == "POST" and form.is_valid():
        try:
            if batch is None:
                batch = services.batch_create(actor=actor, year=form.cleaned_data["year"], **form.values())  # type: ignore[arg-type]
                messages.success(request, "选派批次已创建")
            else:
                services.batch_update(actor=actor, batch=batch, **form.values())
                messages.success(request, "选派批次已保存")
            return redirect("secondment:batch_detail", batch.pk)
        except ValidationError as exc:
            flash_errors(request, exc)
    elif request.method == "POST":
        form_errors(request, form)
    return render(request, "secondment/batch_form.html", {"form": form, "batch": batch})


@login_required
def batch_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk)
    manage = can_manage_batches(actor)
    context: dict[str, object] = {
        "batch": batch,
        "posts": selectors.batch_posts(batch=batch),
        "attachments": batch.attachments.all(),
        "can_manage": manage,
        "can_put_forward": can_put_forward(actor) and batch.status == BatchStatus.OPEN,
        "can_apply": actor.cadre_id is not None and batch.status == BatchStatus.OPEN,
        "mine": selectors.my_secondments(actor=actor).filter(batch=batch).first(),
        "matrix_rows": [
            (forms.UnitKind(k).label, [forms.UnitKind(r).label for r in v]) for k, v in batch.matrix.items()
        ],
    }
    if manage:
        context["quotas"] = SendingQuota.objects.filter(batch=batch).select_related("unit")
        context["units"] = Unit.objects.filter(is_active=True).order_by("path")
        context["post_form"] = forms.PostForm()
    return render(request, "secondment/batch_detail.html", context)


@login_required
@require_POST
def batch_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_org(request)
    batch = selectors.batch_get(actor=actor_of(request), pk=pk)
    try:
        services.batch_publish(actor=actor_of(request), batch=batch)
        messages.success(request, "选派通知已发布")
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("secondment:batch_detail", pk)


@login_required
@require_POST
def post_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_org(request)
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk)
    form = forms.PostForm(request.POST)
    if form.is_valid():
        unit = get_object_or_404(Unit, pk=form.cleaned_data["receiving_unit"])
        try:
            services.post_save(
                actor=actor,
                batch=batch,
                receiving_unit=unit,
                title=form.cleaned_data["title"],
                capacity=form.cleaned_data["capacity"],
                required_skills=forms.tags(form.cleaned_data["required_skills"]),
                preferred_skills=forms.tags(form.cleaned_data["preferred_skills"]),
                description=form.cleaned_data["description"],
            )
            messages.success(request, "岗位已添加")
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        form_errors(request, form)
    return redirect("secondment:batch_detail", pk)


@login_required
@require_POST
def quota_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_org(request)
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk)
    form = forms.QuotaForm(request.POST)
    if form.is_valid():
        unit = get_object_or_404(Unit, pk=form.cleaned_data["unit"])
        services.quota_set(actor=actor, batch=batch, unit=unit, quota=form.cleaned_data["quota"])
        messages.success(request, "选派名额已设置")
    else:
        form_errors(request, form)
    return redirect("secondment:batch_detail", pk)


@login_required
@require_POST
def attachment_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_org(request)
    actor = actor_of(request)
    batch = selectors.batch_get(actor=actor, pk=pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        services.batch_attach(
            actor=actor, batch=batch, upload=form.cleaned_data["file"], name=form.cleaned_data["name"]
        )
        messages.success(request, "附件已上传")
    else:
        form_errors(request, form)
    return redirect("secondment:batch_detail", pk)


@login_required
def attachment_download_view(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(BatchAttachment, pk=pk)
    selectors.batch_get(actor=actor_of(request), pk=attachment.batch_id)  # 404 unless the batch is visible
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


@login_required
def apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    if actor.cadre_id is None:
        raise PermissionDenied(services.ERR_NOT_A_CADRE)
    batch = selectors.batch_get(actor=actor, pk=pk)
    form = forms.ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            s = services.secondment_apply(
                actor=actor,
                batch=batch,
                statement=form.cleaned_data["statement"],
                preferences=_posts_of(batch, form.preference_ids()),
                skills=forms.tags(form.cleaned_data["skills"]),
            )
            messages.success(request, "报名已提交，等待单位审核")
            return redirect("secondment:secondment_detail", s.pk)
        except ValidationError as exc:
            flash_errors(request, exc)
    elif request.method == "POST":
        form_errors(request, form)
    return render(
        request,
        "secondment/apply_form.html",
        {"form": form, "batch": batch, "posts": selectors.batch_posts(batch=batch)},
    )


@login_required
def nominate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    if not can_put_forward(actor):
        raise PermissionDenied
    batch = selectors.batch_get(actor=actor, pk=pk)
    form = forms.NominateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cadre = org_selectors.cadre_get(actor=actor, pk=form.cleaned_data["cadre"])
        try:
            s = services.secondment_nominate(
                actor=actor,
                batch=batch,
                cadre=cadre,
                channel=form.cleaned_data["channel"],
                skills=forms.tags(form.cleaned_data["skills"]),
                preferences=_posts_of(batch, form.preference_ids()),
                meeting_record=form.cleaned_data["meeting_record"],
                statement=form.cleaned_data["statement"],
            )
            messages.success(request, f"已推荐 {cadre.name}")
            return redirect("secondment:secondment_detail", s.pk)
        except ValidationError as exc:
            flash_errors(request, exc)
    elif request.method == "POST":
        form_errors(request, form)
    cadres = _cadre_choices(request, exclude_batch=batch)
    return render(
        request,
        "secondment/nominate_form.html",
        {"form": form, "batch": batch, "posts": selectors.batch_posts(batch=batch), "cadres": cadres,
         "q": request.GET.get("q", "")},
    )  # fmt: skip


CADRE_CHOICES = 200


def _cadre_choices(request: HttpRequest, exclude_batch: SecondmentBatch | None = None):  # type: ignore[no-untyped-def]
    """The actor's active cadres for a drop-down, narrowed by ?q= (name or employee number), so that
    a city with thousands of cadres can still reach any of them."""
    query = request.GET.get("q", "").strip()
    cadres = org_selectors.cadre_list(actor=actor_of(request), query=query, status="active")
    if exclude_batch is not None:
        cadres = cadres.exclude(secondments__batch=exclude_batch)
    return cadres[:CADRE_CHOICES]


@login_required
def candidate_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    if not can_put_forward(actor):
        raise PermissionDenied
    batch = selectors.batch_get(actor=actor, pk=pk)
    rows = selectors.secondment_list(
        actor=actor,
        batch=batch,
        stage=request.GET.get("stage", ""),
        channel=request.GET.get("channel", ""),
        query=request.GET.get("q", "").strip(),
    ).prefetch_related("preferences__post")
    return render(
        request,
        "secondment/candidate_list.html",
        {
            "batch": batch,
            "rows": rows,
            "stages": Stage.choices,
            "channels": forms.Channel.choices,
            "filters": request.GET,
            "is_org": is_org_admin(actor),
        },
    )


@login_required
def sanction_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not can_put_forward(actor):
        raise PermissionDenied
    form = forms.SanctionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cadre = org_selectors.cadre_get(actor=actor, pk=form.cleaned_data["cadre"])
        data = {k: v for k, v in form.cleaned_data.items() if k != "cadre"}
        try:
            services.sanction_record(actor=actor, cadre=cadre, **data)
            messages.success(request, "处分记录已登记")
            return redirect("secondment:sanction_list")
        except ValidationError as exc:
            flash_errors(request, exc)
    elif request.method == "POST":
        form_errors(request, form)
    return render(
        request,
        "secondment/sanction_list.html",
        {
            "form": form,
            "sanctions": selectors.sanctions_visible(actor=actor)[:300],
            "cadres": _cadre_choices(request),
            "q": request.GET.get("q", ""),
        },
    )
