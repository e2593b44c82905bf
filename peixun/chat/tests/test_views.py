from __future__ import annotations

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from peixun.audit.models import AuditEvent
from peixun.chat.models import SensitiveWord
from peixun.chat.services import message_delete, message_send, question_answer, question_vote
from peixun.org.tests.factories import cadre_user


def test_the_lecture_page_hosts_the_chat_component(client_of, lecture, trainee_a1, teacher):
    page = client_of(trainee_a1).get(reverse("chat:lecture_room", args=[lecture.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-lecture="{lecture.pk}"' in body and 'data-role="participant"' in body
    assert "js/chat.js" in body and "导出Excel" not in body
    host_page = client_of(teacher).get(reverse("chat:lecture_room", args=[lecture.pk])).content.decode()
    assert 'data-role="host"' in host_page and "导出Excel" in host_page


def test_someone_outside_the_class_gets_no_page(client_of, lecture, tree):
    outsider = cadre_user(unit=tree.county_a2)
    assert client_of(outsider).get(reverse("chat:lecture_room", args=[lecture.pk])).status_code == 404
    assert client_of(outsider).get(reverse("chat:export", args=[lecture.pk])).status_code == 404


def test_the_host_exports_the_chat_and_the_questions(client_of, room, lecture, teacher, trainee_a1, trainee_b1):
    message_send(actor=trainee_a1, room=room, client_msg_id="a1", text="老师好")
    q = message_send(actor=trainee_b1, room=room, client_msg_id="b1", text='=HYPERLINK("x")', question=True)
    gone = message_send(actor=trainee_a1, room=room, client_msg_id="a2", text="要删的话").message
    question_vote(actor=trainee_a1, room=room, seq=q.message.seq)
    question_answer(actor=teacher, room=room, seq=q.message.seq, answer="课后答复")
    message_delete(actor=teacher, room=room, seq=gone.seq)
    assert client_of(trainee_a1).get(reverse("chat:export", args=[lecture.pk])).status_code == 403
    response = client_of(teacher).get(reverse("chat:export", args=[lecture.pk]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    rows = [list(r) for r in book["互动消息"].iter_rows(values_only=True)]
    assert [r[3] for r in rows] == ["内容", "老师好", '\'=HYPERLINK("x")', None]
    assert rows[3][5] == "已删除"
    questions = [list(r) for r in book["提问"].iter_rows(values_only=True)]
    assert questions[1][4:7] == [1, "是", "课后答复"]
    assert AuditEvent.objects.filter(event="export", actor_id=teacher.pk).count() == 1


def test_a_host_keeps_the_room_word_list(client_of, lecture, teacher):
    client = client_of(teacher)
    url = reverse("chat:words", args=[lecture.pk])
    assert client.post(url, {"word": "违规词", "action": "block"}).status_code == 302
    bad = client.post(url, {"word": "", "action": "block"}, follow=True)
    assert "敏感词应为1至50个字" in bad.content.decode()
    word = SensitiveWord.objects.get(word="违规词")
    assert word.room.lecture_id == lecture.pk
    assert client.post(reverse("chat:word_remove", args=[lecture.pk, word.pk])).status_code == 302
    assert not SensitiveWord.objects.exists()
    assert sorted(AuditEvent.objects.filter(event__startswith="chat.word").values_list("event", flat=True)) == [
        "chat.word_add",
        "chat.word_remove",
    ]


BARE_PAGE = (
    "<!doctype html><html><head><title>直播</title></head><body><main><div class=player></div>"
    '{% include "chat/_room.html" with lecture=lecture %}'
    "</main></body></html>"
)


def render_bare(user, lecture):
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/live/")
    request.user = user
    return engines["django"].from_string(BARE_PAGE).render({"lecture": lecture}, request)


def test_the_component_included_with_only_the_lecture_works_in_a_bare_page(lecture, trainee_a1, teacher):
    page = render_bare(trainee_a1, lecture)
    assert f'data-lecture="{lecture.pk}"' in page and 'data-role="participant"' in page
    assert f'data-me="{trainee_a1.pk}"' in page and 'maxlength="500"' in page
    assert "js/chat.js" in page and "导出Excel" not in page
    host = render_bare(teacher, lecture)
    assert 'data-role="host"' in host and f"/chat/lectures/{lecture.pk}/export/" in host


def test_the_included_component_shows_an_outsider_only_a_notice(lecture, tree):
    outsider = cadre_user(unit=tree.county_a2)
    page = render_bare(outsider, lecture)
    assert "不能参与在线互动" in page
    assert "data-chat-room" not in page and "js/chat.js" not in page


def test_the_host_hands_the_export_to_the_lectures_handouts(client_of, room, lecture, teacher, trainee_a1):
    from peixun.library.models import HandoutFile

    message_send(actor=trainee_a1, room=room, client_msg_id="a1", text="课堂发言")
    url = reverse("chat:export_submit", args=[lecture.pk])
    assert client_of(trainee_a1).post(url).status_code == 403
    assert client_of(teacher).post(url).status_code == 302
    assert client_of(teacher).post(url).status_code == 302
    files = HandoutFile.objects.filter(handout__lecture=lecture).order_by("version")
    assert [(f.handout.title, f.version, f.kind) for f in files] == [
        ("课堂互动记录", 1, "xlsx"),
        ("课堂互动记录", 2, "xlsx"),
    ]
    assert AuditEvent.objects.filter(event="library.handout_upload", actor_id=teacher.pk).count() == 2
