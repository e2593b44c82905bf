"""The chat's JSON API: the same services as the websocket, scoped, with one error shape."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from peixun.audit.models import AuditEvent
from peixun.chat import conf, services
from peixun.chat.models import ChatEvent, ChatMessage, ChatRoom
from peixun.chat.services import message_send
from peixun.org.tests.factories import cadre_user

API = "/api/chat/rooms/{}/"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def api(client_of, lecture):
    def make(user):
        client = client_of(user)
        client.base = API.format(lecture.pk)
        return client

    return make


def test_a_participant_reads_the_room_and_sends_a_message_once(api, lecture, trainee_a1):
    a = api(trainee_a1)
    room = a.get(a.base).json()
    assert room == {"lecture": lecture.pk, "topic": lecture.topic, "mode": "open", "last_seq": 0, "role": "participant"}
    first = post(a, a.base + "messages/", {"client_id": "api-1", "text": "接口发言 👋"})
    assert first.status_code == 201
    assert first.json()["seq"] == 1 and first.json()["duplicate"] is False
    assert first.json()["message"]["text"] == "接口发言 👋"
    again = post(a, a.base + "messages/", {"client_id": "api-1", "text": "接口发言 👋"})
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["seq"] == 1
    assert ChatMessage.objects.count() == 1
    # The websocket clients get the same stored frame.
    assert json.loads(ChatEvent.objects.get(seq=1).frame)["msg"]["text"] == "接口发言 👋"


def test_history_is_paged_by_sequence_number(api, room, trainee_a1, trainee_b1, monkeypatch):
    monkeypatch.setattr(conf, "RATE_BURST", 1000)
    for i in range(7):
        message_send(actor=trainee_a1, room=room, client_msg_id=f"h{i}", text=f"历史{i}")
    b = api(trainee_b1)
    latest = b.get(b.base + "messages/", {"limit": 3}).json()
    assert [m["text"] for m in latest["results"]] == ["历史4", "历史5", "历史6"]
    assert latest["has_more"] is True and latest["next_before"] == 5
    older = b.get(b.base + "messages/", {"limit": 3, "before": latest["next_before"]}).json()
    assert [m["seq"] for m in older["results"]] == [2, 3, 4]
    oldest = b.get(b.base + "messages/", {"limit": 3, "before": older["next_before"]}).json()
    assert [m["seq"] for m in oldest["results"]] == [1] and oldest["has_more"] is False
    assert oldest["next_before"] is None
    after = b.get(b.base + "messages/", {"after": 5}).json()
    assert [m["seq"] for m in after["results"]] == [6, 7] and after["has_more"] is False
    bad = b.get(b.base + "messages/", {"before": "x"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_questions_votes_and_answers_go_through_the_services(api, trainee_a1, trainee_b1, teacher):
    a, b, t = api(trainee_a1), api(trainee_b1), api(teacher)
    seq = post(a, a.base + "messages/", {"client_id": "q1", "text": "老师，请问？", "question": True}).json()["seq"]
    post(b, b.base + "messages/", {"client_id": "q2", "text": "普通发言"})
    own = post(a, a.base + f"questions/{seq}/vote/", {}).json()["error"]
    assert own["fields"] == {"seq": [services.ERR_OWN_QUESTION]}
    voted = post(b, b.base + f"questions/{seq}/vote/", {})
    assert voted.status_code == 200 and voted.json()["votes"] == 1
    again = post(b, b.base + f"questions/{seq}/vote/", {})
    assert again.status_code == 400
    assert again.json()["error"] == {
        "code": "invalid",
        "message": "提交的数据有误",
        "fields": {"seq": [services.ERR_ALREADY_VOTED]},
    }
    refused = post(b, b.base + f"questions/{seq}/answer/", {"answer": "我来答"})
    assert refused.status_code == 403 and refused.json()["error"]["message"] == services.ERR_NOT_HOST
    answered = post(t, t.base + f"questions/{seq}/answer/", {"answer": "课后看讲义"})
    assert answered.json()["answered"] is True and answered.json()["answer"] == "课后看讲义"
    listed = b.get(b.base + "questions/").json()
    assert [(q["seq"], q["votes"], q["answered"]) for q in listed] == [(seq, 1, True)]
    # A host turns someone else's message into a question; a participant cannot.
    other = ChatMessage.objects.get(client_msg_id="q2").seq
    assert post(a, a.base + f"messages/{other}/question/", {}).status_code == 403
    assert post(t, t.base + f"messages/{other}/question/", {}).json()["seq"] == other


def test_the_host_moderates_through_the_api_and_it_is_audited(api, trainee_a1, teacher):
    a, t = api(trainee_a1), api(teacher)
    seq = post(a, a.base + "messages/", {"client_id": "m1", "text": "不当言论"}).json()["seq"]
    assert a.delete(a.base + f"messages/{seq}/").status_code == 403
    gone = t.delete(t.base + f"messages/{seq}/")
    assert gone.status_code == 200 and gone.json()["deleted"] is True and gone.json()["text"] == ""
    assert t.get(t.base + "messages/").json()["results"][0]["text"] == ""
    muted = post(t, t.base + "mute/", {"user": trainee_a1.pk, "minutes": 5})
    assert muted.status_code == 200 and muted.json()["user"] == trainee_a1.pk
    refused = post(a, a.base + "messages/", {"client_id": "m2", "text": "还想说"})
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["text"][0].startswith("您已被主持人禁言至")
    bad_minutes = post(t, t.base + "mute/", {"user": trainee_a1.pk, "minutes": 0})
    assert bad_minutes.json()["error"]["fields"] == {"minutes": [services.ERR_MUTE_MINUTES]}
    assert post(t, t.base + "mode/", {"mode": "nonsense"}).json()["error"]["fields"] == {"mode": [services.ERR_MODE]}
    closed = post(t, t.base + "mode/", {"mode": "closed"})
    assert closed.json()["mode"] == "closed"
    assert ChatRoom.objects.get().mode == "closed"
    assert post(a, a.base + "mode/", {"mode": "open"}).status_code == 403
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"chat.message_delete", "chat.mute", "chat.mode"} <= events


def test_the_rate_limit_answers_429_with_the_reason(api, trainee_a1):
    a = api(trainee_a1)
    codes = [post(a, a.base + "messages/", {"client_id": f"r{i}", "text": "快"}).status_code for i in range(6)]
    assert codes == [201] * 5 + [429]
    last = post(a, a.base + "messages/", {"client_id": "r9", "text": "快"}).json()
    assert last == {"error": {"code": "rate_limited", "message": services.ERR_RATE.format(wait=1)}}
    assert ChatMessage.objects.count() == 5


def test_bad_input_gets_field_errors_and_changes_nothing(api, trainee_a1):
    a = api(trainee_a1)
    missing = post(a, a.base + "messages/", {"text": "没有编号"})
    assert missing.status_code == 400 and "client_id" in missing.json()["error"]["fields"]
    empty = post(a, a.base + "messages/", {"client_id": "e1", "text": "   "})
    assert empty.json()["error"]["fields"] == {"text": [services.ERR_EMPTY]}
    bad_id = post(a, a.base + "messages/", {"client_id": "含空格 的编号", "text": "内容"})
    assert bad_id.json()["error"]["fields"] == {"client_id": [services.ERR_CLIENT_ID]}
    assert not ChatMessage.objects.exists()


def test_outsiders_get_404_and_only_hosts_export(api, lecture, tree, trainee_a1, teacher):
    outsider = api(cadre_user(unit=tree.county_a2))
    for url in ("", "messages/", "questions/", "export/"):
        response = outsider.get(outsider.base + url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api(trainee_a1).get(API.format(lecture.pk) + "export/").status_code == 403
    post(api(trainee_a1), API.format(lecture.pk) + "messages/", {"client_id": "x1", "text": "导出我"})
    response = api(teacher).get(API.format(lecture.pk) + "export/")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert [r[3] for r in book["互动消息"].iter_rows(values_only=True)] == ["内容", "导出我"]


def test_the_api_is_documented_in_the_schema(client_of, org_admin):
    schema = client_of(org_admin).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/chat/rooms/{lecture_id}/messages/",
        "/api/chat/rooms/{lecture_id}/questions/{seq}/vote/",
        "/api/chat/rooms/{lecture_id}/mute/",
        "/api/chat/rooms/{lecture_id}/export/",
    ):
        assert path in schema


def test_the_host_hands_the_export_to_the_library_through_the_api(api, trainee_a1, teacher):
    post(api(trainee_a1), api(trainee_a1).base + "messages/", {"client_id": "x1", "text": "记录我"})
    assert post(api(trainee_a1), api(trainee_a1).base + "export/library/", {}).status_code == 403
    done = post(api(teacher), api(teacher).base + "export/library/", {})
    assert done.status_code == 201 and done.json()["version"] == 1 and done.json()["title"] == "课堂互动记录"
