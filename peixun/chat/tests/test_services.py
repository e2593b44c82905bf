from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.models import AuditEvent
from peixun.chat import conf, services
from peixun.chat.models import ChatEvent, ChatMessage, ChatRoom, RoomMode
from peixun.chat.selectors import question_frames, room_role, room_snapshot
from peixun.chat.services import (
    message_delete,
    message_send,
    participant_mute,
    question_answer,
    question_mark,
    question_vote,
    room_open,
    room_set_mode,
    word_add,
)
from peixun.org.tests.factories import cadre_user


def send(user, room, cid, text="你好", **kw):
    return message_send(actor=user, room=room, client_msg_id=cid, text=text, **kw)


def frames(room):
    return [json.loads(f) for f in ChatEvent.objects.filter(room=room).order_by("seq").values_list("frame", flat=True)]


def test_each_message_gets_the_next_sequence_number_of_its_room(room, trainee_a1, trainee_b1):
    seqs = [send(u, room, f"c{i}").message.seq for i, u in enumerate([trainee_a1, trainee_b1, trainee_a1])]
    assert seqs == [1, 2, 3]
    room.refresh_from_db()
    assert room.last_seq == 3
    assert [f["seq"] for f in frames(room)] == [1, 2, 3]


def test_a_retried_send_is_stored_once(room, trainee_a1):
    first = send(trainee_a1, room, "same-id", "第一次")
    again = send(trainee_a1, room, "same-id", "第一次")
    assert first.created and not again.created
    assert again.message.pk == first.message.pk
    assert ChatMessage.objects.filter(room=room).count() == 1
    assert ChatRoom.objects.get(pk=room.pk).last_seq == 1


def test_two_people_may_use_the_same_client_id(room, trainee_a1, trainee_b1):
    send(trainee_a1, room, "x1")
    send(trainee_b1, room, "x1")
    assert ChatMessage.objects.filter(room=room).count() == 2


def test_someone_outside_the_class_is_refused(room, lecture, tree, venue_operator_a1):
    outsider = cadre_user(unit=tree.county_a2, name="未报名学员")
    for user in (outsider, venue_operator_a1):
        assert room_role(actor=user, room=room) is None
        with pytest.raises(PermissionDenied, match=services.ERR_NOT_IN_ROOM):
            send(user, room, "c1")
        with pytest.raises(PermissionDenied):
            room_open(actor=user, lecture=lecture)
    assert not ChatMessage.objects.exists()


def test_roles_in_the_room(room, teacher, org_admin, office_director, trainee_a1, county_a1_admin):
    assert room_role(actor=teacher, room=room) == "host"
    assert room_role(actor=org_admin, room=room) == "host"
    assert room_role(actor=office_director, room=room) == "host"
    assert room_role(actor=trainee_a1, room=room) == "participant"
    # A unit admin whose county sends a trainee to the class may follow its room.
    assert room_role(actor=county_a1_admin, room=room) == "participant"


def test_text_is_checked(room, trainee_a1):
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "c1", "   ")
    assert exc.value.message_dict == {"text": [services.ERR_EMPTY]}
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "c2", "字" * (conf.MAX_TEXT_LEN + 1))
    assert exc.value.message_dict == {"text": [services.ERR_TOO_LONG]}
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "bad id!", "好")
    assert exc.value.message_dict == {"client_id": [services.ERR_CLIENT_ID]}
    # Emoji stay; control characters go.
    msg = send(trainee_a1, room, "c3", "赞👍\x00\x1b").message
    assert msg.text == "赞👍"
    assert ChatMessage.objects.count() == 1


def test_the_rate_limit_allows_a_burst_of_five_then_says_why(room, trainee_a1, trainee_b1):
    for i in range(conf.RATE_BURST):
        send(trainee_a1, room, f"c{i}")
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "c-over")
    assert exc.value.message_dict == {"rate": [services.ERR_RATE.format(wait=1)]}
    # A retry of a stored message is not a new send, and others are not limited by it.
    assert not send(trainee_a1, room, "c0").created
    assert send(trainee_b1, room, "b0").created
    assert ChatMessage.objects.count() == conf.RATE_BURST + 1


def test_a_muted_trainee_is_refused_and_the_mute_is_audited(room, teacher, trainee_a1, trainee_b1):
    with pytest.raises(PermissionDenied, match=services.ERR_NOT_HOST):
        participant_mute(actor=trainee_b1, room=room, user_id=trainee_a1.pk, minutes=5)
    with pytest.raises(ValidationError) as exc:
        participant_mute(actor=teacher, room=room, user_id=trainee_a1.pk, minutes=0)
    assert exc.value.message_dict == {"minutes": [services.ERR_MUTE_MINUTES]}
    participant_mute(actor=teacher, room=room, user_id=trainee_a1.pk, minutes=10)
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "c1")
    assert exc.value.message_dict["text"][0].startswith("您已被主持人禁言至")
    assert send(trainee_b1, room, "c1").created
    assert AuditEvent.objects.filter(event="chat.mute", actor_id=teacher.pk).count() == 1


def test_a_closed_or_questions_only_room_limits_participants_not_hosts(room, teacher, trainee_a1):
    room_set_mode(actor=teacher, room=room, mode=RoomMode.QUESTIONS_ONLY)
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "c1")
    assert exc.value.message_dict == {"text": [services.ERR_QUESTIONS_ONLY]}
    assert send(trainee_a1, room, "c2", "请问老师", question=True).created
    room_set_mode(actor=teacher, room=room, mode=RoomMode.CLOSED)
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "c3", "还能问吗", question=True)
    assert exc.value.message_dict == {"text": [services.ERR_CLOSED]}
    assert send(teacher, room, "t1", "今天到此结束").created
    with pytest.raises(PermissionDenied):
        room_set_mode(actor=trainee_a1, room=room, mode=RoomMode.OPEN)
    with pytest.raises(ValidationError):
        room_set_mode(actor=teacher, room=room, mode="party")
    kinds = [f["kind"] for f in frames(room)]
    assert kinds == ["mode", "message", "question", "mode", "message"]
    assert AuditEvent.objects.filter(event="chat.mode").count() == 2


def test_sensitive_words_block_or_mask(room, teacher, org_admin, trainee_a1):
    word_add(actor=teacher, room=room, word="赌博", action="block")
    word_add(actor=org_admin, room=None, word="SB", action="mask")
    with pytest.raises(PermissionDenied, match=services.ERR_NOT_ORG_ADMIN):
        word_add(actor=teacher, room=None, word="x", action="mask")
    with pytest.raises(ValidationError) as exc:
        word_add(actor=teacher, room=room, word="赌博", action="mask")
    assert exc.value.message_dict == {"word": [services.ERR_WORD_EXISTS]}
    with pytest.raises(ValidationError) as exc:
        send(trainee_a1, room, "c1", "谁去赌博")
    assert exc.value.message_dict == {"text": [services.ERR_BLOCKED_WORD.format(word="赌博")]}
    msg = send(trainee_a1, room, "c2", "你是sb吗").message
    assert msg.text == "你是**吗"
    assert AuditEvent.objects.filter(event="chat.word_add").count() == 2


def test_questions_are_voted_answered_and_sorted(room, teacher, trainee_a1, trainee_b1, county_a1_admin):
    q1 = send(trainee_a1, room, "a1", "第一个问题", question=True).message
    plain = send(trainee_b1, room, "b1", "第二个问题").message
    with pytest.raises(PermissionDenied, match=services.ERR_NOT_YOURS):
        question_mark(actor=trainee_a1, room=room, seq=plain.seq)
    question_mark(actor=trainee_b1, room=room, seq=plain.seq)
    question_vote(actor=trainee_a1, room=room, seq=plain.seq)
    question_vote(actor=county_a1_admin, room=room, seq=plain.seq)
    with pytest.raises(ValidationError) as exc:
        question_vote(actor=trainee_a1, room=room, seq=plain.seq)
    assert exc.value.message_dict == {"seq": [services.ERR_ALREADY_VOTED]}
    with pytest.raises(ValidationError) as exc:
        question_vote(actor=trainee_a1, room=room, seq=q1.seq)
    assert exc.value.message_dict == {"seq": [services.ERR_OWN_QUESTION]}
    ordered = [json.loads(f)["q"] for f in question_frames(room=room)]
    assert [(q["seq"], q["votes"]) for q in ordered] == [(plain.seq, 2), (q1.seq, 0)]
    with pytest.raises(PermissionDenied):
        question_answer(actor=trainee_b1, room=room, seq=q1.seq, answer="我来答")
    question_answer(actor=teacher, room=room, seq=q1.seq, answer="见讲义第三章")
    answered = frames(room)[-1]["q"]
    assert (answered["seq"], answered["answered"], answered["answer"]) == (q1.seq, True, "见讲义第三章")


def test_deleting_a_message_takes_its_text_out_of_every_stored_frame(room, teacher, trainee_a1):
    msg = send(trainee_a1, room, "a1", "不当言论", question=True).message
    with pytest.raises(PermissionDenied):
        message_delete(actor=trainee_a1, room=room, seq=msg.seq)
    message_delete(actor=teacher, room=room, seq=msg.seq)
    stored = "".join(ChatEvent.objects.filter(room=room).values_list("frame", flat=True))
    assert "不当言论" not in stored
    assert frames(room)[-1] == {"type": "event", "seq": 3, "kind": "delete", "target": msg.seq}
    assert question_frames(room=room) == []
    audit = AuditEvent.objects.get(event="chat.message_delete")
    assert audit.actor_id == teacher.pk and audit.detail["text"] == "不当言论"
    with pytest.raises(ValidationError):
        message_delete(actor=teacher, room=room, seq=msg.seq)


def test_a_snapshot_resumes_with_exactly_the_missed_events_or_asks_to_reload(room, trainee_a1, monkeypatch):
    monkeypatch.setattr(conf, "RATE_BURST", 100)
    for i in range(8):
        send(trainee_a1, room, f"c{i}", f"消息{i}")
    snap = room_snapshot(room=room, last_seq=5)
    assert snap.kind == "resume" and snap.last_seq == 8
    assert [json.loads(f)["seq"] for f in snap.frames] == [6, 7, 8]
    assert room_snapshot(room=room, last_seq=8).frames == []
    fresh = room_snapshot(room=room, last_seq=None)
    assert fresh.kind == "history" and [json.loads(f)["seq"] for f in fresh.frames] == list(range(1, 9))
    monkeypatch.setattr(conf, "RESUME_LIMIT", 2)
    assert room_snapshot(room=room, last_seq=5).kind == "reload"
    assert room_snapshot(room=room, last_seq=99).kind == "reload"
