"""The question bank: office members write questions, the office director reviews them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Length

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.exams import dedup, images
from peixun.exams.models import CHOICE_TYPES, Question, QuestionStatus, QuestionType
from peixun.exams.permissions import ERR_NOT_OFFICE_DIRECTOR, ERR_NOT_OFFICE_MEMBER, can_author, can_review, require
from peixun.exams.snapshot import bank_changed
from peixun.offices.models import ResearchOffice

ERR_QTYPE = "题型无效"
ERR_STEM_REQUIRED = "题干不能为空"
ERR_OPTIONS_TOO_FEW = "选择题至少需要两个选项"
ERR_OPTION_EMPTY = "选项内容不能为空"
ERR_SINGLE_ANSWER = "单选题的答案必须是一个已有选项"
ERR_MULTIPLE_ANSWER = "多选题的答案必须是两个或以上已有选项"
ERR_TF_ANSWER = "判断题的答案必须是“正确”或“错误”"
ERR_FILL_ANSWER = "填空题每个空至少需要一个可接受答案"
ERR_SHORT_REFERENCE = "简答题需要参考答案"
ERR_SCORING_POINTS = "评分要点的分值必须是正数"
ERR_DIFFICULTY = "难度必须是1到5的整数"
ERR_TRANSITION = "试题当前状态下不能执行此操作"
ERR_EDIT_ACTIVE = "已启用或停用的试题不能修改，请新建试题"

OPTION_KEYS = "ABCDEFGH"
# Review flow: draft → reviewed → active → retired; a reviewed question may be sent back, a retired one revived.
TRANSITIONS: dict[str, set[str]] = {
    QuestionStatus.DRAFT: {QuestionStatus.REVIEWED},
    QuestionStatus.REVIEWED: {QuestionStatus.ACTIVE, QuestionStatus.DRAFT},
    QuestionStatus.ACTIVE: {QuestionStatus.RETIRED},
    QuestionStatus.RETIRED: {QuestionStatus.ACTIVE},
}


@dataclass
class QuestionData:
    qtype: str
    stem: str
    options: list[str] = field(default_factory=list)  # option texts, keyed A, B, C … in order
    answer: Any = None
    reference_answer: str = ""
    scoring_points: list[dict[str, Any]] = field(default_factory=list)
    explanation: str = ""
    knowledge_point: str = ""
    difficulty: int = 3
    source: str = ""

    def option_dicts(self) -> list[dict[str, str]]:
        return [{"key": OPTION_KEYS[i], "text": t.strip()} for i, t in enumerate(self.options)]

    def model_fields(self) -> dict[str, Any]:
        return {
            "qtype": self.qtype,
            "stem": self.stem.strip(),
            "options": self.option_dicts() if self.qtype in CHOICE_TYPES else [],
            "answer": self.answer,
            "reference_answer": self.reference_answer.strip(),
            "scoring_points": self.scoring_points,
            "explanation": self.explanation.strip(),
            "knowledge_point": self.knowledge_point.strip(),
            "difficulty": self.difficulty,
            "source": self.source.strip(),
            "stem_key": dedup.normalise(self.stem),
        }


def question_errors(data: QuestionData) -> dict[str, str]:
    """Everything wrong with the data, by field; shared by the form and the Excel import."""
    errors: dict[str, str] = {}
    if data.qtype not in QuestionType.values:
        return {"qtype": ERR_QTYPE}
    if not data.stem.strip():
        errors["stem"] = ERR_STEM_REQUIRED
    if not isinstance(data.difficulty, int) or not 1 <= data.difficulty <= 5:
        errors["difficulty"] = ERR_DIFFICULTY
    keys = set(OPTION_KEYS[: len(data.options)])
    match data.qtype:
        case QuestionType.SINGLE | QuestionType.MULTIPLE:
            if len(data.options) < 2 or len(data.options) > len(OPTION_KEYS):
                errors["options"] = ERR_OPTIONS_TOO_FEW
            elif any(not t.strip() for t in data.options):
                errors["options"] = ERR_OPTION_EMPTY
            if data.qtype == QuestionType.SINGLE and not (isinstance(data.answer, str) and data.answer in keys):
                errors["answer"] = ERR_SINGLE_ANSWER
            if data.qtype == QuestionType.MULTIPLE and not (
                isinstance(data.answer, list) and len(set(data.answer)) >= 2 and set(data.answer) <= keys
            ):
                errors["answer"] = ERR_MULTIPLE_ANSWER
        case QuestionType.TRUE_FALSE:
            if not isinstance(data.answer, bool):
                errors["answer"] = ERR_TF_ANSWER
        case QuestionType.FILL_BLANK:
            ok = (
                isinstance(data.answer, list)
                and len(data.answer) >= 1
                and all(
                    isinstance(v, list) and v and all(isinstance(s, str) and s.strip() for s in v) for v in data.answer
                )
            )
            if not ok:
                errors["answer"] = ERR_FILL_ANSWER
        case QuestionType.SHORT_ANSWER:
            if not data.reference_answer.strip():
                errors["reference_answer"] = ERR_SHORT_REFERENCE
            try:
                if any(Decimal(str(p["score"])) <= 0 or not str(p["text"]).strip() for p in data.scoring_points):
                    errors["scoring_points"] = ERR_SCORING_POINTS
            except (KeyError, TypeError, InvalidOperation):
                errors["scoring_points"] = ERR_SCORING_POINTS
    return errors


def stem_index(*, exclude_ids: set[int] | None = None) -> dedup.StemIndex:
    index = dedup.StemIndex()
    rows = Question.objects.exclude(status=QuestionStatus.RETIRED).values_list("pk", "stem_key")
    index.extend((pk, key) for pk, key in rows.iterator() if pk not in (exclude_ids or set()))
    return index


def find_similar(stem_key: str, *, exclude: int | None = None) -> tuple[int, float] | None:
    """The most similar stem in the bank (Jaccard >= 0.8), with a length prefilter in the database."""
    n = len(stem_key)
    lo, hi = int(n * dedup.THRESHOLD) - 1, int(n / dedup.THRESHOLD) + 2
    index = dedup.StemIndex()
    rows = (
        Question.objects.exclude(status=QuestionStatus.RETIRED)
        .annotate(n=Length("stem_key"))
        .filter(n__gte=lo, n__lte=hi)
        .values_list("pk", "stem_key")
    )
    index.extend(rows)
    return index.most_similar(stem_key, exclude=exclude)


def _image_or_error(image: Any, errors: dict[str, str]) -> tuple[bytes, str] | None:
    if not image:
        return None
    try:
        return images.checked_image(image)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        return None


def _flag_similar(question: Question, found: tuple[int, float] | None) -> None:
    question.similar_to_id = found[0] if found else None
    question.similarity = round(found[1], 3) if found else None


@transaction.atomic
def question_create(*, actor: User, office: ResearchOffice, data: QuestionData, image: Any = None) -> Question:
    """A draft question; `image` is an optional uploaded stem image (checked by its bytes)."""
    require(can_author(actor, office.pk), ERR_NOT_OFFICE_MEMBER)
    errors = question_errors(data)
    checked = _image_or_error(image, errors)
    if errors:
        raise ValidationError(errors)
    question = Question(office=office, created_by=actor, **data.model_fields())
    if checked:
        images.attach(question, *checked)
    _flag_similar(question, find_similar(question.stem_key))
    question.save()
    audit_record(actor=actor, event=Event.EXAM_QUESTION_CREATE, obj=question)
    return question


@transaction.atomic
def question_update(
    *, actor: User, question: Question, data: QuestionData, image: Any = None, remove_image: bool = False
) -> Question:
    """Edit a draft or reviewed question; a new `image` replaces the stem image, `remove_image` drops it."""
    require(can_author(actor, question.office_id), ERR_NOT_OFFICE_MEMBER)
    if question.status not in (QuestionStatus.DRAFT, QuestionStatus.REVIEWED):
        raise ValidationError({"status": ERR_EDIT_ACTIVE})
    errors = question_errors(data)
    checked = _image_or_error(image, errors)
    if errors:
        raise ValidationError(errors)
    for name, value in data.model_fields().items():
        setattr(question, name, value)
    if checked:
        images.attach(question, *checked)
    elif remove_image:
        question.stem_image = ""
    # Any change to a reviewed question needs a new review.
    question.status = QuestionStatus.DRAFT
    _flag_similar(question, find_similar(question.stem_key, exclude=question.pk))
    question.save()
    audit_record(actor=actor, event=Event.EXAM_QUESTION_UPDATE, obj=question)
    return question


@transaction.atomic
def question_set_status(*, actor: User, question: Question, status: str) -> Question:
    require(can_review(actor, question.office_id), ERR_NOT_OFFICE_DIRECTOR)
    if status not in TRANSITIONS.get(question.status, set()):
        raise ValidationError({"status": ERR_TRANSITION})
    old = question.status
    question.status = status
    if status in (QuestionStatus.REVIEWED, QuestionStatus.ACTIVE):
        question.reviewed_by = actor
    question.save(update_fields=["status", "reviewed_by", "updated_at"])
    bank_changed()  # rule pools and exam snapshots follow the active questions
    audit_record(actor=actor, event=Event.EXAM_QUESTION_REVIEW, obj=question, detail={"from": old, "to": status})
    return question


@dataclass
class ImportReport:
    created: list[Question] = field(default_factory=list)
    # (sheet row, id of the similar question already in the bank or None, similar sheet row or None, score)
    flagged: list[tuple[int, int | None, int | None, float]] = field(default_factory=list)


@transaction.atomic
def questions_import(*, actor: User, office: ResearchOffice, rows: list[tuple[int, QuestionData]]) -> ImportReport:
    """Create every row or none (the caller has validated the sheet); near-duplicates are flagged, not refused."""
    require(can_author(actor, office.pk), ERR_NOT_OFFICE_MEMBER)
    for number, data in rows:
        errors = question_errors(data)
        if errors:
            raise ValidationError({f"row{number}": list(errors.values())})
    index = stem_index()
    report = ImportReport()
    for number, data in rows:
        question = Question(office=office, created_by=actor, **data.model_fields())
        found = index.most_similar(question.stem_key)
        if found:
            ident, score = found
            bank_id = ident if ident > 0 else None
            # Negative ids in the index stand for earlier rows of this file.
            report.flagged.append((number, bank_id, -ident if ident < 0 else None, round(score, 3)))
            if bank_id:
                _flag_similar(question, found)
        index.add(-number, question.stem_key)
        report.created.append(question)
    Question.objects.bulk_create(report.created)
    audit_record(
        actor=actor,
        event=Event.IMPORT,
        object_type="exams.question",
        object_repr=f"{office}：{len(rows)}道试题",
        detail={"office": office.pk, "count": len(rows)},
    )
    return report
