"""Documents and dashboards: sign-in sheets, certificates and their public verification, training
record, coverage (charts and Excel), notifications, venues."""

from __future__ import annotations

import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.selectors import sees_whole_province
from peixun.training import selectors
from peixun.training.coverage import coverage, training_record, venue_attendance
from peixun.training.models import Certificate, EnrolmentStatus
from peixun.training.notifications import notification_mark_read
from peixun.training.pdfs import certificate_pdf, signin_sheet
from peixun.training.permissions import ERR_NOT_ALLOWED, may_see_coverage
from peixun.training.services_results import certificates_issue_all
from peixun.training.views import explain


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF download (the page's and the API's)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def signin_sheet_view(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    venue = selectors.operated_venue_get(actor=actor, pk=venue_pk)  # type: ignore[arg-type]
    enrolments = list(
        cls.enrolments.filter(status=EnrolmentStatus.ENROLLED, venue=venue)
        .select_related("cadre__unit")
        .order_by("cadre__unit__path", "cadre__employee_number")
    )
    audit_record(actor=actor, event=Event.DOWNLOAD, obj=cls, detail={"sheet": venue.pk})  # type: ignore[arg-type]
    sheet = signin_sheet(training_class=cls, venue=venue, enrolments=enrolments)
    return pdf_response(sheet, f"signin-{cls.pk}-{venue.pk}.pdf")


@login_required
def certificate_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    cert = selectors.certificate_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    url = request.build_absolute_uri(reverse("training:verify", args=[cert.token]))
    return pdf_response(certificate_pdf(certificate=cert, verify_url=url), f"certificate-{cert.number}.pdf")


def verify_view(request: HttpRequest, token: str) -> HttpResponse:
    """Public: only what is needed to verify (number, name, class, dates, hours, validity)."""
    cert = (
        Certificate.objects.select_related("enrolment__cadre", "enrolment__training_class").filter(token=token).first()
    )
    return render(request, "training/verify.html", {"cert": cert}, status=200 if cert else 404)


@login_required
@require_POST
def certificates_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    cls = selectors.class_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        issued = certificates_issue_all(actor=request.user, training_class=cls)  # type: ignore[arg-type]
        messages.success(request, f"已颁发结业证书{len(issued)}份")
    except ValidationError as error:
        explain(request, error)
    return redirect("training:class_detail", pk=cls.pk)


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year


@login_required
def record_view(request: HttpRequest) -> HttpResponse:
    """干部培训档案: one's own, or (admins) a cadre's in scope via ?cadre=."""
    actor = request.user
    cadre_id = request.GET.get("cadre", "")
    target = int(cadre_id) if cadre_id.isdigit() else actor.cadre_id
    if target is None:
        raise Http404
    record = training_record(actor=actor, cadre_id=target, year=_year(request))  # type: ignore[arg-type]
    return render(request, "training/record.html", {"record": record, "year": _year(request)})


def _coverage_unit(request: HttpRequest) -> int:
    value = request.GET.get("unit", "")
    unit_id = int(value) if value.isdigit() else None
    return selectors.coverage_unit_id(actor=request.user, unit_id=unit_id)  # type: ignore[arg-type]


def _may_see_coverage(request: HttpRequest) -> None:
    if not may_see_coverage(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(ERR_NOT_ALLOWED)


@login_required
def coverage_view(request: HttpRequest) -> HttpResponse:
    _may_see_coverage(request)
    year = _year(request)
    result = coverage(actor=request.user, unit_id=_coverage_unit(request), year=year)  # type: ignore[arg-type]
    venues = list(selectors.venues_visible(actor=request.user).filter(is_active=True))  # type: ignore[arg-type]
    attendance = venue_attendance(actor=request.user, year=year, venues=venues)  # type: ignore[arg-type]
    chart = {
        "units": [c.unit.name for c in result.children],
        "trained": [c.trained_share for c in result.children],
        "met": [c.target_share for c in result.children],
        "months": [f"{m['month']}月" for m in result.months],
        "month_cadres": [m["cadres"] for m in result.months],
        "month_hours": [m["hours"] for m in result.months],
    }
    return render(
        request,
        "training/coverage.html",
        {
            "result": result,
            "year": year,
            "attendance": [a for a in attendance if a["present"] or a["absent"]],
            "chart": json.dumps(chart, ensure_ascii=False),
            "unit_id": result.root.unit.pk,
        },
    )


@login_required
def coverage_export_view(request: HttpRequest) -> HttpResponse:
    _may_see_coverage(request)
    year = _year(request)
    result = coverage(actor=request.user, unit_id=_coverage_unit(request), year=year, untrained_limit=100000)  # type: ignore[arg-type]
    wb = Workbook()
    ws = wb.active
    ws.title = "覆盖率"
    ws.append(["单位", "在职干部数", "本年已参训", "参训率(%)", "达到学时目标", "达标率(%)"])
    for row in [result.root, *result.children]:
        ws.append([row.unit.name, row.active, row.trained, row.trained_share, row.met_target, row.target_share])
    sheet = wb.create_sheet("未参训人员")
    sheet.append(["工号", "姓名", "单位"])
    for cadre in result.untrained:
        sheet.append([cadre.employee_number, cadre.name, cadre.unit.name])
    months = wb.create_sheet("月度趋势")
    months.append(["月份", "参训人数", "学时"])
    for m in result.months:
        months.append([m["month"], m["cadres"], m["hours"]])
    buf = io.BytesIO()
    wb.save(buf)
    audit_record(
        actor=request.user, event=Event.EXPORT, obj=result.root.unit, detail={"kind": "coverage", "year": year}
    )  # type: ignore[arg-type]
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename=coverage-{year}.xlsx"
    return response


@login_required
def notifications_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notification_mark_read(actor=request.user)  # type: ignore[arg-type]
        return redirect("training:notifications")
    notices = selectors.notifications_for(actor=request.user)[:100]  # type: ignore[arg-type]
    return render(request, "training/notifications.html", {"notices": notices})


@login_required
def venue_list_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not (sees_whole_province(actor) or actor.grants.admin_paths or actor.has_role(Role.VENUE_OPERATOR)):  # type: ignore[arg-type, union-attr]
        raise PermissionDenied(ERR_NOT_ALLOWED)
    venues = selectors.venues_visible(actor=actor)  # type: ignore[arg-type]
    return render(request, "training/venue_list.html", {"venues": venues.order_by("unit__path")})
