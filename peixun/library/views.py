"""Pages of the library: thin, every read through selectors, every write through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from peixun.library import selectors, services
from peixun.library.files import ERR_TOO_LARGE, absolute, max_upload_bytes
from peixun.library.forms import EditForm, OrganiseForm, UploadForm
from peixun.library.models import FileKind, HandoutFile, ResourceStatus, Tag
from peixun.library.search import highlight, search
from peixun.library.serving import serve_bytes, serve_stored
from peixun.library.stamp import ERR_IMAGE_UNREADABLE, stamp_image, stamp_pdf
from peixun.offices.models import ResearchOffice
from peixun.org.selectors import units_visible
from peixun.training.selectors import lecture_get

MSG_NO_PREVIEW = "该文件暂无法在线预览：服务器未安装 LibreOffice 或转换尚未完成，请稍后再试或联系管理员"
IMAGE_KINDS = services.IMAGE_KINDS


def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in exc.message_dict.values() for m in msgs]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    office = request.GET.get("office", "")
    filters = {
        "category": request.GET.get("category", "").strip(),
        "tag": request.GET.get("tag", "").strip(),
        "office": int(office) if office.isdigit() else None,
        "order": request.GET.get("order", "new"),
    }
    total = None
    if query:
        number = request.GET.get("page", "1")
        number = max(1, min(int(number), 500)) if number.isdigit() else 1
        found = search(actor=request.user, query=query, limit=20, offset=(number - 1) * 20)
        results = [(r, highlight(r.summary + " " + r.text, query)) for r in found.items]
        page = Paginator(range(found.total), 20).get_page(number) if found.total else None
        total = found.total
    else:
        page = Paginator(selectors.resource_list(actor=request.user, **filters), 20).get_page(request.GET.get("page"))
        results = [(r, None) for r in page]
    visible = selectors.resource_list(actor=request.user)
    return render(request, "library/index.html", {
        "query": query, "results": results, "page": page, "filters": filters, "total": total,
        "categories": sorted(set(visible.exclude(category="").values_list("category", flat=True))),
        "tags": Tag.objects.filter(resources__in=visible.values("pk")).distinct(),
        "offices": ResearchOffice.objects.all(),
        "may_manage": selectors.may_manage_resources(request.user),
    })  # fmt: skip


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get(actor=request.user, pk=pk)
    services.resource_read_record(actor=request.user, resource=resource)
    file = resource.file
    try:
        services.download_delivery(actor=request.user, resource=resource)
        refusal = ""
    except PermissionDenied as exc:
        refusal = str(exc)
    return render(request, "library/resource_detail.html", {
        "download_refusal": refusal,
        "resource": resource, "file": file,
        "is_image": file.kind in IMAGE_KINDS,
        "has_pdf": bool(file.rendition_path),
        "no_preview": MSG_NO_PREVIEW,
        "may_manage": selectors.may_manage_resource(request.user, resource),
        "favourite": resource.favourites.filter(user=request.user).exists(),
        "unit_stats": selectors.stats_by_unit(actor=request.user, resource=resource),
    })  # fmt: skip


def _stamped(request: HttpRequest, file: HandoutFile) -> bytes:
    return stamp_pdf(absolute(file.rendition_path).read_bytes(), request.user)


def _stamped_image(request: HttpRequest, file: HandoutFile, *, inline: bool) -> HttpResponse:
    try:
        data, fmt = stamp_image(absolute(file.stored_path).read_bytes(), request.user)
    except ValueError:
        return HttpResponse(ERR_IMAGE_UNREADABLE, status=409, content_type="text/plain; charset=utf-8")
    name = file.original_name.rsplit(".", 1)[0] + f".{fmt}"
    return serve_bytes(data, name=name, kind=FileKind(fmt), inline=inline)


@login_required
def resource_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The bytes the in-page viewer shows: a stamped PDF, or a stamped image."""
    resource = selectors.resource_get(actor=request.user, pk=pk)
    file = resource.file
    if file.kind in IMAGE_KINDS:
        return _stamped_image(request, file, inline=True)
    if not file.rendition_path:
        return HttpResponse(MSG_NO_PREVIEW, status=409, content_type="text/plain; charset=utf-8")
    name = file.original_name.rsplit(".", 1)[0] + ".pdf"
    return serve_bytes(_stamped(request, file), name=name, inline=True)


@login_required
def resource_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Readers get a stamped copy (the PDF, the Office file's PDF conversion, or the image) and nothing else;
    an Office file not yet converted is refused with the reason. Managers may take the original."""
    resource = selectors.resource_get(actor=request.user, pk=pk)
    file = resource.file
    try:
        delivery = services.resource_download_record(actor=request.user, resource=resource)
    except PermissionDenied as exc:
        message = str(exc)
        status = 409 if message in (services.ERR_CONVERSION_PENDING, services.ERR_CONVERSION_FAILED) else 403
        return render(request, "library/refused.html", {"resource": resource, "message": message}, status=status)
    if delivery == services.Delivery.PDF:
        return serve_bytes(_stamped(request, file), name=file.original_name.rsplit(".", 1)[0] + ".pdf")
    if delivery == services.Delivery.IMAGE:
        return _stamped_image(request, file, inline=False)
    return serve_stored(request, file.stored_path, name=file.original_name, kind=file.kind)


@login_required
@require_POST
def resource_favourite(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get(actor=request.user, pk=pk)
    on = services.favourite_toggle(actor=request.user, resource=resource)
    messages.success(request, "已收藏" if on else "已取消收藏")
    return redirect("library:resource_detail", pk=resource.pk)


@login_required
def favourites(request: HttpRequest) -> HttpResponse:
    return render(request, "library/favourites.html", {"resources": selectors.favourites(actor=request.user)[:200]})


@login_required
def downloads(request: HttpRequest) -> HttpResponse:
    return render(request, "library/downloads.html", {"accesses": selectors.my_downloads(actor=request.user)[:200]})


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    if not selectors.may_manage_resources(request.user):
        raise PermissionDenied(services.ERR_NOT_RESOURCE_MANAGER)
    return render(request, "library/manage.html", {
        "resources": selectors.stats_by_resource(actor=request.user).select_related("office")[:500],
        "unit_stats": selectors.stats_by_unit(actor=request.user),
    })  # fmt: skip


@login_required
def lecture_handouts(request: HttpRequest, lecture_pk: int) -> HttpResponse:
    lecture = lecture_get(actor=request.user, pk=lecture_pk)
    if not selectors.may_manage_lecture_handouts(request.user, lecture):
        raise PermissionDenied(services.ERR_NOT_HANDOUT_MANAGER)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        handout = None
        if form.cleaned_data["handout"]:
            handout = selectors.handout_get(actor=request.user, pk=form.cleaned_data["handout"])
        upload = form.cleaned_data["file"]
        limit = max_upload_bytes()
        try:
            if upload.size > limit:  # refused before the body is read into memory
                raise ValidationError({"file": ERR_TOO_LARGE.format(mb=limit // (1024 * 1024))})
            services.handout_upload(
                actor=request.user, lecture=lecture, data=upload.read(), filename=upload.name,
                title=form.cleaned_data["title"], handout=handout,
            )  # fmt: skip
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "讲义已上传，正在提取文字")
            return redirect("library:lecture_handouts", lecture_pk=lecture.pk)
    return render(request, "library/lecture_handouts.html", {
        "lecture": lecture, "form": form, "errors": errors,
        "handouts": selectors.handouts_for_lecture(actor=request.user, lecture=lecture),
    }, status=400 if errors else 200)  # fmt: skip


@login_required
def handout_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    file = selectors.handout_file_get(actor=request.user, pk=pk)
    services.handout_file_download_record(actor=request.user, file=file)
    return serve_stored(request, file.stored_path, name=file.original_name, kind=file.kind)


@login_required
def resource_organise(request: HttpRequest, file_pk: int) -> HttpResponse:
    file = selectors.handout_file_get(actor=request.user, pk=file_pk)
    if not selectors.may_manage_resources(request.user):
        raise PermissionDenied(services.ERR_NOT_RESOURCE_MANAGER)
    initial = {"title": file.handout.title, "scope": "all", "allow_download": True}
    form = OrganiseForm(request.POST or None, initial=initial, units=units_visible(actor=request.user))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_save(actor=request.user, file=file, **form.cleaned_data)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "资源已整理，发布后按可见范围开放")
            return redirect("library:resource_detail", pk=resource.pk)
    return render(request, "library/organise.html", {"file": file, "form": form, "errors": errors})


@login_required
@require_POST
def resource_publish(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get(actor=request.user, pk=pk)
    try:
        if resource.status == ResourceStatus.PUBLISHED:
            services.resource_unpublish(actor=request.user, resource=resource)
            messages.success(request, "资源已撤回")
        else:
            services.resource_publish(actor=request.user, resource=resource)
            messages.success(request, "资源已发布")
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    return redirect("library:resource_detail", pk=resource.pk)


@login_required
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit after organising: texts, tags, scope, download rule, and a replacement file as a new version."""
    resource = selectors.resource_get(actor=request.user, pk=pk)
    if not selectors.may_manage_resource(request.user, resource):
        raise PermissionDenied(services.ERR_NOT_RESOURCE_MANAGER)
    initial = {
        "title": resource.title, "summary": resource.summary, "category": resource.category,
        "tags": "，".join(resource.tags.values_list("name", flat=True)), "scope": resource.scope,
        "units": list(resource.units.values_list("pk", flat=True)), "allow_download": resource.allow_download,
    }  # fmt: skip
    units = units_visible(actor=request.user)
    form = EditForm(request.POST or None, request.FILES or None, initial=initial, units=units)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        upload = form.cleaned_data["file"]
        limit = max_upload_bytes()
        try:
            if upload is not None and upload.size > limit:
                raise ValidationError({"file": ERR_TOO_LARGE.format(mb=limit // (1024 * 1024))})
            services.resource_update(
                actor=request.user, resource=resource, **fields,
                data=upload.read() if upload is not None else None, filename=upload.name if upload else "",
            )  # fmt: skip
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "资源已更新" + ("，新文件已保存为新版本" if upload is not None else ""))
            return redirect("library:resource_detail", pk=resource.pk)
    elif request.method == "POST":
        errors = [m for msgs in form.errors.values() for m in msgs]
    return render(request, "library/edit.html", {
        "resource": resource, "form": form, "errors": errors,
        "versions": resource.file.handout.versions.all(),
    }, status=400 if errors else 200)  # fmt: skip
