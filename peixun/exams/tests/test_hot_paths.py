"""The requests thousands of examinees make at once stay lean: a fixed number of queries each, whatever the
size of the bank, once the exam's snapshot is built (by the first examinee of each worker)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from peixun.exams.models import Attempt, AttemptStatus, Paper, PaperMode, PaperRule
from peixun.exams.services import attempt_start
from peixun.exams.tests.factories import QuestionFactory, open_exam
from peixun.org.tests.factories import cadre_user

pytestmark = pytest.mark.django_db

# Every count includes the session read, the user read and the session write that the idle timeout makes on
# every request (SESSION_SAVE_EVERY_REQUEST: an update between two savepoints under the test's transaction).
# Start: + the cadre's unit with the exam's stamp, the cadre's attempts, insert attempt, insert items (+ 2 savepoints).
START_QUERIES = 11
# session, user, attempt with its exam, the items
STATE_QUERIES = 7
# session, user, attempt (locked), the item, the conditional update (plus savepoints)
SAVE_QUERIES = 10
# session, user, attempt, flip, items, scores, mistakes (read, insert), totals, audit (plus savepoints)
SUBMIT_QUERIES = 15


@pytest.fixture
def exam(office, tree):
    for _ in range(40):
        QuestionFactory(office=office)
    paper = Paper.objects.create(title="随机组卷", mode=PaperMode.RANDOM)
    PaperRule.objects.create(paper=paper, qtype="single", count=10, points=Decimal(5))
    return open_exam(paper, units=[tree.city_a])


@pytest.fixture
def warm(exam, tree):
    """Another examinee started first: this process has the exam's snapshot."""
    attempt_start(actor=cadre_user(unit=tree.county_a1), exam=exam)
    return exam


def test_a_start_costs_a_fixed_number_of_queries(warm, trainee_a1, client_of, django_assert_max_num_queries):
    client = client_of(trainee_a1)
    with django_assert_max_num_queries(START_QUERIES):
        response = client.post(reverse("exams:exam_start", args=[warm.pk]))
    attempt = Attempt.objects.get(exam=warm, cadre=trainee_a1.cadre)
    assert response.status_code == 302 and attempt.items.count() == 10


def test_a_start_through_the_api_answers_with_the_paper_at_the_same_cost(
    warm, trainee_a1, client_of, django_assert_max_num_queries
):
    client = client_of(trainee_a1)
    with django_assert_max_num_queries(START_QUERIES):
        state = client.post(reverse("exams-exam-start", args=[warm.pk])).json()
    assert len(state["questions"]) == 10 and all(q["seq"] == 0 for q in state["questions"])


def test_loading_the_paper_costs_a_fixed_number_of_queries(warm, trainee_a1, client_of, django_assert_max_num_queries):
    attempt = attempt_start(actor=trainee_a1, exam=warm)
    client = client_of(trainee_a1)
    with django_assert_max_num_queries(STATE_QUERIES):
        state = client.get(reverse("exams-attempt-detail", args=[attempt.pk])).json()
    assert len(state["questions"]) == 10 and "key" not in state["questions"][0]


def test_a_save_and_a_submit_cost_a_fixed_number_of_queries(warm, trainee_a1, client_of, django_assert_max_num_queries):
    attempt = attempt_start(actor=trainee_a1, exam=warm)
    qid = attempt.items.first().question_id
    client = client_of(trainee_a1)
    with django_assert_max_num_queries(SAVE_QUERIES):
        saved = client.post(
            reverse("exams-attempt-answer", args=[attempt.pk]),
            json.dumps({"question_id": qid, "answer": "C", "seq": 1}),
            content_type="application/json",
        )
    assert saved.status_code == 200
    with django_assert_max_num_queries(SUBMIT_QUERIES):
        submitted = client.post(reverse("exams-attempt-submit", args=[attempt.pk]))
    assert submitted.json()["submitted_now"] is True
    attempt.refresh_from_db()
    # Every factory question's key is C: the saved answer scored, the others did not.
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == Decimal(5)


def test_a_retired_question_drawn_before_the_change_is_still_shown_and_graded(warm, trainee_a1, office_director):
    from peixun.exams.selectors import attempt_paper
    from peixun.exams.services import attempt_save_answer, attempt_submit, question_set_status

    attempt = attempt_start(actor=trainee_a1, exam=warm)
    item = attempt.items.first()
    question = item.question
    question_set_status(actor=office_director, question=question, status="retired")
    rows = attempt_paper(Attempt.objects.select_related("exam").get(pk=attempt.pk))
    assert rows[0]["question_id"] == question.pk and rows[0]["stem"] == question.stem
    attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=question.pk, answer="C", seq=1)
    attempt, _ = attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)
    assert attempt.score == Decimal(5)
