from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peixun.offices import services_work as work
from peixun.offices.models_work import ChapterStatus, TextbookStatus, TopicStatus
from peixun.offices.selectors import office_dashboard, textbooks_visible, topics_visible
from peixun.training.tests.factories import ClassFactory, LectureFactory


@pytest.fixture
def topic(office_director, office, office_member):
    return work.topic_save(
        actor=office_director, office=office, title="新时代纪检监察干部培训需求调研", plan="问卷与座谈",
        members=[office_member.cadre],
    )  # fmt: skip


def test_the_director_sets_up_a_topic_and_its_members_keep_it(topic, office_member, office_director):
    work.milestone_add(actor=office_member, topic=topic, title="完成问卷", due_on=dt.date(2026, 6, 30))
    work.topic_report(actor=office_member, topic=topic, final_report="初步报告")
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        work.topic_report(actor=office_member, topic=topic, final_report="结题报告", conclude=True)
    work.topic_report(actor=office_director, topic=topic, final_report="结题报告", conclude=True)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.CONCLUDED


def test_a_member_of_another_office_cannot_touch_the_topic(topic, member_b, director_b, office):
    assert not topics_visible(actor=member_b).exists()
    with pytest.raises(PermissionDenied):
        work.milestone_add(actor=member_b, topic=topic, title="x", due_on=dt.date(2026, 6, 30))
    with pytest.raises(PermissionDenied):
        work.topic_save(actor=director_b, office=office, title="越权", plan="x")


def test_topic_members_must_belong_to_the_office(office_director, office, member_b):
    with pytest.raises(ValidationError) as exc:
        work.topic_save(actor=office_director, office=office, title="t", plan="p", members=[member_b.cadre])
    assert exc.value.message_dict["members"] == [work.ERR_MEMBERS]


def test_a_textbook_goes_from_outline_through_chapters_to_review(office_director, office, office_member, member_b):
    book = work.textbook_save(actor=office_director, office=office, title="纪检监察业务教程", outline="共十章")
    chapter = work.chapter_assign(
        actor=office_director, textbook=book, order=1, title="总论", assignee=office_member.cadre
    )
    book.refresh_from_db()
    assert book.status == TextbookStatus.DRAFTING
    with pytest.raises(PermissionDenied):
        work.chapter_draft(actor=office_director, chapter=chapter, draft="<p>不是执笔人</p>")
    work.chapter_draft(actor=office_member, chapter=chapter, draft="<p>初稿</p><script>x()</script>")
    chapter.refresh_from_db()
    assert chapter.draft == "<p>初稿</p>" and chapter.status == ChapterStatus.DRAFTED
    work.chapter_review(actor=office_director, chapter=chapter, passed=True, comment="通过")
    book.refresh_from_db()
    assert book.status == TextbookStatus.REVIEWING
    assert not textbooks_visible(actor=member_b).exists()
    with pytest.raises(ValidationError) as exc:
        work.textbook_save(
            actor=office_director, office=office, title="t", outline="o", status="published", textbook=book
        )
    assert exc.value.message_dict["published_on"] == [work.ERR_REQUIRED]


def test_the_dashboard_counts_classes_hours_topics_and_textbook_progress(office, office_director, office_member, topic):
    cls = ClassFactory(office=office)
    LectureFactory(
        training_class=cls,
        teacher=office_member,
        teacher_name="",
        duration_minutes=90,
        starts_at=timezone.now().replace(microsecond=0),
    )
    book = work.textbook_save(actor=office_director, office=office, title="教程", outline="o")
    work.chapter_assign(actor=office_director, textbook=book, order=1, title="一", assignee=office_member.cadre)
    work.chapter_assign(actor=office_director, textbook=book, order=2, title="二", assignee=office_member.cadre)
    from peixun.exams.models import Question

    Question.objects.create(office=office, qtype="true_false", stem="纪法贯通是否必要", answer=True)
    board = office_dashboard(office)
    assert board["classes_run"] == 1
    assert [(h["name"], str(h["hours"])) for h in board["member_hours"]] == [(office_member.cadre.name, "1.5")]
    assert board["topics_in_progress"] == 1
    assert [(t["done"], t["total"]) for t in board["textbooks"]] == [(0, 2)]
    assert board["questions"]["total"] == 1 and ("草稿", 1) in board["questions"]["by_status"]
