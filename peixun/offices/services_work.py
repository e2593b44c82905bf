"""Research topics (课题调研) and textbooks (教材编写): writes.

The office's director (or the organisation department) sets them up and reviews; topic members keep the
milestones and the final report; a chapter's assignee writes its draft. Nobody touches another office's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import OfficeMembership, ResearchOffice
from peixun.offices.models_work import (
    ChapterStatus,
    ResearchTopic,
    Textbook,
    TextbookChapter,
    TextbookStatus,
    TopicMilestone,
    TopicStatus,
)
from peixun.offices.selectors import is_director, may_manage_office
from peixun.offices.services_richtext import sanitise
from peixun.org.models import Cadre
from peixun.org.permissions import require as _require

ERR_NOT_DIRECTOR = "只有本教研室主任可以管理本室的课题和教材"
ERR_NOT_TOPIC_MEMBER = "只有课题组成员或本室主任可以更新课题"
ERR_NOT_ASSIGNEE = "只有本章执笔人可以提交初稿"
ERR_REQUIRED = "此项为必填项"
ERR_MEMBERS = "课题组成员和执笔人只能是本教研室成员"
ERR_STATUS = "状态无效"
ERR_ORDER_TAKEN = "该章序已存在"
ERR_NOT_DRAFTED = "本章尚未交稿"

TITLE_MAX = 200
ERR_DATE = "请填写有效日期"
ERR_ORDER = "章序须为1至999的整数"
ERR_CONCLUDE_REPORT = "结题前须先提交调研报告"
ERR_CHAPTER_HAS_DRAFT = "本章已有初稿，不能删除；可调整章名、章序或执笔人"
ERR_TITLE_LONG = "名称不能超过200字"


def _check_title(title: str, errors: dict[str, str], field: str = "title") -> None:
    if not title:
        errors[field] = ERR_REQUIRED
    elif len(title) > TITLE_MAX:
        errors[field] = ERR_TITLE_LONG


def _check_members(office: ResearchOffice, cadres: Iterable[Cadre], errors: dict[str, str], field: str) -> list[Cadre]:
    people = list(cadres)
    members = set(OfficeMembership.objects.filter(office=office).values_list("cadre_id", flat=True))
    if {c.pk for c in people} - members:
        errors[field] = ERR_MEMBERS
    return people


@transaction.atomic
def topic_save(
    *,
    actor: User,
    office: ResearchOffice,
    title: str,
    plan: str,
    members: Iterable[Cadre] = (),
    status: str = TopicStatus.PLANNED,
    topic: ResearchTopic | None = None,
) -> ResearchTopic:
    _require(may_manage_office(actor, office.pk), ERR_NOT_DIRECTOR)
    if topic is not None and topic.office_id != office.pk:
        raise PermissionDenied(ERR_NOT_DIRECTOR)
    errors: dict[str, str] = {}
    title, plan = (title or "").strip(), (plan or "").strip()
    _check_title(title, errors)
    if not plan:
        errors["plan"] = ERR_REQUIRED
    if status not in TopicStatus.values:
        errors["status"] = ERR_STATUS
    elif status == TopicStatus.CONCLUDED and not (topic is not None and topic.final_report.strip()):
        errors["status"] = ERR_CONCLUDE_REPORT
    people = _check_members(office, members, errors, "members")
    if errors:
        raise ValidationError(errors)
    topic = topic or ResearchTopic(office=office, created_by=actor)
    topic.title, topic.plan, topic.status = title, plan, status
    topic.save()
    topic.members.set(people)
    audit_record(actor=actor, event=Event.RESEARCH_TOPIC_SAVE, obj=topic)
    return topic


def may_work_on_topic(actor: User, topic: ResearchTopic) -> bool:
    if may_manage_office(actor, topic.office_id):
        return True
    return actor.cadre_id is not None and topic.members.filter(pk=actor.cadre_id).exists()


def _milestone_input(title: str, due_on: dt.date | None) -> tuple[str, dt.date]:
    errors: dict[str, str] = {}
    title = (title or "").strip()
    _check_title(title, errors)
    if due_on is None:
        errors["due_on"] = ERR_DATE
    if errors or due_on is None:
        raise ValidationError(errors)
    return title, due_on


@transaction.atomic
def milestone_add(*, actor: User, topic: ResearchTopic, title: str, due_on: dt.date | None) -> TopicMilestone:
    _require(may_work_on_topic(actor, topic), ERR_NOT_TOPIC_MEMBER)
    title, due = _milestone_input(title, due_on)
    milestone = TopicMilestone.objects.create(topic=topic, title=title, due_on=due)
    audit_record(actor=actor, event=Event.RESEARCH_TOPIC_SAVE, obj=topic, detail={"milestone_add": title})
    return milestone


@transaction.atomic
def milestone_update(*, actor: User, milestone: TopicMilestone, title: str, due_on: dt.date | None) -> TopicMilestone:
    _require(may_work_on_topic(actor, milestone.topic), ERR_NOT_TOPIC_MEMBER)
    title, due = _milestone_input(title, due_on)
    before = {"title": milestone.title, "due_on": milestone.due_on.isoformat()}
    milestone.title, milestone.due_on = title, due
    milestone.save(update_fields=["title", "due_on"])
    audit_record(
        actor=actor, event=Event.RESEARCH_TOPIC_SAVE, obj=milestone.topic,
        detail={"milestone_update": milestone.pk, "before": before,
                "after": {"title": title, "due_on": due.isoformat()}},
    )  # fmt: skip
    return milestone


@transaction.atomic
def milestone_remove(*, actor: User, milestone: TopicMilestone) -> None:
    _require(may_work_on_topic(actor, milestone.topic), ERR_NOT_TOPIC_MEMBER)
    audit_record(
        actor=actor, event=Event.RESEARCH_TOPIC_SAVE, obj=milestone.topic,
        detail={"milestone_remove": milestone.title, "due_on": milestone.due_on.isoformat()},
    )  # fmt: skip
    milestone.delete()


@transaction.atomic
def milestone_mark(*, actor: User, milestone: TopicMilestone, done: bool) -> TopicMilestone:
    _require(may_work_on_topic(actor, milestone.topic), ERR_NOT_TOPIC_MEMBER)
    milestone.done = done
    milestone.save(update_fields=["done"])
    return milestone


@transaction.atomic
def topic_report(*, actor: User, topic: ResearchTopic, final_report: str, conclude: bool = False) -> ResearchTopic:
    """The final report; concluding the topic (结题) is the director's."""
    _require(may_work_on_topic(actor, topic), ERR_NOT_TOPIC_MEMBER)
    if conclude:
        _require(may_manage_office(actor, topic.office_id), ERR_NOT_DIRECTOR)
    report = (final_report or "").strip()
    if conclude and not report:
        raise ValidationError({"final_report": ERR_REQUIRED})
    topic.final_report = report
    if conclude:
        topic.status = TopicStatus.CONCLUDED
    elif topic.status == TopicStatus.PLANNED:
        topic.status = TopicStatus.IN_PROGRESS
    topic.save(update_fields=["final_report", "status"])
    audit_record(actor=actor, event=Event.RESEARCH_TOPIC_SAVE, obj=topic, detail={"conclude": conclude})
    return topic


@transaction.atomic
def textbook_save(
    *,
    actor: User,
    office: ResearchOffice,
    title: str,
    outline: str,
    status: str = TextbookStatus.OUTLINING,
    publisher: str = "",
    published_on: dt.date | None = None,
    textbook: Textbook | None = None,
) -> Textbook:
    _require(may_manage_office(actor, office.pk), ERR_NOT_DIRECTOR)
    if textbook is not None and textbook.office_id != office.pk:
        raise PermissionDenied(ERR_NOT_DIRECTOR)
    errors: dict[str, str] = {}
    title, outline = (title or "").strip(), (outline or "").strip()
    _check_title(title, errors)
    if not outline:
        errors["outline"] = ERR_REQUIRED
    if status not in TextbookStatus.values:
        errors["status"] = ERR_STATUS
    if status == TextbookStatus.PUBLISHED and published_on is None:
        errors["published_on"] = ERR_REQUIRED
    if errors:
        raise ValidationError(errors)
    textbook = textbook or Textbook(office=office, created_by=actor)
    textbook.title, textbook.outline, textbook.status = title, outline, status
    textbook.publisher, textbook.published_on = (publisher or "").strip()[:200], published_on
    textbook.save()
    audit_record(actor=actor, event=Event.TEXTBOOK_SAVE, obj=textbook, detail={"status": status})
    return textbook


def _chapter_input(
    textbook: Textbook, order: int | None, title: str, assignee: Cadre | None, *, exclude: int | None = None
) -> tuple[int, str, Cadre]:
    errors: dict[str, str] = {}
    title = (title or "").strip()
    _check_title(title, errors)
    if order is None or not 1 <= order <= 999:
        errors["order"] = ERR_ORDER
    elif TextbookChapter.objects.filter(textbook=textbook, order=order).exclude(pk=exclude or 0).exists():
        errors["order"] = ERR_ORDER_TAKEN
    if assignee is None:
        errors["assignee"] = ERR_REQUIRED
    else:
        _check_members(textbook.office, [assignee], errors, "assignee")
    if errors or order is None or assignee is None:
        raise ValidationError(errors)
    return order, title, assignee


@transaction.atomic
def chapter_assign(
    *, actor: User, textbook: Textbook, order: int | None, title: str, assignee: Cadre | None
) -> TextbookChapter:
    _require(may_manage_office(actor, textbook.office_id), ERR_NOT_DIRECTOR)
    order, title, assignee = _chapter_input(textbook, order, title, assignee)
    chapter = TextbookChapter.objects.create(textbook=textbook, order=order, title=title, assignee=assignee)
    if textbook.status == TextbookStatus.OUTLINING:
        textbook.status = TextbookStatus.DRAFTING
        textbook.save(update_fields=["status"])
    audit_record(actor=actor, event=Event.TEXTBOOK_SAVE, obj=textbook, detail={"chapter": order})
    return chapter


@transaction.atomic
def chapter_update(
    *, actor: User, chapter: TextbookChapter, order: int | None, title: str, assignee: Cadre | None
) -> TextbookChapter:
    """Title, order and assignee; the draft and its review stay as they are."""
    book = chapter.textbook
    _require(may_manage_office(actor, book.office_id), ERR_NOT_DIRECTOR)
    order, title, assignee = _chapter_input(book, order, title, assignee, exclude=chapter.pk)
    before = {"order": chapter.order, "title": chapter.title, "assignee": chapter.assignee.employee_number}
    chapter.order, chapter.title, chapter.assignee = order, title, assignee
    chapter.save(update_fields=["order", "title", "assignee"])
    audit_record(
        actor=actor, event=Event.TEXTBOOK_SAVE, obj=book,
        detail={"chapter_update": chapter.pk, "before": before,
                "after": {"order": order, "title": title, "assignee": assignee.employee_number}},
    )  # fmt: skip
    return chapter


@transaction.atomic
def chapter_remove(*, actor: User, chapter: TextbookChapter) -> None:
    """Only a chapter nobody has written yet; a written one is renamed or reassigned instead."""
    book = chapter.textbook
    _require(may_manage_office(actor, book.office_id), ERR_NOT_DIRECTOR)
    if chapter.status != ChapterStatus.ASSIGNED or chapter.draft.strip():
        raise ValidationError({"chapter": ERR_CHAPTER_HAS_DRAFT})
    audit_record(
        actor=actor,
        event=Event.TEXTBOOK_SAVE,
        obj=book,
        detail={"chapter_remove": chapter.order, "title": chapter.title},
    )
    chapter.delete()


@transaction.atomic
def chapter_draft(*, actor: User, chapter: TextbookChapter, draft: str) -> TextbookChapter:
    _require(actor.cadre_id is not None and chapter.assignee_id == actor.cadre_id, ERR_NOT_ASSIGNEE)
    text = sanitise(draft)
    if not text.strip():
        raise ValidationError({"draft": ERR_REQUIRED})
    chapter.draft, chapter.status = text, ChapterStatus.DRAFTED
    chapter.save(update_fields=["draft", "status"])
    return chapter


@transaction.atomic
def chapter_review(*, actor: User, chapter: TextbookChapter, passed: bool, comment: str = "") -> TextbookChapter:
    _require(
        is_director(actor, chapter.textbook.office_id) or may_manage_office(actor, chapter.textbook.office_id),
        ERR_NOT_DIRECTOR,
    )
    if chapter.status == ChapterStatus.ASSIGNED:
        raise ValidationError({"status": ERR_NOT_DRAFTED})
    chapter.status = ChapterStatus.REVIEWED if passed else ChapterStatus.ASSIGNED
    chapter.review_comment = (comment or "").strip()
    chapter.save(update_fields=["status", "review_comment"])
    book = chapter.textbook
    if book.status == TextbookStatus.DRAFTING and not book.chapters.exclude(status=ChapterStatus.REVIEWED).exists():
        book.status = TextbookStatus.REVIEWING
        book.save(update_fields=["status"])
    audit_record(actor=actor, event=Event.TEXTBOOK_SAVE, obj=book, detail={"chapter": chapter.order, "passed": passed})
    return chapter
