"""What the fast-lane tests of the exams share: the world they arrange, how they call the real ASGI
application or plain Django, and how they read back what was stored."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from peixun.accounts.models import User
from peixun.core.tests.asgi import (
    application,
    comparable,
    csrf_pair,
    django_requests,
    login_session,
    request,
    run,
)
from peixun.exams.models import (
    Attempt,
    AttemptItem,
    Exam,
    MistakeEntry,
)
from peixun.exams.snapshot import snapshot_for

ATTEMPT_FIELDS = (
    "exam_id",
    "cadre_id",
    "number",
    "status",
    "started_at",
    "deadline",
    "submitted_at",
    "submit_reason",
    "score",
    "max_score",
    "graded",
    "passed",
)
ITEM_FIELDS = ("question_id", "order", "points", "option_order", "answer", "seq", "saved_at", "score", "correct")
PAPER_SIZE = 5  # one question of each type


@dataclass
class World:
    now: dt.datetime  # before every request of the test: what a request stamps is later
    exam: Exam  # a fixed paper, no shuffling: the lane's paper and Django's are the same
    examinee: User
    other: User  # another examinee of the same county


def warm(exam: Exam) -> None:
    """This process holds the exam's snapshot, as after anyone's start through Django."""
    snapshot_for(exam.pk, exam.created_at)


def start_path(exam: Exam) -> str:
    return f"/api/exams/exams/{exam.pk}/start/"


def state_path(attempt_id: int) -> str:
    return f"/api/exams/attempts/{attempt_id}/"


def call(app: Any, method: str, path: str, user: User, **kwargs: Any) -> tuple[httpx.Response, int]:
    """The answer of `app` to `user`'s request (a start posts `{}` unless told), and how many requests
    Django itself handled for it."""
    if method == "POST":
        kwargs.setdefault("json", {})
        kwargs.setdefault("csrf", csrf_pair())
    session = kwargs.pop("session", None) or login_session(user)
    with django_requests() as served:
        response = run(lambda: request(app, method, path, session=session, **kwargs))
    return response, served.by_django


def answer(response: httpx.Response) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """Status, JSON and headers, with what differs from one start to the next checked and taken out: the
    attempt's id, its deadline (stored), the server's clock, and the body's length."""
    status, content, headers = comparable(response)
    body = json.loads(content)
    if "attempt_id" in body:
        attempt = Attempt.objects.get(pk=body.pop("attempt_id"))
        assert body.pop("deadline") == attempt.deadline.isoformat()
        assert body.pop("result_url") == reverse("exams:attempt_result", args=[attempt.pk])
        assert abs(dt.datetime.fromisoformat(body.pop("now")) - timezone.now()) < dt.timedelta(minutes=1)
    assert int(response.headers["content-length"]) == len(content)
    return status, body, [(name, value) for name, value in headers if name != "content-length"]


def stored(since: dt.datetime) -> list[dict[str, Any]]:
    """Every attempt with its items. A request's own stamps (later than `since`) become the duration it
    gave; arranged ones stay as they are."""
    out = []
    for row in Attempt.objects.order_by("cadre_id", "number").values("id", *ATTEMPT_FIELDS):
        if row["started_at"] >= since:
            row["deadline"] -= row["started_at"]
            row["started_at"] = "by the request"
        if row["submitted_at"] is not None and row["submitted_at"] >= since:
            row["submitted_at"] = "by the request"
        items = AttemptItem.objects.filter(attempt_id=row.pop("id")).order_by("order")
        # SQL NULL, not JSON null (which reads back as None too): "no answer saved yet".
        unanswered = items.filter(answer__isnull=True).count()
        out.append({**row, "items": list(items.values(*ITEM_FIELDS)), "unanswered": unanswered})
    return out


def forget_attempts() -> None:
    MistakeEntry.objects.all().delete()
    Attempt.objects.all().delete()


def lane_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "peixun.core.lane"]


def burst(path: str, asks: list[tuple[str, tuple[str, str]]]) -> tuple[list[httpx.Response], int]:
    async def all_at_once() -> list[httpx.Response]:
        return await asyncio.gather(*(request(application, "POST", path, session=s, csrf=c, json={}) for s, c in asks))

    with django_requests() as served:
        answers = run(all_at_once)
    return answers, served.by_django
