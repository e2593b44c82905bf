from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peixun.exams.analysis import FLAG_LOW_DISCRIMINATION, exam_item_analysis, score_distribution
from peixun.exams.models import Attempt, AttemptItem, PaperQuestion
from peixun.exams.permissions import ERR_NOT_GRADER
from peixun.exams.selectors import attempt_paper, exam_results_for_cadre, grading_queue
from peixun.exams.services import attempt_save_answer, attempt_start, attempt_submit, exam_release_results, item_grade
from peixun.exams.services.attempts import ERR_SCORE_RANGE
from peixun.exams.services.papers import ERR_UNGRADED
from peixun.exams.tests.factories import QuestionFactory, fixed_paper, one_of_each, open_exam
from peixun.org.tests.factories import cadre_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(office, tree, trainee_a1, teacher):
    bank = one_of_each(office)
    exam = open_exam(fixed_paper([bank["single"], bank["short_answer"]]), units=[tree.county_a1], graders=[teacher])
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    attempt_save_answer(actor=trainee_a1, attempt_id=attempt.pk, question_id=bank["single"].pk, answer="C", seq=1)
    attempt_save_answer(
        actor=trainee_a1, attempt_id=attempt.pk, question_id=bank["short_answer"].pk, answer="惩前毖后", seq=1
    )
    attempt_submit(actor=trainee_a1, attempt_id=attempt.pk)
    return exam, attempt, bank


def test_a_grader_scores_a_short_answer_blind_and_completes_the_attempt(setup, teacher, trainee_a1):
    exam, attempt, _bank = setup
    queue = list(grading_queue(actor=teacher, exam=exam))
    assert len(queue) == 1 and queue[0].answer == "惩前毖后"
    with pytest.raises(ValidationError) as err:
        item_grade(actor=teacher, item_id=queue[0].pk, score=Decimal(11))
    assert err.value.message_dict["score"] == [ERR_SCORE_RANGE]
    item_grade(actor=teacher, item_id=queue[0].pk, score=Decimal(5), comment="只答出一个要点")
    attempt.refresh_from_db()
    assert attempt.graded and attempt.score == 15 and attempt.passed is False  # pass mark 30


def test_only_the_assigned_graders_grade(setup, org_admin, trainee_a1):
    _exam, attempt, _ = setup
    item = attempt.items.get(question__qtype="short_answer")
    for actor in (org_admin, trainee_a1):
        with pytest.raises(PermissionDenied, match=ERR_NOT_GRADER):
            item_grade(actor=actor, item_id=item.pk, score=Decimal(1))


def test_results_reach_the_cadre_record_only_after_release(setup, org_admin, teacher, trainee_a1):
    exam, attempt, _ = setup
    with pytest.raises(ValidationError) as err:
        exam_release_results(actor=org_admin, exam=exam)
    assert err.value.message_dict["exam"] == [ERR_UNGRADED]
    item_grade(actor=teacher, item_id=attempt.items.get(question__qtype="short_answer").pk, score=Decimal(10))
    assert exam_results_for_cadre(actor=org_admin, cadre=trainee_a1.cadre) == []
    attempt.refresh_from_db()
    assert "key" not in attempt_paper(attempt)[0]
    exam_release_results(actor=org_admin, exam=exam)
    [result] = exam_results_for_cadre(actor=trainee_a1, cadre=trainee_a1.cadre)
    assert (result.exam_id, result.score, result.max_score, result.passed) == (exam.pk, 20, 20, False)
    attempt.refresh_from_db()
    assert attempt_paper(attempt)[0]["key"] == "C"


def test_item_statistics_equal_a_hand_computed_fixture(office, tree):
    """Four examinees, three single-choice questions (10, 10 and 5 points), key A everywhere.

        examinee  unit  Q1  Q2  Q3       total
        S1        A1    A   A   B        20
        S2        A1    A   B   -        10
        S3        B1    C   A   A        15
        S4        B1    D   B   A         5
    Totals: mean 12.5, deviations 7.5, -2.5, 2.5, -7.5, sum of squares 125.
    Q1 x = 1,1,0,0: p = .5, Σdxdy = 5, Σdx² = 1, r = 5/√125 = 0.4472; upper (S1) 1 − lower (S4) 0 → D = 1.
    Q2 x = 1,0,1,0: p = .5, Σdxdy = 10, r = 10/√125 = 0.8944; D = 1 − 0 = 1.
    Q3 x = 0,0,1,1: p = .5, Σdxdy = −5, r = −0.4472; D = 0 − 1 = −1 → flagged (r < 0.2).
    27 % of 4 rounds to a group of 1. Q3's options: A 2, B 1, unanswered 1.
    Shares of the 25 points: 80 %, 40 %, 60 %, 20 %.
    By unit (pass mark 12): A1 mean 15, 1 of 2 passed; B1 mean 10, 1 of 2 passed.
    """
    q1, q2, q3 = (QuestionFactory(office=office, answer="A") for _ in range(3))
    paper = fixed_paper([q1, q2], points=10, shuffle_questions=False)
    PaperQuestion.objects.create(paper=paper, question=q3, points=Decimal(5), order=3)
    exam = open_exam(paper, units=[tree.province], pass_mark=Decimal(12))
    table = [
        (tree.county_a1, {q1: "A", q2: "A", q3: "B"}),
        (tree.county_a1, {q1: "A", q2: "B"}),
        (tree.county_b1, {q1: "C", q2: "A", q3: "A"}),
        (tree.county_b1, {q1: "D", q2: "B", q3: "A"}),
    ]
    for unit, answers in table:
        user = cadre_user(unit=unit)
        attempt = attempt_start(actor=user, exam=exam)
        for q, a in answers.items():
            attempt_save_answer(actor=user, attempt_id=attempt.pk, question_id=q.pk, answer=a, seq=1)
        attempt_submit(actor=user, attempt_id=attempt.pk)
    assert sorted(Attempt.objects.values_list("score", flat=True)) == [5, 10, 15, 20]
    stats = {s.question_id: s for s in exam_item_analysis(exam)}
    assert (stats[q1.pk].p, stats[q1.pk].r_pb, stats[q1.pk].d_27) == (0.5, 0.4472, 1.0)
    assert (stats[q2.pk].p, stats[q2.pk].r_pb, stats[q2.pk].d_27) == (0.5, 0.8944, 1.0)
    assert (stats[q3.pk].p, stats[q3.pk].r_pb, stats[q3.pk].d_27) == (0.5, -0.4472, -1.0)
    assert stats[q3.pk].flags == [FLAG_LOW_DISCRIMINATION] and stats[q1.pk].flags == stats[q2.pk].flags == []
    assert stats[q3.pk].options == {"A": 2, "B": 1, "C": 0, "D": 0, "未作答": 1}
    assert stats[q1.pk].options == {"A": 2, "B": 0, "C": 1, "D": 1, "未作答": 0}
    dist = score_distribution(exam)
    assert dist["n"] == 4 and dist["mean"] == 12.5 and dist["pass_rate"] == 0.5
    assert dist["buckets"] == {"60%以下": 2, "60%–70%": 1, "70%–80%": 0, "80%–90%": 1, "90%及以上": 0}
    assert dist["units"] == [
        {"unit": tree.county_a1.name, "n": 2, "mean": 15.0, "pass_rate": 0.5},
        {"unit": tree.county_b1.name, "n": 2, "mean": 10.0, "pass_rate": 0.5},
    ]


def test_an_unreleased_exam_hides_results_from_the_training_record_of_another_scope(setup, county_b1_admin, trainee_a1):
    from django.http import Http404

    with pytest.raises(Http404):
        exam_results_for_cadre(actor=county_b1_admin, cadre=trainee_a1.cadre)


def test_grading_is_not_possible_before_submission(office, tree, trainee_a1, teacher):
    bank = one_of_each(office)
    exam = open_exam(
        fixed_paper([bank["short_answer"]]),
        units=[tree.county_a1],
        graders=[teacher],
        ends_at=timezone.now() + dt.timedelta(hours=2),
    )
    attempt = attempt_start(actor=trainee_a1, exam=exam)
    item = AttemptItem.objects.get(attempt=attempt)
    with pytest.raises(ValidationError):
        item_grade(actor=teacher, item_id=item.pk, score=Decimal(1))
