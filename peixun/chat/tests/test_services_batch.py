"""Group commit: queued sends of a room stored in one transaction, each checked as a single send is."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from peixun.chat import conf, services
from peixun.chat.models import ChatEvent, ChatMessage, ChatQuestion, ChatRoom, SensitiveWord
from peixun.chat.services import SendResult, message_send, participant_mute
from peixun.chat.services_batch import QueuedSend, message_send_many
from peixun.org.tests.factories import cadre_user


def frames(room):
    return [json.loads(f) for f in ChatEvent.objects.filter(room=room).order_by("seq").values_list("frame", flat=True)]


def test_a_batch_takes_consecutive_numbers_in_queue_order(room, trainee_a1, trainee_b1, teacher):
    message_send(actor=teacher, room=room, client_msg_id="before", text="上课")
    sends = [QueuedSend(u, f"c{i}", f"第{i}条") for i, u in enumerate([trainee_a1, trainee_b1, trainee_a1, teacher])]
    outcomes = message_send_many(room=room, sends=sends)
    assert all(isinstance(o, SendResult) and o.created for o in outcomes)
    assert [o.message.seq for o in outcomes] == [2, 3, 4, 5]  # type: ignore[union-attr]
    assert ChatRoom.objects.get(pk=room.pk).last_seq == 5
    stored = frames(room)
    assert [f["seq"] for f in stored] == [1, 2, 3, 4, 5]
    assert [f["msg"]["text"] for f in stored[1:]] == ["第0条", "第1条", "第2条", "第3条"]
    assert stored[2]["msg"]["sender_id"] == trainee_b1.pk and stored[2]["msg"]["at"]


def test_it_refuses_single_sends_of_a_batch_without_leaving_gaps(room, lecture, tree, trainee_a1, trainee_b1, teacher):
    participant_mute(actor=teacher, room=room, user_id=trainee_b1.pk, minutes=5)
    SensitiveWord.objects.create(room=room, word="违禁", action="block")
    SensitiveWord.objects.create(room=None, word="屏蔽", action="mask")
    outsider = cadre_user(unit=tree.county_a2, name="外单位学员")
    sends = [
        QueuedSend(trainee_a1, "ok-1", "第一条"),
        QueuedSend(trainee_b1, "muted", "我被禁言了"),
        QueuedSend(outsider, "out", "我不在班上"),
        QueuedSend(trainee_a1, "bad id!", "编号不对"),
        QueuedSend(trainee_a1, "blocked", "含违禁词"),
        QueuedSend(trainee_a1, "empty", "  "),
        QueuedSend(trainee_a1, "ok-2", "请屏蔽这个"),
    ]
    outcomes = message_send_many(room=room, sends=sends)
    assert isinstance(outcomes[0], SendResult) and outcomes[0].message.seq == 1
    assert isinstance(outcomes[1], ValidationError) and outcomes[1].messages[0].startswith("您已被主持人禁言至")
    assert isinstance(outcomes[2], PermissionDenied) and str(outcomes[2]) == services.ERR_NOT_IN_ROOM
    assert isinstance(outcomes[3], ValidationError) and outcomes[3].message_dict == {
        "client_id": [services.ERR_CLIENT_ID]
    }
    assert isinstance(outcomes[4], ValidationError)
    assert outcomes[4].message_dict == {"text": [services.ERR_BLOCKED_WORD.format(word="违禁")]}
    assert isinstance(outcomes[5], ValidationError) and outcomes[5].message_dict == {"text": [services.ERR_EMPTY]}
    assert isinstance(outcomes[6], SendResult) and outcomes[6].message.seq == 2
    assert outcomes[6].message.text == "请**这个"
    assert [f["seq"] for f in frames(room)] == [1, 2]
    assert ChatMessage.objects.count() == 2


def test_a_client_id_repeated_or_already_stored_is_stored_once(room, trainee_a1, trainee_b1):
    message_send(actor=trainee_a1, room=room, client_msg_id="old", text="早先的")
    sends = [
        QueuedSend(trainee_a1, "old", "早先的"),
        QueuedSend(trainee_a1, "new", "新的"),
        QueuedSend(trainee_a1, "new", "新的"),
        QueuedSend(trainee_b1, "new", "别人也用这个编号"),
    ]
    outcomes = message_send_many(room=room, sends=sends)
    assert [(o.message.seq, o.created) for o in outcomes] == [(1, False), (2, True), (2, False), (3, True)]  # type: ignore[union-attr]
    assert ChatMessage.objects.count() == 3 and ChatRoom.objects.get(pk=room.pk).last_seq == 3


def test_questions_in_a_batch_take_a_second_number_for_their_event(room, trainee_a1, trainee_b1):
    sends = [
        QueuedSend(trainee_a1, "q", "老师请问", question=True),
        QueuedSend(trainee_b1, "m", "普通消息"),
    ]
    outcomes = message_send_many(room=room, sends=sends)
    assert [o.message.seq for o in outcomes] == [1, 3]  # type: ignore[union-attr]
    stored = frames(room)
    assert [(f["seq"], f["kind"]) for f in stored] == [(1, "message"), (2, "question"), (3, "message")]
    assert stored[0]["msg"]["question"] is True and stored[1]["q"]["seq"] == 1 and stored[1]["q"]["votes"] == 0
    assert ChatQuestion.objects.get().message.seq == 1


def test_the_room_mode_and_the_rate_limit_apply_per_send(room, trainee_a1, teacher, monkeypatch):
    services.room_set_mode(actor=teacher, room=room, mode="questions_only")  # seq 1
    outcomes = message_send_many(
        room=room,
        sends=[
            QueuedSend(trainee_a1, "plain", "不是提问"),
            QueuedSend(trainee_a1, "ask", "是提问", question=True),
            QueuedSend(teacher, "host", "主持人照常发言"),
        ],
    )
    assert isinstance(outcomes[0], ValidationError) and outcomes[0].messages == [services.ERR_QUESTIONS_ONLY]
    assert [o.message.seq for o in outcomes[1:]] == [2, 4]  # type: ignore[union-attr]
    monkeypatch.setattr(conf, "RATE_BURST", 2)
    burst = message_send_many(room=room, sends=[QueuedSend(teacher, f"r{i}", "快") for i in range(4)])
    assert [type(o).__name__ for o in burst] == ["SendResult", "SendResult", "ValidationError", "ValidationError"]
    assert burst[2].message_dict == {"rate": [services.ERR_RATE.format(wait=1)]}  # type: ignore[union-attr]
    assert ChatRoom.objects.get(pk=room.pk).last_seq == 6


@pytest.mark.django_db(transaction=True)
def test_batches_racing_on_two_connections_stay_gap_free_and_store_a_client_id_once(
    room, trainee_a1, trainee_b1, monkeypatch
):
    monkeypatch.setattr(conf, "RATE_BURST", 1000)
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    errors: list[BaseException] = []
    results: list[list] = []

    def worker(user, tag):
        try:
            for i in range(5):
                sends = [QueuedSend(user, f"{tag}{i}", f"{tag}{i}"), QueuedSend(trainee_a1, "shared", "共同的")]
                results.append(message_send_many(room=room, sends=sends))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(u, t)) for u, t in ((trainee_a1, "a"), (trainee_b1, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    seqs = sorted(ChatMessage.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 12))  # 10 own messages and the shared one, no gap
    assert ChatMessage.objects.filter(client_msg_id="shared").count() == 1
    shared = {r[1].message.seq for r in results}
    assert len(shared) == 1
