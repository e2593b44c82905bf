"""Scope policy of the chat pages. The room belongs to a lecture whose only trainee is in county B1; its
hosts are the teacher, the organisation department and the director of the class's office."""

from __future__ import annotations

from peixun.chat.models import SensitiveWord
from peixun.core.tests.scope import Endpoint

HOSTS = frozenset({"org_admin", "office_director", "teacher"})
MEMBERS = HOSTS | {"office_member"}


def build(world) -> None:
    from peixun.chat.services import room_open
    from peixun.chat.tests.factories import enrol, make_lecture
    from peixun.offices.models import ResearchOffice

    office = ResearchOffice.objects.get(code="ZH")
    lecture = make_lecture(office=office, teacher=world.users["teacher"], title="乙市专题班")
    enrol(world.foreign_user, lecture)
    room = room_open(actor=world.foreign_user, lecture=lecture)
    world.extra["chat_lecture"] = lecture
    world.extra["chat_word"] = SensitiveWord.objects.create(room=room, word="乙市词", action="mask")


def lecture_kw(w):
    return {"lecture_id": w.chat_lecture.pk}


ENDPOINTS = [
    Endpoint("chat:lecture_room", allow=MEMBERS, kwargs=lecture_kw),
    Endpoint("chat:export", allow=HOSTS, kwargs=lecture_kw),
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
]
