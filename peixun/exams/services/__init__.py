"""Every write of the exams app. Split by area; import from here."""

from peixun.exams.services.attempts import (
    AttemptConflict,
    attempt_close_if_expired,
    attempt_log_event,
    attempt_save_answer,
    attempt_start,
    attempt_submit,
    close_expired_attempts,
    item_grade,
)
from peixun.exams.services.bank import (
    QuestionData,
    question_create,
    question_errors,
    question_set_status,
    question_update,
    questions_import,
)
from peixun.exams.services.papers import RuleData, contest_create, exam_create, exam_release_results, paper_create
from peixun.exams.services.practice import practice_answer

__all__ = [
    "AttemptConflict",
    "QuestionData",
    "RuleData",
    "attempt_close_if_expired",
    "attempt_log_event",
    "attempt_save_answer",
    "attempt_start",
    "attempt_submit",
    "close_expired_attempts",
    "contest_create",
    "exam_create",
    "exam_release_results",
    "item_grade",
    "paper_create",
    "practice_answer",
    "question_create",
    "question_errors",
    "question_set_status",
    "question_update",
    "questions_import",
]
