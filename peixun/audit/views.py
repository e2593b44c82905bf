from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from peixun.audit import selectors
from peixun.audit.events import Event
from peixun.audit.exports import audit_export_xlsx
from peixun.audit.models import AuditResult


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _search(request: HttpRequest):  # type: ignore[no-untyped-def]
    g = request.GET
    return selectors.audit_search(
        actor=request.user,  # type: ignore[arg-type]
        query=g.get("q", "").strip(),
        event=g.get("event", ""),
        result=g.get("result", ""),
        since=_date(g.get("since", "")),
        until=_date(g.get("until", "")),
    )


@login_required
@require_GET
def event_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(_search(request), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "events": Event.choices, "results": AuditResult.choices, "filters": request.GET},
    )


@login_required
@require_GET
def event_export_view(request: HttpRequest) -> HttpResponse:
    events = _search(request)
    content = audit_export_xlsx(actor=request.user, events=events, filters=dict(request.GET.items()))  # type: ignore[arg-type]
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response
