"""Grading of one answer, and the shape an answer of each type must have. Pure functions."""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from peixun.exams.models import Question, QuestionType

ERR_ANSWER_SHAPE = "答案格式与题型不符"
ERR_ANSWER_TOO_LONG = "答案过长"
MAX_TEXT = 5000


def normalise_blank(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return " ".join(text.split())


def answer_is_valid(question: Question, answer: Any) -> bool:
    """Shape check for a saved answer; None (cleared) is always allowed."""
    if answer is None:
        return True
    keys = {o["key"] for o in question.options or []}
    match question.qtype:
        case QuestionType.SINGLE:
            return isinstance(answer, str) and answer in keys
        case QuestionType.MULTIPLE:
            return (
                isinstance(answer, list)
                and len(set(answer)) == len(answer)
                and all(isinstance(a, str) and a in keys for a in answer)
            )
        case QuestionType.TRUE_FALSE:
            return isinstance(answer, bool)
        case QuestionType.FILL_BLANK:
            return (
                isinstance(answer, list)
                and len(answer) == question.blank_count
                and all(isinstance(a, str) and len(a) <= 500 for a in answer)
            )
        case QuestionType.SHORT_ANSWER:
            return isinstance(answer, str) and len(answer) <= MAX_TEXT
    return False


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade(question: Question, answer: Any, points: Decimal) -> tuple[Decimal | None, bool | None]:
    """(score, fully correct) for objective types; (None, None) when a grader must decide.

    An unanswered question scores 0 whatever its type: there is nothing for a grader to read.
    """
    if answer in (None, "", []):
        return Decimal("0.00"), False
    match question.qtype:
        case QuestionType.SINGLE | QuestionType.TRUE_FALSE:
            ok = answer == question.answer
            return (_q(points) if ok else Decimal("0.00")), ok
        case QuestionType.MULTIPLE:
            ok = sorted(answer) == sorted(question.answer or [])
            return (_q(points) if ok else Decimal("0.00")), ok
        case QuestionType.FILL_BLANK:
            accepted = question.answer or []
            if not accepted:
                return Decimal("0.00"), False
            hits = sum(
                1
                for given, variants in zip(answer, accepted, strict=False)
                if normalise_blank(given) in {normalise_blank(v) for v in variants}
            )
            return _q(points * hits / len(accepted)), hits == len(accepted)
    return None, None
