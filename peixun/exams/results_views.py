"""Unit admins' results pages: the exams their examinees sat, and each exam's results, with an Excel export."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook

from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.exams import selectors_results as results
from peixun.exams.permissions import require

ERR_NO_RESULTS_ACCESS = "只有单位培训管理员和组织部管理员可以查看考试成绩"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def results_list_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(results.may_view_results(actor), ERR_NO_RESULTS_ACCESS)  # type: ignore[arg-type]
    exams = results.exams_with_results(actor=actor)[:200]  # type: ignore[arg-type]
    return render(request, "exams/results_list.html", {"exams": exams})


@login_required
def results_exam_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    require(results.may_view_results(actor), ERR_NO_RESULTS_ACCESS)  # type: ignore[arg-type]
    exam = results.exam_with_results_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    query = request.GET.get("q", "").strip()
    rows, summary = results.exam_results(actor=actor, exam=exam, query=query)  # type: ignore[arg-type]
    return render(request, "exams/results_exam.html", {"exam": exam, "rows": rows, "summary": summary, "query": query})


@login_required
def results_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    require(results.may_view_results(actor), ERR_NO_RESULTS_ACCESS)  # type: ignore[arg-type]
    exam = results.exam_with_results_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    rows, summary = results.exam_results(actor=actor, exam=exam)  # type: ignore[arg-type]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "考试成绩"
    ws.append([exam.title])
    ws.append(["单位", "姓名", "工号", "作答次数", "状态", "得分", "是否及格", "交卷时间"])
    for r in rows:
        ws.append(
            [
                r.unit,
                r.name,
                r.employee_number,
                r.attempts,
                r.status,
                float(r.score) if r.score is not None else ("未发布" if not summary["scores_shown"] else ""),
                "" if r.passed is None else ("及格" if r.passed else "不及格"),
                timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
            ]
        )
    ws.append([])
    ws.append(["参考人数", summary["examinees"], "已交卷", summary["submitted"], "平均分", summary["mean"]])
    for column, width in zip("ABCDEFGH", (24, 12, 14, 10, 16, 10, 10, 18), strict=True):
        ws.column_dimensions[column].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    with transaction.atomic():
        audit_record(actor=actor, event=Event.EXPORT, obj=exam, detail={"what": "results", "rows": len(rows)})  # type: ignore[arg-type]
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''exam-{exam.pk}-results.xlsx"
    return response
