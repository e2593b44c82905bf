"""Fixtures of the exams tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from peixun.exams.models import (
    Exam,
    Paper,
    PaperMode,
    PaperRule,
)
from peixun.exams.snapshot import bank_changed
from peixun.exams.tests.factories import QuestionFactory, fixed_paper, one_of_each, open_exam
from peixun.exams.tests.lane import PAPER_SIZE, World
from peixun.org.tests.factories import cadre_user


@pytest.fixture
def world(office, tree, trainee_a1) -> World:
    bank_changed()  # no snapshot left in this process by an earlier test
    now = timezone.now()
    paper = fixed_paper(list(one_of_each(office).values()), shuffle_questions=False, shuffle_options=False)
    exam = open_exam(paper, units=[tree.city_a], starts_at=now - dt.timedelta(hours=2))
    return World(now, exam, trainee_a1, cadre_user(unit=tree.county_a1))


@pytest.fixture
def shuffled(office, tree) -> Exam:
    """A random paper, questions and options shuffled: five of twelve single-choice questions."""
    for _ in range(12):
        QuestionFactory(office=office)
    paper = Paper.objects.create(title="随机组卷", mode=PaperMode.RANDOM)
    PaperRule.objects.create(paper=paper, qtype="single", count=PAPER_SIZE, points=Decimal(4))
    return open_exam(paper, units=[tree.city_a])
