"""Lecture pages: detail, the venue's projected QR code, the trainee's check-in, operator attendance,
evaluation."""

from __future__ import annotations

import base64
import io

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peixun.training import selectors
from peixun.training.models import CheckIn, CheckInStatus, EnrolmentStatus, Venue
from peixun.training.permissions import may_manage_class, may_operate_venue
from peixun.training.services_checkin import (
    TOKEN_PERIOD,
    attendance_mark,
    checkin_scan,
    checkin_token,
    checkin_window,
    headcount_record,
)
from peixun.training.services_results import evaluation_submit, evaluation_summary
from peixun.training.views import explain


@login_required
def lecture_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    lecture = selectors.lecture_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    cls = lecture.training_class
    mine = None
    if actor.cadre_id:
        mine = CheckIn.objects.filter(lecture=lecture, cadre_id=actor.cadre_id).first()
    summary = None
    may_manage = may_manage_class(actor, cls)  # type: ignore[arg-type]
    if lecture.teacher_id == actor.pk or may_manage:
        summary = evaluation_summary(actor=actor, training_class=cls, lecture=lecture)  # type: ignore[arg-type]
    my_venues = [
        v
        for v in Venue.objects.filter(enrolments__training_class=cls).distinct()
        if may_operate_venue(actor, v)  # type: ignore[arg-type]
    ]
    return render(
        request,
        "training/lecture_detail.html",
        {
            "lecture": lecture,
            "cls": cls,
            "mine": mine,
            "summary": summary,
            "my_venues": my_venues,
            "may_manage": may_manage,
            "may_rate": mine is not None and mine.status in (CheckInStatus.PRESENT, CheckInStatus.LATE),
        },
    )


def _qr_data_uri(text: str) -> str:
    img = qrcode.make(text, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@login_required
def projector_view(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    """The venue's screen: a QR code that rotates every TOKEN_PERIOD seconds (?format=json for refresh)."""
    lecture = selectors.lecture_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    venue = selectors.operated_venue_get(actor=request.user, pk=venue_pk)  # type: ignore[arg-type]
    token = checkin_token(lecture=lecture, venue=venue)
    url = request.build_absolute_uri(reverse("training:checkin", args=[lecture.pk, venue.pk])) + f"?t={token}"
    if request.GET.get("format") == "json":
        return JsonResponse({"url": url, "qr": _qr_data_uri(url), "period": TOKEN_PERIOD})
    start, end = checkin_window(lecture)
    checked = CheckIn.objects.filter(lecture=lecture, venue=venue, status__in=["present", "late"]).count()
    return render(
        request,
        "training/projector.html",
        {
            "lecture": lecture,
            "venue": venue,
            "url": url,
            "qr": _qr_data_uri(url),
            "period": TOKEN_PERIOD,
            "window": (start, end),
            "checked": checked,
        },
    )


def _scan(request: HttpRequest, pk: int, venue_pk: int, token: str) -> dict:
    try:
        checkin, message = checkin_scan(actor=request.user, lecture=pk, venue=venue_pk, token=token)  # type: ignore[arg-type]
        return {"ok": True, "message": message, "status": checkin.get_status_display()}
    except ValidationError as error:
        return {"ok": False, "message": "；".join(m for ms in error.message_dict.values() for m in ms)}
    except PermissionDenied as error:
        return {"ok": False, "message": str(error)}


@login_required
def checkin_view(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    """What the trainee's phone opens from the QR code; the check-in itself is the POST. The page's htmx
    POST and a POST asking for JSON are the burst path: no page, no scoped lecture queryset, only the
    service (and a small fragment for htmx). A phone without script posts the form and gets the page."""
    token = request.POST.get("t") or request.GET.get("t", "")
    if request.method == "POST" and request.headers.get("HX-Request"):
        result = _scan(request, pk, venue_pk, token)
        # Without the request: the menu's context processors would cost three queries for a fragment.
        context = {"token": token, "result": result, "csrf_token": get_token(request)}
        return HttpResponse(render_to_string("training/_checkin_result.html", context))
    if request.method == "POST" and request.headers.get("Accept") == "application/json":
        result = _scan(request, pk, venue_pk, token)
        return JsonResponse(result, status=200 if result["ok"] else 400)
    lecture = selectors.lecture_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    venue = get_object_or_404(Venue, pk=venue_pk)
    result = _scan(request, lecture.pk, venue.pk, token) if request.method == "POST" else None
    return render(
        request, "training/checkin.html", {"lecture": lecture, "venue": venue, "token": token, "result": result}
    )


@login_required
def attendance_view(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    actor = request.user
    lecture = selectors.lecture_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    venue = selectors.operated_venue_get(actor=actor, pk=venue_pk)  # type: ignore[arg-type]
    enrolments = list(
        lecture.training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED, venue=venue)
        .select_related("cadre__unit")
        .order_by("cadre__employee_number")
    )
    if request.method == "POST":
        marks = {e.pk: request.POST.get(f"e{e.pk}", "") for e in enrolments if request.POST.get(f"e{e.pk}")}
        try:
            attendance_mark(actor=actor, lecture=lecture, venue=venue, marks=marks)  # type: ignore[arg-type]
            headcount = request.POST.get("headcount", "").strip()
            if headcount:
                if not headcount.isdigit():
                    raise ValidationError({"headcount": "实到人数应为整数"})
                headcount_record(actor=actor, lecture=lecture, venue=venue, headcount=int(headcount))  # type: ignore[arg-type]
            messages.success(request, "出勤情况已保存")
        except ValidationError as error:
            explain(request, error)
        return redirect("training:attendance", pk=lecture.pk, venue_pk=venue.pk)
    current = {c.enrolment_id: c.status for c in CheckIn.objects.filter(lecture=lecture, venue=venue)}
    rows = [{"e": e, "status": current.get(e.pk, "")} for e in enrolments]
    return render(
        request,
        "training/attendance.html",
        {"lecture": lecture, "venue": venue, "rows": rows, "statuses": CheckInStatus.choices, "now": timezone.now()},
    )


@login_required
@require_POST
def evaluate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    lecture = selectors.lecture_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    whole_class = request.POST.get("scope") == "class"
    try:
        evaluation_submit(
            actor=actor,  # type: ignore[arg-type]
            training_class=lecture.training_class,
            lecture=None if whole_class else lecture,
            lecture_score=request.POST.get("lecture_score"),
            teacher_score=request.POST.get("teacher_score"),
            class_score=request.POST.get("class_score"),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, "感谢您的评价")
    except ValidationError as error:
        explain(request, error)
    return redirect("training:lecture_detail", pk=lecture.pk)
