"""Practice on the bank with instant feedback, and the mistake book that brings wrong answers back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.exams.grading import ERR_ANSWER_SHAPE, answer_is_valid, grade
from peixun.exams.models import MistakeEntry, PracticeAnswer, Question
from peixun.exams.services.attempts import _record_mistakes

ERR_NO_CADRE = "只有干部账户可以练习"


@transaction.atomic
def practice_answer(*, actor: User, question: Question, answer: Any) -> bool:
    """Grade one practice answer; wrong → into the mistake book, right → out of it."""
    if actor.cadre_id is None:
        raise PermissionDenied(ERR_NO_CADRE)
    if not answer_is_valid(question, answer):
        raise ValidationError({"answer": ERR_ANSWER_SHAPE})
    _, correct = grade(question, answer, Decimal(1))
    ok = bool(correct)
    now = timezone.now()
    PracticeAnswer.objects.create(cadre_id=actor.cadre_id, question=question, answer=answer, correct=ok)
    if ok:
        MistakeEntry.objects.filter(cadre_id=actor.cadre_id, question=question, cleared_at__isnull=True).update(
            cleared_at=now
        )
    else:
        _record_mistakes(actor.cadre_id, [question.pk], now=now)
    return ok
