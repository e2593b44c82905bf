from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from peixun.exams import dedup
from peixun.exams.models import Exam, Paper, PaperMode, PaperQuestion, Question, QuestionStatus, QuestionType
from peixun.offices.models import ResearchOffice


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchOffice

    code = factory.Sequence(lambda n: f"OF{n}")
    name = factory.Sequence(lambda n: f"第{n}教研室")
    field = "监督检查"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    office = factory.SubFactory(OfficeFactory)
    qtype = QuestionType.SINGLE
    stem = factory.Sequence(lambda n: f"第{n}题：纪律处分条例第{n}条规定的处分种类有几种{n * 7919}")
    options = factory.LazyFunction(
        lambda: [
            {"key": "A", "text": "三种"},
            {"key": "B", "text": "四种"},
            {"key": "C", "text": "五种"},
            {"key": "D", "text": "六种"},
        ]
    )
    answer = "C"
    explanation = "依据条例第八条"
    knowledge_point = "纪律处分"
    difficulty = 3
    status = QuestionStatus.ACTIVE
    stem_key = factory.LazyAttribute(lambda o: dedup.normalise(o.stem))


def one_of_each(office: ResearchOffice) -> dict[str, Question]:
    """One active question of every type, with known keys."""
    return {
        "single": QuestionFactory(office=office),
        "multiple": QuestionFactory(office=office, qtype=QuestionType.MULTIPLE, answer=["A", "C"]),
        "true_false": QuestionFactory(office=office, qtype=QuestionType.TRUE_FALSE, options=[], answer=True),
        "fill_blank": QuestionFactory(
            office=office,
            qtype=QuestionType.FILL_BLANK,
            options=[],
            stem="监察法规定，监察机关对____负责，受其监督；留置时间不得超过____个月。",
            answer=[["本级人民代表大会及其常务委员会", "本级人大及其常委会"], ["三", "3"]],
        ),
        "short_answer": QuestionFactory(
            office=office,
            qtype=QuestionType.SHORT_ANSWER,
            options=[],
            answer=None,
            reference_answer="坚持惩前毖后、治病救人",
            scoring_points=[{"text": "惩前毖后", "score": 5}, {"text": "治病救人", "score": 5}],
        ),
    }


def fixed_paper(questions: list[Question], points: int = 10, **kw: object) -> Paper:
    paper = Paper.objects.create(title="固定试卷", mode=PaperMode.FIXED, **kw)
    for i, q in enumerate(questions):
        PaperQuestion.objects.create(paper=paper, question=q, points=Decimal(points), order=i)
    return paper


def open_exam(paper: Paper, *, units=(), cadres=(), graders=(), minutes: int = 60, **kw: object) -> Exam:
    now = timezone.now()
    fields = {
        "title": "党纪知识测试",
        "starts_at": now - dt.timedelta(hours=1),
        "ends_at": now + dt.timedelta(hours=3),
        "duration_minutes": minutes,
        "pass_mark": Decimal(30),
    }
    fields.update(kw)
    exam = Exam.objects.create(paper=paper, **fields)
    exam.audience_units.set(units)
    exam.audience_cadres.set(cadres)
    exam.graders.set(graders)
    return exam


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    """A real, decodable PNG."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()
