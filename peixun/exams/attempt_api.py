"""The exam page's JSON API: state (server clock), autosave, submit, leave-page events.

Errors follow the platform's shape {"error": {"code", "message", "fields"}}; a stale or late save is 409.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from peixun.exams import selectors, services

ERR_BAD_JSON = "请求内容不是有效的JSON"


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, **extra}}, status=status)


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _invalid(exc: ValidationError) -> JsonResponse:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return _error(400, "invalid", "提交的数据有误", fields=fields)


@login_required
@require_GET
def state_view(request: HttpRequest, pk: int) -> JsonResponse:
    attempt = selectors.attempt_for_examinee(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return JsonResponse(
        {
            "attempt_id": attempt.pk,
            "status": attempt.status,
            "deadline": attempt.deadline.isoformat(),
            "now": timezone.now().isoformat(),
            "questions": selectors.attempt_paper(attempt),
            "result_url": reverse("exams:attempt_result", args=[attempt.pk]),
        }
    )


@login_required
@require_POST
def answer_view(request: HttpRequest, pk: int) -> JsonResponse:
    data = _body(request)
    question_id = data.get("question_id") if data else None
    if data is None or not isinstance(question_id, int):
        # Someone else's attempt is a 404 whatever the body; the service checks that for valid bodies.
        selectors.attempt_owned(actor=request.user, pk=pk)  # type: ignore[arg-type]
        return _error(
            400,
            "invalid",
            ERR_BAD_JSON if data is None else "提交的数据有误",
            fields={} if data is None else {"question_id": ["缺少题目编号"]},
        )
    seq = data.get("seq")
    try:
        item = services.attempt_save_answer(
            actor=request.user,
            attempt_id=pk,
            question_id=question_id,  # type: ignore[arg-type]
            answer=data.get("answer"),
            seq=seq,  # type: ignore[arg-type]
        )
    except services.AttemptConflict as exc:
        return _error(409, exc.code, exc.message, **exc.extra)
    except ValidationError as exc:
        return _invalid(exc)
    return JsonResponse(
        {"question_id": question_id, "seq": item.seq, "saved_at": item.saved_at.isoformat() if item.saved_at else None}
    )


@login_required
@require_POST
def submit_view(request: HttpRequest, pk: int) -> JsonResponse:
    attempt, won = services.attempt_submit(actor=request.user, attempt_id=pk)  # type: ignore[arg-type]
    return JsonResponse(
        {
            "status": attempt.status,
            "submitted_now": won,
            "result_url": reverse("exams:attempt_result", args=[attempt.pk]),
        }
    )


@login_required
@require_POST
def event_view(request: HttpRequest, pk: int) -> JsonResponse:
    selectors.attempt_owned(actor=request.user, pk=pk)  # type: ignore[arg-type]
    data = _body(request)
    if data is None:
        return _error(400, "invalid", ERR_BAD_JSON)
    try:
        services.attempt_log_event(
            actor=request.user,
            attempt_id=pk,  # type: ignore[arg-type]
            kind=str(data.get("kind", "")),
            detail=str(data.get("detail", "")),
        )
    except ValidationError as exc:
        return _invalid(exc)
    return JsonResponse({"ok": True})
