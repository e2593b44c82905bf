"""An examinee's submit on the fast lane (peixun.exams.services.attempts_lane.attempt_submit_lane) hands in,
grades, fills the mistake book, totals and audits exactly as Django does, happens exactly once under racing
requests, and hands every other case over to Django untouched (the lane's transaction rolled back).

Every request goes through the real ASGI application in process; "plain Django" is Django's ASGI handler
alone. Transactional tests on PostgreSQL (the lane's own connections commit); on SQLite it is off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from peixun.accounts.models import User
from peixun.audit.models import AuditEvent
from peixun.core.tests.asgi import application, csrf_pair, django_asgi_app, login_session, on_the_lane
from peixun.exams.models import Attempt, AttemptStatus, MistakeEntry, Question, QuestionStatus, SubmitReason
from peixun.exams.services import attempt_save_answer, attempt_start
from peixun.exams.snapshot import bank_changed
from peixun.exams.tests.lane import (
    PAPER_SIZE,
    World,
    answer,
    burst,
    call,
    forget_attempts,
    lane_failures,
    stored,
    warm,
)

pytestmark = [pytest.mark.django_db(transaction=True), on_the_lane]

AUDIT_FIELDS = ("actor_id", "actor_label", "ip", "event", "object_type", "object_repr", "result", "detail")


def submit_path(attempt_id: int) -> str:
    return f"/api/exams/attempts/{attempt_id}/submit/"


def answered(w: World, answers: dict[str, Any], *, started: dt.datetime | None = None) -> Attempt:
    """The examinee's attempt with `answers` saved by question type (one question of each type)."""
    attempt = attempt_start(actor=w.examinee, exam=w.exam, now=started or w.now - dt.timedelta(minutes=10))
    items = {i.question.qtype: i for i in attempt.items.select_related("question")}
    for seq, (qtype, value) in enumerate(answers.items(), start=1):
        attempt_save_answer(
            actor=w.examinee,
            attempt_id=attempt.pk,
            question_id=items[qtype].question_id,
            answer=value,
            seq=seq,
            now=w.now - dt.timedelta(minutes=5),
        )
    return attempt


def handed_in(response: Any, attempt: Attempt) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """`answer`, with the result page's address checked against the attempt and taken out."""
    status, body, headers = answer(response)
    if "result_url" in body:
        assert body.pop("result_url") == reverse("exams:attempt_result", args=[attempt.pk])
    return status, body, headers


def mistakes() -> list[tuple[int, int, int, bool]]:
    """The mistake book: (cadre, question, times wrong, cleared), with the times of the stamps dropped."""
    return sorted(
        (m.cadre_id, m.question_id, m.wrong_count, m.cleared_at is not None) for m in MistakeEntry.objects.all()
    )


def audit_rows(attempt_id: int) -> list[dict[str, Any]]:
    rows = AuditEvent.objects.filter(event="exams.submit", object_id=str(attempt_id)).values(*AUDIT_FIELDS)
    return list(rows)


def _wrong_and_partial(w: World) -> Callable[[], Attempt]:
    """Right, wrong, half right (one blank of two), a short answer for the graders; true/false unanswered."""
    answers = {
        "single": "C",
        "multiple": ["A", "B"],
        "fill_blank": ["本级人大及其常委会", "5"],
        "short_answer": "惩前毖后",
    }
    return lambda: answered(w, answers)


def _all_objective_and_right(w: World) -> Callable[[], Attempt]:
    """No short answer on the paper: graded at the submit, passed against the pass mark."""
    short = w.exam.paper.entries.get(question__qtype="short_answer")
    short.delete()
    bank_changed()
    answers = {"single": "C", "multiple": ["A", "C"], "true_false": True, "fill_blank": ["本级人大及其常委会", "三"]}
    return lambda: answered(w, answers)


def _mistakes_already_in_the_book(w: World) -> Callable[[], Attempt]:
    """The single-choice question was wrong before and later cleared; the multiple one is still open."""
    questions = {q.qtype: q for q in Question.objects.all()}

    def prepare() -> Attempt:
        cadre = w.examinee.cadre_id
        earlier = w.now - dt.timedelta(days=3)
        MistakeEntry.objects.create(
            cadre_id=cadre, question=questions["single"], wrong_count=2, last_wrong_at=earlier, cleared_at=earlier
        )
        MistakeEntry.objects.create(cadre_id=cadre, question=questions["multiple"], last_wrong_at=earlier)
        return answered(w, {"single": "B", "multiple": ["C"], "true_false": False})

    return prepare


SUBMITS: dict[str, Callable[[World], Callable[[], Attempt]]] = {
    "right, wrong, partly right and a short answer": _wrong_and_partial,
    "all objective and all right": _all_objective_and_right,
    "mistakes already in the book": _mistakes_already_in_the_book,
}


@pytest.mark.parametrize("scenario", SUBMITS)
def test_a_submit_on_the_lane_answers_grades_and_records_exactly_as_django(world, scenario):
    prepare = SUBMITS[scenario](world)
    warm(world.exam)
    outcomes = []
    for app in (application, django_asgi_app):
        forget_attempts()
        attempt = prepare()
        response, by_django = call(app, "POST", submit_path(attempt.pk), world.examinee)
        audit = audit_rows(attempt.pk)
        outcomes.append((handed_in(response, attempt), stored(world.now), mistakes(), audit, by_django))
    (lane, lane_rows, lane_book, lane_audit, lane_by_django) = outcomes[0]
    (plain, plain_rows, plain_book, plain_audit, plain_by_django) = outcomes[1]
    assert (lane_by_django, plain_by_django) == (0, 1)
    assert lane == plain and lane[0] == 200
    assert lane[1] == {"status": AttemptStatus.SUBMITTED, "submitted_now": True}
    assert lane_rows == plain_rows and lane_book == plain_book and lane_audit == plain_audit
    (row,) = lane_rows
    assert (row["status"], row["submit_reason"], row["submitted_at"]) == (
        AttemptStatus.SUBMITTED,
        SubmitReason.EXAMINEE,
        "by the request",
    )
    (record,) = lane_audit
    assert record["actor_id"] == world.examinee.pk and record["detail"] == {"reason": SubmitReason.EXAMINEE}
    assert record["object_repr"] == str(Attempt.objects.select_related("exam", "cadre").get())


def test_the_lanes_grades_are_the_keys_verdicts(world):
    attempt = _wrong_and_partial(world)()
    warm(world.exam)
    call(application, "POST", submit_path(attempt.pk), world.examinee)
    items = {i.question.qtype: i for i in attempt.items.select_related("question")}
    verdicts = {qtype: (item.score, item.correct) for qtype, item in items.items()}
    assert verdicts == {
        "single": (Decimal("10.00"), True),
        "multiple": (Decimal("0.00"), False),
        "true_false": (Decimal("0.00"), False),  # unanswered
        "fill_blank": (Decimal("5.00"), False),
        "short_answer": (None, None),  # the graders' to score
    }
    attempt.refresh_from_db()
    assert (attempt.score, attempt.graded, attempt.passed) == (Decimal("15.00"), False, None)
    # Into the mistake book: the objective questions not fully right, never the short answer.
    assert {q for _, q, _, _ in mistakes()} == {items[t].question_id for t in ("multiple", "true_false", "fill_blank")}


def test_twenty_racing_submits_of_one_attempt_hand_it_in_exactly_once(world, caplog):
    attempt = _wrong_and_partial(world)()
    warm(world.exam)
    answers, by_django = burst(submit_path(attempt.pk), [(login_session(world.examinee), csrf_pair())] * 20)
    assert [a.status_code for a in answers] == [200] * 20
    assert sorted(a.json()["submitted_now"] for a in answers) == [False] * 19 + [True]
    assert by_django == 19 and not lane_failures(caplog)  # the winner on the lane, the losers Django's
    assert len(audit_rows(attempt.pk)) == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == Decimal("15.00")
    assert len(mistakes()) == 3  # recorded once, not once per racer


@dataclass
class Case:
    user: User | None  # None: the examinee
    prepare: Callable[[], Attempt]
    status: int
    json: Any = None
    submitted_now: bool | None = None


def _someone_elses(w: World) -> Case:
    return Case(w.other, lambda: _wrong_and_partial(w)(), 404, {})


def _already_handed_in(w: World) -> Case:
    def prepare() -> Attempt:
        attempt = _wrong_and_partial(w)()
        call(django_asgi_app, "POST", submit_path(attempt.pk), w.examinee)
        return attempt

    return Case(None, prepare, 200, {}, submitted_now=False)


def _past_the_deadline(w: World) -> Case:
    """Started 90 minutes ago for 60: Django hands it in as of its deadline, by the system."""
    return Case(None, lambda: answered(w, {}, started=w.now - dt.timedelta(minutes=90)), 200, {}, True)


def _not_an_empty_body(w: World) -> Case:
    return Case(None, lambda: _wrong_and_partial(w)(), 200, {"confirm": True}, submitted_now=True)


HANDED_OVER: dict[str, Callable[[World], Case]] = {
    "someone else's attempt": _someone_elses,
    "an attempt already handed in": _already_handed_in,
    "an attempt past its deadline": _past_the_deadline,
    "a body that is not empty": _not_an_empty_body,
}


@pytest.mark.parametrize("scenario", HANDED_OVER)
def test_the_lane_hands_over_every_other_submit_and_django_answers_it(world, scenario, caplog):
    warm(world.exam)
    case = HANDED_OVER[scenario](world)
    outcomes = []
    for app in (application, django_asgi_app):
        forget_attempts()
        attempt = case.prepare()
        before = len(audit_rows(attempt.pk))
        response, by_django = call(app, "POST", submit_path(attempt.pk), case.user or world.examinee, json=case.json)
        outcomes.append(
            (handed_in(response, attempt), stored(world.now), mistakes(), len(audit_rows(attempt.pk)) - before)
        )
        outcomes[-1] += (by_django,)
    (lane, lane_rows, lane_book, lane_audits, lane_by_django), (plain, plain_rows, plain_book, plain_audits, _) = (
        outcomes
    )
    assert lane_by_django == 1 and not lane_failures(caplog)  # handed over by choice, not by a failure
    assert lane == plain and lane[0] == case.status
    assert (lane_rows, lane_book, lane_audits) == (plain_rows, plain_book, plain_audits)
    if case.submitted_now is not None:
        assert lane[1]["submitted_now"] is case.submitted_now
    assert all(len(row["items"]) == PAPER_SIZE for row in lane_rows)


def test_an_attempt_holding_a_question_retired_since_the_draw_is_handed_over_and_graded_by_django(shuffled, trainee_a1):
    attempt = attempt_start(actor=trainee_a1, exam=shuffled)
    drawn = attempt.items.order_by("order").first()
    Question.objects.filter(pk=drawn.question_id).update(status=QuestionStatus.RETIRED)
    bank_changed()
    warm(shuffled)  # the new snapshot's pool no longer holds it
    response, by_django = call(application, "POST", submit_path(attempt.pk), trainee_a1)
    assert (response.status_code, response.json()["submitted_now"], by_django) == (200, True, 1)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.graded  # unanswered: nothing for a grader
    assert len(audit_rows(attempt.pk)) == 1


def test_a_submit_before_the_process_holds_the_snapshot_is_djangos_and_grades_the_same(world):
    attempt = _wrong_and_partial(world)()
    bank_changed()  # no snapshot in this process
    response, by_django = call(application, "POST", submit_path(attempt.pk), world.examinee)
    assert (response.status_code, by_django) == (200, 1)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score) == (AttemptStatus.SUBMITTED, Decimal("15.00"))


def test_an_answer_saved_just_before_the_submit_is_graded(world):
    attempt = _wrong_and_partial(world)()
    warm(world.exam)
    true_false = attempt.items.get(question__qtype="true_false")
    attempt_save_answer(
        actor=world.examinee, attempt_id=attempt.pk, question_id=true_false.question_id, answer=True, seq=9
    )
    response, by_django = call(application, "POST", submit_path(attempt.pk), world.examinee)
    assert (response.status_code, by_django) == (200, 0)
    true_false.refresh_from_db()
    assert (true_false.score, true_false.correct) == (Decimal("10.00"), True)
    attempt.refresh_from_db()
    assert attempt.score == Decimal("25.00")  # 15 without it, as the key's verdicts test shows
