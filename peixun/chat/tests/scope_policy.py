"""Scope policy of the chat pages. The room belongs to a lecture whose only trainee is in county B1; its
hosts are the teacher, the organisation department and the director of the class's office."""

from __future__ import annotations

from peixun.chat.models import SensitiveWord
from peixun.core.tests.scope import Endpoint

HOSTS = frozenset({"org_admin", "office_director", "teacher"})
MEMBERS = HOSTS | {"office_member"}


def build(world) -> None:
    from peixun.chat.services import message_send, room_open
    from peixun.chat.tests.factories import enrol, make_lecture
    from peixun.offices.models import ResearchOffice

    office = ResearchOffice.objects.get(code="ZH")
    lecture = make_lecture(office=office, teacher=world.users["teacher"], title="乙市专题班")
    enrol(world.foreign_user, lecture)
    room = room_open(actor=world.foreign_user, lecture=lecture)
    # Seq 1: the B1 trainee's message, marked a question (seq 2 is the question's event).
    message_send(actor=world.foreign_user, room=room, client_msg_id="scope-1", text="乙市学员的提问", question=True)
    world.extra["chat_lecture"] = lecture
    world.extra["chat_word"] = SensitiveWord.objects.create(room=room, word="乙市词", action="mask")


def lecture_kw(w):
    return {"lecture_id": w.chat_lecture.pk}


def seq_kw(w):
    return {"lecture_id": w.chat_lecture.pk, "seq": 1}


ENDPOINTS = [
    Endpoint("chat:lecture_room", allow=MEMBERS, kwargs=lecture_kw),
    Endpoint("chat:export", allow=HOSTS, kwargs=lecture_kw),
    Endpoint("chat:export_submit", method="POST", allow=HOSTS, kwargs=lecture_kw),
    Endpoint("chat:words", allow=HOSTS, kwargs=lecture_kw, hidden=lambda w: ["乙市词"], hidden_from=frozenset()),
    Endpoint(
        "chat:words",
        label="add",
        method="POST",
        allow=HOSTS,
        kwargs=lecture_kw,
        data=lambda w: {"word": "新词", "action": "mask"},
    ),
    Endpoint(
        "chat:word_remove",
        method="POST",
        allow=HOSTS,
        kwargs=lambda w: {"lecture_id": w.chat_lecture.pk, "word_id": w.chat_word.pk},
    ),
    Endpoint("chat:global_words", allow=frozenset({"org_admin"})),
    # The JSON API (peixun.chat.api): members read and talk, hosts moderate and export.
    Endpoint("chat-room-detail", allow=MEMBERS, kwargs=lecture_kw),
    Endpoint("chat-room-messages", allow=MEMBERS, kwargs=lecture_kw),
    Endpoint(
        "chat-room-messages",
        label="send",
        method="POST",
        allow=MEMBERS,
        kwargs=lecture_kw,
        data=lambda w: {"client_id": "scope-send", "text": "接口发言"},
    ),
    Endpoint("chat-room-message", method="DELETE", allow=HOSTS, kwargs=seq_kw),
    Endpoint("chat-room-message-question", method="POST", allow=HOSTS, kwargs=seq_kw),
    Endpoint("chat-room-questions", allow=MEMBERS, kwargs=lecture_kw),
    Endpoint("chat-room-question-vote", method="POST", allow=MEMBERS, kwargs=seq_kw),
    Endpoint(
        "chat-room-question-answer", method="POST", allow=HOSTS, kwargs=seq_kw, data=lambda w: {"answer": "课后答复"}
    ),
    Endpoint(
        "chat-room-mute",
        method="POST",
        allow=HOSTS,
        kwargs=lecture_kw,
        data=lambda w: {"user": w.foreign_user.pk, "minutes": 5},
    ),
    Endpoint("chat-room-mode", method="POST", allow=HOSTS, kwargs=lecture_kw, data=lambda w: {"mode": "closed"}),
    Endpoint("chat-room-export", allow=HOSTS, kwargs=lecture_kw),
    Endpoint("chat-room-export-library", method="POST", allow=HOSTS, kwargs=lecture_kw),
]
