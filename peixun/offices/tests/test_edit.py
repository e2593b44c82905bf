"""Edit forms of topics, milestones, textbooks and chapters: services first, then the htmx pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.offices import services_work as work
from peixun.offices.models_work import ResearchTopic, Textbook, TextbookChapter, TopicMilestone

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def topic(office_director, office, office_member):
    return work.topic_save(
        actor=office_director,
        office=office,
        title="纪检监察干部培训需求调研",
        plan="问卷",
        members=[office_member.cadre],
    )


@pytest.fixture
def milestone(topic, office_member):
    return work.milestone_add(actor=office_member, topic=topic, title="发放问卷", due_on=dt.date(2026, 6, 30))


@pytest.fixture
def book(office_director, office):
    return work.textbook_save(actor=office_director, office=office, title="纪检监察业务教程", outline="共十章")


@pytest.fixture
def chapter(book, office_director, office_member):
    return work.chapter_assign(
        actor=office_director, textbook=book, order=1, title="总论", assignee=office_member.cadre
    )


# --- Services ----------------------------------------------------------------------------------------------


def test_a_topic_member_edits_and_removes_a_milestone_and_both_are_audited(milestone, office_member):
    work.milestone_update(actor=office_member, milestone=milestone, title="回收问卷", due_on=dt.date(2026, 7, 15))
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_on) == ("回收问卷", dt.date(2026, 7, 15))
    work.milestone_remove(actor=office_member, milestone=milestone)
    assert not TopicMilestone.objects.exists()
    details = list(AuditEvent.objects.filter(event=Event.RESEARCH_TOPIC_SAVE).values_list("detail", flat=True))
    assert any("milestone_update" in d for d in details) and any("milestone_remove" in d for d in details)


def test_a_milestone_edit_refuses_an_empty_title_and_a_missing_date(milestone, office_member):
    with pytest.raises(ValidationError) as exc:
        work.milestone_update(actor=office_member, milestone=milestone, title=" ", due_on=None)
    assert exc.value.message_dict == {"title": [work.ERR_REQUIRED], "due_on": [work.ERR_DATE]}
    milestone.refresh_from_db()
    assert milestone.title == "发放问卷"


def test_someone_outside_the_topic_may_not_edit_its_milestones(milestone, member_b, trainee_a1):
    for actor in (member_b, trainee_a1):
        with pytest.raises(PermissionDenied):
            work.milestone_update(actor=actor, milestone=milestone, title="越权", due_on=dt.date(2026, 1, 1))
        with pytest.raises(PermissionDenied):
            work.milestone_remove(actor=actor, milestone=milestone)
    assert TopicMilestone.objects.get().title == "发放问卷"


def test_a_topic_cannot_be_concluded_by_editing_before_its_report(topic, office_director, office):
    with pytest.raises(ValidationError) as exc:
        work.topic_save(
            actor=office_director, office=office, title=topic.title, plan="p", status="concluded", topic=topic
        )
    assert exc.value.message_dict == {"status": [work.ERR_CONCLUDE_REPORT]}


def test_an_overlong_title_is_refused_rather_than_cut(office_director, office):
    with pytest.raises(ValidationError) as exc:
        work.textbook_save(actor=office_director, office=office, title="长" * 201, outline="o")
    assert exc.value.message_dict == {"title": [work.ERR_TITLE_LONG]}
    assert not Textbook.objects.exists()


def test_the_director_renumbers_renames_and_reassigns_a_chapter(chapter, office_director, office, author):
    work.chapter_update(actor=office_director, chapter=chapter, order=3, title="总则", assignee=author.cadre)
    chapter.refresh_from_db()
    assert (chapter.order, chapter.title, chapter.assignee) == (3, "总则", author.cadre)
    record = AuditEvent.objects.filter(event=Event.TEXTBOOK_SAVE).order_by("-id").first()
    assert record.detail["before"]["title"] == "总论" and record.detail["after"]["order"] == 3


def test_a_chapter_edit_refuses_a_taken_order_a_bad_order_and_an_outsider(chapter, book, office_director, member_b):
    work.chapter_assign(actor=office_director, textbook=book, order=2, title="二", assignee=chapter.assignee)
    cases = [
        (2, chapter.assignee, {"order": [work.ERR_ORDER_TAKEN]}),
        (0, chapter.assignee, {"order": [work.ERR_ORDER]}),
        (None, None, {"order": [work.ERR_ORDER], "assignee": [work.ERR_REQUIRED]}),
        (5, member_b.cadre, {"assignee": [work.ERR_MEMBERS]}),
    ]
    for order, assignee, expected in cases:
        with pytest.raises(ValidationError) as exc:
            work.chapter_update(actor=office_director, chapter=chapter, order=order, title="x", assignee=assignee)
        assert exc.value.message_dict == expected
    chapter.refresh_from_db()
    assert (chapter.order, chapter.title) == (1, "总论")


def test_keeping_the_same_order_is_not_a_clash(chapter, office_director):
    work.chapter_update(
        actor=office_director, chapter=chapter, order=1, title="总论（修订）", assignee=chapter.assignee
    )
    chapter.refresh_from_db()
    assert chapter.title == "总论（修订）"


def test_a_written_chapter_cannot_be_removed_but_an_empty_one_can(chapter, book, office_director, office_member):
    work.chapter_draft(actor=office_member, chapter=chapter, draft="<p>初稿</p>")
    with pytest.raises(ValidationError) as exc:
        work.chapter_remove(actor=office_director, chapter=chapter)
    assert exc.value.message_dict == {"chapter": [work.ERR_CHAPTER_HAS_DRAFT]}
    empty = work.chapter_assign(actor=office_director, textbook=book, order=2, title="二", assignee=office_member.cadre)
    work.chapter_remove(actor=office_director, chapter=empty)
    assert list(TextbookChapter.objects.values_list("title", flat=True)) == ["总论"]


def test_a_member_may_not_edit_or_remove_chapters(chapter, office_member, director_b):
    for actor in (office_member, director_b):
        with pytest.raises(PermissionDenied):
            work.chapter_update(actor=actor, chapter=chapter, order=1, title="x", assignee=chapter.assignee)
        with pytest.raises(PermissionDenied):
            work.chapter_remove(actor=actor, chapter=chapter)


# --- Pages -------------------------------------------------------------------------------------------------


def test_the_topic_edit_form_opens_prefilled_in_place(client_of, office_director, topic, office_member):
    body = client_of(office_director).get(f"/offices/topics/{topic.pk}/edit/", **HX).content.decode()
    assert "<html" not in body and 'value="纪检监察干部培训需求调研"' in body
    assert f'value="{office_member.cadre_id}" checked' in body


def test_a_refused_topic_edit_comes_back_in_place_with_the_message_and_changes_nothing(
    client_of, office_director, topic
):
    response = client_of(office_director).post(
        f"/offices/topics/{topic.pk}/edit/", {"title": "", "plan": "新计划", "status": "in_progress"}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200 and work.ERR_REQUIRED in body and "新计划" in body
    topic.refresh_from_db()
    assert topic.plan == "问卷"


def test_a_saved_topic_edit_redirects_through_htmx(client_of, office_director, topic, office_member):
    response = client_of(office_director).post(
        f"/offices/topics/{topic.pk}/edit/",
        {"title": "培训需求调研（修订）", "plan": "问卷与座谈", "status": "in_progress"},
        **HX,
    )
    assert response.status_code == 204 and response["HX-Redirect"] == f"/offices/topics/{topic.pk}/"
    topic = ResearchTopic.objects.get(pk=topic.pk)
    assert (topic.title, topic.status, list(topic.members.all())) == ("培训需求调研（修订）", "in_progress", [])


def test_the_edit_pages_work_without_htmx(client_of, office_director, topic, book):
    client = client_of(office_director)
    page = client.get(f"/offices/topics/{topic.pk}/edit/").content.decode()
    assert "<html" in page and "编辑课题" in page
    response = client.post(
        f"/offices/textbooks/{book.pk}/edit/", {"title": "教程", "outline": "十二章", "status": "outlining"}
    )
    assert response.status_code == 302
    book.refresh_from_db()
    assert book.outline == "十二章"


def test_a_topic_member_may_not_open_the_topic_edit_form(client_of, office_member, topic):
    assert client_of(office_member).get(f"/offices/topics/{topic.pk}/edit/").status_code == 403


def test_a_milestone_row_turns_into_inputs_and_back(client_of, office_member, milestone):
    client = client_of(office_member)
    url = f"/offices/milestones/{milestone.pk}/edit/"
    editing = client.get(url, **HX).content.decode()
    assert editing.startswith("<tr") and 'value="2026-06-30"' in editing
    refused = client.post(url, {"title": "回收问卷", "due_on": "2026-13-40"}, **HX).content.decode()
    assert work.ERR_DATE in refused and 'value="回收问卷"' in refused
    saved = client.post(url, {"title": "回收问卷", "due_on": "2026-07-15"}, **HX).content.decode()
    assert "回收问卷" in saved and "2026-07-15" in saved and "<input" not in saved.split("</form>")[-1]
    assert client.post(f"/offices/milestones/{milestone.pk}/remove/", **HX).content == b""
    assert not TopicMilestone.objects.exists()


def test_a_refused_textbook_edit_names_the_field_in_chinese(client_of, office_director, book):
    response = client_of(office_director).post(
        f"/offices/textbooks/{book.pk}/edit/",
        {"title": "教程", "outline": "o", "status": "published", "published_on": "明天"},
        **HX,
    )
    assert work.ERR_DATE in response.content.decode()
    book.refresh_from_db()
    assert book.status == "outlining"


def test_a_chapter_is_edited_in_place_and_removed_through_htmx(client_of, office_director, chapter, book):
    client = client_of(office_director)
    url = f"/offices/chapters/{chapter.pk}/edit/"
    refused = client.post(url, {"order": "abc", "title": "总论", "assignee": chapter.assignee_id}, **HX)
    assert work.ERR_ORDER in refused.content.decode()
    saved = client.post(url, {"order": "2", "title": "总论", "assignee": chapter.assignee_id}, **HX)
    assert saved["HX-Redirect"] == f"/offices/textbooks/{book.pk}/#c{chapter.pk}"
    removed = client.post(f"/offices/chapters/{chapter.pk}/remove/", **HX)
    assert removed["HX-Redirect"] == f"/offices/textbooks/{book.pk}/"
    assert not TextbookChapter.objects.exists()


def test_another_office_gets_404_for_the_edit_pages(client_of, member_b, topic, milestone, book, chapter):
    client = client_of(member_b)
    for url in (
        f"/offices/topics/{topic.pk}/edit/",
        f"/offices/milestones/{milestone.pk}/edit/",
        f"/offices/textbooks/{book.pk}/edit/",
        f"/offices/chapters/{chapter.pk}/edit/",
    ):
        assert client.get(url).status_code == 404


def test_a_refused_new_topic_keeps_what_was_typed_and_creates_nothing(
    client_of, office_director, office, office_member
):
    response = client_of(office_director).post(
        f"/offices/{office.pk}/topics/new/", {"title": "", "plan": "走访十个县区", "members": [office_member.cadre_id]}
    )
    body = response.content.decode()
    assert response.status_code == 200 and work.ERR_REQUIRED in body
    assert "走访十个县区" in body and f'value="{office_member.cadre_id}" checked' in body
    assert not ResearchTopic.objects.exists()


def test_a_new_textbook_is_created_through_htmx(client_of, office_director, office):
    response = client_of(office_director).post(
        f"/offices/{office.pk}/textbooks/new/", {"title": "案件审理实务", "outline": "共八章"}, **HX
    )
    book = Textbook.objects.get()
    assert response.status_code == 204 and response["HX-Redirect"] == f"/offices/textbooks/{book.pk}/"
    assert (book.title, book.status) == ("案件审理实务", "outlining")
