"""Pages of the Excel import and export (logic in peixun.org.imports)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peixun.org import selectors as org_selectors
from peixun.org.import_models import ImportJob, ImportKind
from peixun.org.imports import reader, workbooks
from peixun.org.imports.columns import COLUMNS, SHEET_TITLES
from peixun.org.imports.exports import cadres_export, units_export
from peixun.org.imports.selectors import import_job_get, import_jobs_recent
from peixun.org.imports.services import import_job_apply, import_job_create, import_job_rows, may_import
from peixun.org.permissions import can_import_cadres, require

ERRORS_SHOWN = 500


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=workbooks.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_start_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(can_import_cadres(actor))  # type: ignore[arg-type]
    kinds = [(k, label) for k, label in ImportKind.choices if may_import(actor, k)]  # type: ignore[arg-type]
    kind = request.POST.get("kind") or request.GET.get("kind") or ImportKind.CADRES
    errors: list[str] = []
    if request.method == "POST":
        try:
            job = import_job_create(actor=actor, kind=kind, upload=request.FILES.get("file"))  # type: ignore[arg-type]
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect("org:import_job", pk=job.pk)
    return render(
        request,
        "org/import_start.html",
        {
            "kinds": kinds,
            "kind": kind,
            "errors": errors,
            "jobs": import_jobs_recent(actor=actor),  # type: ignore[arg-type]
            "max_size": reader.size_label(settings.IMPORT_MAX_BYTES),
        },
    )


@login_required
@require_GET
def import_template_view(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ImportKind.values:
        raise Http404
    require(may_import(request.user, kind))  # type: ignore[arg-type]
    return _xlsx(workbooks.template(kind), f"{SHEET_TITLES[kind]}导入模板.xlsx")


def _job_context(request: HttpRequest, job: ImportJob) -> dict[str, object]:
    headers = [c.header for c in COLUMNS[job.kind]]
    return {
        "job": job,
        "errors": job.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(job.errors) - ERRORS_SHOWN),
        "headers": headers,
        "is_owner": job.actor_id == request.user.pk,
    }


@login_required
@require_GET
def import_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "org/import_job.html", _job_context(request, job))


@login_required
@require_GET
def import_job_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "org/import_job_status.html", _job_context(request, job))


@login_required
@require_POST
def import_job_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        import_job_apply(actor=request.user, job=job, only_valid=request.POST.get("only_valid") == "1")  # type: ignore[arg-type]
    except ValidationError as exc:
        context = _job_context(request, job)
        context["apply_error"] = exc.messages[0]
        return render(request, "org/import_job.html", context, status=400)
    return redirect("org:import_job", pk=job.pk)


@login_required
@require_GET
def import_job_errors_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    if not job.errors:
        raise Http404
    data = workbooks.error_report(job.kind, import_job_rows(job=job), job.errors)
    return _xlsx(data, f"导入错误报告-{job.pk}.xlsx")


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@login_required
@require_GET
def export_units_view(request: HttpRequest) -> HttpResponse:
    data, _ = units_export(actor=request.user, query=request.GET.get("q", "").strip())  # type: ignore[arg-type]
    return _xlsx(data, f"单位-{_stamp()}.xlsx")


@login_required
@require_GET
def export_cadres_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = org_selectors.unit_get(actor=actor, pk=int(unit_id))  # type: ignore[arg-type]
    data, _ = cadres_export(
        actor=actor,  # type: ignore[arg-type]
        query=request.GET.get("q", "").strip(),
        unit=unit,
        status=request.GET.get("status", ""),
        rank=request.GET.get("rank", ""),
    )
    return _xlsx(data, f"干部-{_stamp()}.xlsx")
