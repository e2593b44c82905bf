"""Papers (fixed or drawn by rules) and exams, organised by the org admin."""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.exams.models import (
    Attempt,
    AttemptStatus,
    Contest,
    Exam,
    Paper,
    PaperMode,
    PaperQuestion,
    PaperRule,
    Question,
    QuestionStatus,
    QuestionType,
    ResultsPolicy,
)
from peixun.exams.permissions import ERR_NOT_ORGANISER, can_organise, require
from peixun.exams.snapshot import PaperSnapshot
from peixun.org.models import Cadre, Unit
from peixun.training.models import TrainingClass
from peixun.training.selectors import classes_visible

ERR_TITLE_REQUIRED = "名称不能为空"
ERR_PAPER_EMPTY = "试卷至少需要一道题"
ERR_QUESTION_NOT_ACTIVE = "只能选用已启用的试题"
ERR_POINTS = "分值必须是正数"
ERR_RULE_SHORT = "符合条件的已启用试题不足：{qtype}需要{need}道，题库中只有{have}道"
ERR_WINDOW = "结束时间必须晚于开始时间"
ERR_DURATION = "考试时长必须大于0"
ERR_ATTEMPTS = "允许次数至少为1"
ERR_AUDIENCE = "请指定参考单位、参考培训班或参考人员"
ERR_CLASS_SCOPE = "只能选择您可以查看的培训班"
ERR_PASS_MARK = "及格分不能超过试卷总分"
ERR_UNGRADED = "仍有未阅完的答卷，不能发布成绩"
ERR_ALREADY_RELEASED = "成绩已经发布"
ERR_STILL_RUNNING = "仍有考生正在作答，不能发布成绩"
ERR_CONTEST_EXISTS = "该考试已设为练兵比武"

TYPE_ORDER = [t.value for t in QuestionType]


@dataclass
class RuleData:
    qtype: str
    count: int
    points: Decimal
    office_id: int | None = None
    knowledge_points: list[str] = field(default_factory=list)
    difficulties: list[int] = field(default_factory=list)


def rule_pool(rule: PaperRule | RuleData) -> QuerySet[Question]:
    qs = Question.objects.filter(status=QuestionStatus.ACTIVE, qtype=rule.qtype)
    if rule.office_id:
        qs = qs.filter(office_id=rule.office_id)
    if rule.knowledge_points:
        qs = qs.filter(knowledge_point__in=rule.knowledge_points)
    if rule.difficulties:
        qs = qs.filter(difficulty__in=rule.difficulties)
    return qs


def paper_max_score(paper: Paper) -> Decimal:
    if paper.mode == PaperMode.FIXED:
        return sum((e.points for e in paper.entries.all()), Decimal(0))
    return sum((r.points * r.count for r in paper.rules.all()), Decimal(0))


@transaction.atomic
def paper_create(
    *,
    actor: User,
    title: str,
    mode: str,
    entries: list[tuple[Question, Decimal]] | None = None,
    rules: list[RuleData] | None = None,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
) -> Paper:
    require(can_organise(actor), ERR_NOT_ORGANISER)
    entries, rules = entries or [], rules or []
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = ERR_TITLE_REQUIRED
    if mode == PaperMode.FIXED:
        if not entries:
            errors["entries"] = ERR_PAPER_EMPTY
        elif any(q.status != QuestionStatus.ACTIVE for q, _ in entries):
            errors["entries"] = ERR_QUESTION_NOT_ACTIVE
        elif any(p <= 0 for _, p in entries):
            errors["entries"] = ERR_POINTS
    else:
        if not rules or any(r.count <= 0 for r in rules):
            errors["rules"] = ERR_PAPER_EMPTY
        elif any(r.points <= 0 for r in rules):
            errors["rules"] = ERR_POINTS
        else:
            for r in rules:
                have = rule_pool(r).count()
                if have < r.count:
                    errors["rules"] = ERR_RULE_SHORT.format(qtype=QuestionType(r.qtype).label, need=r.count, have=have)
                    break
    if errors:
        raise ValidationError(errors)
    paper = Paper.objects.create(
        title=title.strip(),
        mode=mode,
        shuffle_questions=shuffle_questions,
        shuffle_options=shuffle_options,
        created_by=actor,
    )
    PaperQuestion.objects.bulk_create(
        PaperQuestion(paper=paper, question=q, points=p, order=i) for i, (q, p) in enumerate(entries)
    )
    PaperRule.objects.bulk_create(
        PaperRule(
            paper=paper,
            order=i,
            qtype=r.qtype,
            count=r.count,
            points=r.points,
            office_id=r.office_id,
            knowledge_points=r.knowledge_points,
            difficulties=r.difficulties,
        )
        for i, r in enumerate(rules)
    )
    audit_record(actor=actor, event=Event.EXAM_PAPER_CREATE, obj=paper)
    return paper


def draw_rng() -> random.Random:
    """A generator seeded afresh from the operating system for one draw: each attempt's paper is
    independent and unpredictable, without the system call per number that SystemRandom makes (a
    start drew some 70 numbers)."""
    return random.Random(os.urandom(32))


def paper_draw(paper: Paper, rng: random.Random | None = None) -> list[tuple[Question, Decimal, list[str]]]:
    """The questions of one sitting: (question, points, option order), grouped by type in the usual order.

    Fixed papers keep their questions; rule papers draw afresh. Shuffling is within each type's block.
    """
    rng = rng or draw_rng()
    drawn: list[tuple[Question, Decimal]] = []
    if paper.mode == PaperMode.FIXED:
        drawn = [(e.question, e.points) for e in paper.entries.select_related("question")]
    else:
        taken: set[int] = set()
        for rule in paper.rules.all():
            ids = [pk for pk in rule_pool(rule).values_list("pk", flat=True) if pk not in taken]
            chosen = rng.sample(ids, min(rule.count, len(ids)))
            taken.update(chosen)
            by_id = Question.objects.in_bulk(chosen)
            drawn += [(by_id[pk], rule.points) for pk in chosen]
    if paper.shuffle_questions:
        rng.shuffle(drawn)
    drawn.sort(key=lambda qp: TYPE_ORDER.index(qp[0].qtype))  # stable: shuffled within each type
    out = []
    for q, p in drawn:
        keys = [o["key"] for o in q.options or []]
        if paper.shuffle_options:
            rng.shuffle(keys)
        out.append((q, p, keys))
    return out


def snapshot_draw(snap: PaperSnapshot, rng: random.Random | None = None) -> list[tuple[int, Decimal, list[str]]]:
    """`paper_draw` from an exam's snapshot: (question id, points, option order), no database access."""
    rng = rng or draw_rng()
    drawn: list[tuple[int, Decimal]] = list(snap.fixed)
    taken: set[int] = set()
    for rule in snap.rules:
        ids = [pk for pk in rule.pool if pk not in taken]
        chosen = rng.sample(ids, min(rule.count, len(ids)))
        taken.update(chosen)
        drawn += [(pk, rule.points) for pk in chosen]
    if snap.shuffle_questions:
        rng.shuffle(drawn)
    questions = snap.questions
    drawn.sort(key=lambda qp: TYPE_ORDER.index(questions[qp[0]].qtype))  # stable: shuffled within each type
    out = []
    for qid, p in drawn:
        keys = [o["key"] for o in questions[qid].options or []]
        if snap.shuffle_options:
            rng.shuffle(keys)
        out.append((qid, p, keys))
    return out


@transaction.atomic
def exam_create(
    *,
    actor: User,
    title: str,
    paper: Paper,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    duration_minutes: int,
    attempts_allowed: int = 1,
    pass_mark: Decimal = Decimal(60),
    results_policy: str = ResultsPolicy.ON_RELEASE,
    audience_units: list[Unit] | None = None,
    audience_cadres: list[Cadre] | None = None,
    graders: list[User] | None = None,
    audience_classes: list[TrainingClass] | None = None,
) -> Exam:
    """An exam. Its audience: units (and the units below them), cadres by name, and the trainees enrolled
    in the given classes (enrolment is checked when each of them starts)."""
    require(can_organise(actor), ERR_NOT_ORGANISER)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = ERR_TITLE_REQUIRED
    if ends_at <= starts_at:
        errors["ends_at"] = ERR_WINDOW
    if duration_minutes <= 0:
        errors["duration_minutes"] = ERR_DURATION
    if attempts_allowed < 1:
        errors["attempts_allowed"] = ERR_ATTEMPTS
    if not audience_units and not audience_cadres and not audience_classes:
        errors["audience_units"] = ERR_AUDIENCE
    class_ids = {c.pk for c in audience_classes or []}
    if class_ids and classes_visible(actor=actor).filter(pk__in=class_ids).count() != len(class_ids):
        errors["audience_classes"] = ERR_CLASS_SCOPE
    if pass_mark > paper_max_score(paper):
        errors["pass_mark"] = ERR_PASS_MARK
    if errors:
        raise ValidationError(errors)
    exam = Exam.objects.create(
        title=title.strip(),
        paper=paper,
        starts_at=starts_at,
        ends_at=ends_at,
        duration_minutes=duration_minutes,
        attempts_allowed=attempts_allowed,
        pass_mark=pass_mark,
        results_policy=results_policy,
        created_by=actor,
    )
    exam.audience_units.set(audience_units or [])
    exam.audience_cadres.set(audience_cadres or [])
    exam.audience_classes.set(audience_classes or [])
    exam.graders.set(graders or [])
    audit_record(actor=actor, event=Event.EXAM_CREATE, obj=exam)
    return exam


@transaction.atomic
def contest_create(*, actor: User, exam: Exam, title: str) -> Contest:
    require(can_organise(actor), ERR_NOT_ORGANISER)
    if not title.strip():
        raise ValidationError({"title": ERR_TITLE_REQUIRED})
    if Contest.objects.filter(exam=exam).exists():
        raise ValidationError({"exam": ERR_CONTEST_EXISTS})
    contest = Contest.objects.create(exam=exam, title=title.strip())
    audit_record(actor=actor, event=Event.EXAM_CONTEST_CREATE, obj=contest)
    return contest


@transaction.atomic
def exam_release_results(*, actor: User, exam: Exam) -> Exam:
    require(can_organise(actor), ERR_NOT_ORGANISER)
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if exam.results_released_at is not None:
        raise ValidationError({"exam": ERR_ALREADY_RELEASED})
    from peixun.exams.services.attempts import close_expired_attempts

    close_expired_attempts(exam_id=exam.pk)
    attempts = Attempt.objects.filter(exam=exam)
    if attempts.filter(status=AttemptStatus.IN_PROGRESS).exists():
        raise ValidationError({"exam": ERR_STILL_RUNNING})
    if attempts.filter(graded=False).exists():
        raise ValidationError({"exam": ERR_UNGRADED})
    exam.results_released_at = timezone.now()
    exam.save(update_fields=["results_released_at"])
    audit_record(actor=actor, event=Event.EXAM_RESULTS_RELEASE, obj=exam)
    return exam
