from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.utils import timezone

from peixun.audit.models import AuditEvent
from peixun.exams.models import Attempt, AttemptItem, AttemptStatus, MistakeEntry, PaperMode, PaperRule, SubmitReason
from peixun.exams.permissions import ERR_NOT_IN_AUDIENCE
from peixun.exams.selectors import attempt_for_examinee, attempt_paper
from peixun.exams.services import (
    AttemptConflict,
    attempt_save_answer,
    attempt_start,
    attempt_submit,
    close_expired_attempts,
)
from peixun.exams.services.attempts import ERR_CLOSED, ERR_NO_ATTEMPTS_LEFT, ERR_NOT_OPEN, ERR_STALE
from peixun.exams.tests.factories import QuestionFactory, fixed_paper, one_of_each, open_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(office):
    return one_of_each(office)


@pytest.fixture
def exam(bank, tree):
    return open_exam(fixed_paper(list(bank.values())), units=[tree.city_a])


def test_a_trainee_in_a_unit_below_the_audience_starts_and_resumes(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    assert attempt.items.count() == 5 and attempt.max_score == Decimal(50)
    assert attempt.deadline <= attempt.started_at + dt.timedelta(minutes=60)
    # Questions stay grouped by type; option order is a permutation of the question's keys.
    types = [i.question.qtype for i in attempt.items.select_related("question")]
    assert types == ["single", "multiple", "true_false", "fill_blank", "short_answer"]
    assert sorted(attempt.items.get(question=bank["single"]).option_order) == ["A", "B", "C", "D"]
    assert attempt_start(actor=trainee_a1, exam=exam) == attempt


def test_a_trainee_outside_the_audience_is_refused(exam, trainee_b1):
    with pytest.raises(PermissionDenied, match=ERR_NOT_IN_AUDIENCE):
        attempt_start(actor=trainee_b1, exam=exam)


def test_a_listed_cadre_is_in_the_audience(bank, trainee_b1):
    exam = open_exam(fixed_paper([bank["single"]]), cadres=[trainee_b1.cadre])
    assert attempt_start(actor=trainee_b1, exam=exam).cadre == trainee_b1.cadre


def test_it_refuses_a_start_outside_the_window_and_after_the_last_attempt(exam, trainee_a1):
    exam.starts_at = timezone.now() + dt.timedelta(minutes=5)
    exam.save()
    with pytest.raises(ValidationError) as err:
        attempt_start(actor=trainee_a1, exam=exam)
    assert err.value.message_dict["exam"] == [ERR_NOT_OPEN]
    exam.starts_at = timezone.now() - dt.timedelta(minutes=5)
    exam.save()
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)
    with pytest.raises(ValidationError) as err:
        attempt_start(actor=trainee_a1, exam=exam)
    assert err.value.message_dict["exam"] == [ERR_NO_ATTEMPTS_LEFT]


def test_autosave_is_idempotent_and_refuses_a_stale_sequence(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    qid = bank["single"].pk
    item = attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=qid, answer="B", seq=1)
    saved_at = item.saved_at
    # The same save again (a retry after a lost response) is accepted and changes nothing.
    again = attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=qid, answer="B", seq=1)
    assert again.saved_at == saved_at
    attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=qid, answer="C", seq=3)
    # A late save from before (seq 2) or a different answer with the same seq is refused.
    for seq, answer in ((2, "D"), (3, "A")):
        with pytest.raises(AttemptConflict) as err:
            attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=qid, answer=answer, seq=seq)
        assert err.value.code == "stale" and err.value.message == ERR_STALE and err.value.extra["seq"] == 3
    stored = AttemptItem.objects.get(attempt=attempt, question_id=qid)
    assert (stored.answer, stored.seq) == ("C", 3)


def test_autosave_rejects_an_answer_of_the_wrong_shape(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    for qtype, answer in (("single", "Z"), ("multiple", "A"), ("true_false", "yes"), ("fill_blank", ["only one"])):
        with pytest.raises(ValidationError):
            attempt_save_answer(
                actor=trainee_a1, attempt_id=attempt.pk, question_id=bank[qtype].pk, answer=answer, seq=1
            )


def test_nobody_saves_into_or_submits_another_cadres_attempt(exam, trainee_a1, bank, tree):
    from peixun.org.tests.factories import cadre_user

    colleague = cadre_user(unit=tree.county_a1)
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    with pytest.raises(Http404):
        attempt_save_answer(actor=colleague, attempt_id=attempt.pk, question_id=bank["single"].pk, answer="A", seq=1)
    with pytest.raises(Http404):
        attempt_submit(actor=colleague, attempt_id=attempt.pk)
    with pytest.raises(Http404):
        attempt_for_examinee(actor=colleague, pk=attempt.pk)


def _answer_everything(user, attempt, bank, right=True):
    answers = {
        "single": "C" if right else "A",
        "multiple": ["C", "A"] if right else ["A"],
        "true_false": right,
        "fill_blank": ["本级人大及其常委会 ", "３"] if right else ["全国人大", "6"],
        "short_answer": "应当惩前毖后、治病救人。",
    }
    for qtype, answer in answers.items():
        attempt_save_answer(actor=user, attempt_id=attempt.pk, question_id=bank[qtype].pk, answer=answer, seq=1)


def test_submitting_grades_every_objective_type_and_waits_for_the_grader(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    _answer_everything(trainee_a1, attempt, bank)
    attempt, won = attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)
    assert won and attempt.status == AttemptStatus.SUBMITTED and attempt.submit_reason == SubmitReason.EXAMINEE
    scores = {i.question.qtype: i.score for i in attempt.items.select_related("question")}
    assert scores == {"single": 10, "multiple": 10, "true_false": 10, "fill_blank": 10, "short_answer": None}
    attempt.refresh_from_db()
    assert attempt.score == 40 and not attempt.graded and attempt.passed is None


def test_wrong_answers_score_nothing_or_partly_and_enter_the_mistake_book(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    _answer_everything(trainee_a1, attempt, bank, right=False)
    attempt_save_answer(
        actor=trainee_a1,
        attempt_id=attempt.pk,
        question_id=bank["fill_blank"].pk,
        answer=["本级人民代表大会及其常务委员会", "六"],
        seq=2,
    )
    attempt, _ = attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)
    scores = {i.question.qtype: i.score for i in attempt.items.select_related("question")}
    assert scores["single"] == 0 and scores["multiple"] == 0 and scores["true_false"] == 0
    assert scores["fill_blank"] == Decimal("5.00")  # one of two blanks
    wrong = set(MistakeEntry.objects.filter(cadre=trainee_a1.cadre).values_list("question__qtype", flat=True))
    assert wrong == {"single", "multiple", "true_false", "fill_blank"}


def test_a_second_submit_does_nothing(exam, trainee_a1):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    assert attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)[1] is True
    assert attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)[1] is False
    assert AuditEvent.objects.filter(event="exams.submit", object_id=str(attempt.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_racing_submits_make_one_submission(office, tree, trainee_a1):
    exam = open_exam(fixed_paper(list(one_of_each(office).values())), units=[tree.county_a1])
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    barrier, results, errors = threading.Barrier(2), [], []

    def submit():
        try:
            barrier.wait()
            results.append(attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)[1])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False, True]
    assert AuditEvent.objects.filter(event="exams.submit", object_id=str(attempt.pk)).count() == 1


def test_the_deadline_submit_happens_with_the_browser_closed(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=bank["single"].pk, answer="C", seq=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    call_command("close_expired_attempts")  # what cron runs; nobody is on the page
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.submit_reason == SubmitReason.DEADLINE
    assert attempt.score == 10 and attempt.submitted_at <= timezone.now()


def test_reading_an_expired_attempt_submits_it_and_a_late_save_is_refused(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=bank["single"].pk, answer="C", seq=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(AttemptConflict) as err:
        attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=bank["single"].pk, answer="A", seq=2)
    assert err.value.message == ERR_CLOSED
    # The deadline submit made on the way was kept though the save failed.
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.SUBMITTED
    assert attempt_for_examinee(actor=trainee_a1, pk=attempt.pk).score == 10
    assert close_expired_attempts() == 0


def test_the_examinee_view_carries_no_answer_key_before_release(exam, trainee_a1, bank):
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    _answer_everything(trainee_a1, attempt, bank)
    attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)
    attempt = attempt_for_examinee(actor=trainee_a1, pk=attempt.pk)
    rows = attempt_paper(attempt)
    assert all({"key", "reference_answer", "explanation", "score"}.isdisjoint(row) for row in rows)
    for secret in ("坚持惩前毖后", "本级人民代表大会及其常务委员会", "依据条例第八条"):
        assert secret not in repr(rows)


def test_a_rule_paper_draws_per_attempt_from_the_matching_pool(office, tree, trainee_a1, county_a1_admin):
    pool = [QuestionFactory(office=office, difficulty=d % 2 + 2) for d in range(12)]
    QuestionFactory(office=office, difficulty=5)  # outside the rule
    paper = fixed_paper([])
    paper.mode = PaperMode.RANDOM
    paper.save()
    PaperRule.objects.create(paper=paper, qtype="single", count=5, points=Decimal(4), difficulties=[2, 3])
    exam = open_exam(paper, units=[tree.county_a1], attempts_allowed=2)
    first = attempt_start(actor=trainee_a1, exam=exam)
    drawn = set(first.items.values_list("question_id", flat=True))
    assert len(drawn) == 5 and drawn <= {q.pk for q in pool} and first.max_score == 20
