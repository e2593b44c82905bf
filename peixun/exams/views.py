"""Examinee pages: my exams, an exam's start page, the exam page and the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peixun.exams import selectors, services
from peixun.exams.models import AttemptStatus


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    exams = list(selectors.exams_for_examinee(actor=actor)[:100])  # type: ignore[arg-type]
    now = timezone.now()
    return render(request, "exams/home.html", {"exams": exams, "now": now})


@login_required
def exam_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    exam = selectors.exam_for_examinee(actor=actor, pk=pk)  # type: ignore[arg-type]
    attempts = [
        selectors.attempt_for_examinee(actor=actor, pk=a.pk)  # type: ignore[arg-type]
        for a in selectors.my_attempts(actor=actor, exam=exam)
    ]  # type: ignore[arg-type]
    now = timezone.now()
    current = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    can_start = current is None and exam.starts_at <= now < exam.ends_at and len(attempts) < exam.attempts_allowed
    return render(
        request,
        "exams/exam_detail.html",
        {
            "exam": exam,
            "attempts": attempts,
            "current": current,
            "can_start": can_start,
            "now": now,
            "contest": getattr(exam, "contest", None) if hasattr(exam, "contest") else None,
        },
    )


@login_required
@require_POST
def exam_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    exam = selectors.exam_for_examinee_start(actor=actor, pk=pk)  # type: ignore[arg-type]
    try:
        attempt = services.attempt_start(actor=actor, exam=exam)  # type: ignore[arg-type]
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("exams:exam_detail", pk=exam.pk)
    return redirect("exams:attempt", pk=attempt.pk)


@login_required
def attempt_view(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_for_examinee(actor=request.user, pk=pk)  # type: ignore[arg-type]
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect("exams:attempt_result", pk=attempt.pk)
    questions = selectors.attempt_paper(attempt)
    config = {
        "attemptId": attempt.pk,
        "stateUrl": reverse("exams-attempt-detail", args=[attempt.pk]),
        "answerUrl": reverse("exams-attempt-answer", args=[attempt.pk]),
        "submitUrl": reverse("exams-attempt-submit", args=[attempt.pk]),
        "eventUrl": reverse("exams-attempt-events", args=[attempt.pk]),
        "resultUrl": reverse("exams:attempt_result", args=[attempt.pk]),
        "deadline": attempt.deadline.isoformat(),
        "now": timezone.now().isoformat(),
        # The page rewrites every control from these, whatever the browser restored into the form.
        "saved": {q["question_id"]: {"answer": q["answer"], "seq": q["seq"]} for q in questions},
    }
    return render(
        request,
        "exams/attempt.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "questions": questions,
            "config": config,
        },
    )


@login_required
def attempt_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_for_examinee(actor=request.user, pk=pk)  # type: ignore[arg-type]
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect("exams:attempt", pk=attempt.pk)
    return render(
        request,
        "exams/attempt_result.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "questions": selectors.attempt_paper(attempt),
            "show_score": selectors.results_visible(attempt),
            "show_key": selectors.key_visible(attempt),
        },
    )
