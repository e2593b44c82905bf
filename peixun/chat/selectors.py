"""Reads of the chat, cut to the actor. `room_role` is the one place that says who may be in a room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.chat import conf
from peixun.chat.models import ChatEvent, ChatMessage, ChatMute, ChatQuestion, ChatRoom, EventKind, SensitiveWord
from peixun.training.models import Lecture
from peixun.training.selectors import lecture_may_attend

RoomRole = Literal["host", "participant"]


def lecture_is_hosted_by(*, actor: User, lecture: Lecture) -> bool:
    """Hosts: the lecture's teacher, the organisation department, the director of the class's office."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    if lecture.teacher_id is not None and lecture.teacher_id == actor.pk:
        return True
    if actor.has_role(Role.ORG_ADMIN):
        return True
    return lecture.training_class.office_id in actor.grants.director_office_ids


def lecture_role(*, actor: User, lecture: Lecture) -> RoomRole | None:
    """ "host", "participant" or None (refused) in the lecture's room. Participants are whoever may attend
    the lecture (peixun.training.selectors.lecture_may_attend: enrolled trainees, venue operators of the
    class's venues, the class's office, unit admins with trainees in the class, ...)."""
    if lecture_is_hosted_by(actor=actor, lecture=lecture):
        return "host"
    if lecture_may_attend(actor=actor, lecture=lecture):
        return "participant"
    return None


def room_role(*, actor: User, room: ChatRoom) -> RoomRole | None:
    """The one rule for who is in a room and as what (see lecture_role)."""
    return lecture_role(actor=actor, lecture=room.lecture)


def lecture_for_chat(*, actor: User, lecture_id: int) -> tuple[Lecture, RoomRole]:
    """The lecture and the actor's role in its room; 404 for anyone outside it (no hint that it exists)."""
    try:
        lecture = Lecture.objects.select_related("training_class", "teacher", "main_venue").get(pk=lecture_id)
    except (Lecture.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    role = lecture_role(actor=actor, lecture=lecture)
    if role is None:
        raise Http404
    return lecture, role


def room_of_lecture(*, lecture: Lecture) -> ChatRoom | None:
    return ChatRoom.objects.select_related("lecture", "lecture__training_class").filter(lecture=lecture).first()


def events_after(*, room_id: int, after: int, limit: int = conf.RESUME_LIMIT + 1) -> list[tuple[int, str]]:
    """(seq, frame) of the room's events after `after`, in order; used for resume and gap filling."""
    rows = ChatEvent.objects.filter(room_id=room_id, seq__gt=after).order_by("seq").values_list("seq", "frame")
    return list(rows[:limit])


def events_between(*, room_id: int, after: int, upto: int | None) -> list[tuple[int, str]]:
    rows = ChatEvent.objects.filter(room_id=room_id, seq__gt=after)
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    return list(rows.order_by("seq").values_list("seq", "frame"))


def room_last_seq(*, room_id: int) -> int:
    return ChatRoom.objects.filter(pk=room_id).values_list("last_seq", flat=True).first() or 0


def history_page(*, room: ChatRoom, before: int | None = None, limit: int = conf.HISTORY_PAGE) -> list[str]:
    """Frames of the message events before `before` (newest page first fetched, returned oldest first)."""
    qs = ChatEvent.objects.filter(room=room, kind=EventKind.MESSAGE)
    if before is not None:
        qs = qs.filter(seq__lt=before)
    frames = list(qs.order_by("-seq").values_list("frame", flat=True)[:limit])
    frames.reverse()
    return frames


def messages_page(
    *, room: ChatRoom, before: int | None = None, after: int | None = None, limit: int = conf.HISTORY_PAGE
) -> tuple[list[ChatMessage], bool]:
    """A page of the room's messages, oldest first, and whether more lie beyond it: the latest page, the
    page before `before` (more = older ones exist), or the messages after `after` (more = newer ones)."""
    qs = ChatMessage.objects.filter(room=room).select_related("question")
    if after is not None:
        rows = list(qs.filter(seq__gt=after).order_by("seq")[: limit + 1])
        return rows[:limit], len(rows) > limit
    if before is not None:
        qs = qs.filter(seq__lt=before)
    rows = list(qs.order_by("-seq")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, more


def questions_sorted(*, room: ChatRoom) -> QuerySet[ChatQuestion]:
    """The room's live questions as the host sees them: most votes first, then the oldest."""
    return (
        ChatQuestion.objects.filter(room=room, message__deleted_at=None)
        .select_related("message")
        .order_by("-votes", "created_at", "pk")
    )


def question_frames(*, room: ChatRoom) -> list[str]:
    """The latest frame of every live question, sorted by votes (most first), then by time."""
    questions = (
        ChatQuestion.objects.filter(room=room, message__deleted_at=None)
        .order_by("-votes", "created_at")
        .values_list("message__seq", flat=True)
    )
    seqs = list(questions)
    if not seqs:
        return []
    latest: dict[int | None, str] = {}
    for target, frame in (
        ChatEvent.objects.filter(room=room, kind=EventKind.QUESTION, target__in=seqs)
        .order_by("seq")
        .values_list("target", "frame")
    ):
        latest[target] = frame
    return [latest[s] for s in seqs if s in latest]


def mute_active_until(*, room: ChatRoom, user: User) -> datetime | None:
    return (
        ChatMute.objects.filter(room=room, user=user, until__gt=timezone.now())
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )


def words_for_room(*, room: ChatRoom) -> list[tuple[str, str]]:
    return list(SensitiveWord.objects.filter(Q(room=None) | Q(room=room)).order_by().values_list("word", "action"))


def words_visible(*, room: ChatRoom) -> QuerySet[SensitiveWord]:
    """The province-wide words and the room's own, for the host's word page."""
    return SensitiveWord.objects.filter(Q(room=None) | Q(room=room)).select_related("created_by")


def messages_for_export(*, room: ChatRoom) -> QuerySet[ChatMessage]:
    return ChatMessage.objects.filter(room=room).select_related("question").order_by("seq")


def questions_for_export(*, room: ChatRoom) -> QuerySet[ChatQuestion]:
    return (
        ChatQuestion.objects.filter(room=room).select_related("message", "answered_by").order_by("-votes", "created_at")
    )


@dataclass(frozen=True)
class Snapshot:
    """What a connecting client gets before live events: everything up to `last_seq`."""

    mode: str
    last_seq: int
    kind: Literal["resume", "history", "reload"]
    frames: list[str]
    has_more: bool
    questions: list[str]


def room_snapshot(*, room: ChatRoom, last_seq: int | None) -> Snapshot:
    """Resume from `last_seq` (exactly the missed events), else the recent history and the questions;
    a client more than RESUME_LIMIT events behind is told to reload."""
    mode, top = ChatRoom.objects.filter(pk=room.pk).values_list("mode", "last_seq").get()
    reload = False
    if last_seq is not None:
        if 0 <= last_seq <= top:
            rows = ChatEvent.objects.filter(room=room, seq__gt=last_seq, seq__lte=top).order_by("seq")
            frames = list(rows.values_list("frame", flat=True)[: conf.RESUME_LIMIT + 1])
            if len(frames) <= conf.RESUME_LIMIT:
                return Snapshot(mode, top, "resume", frames, False, [])
        reload = True
    frames = history_page(room=room, before=top + 1, limit=conf.HISTORY_PAGE + 1)
    has_more = len(frames) > conf.HISTORY_PAGE
    frames = frames[-conf.HISTORY_PAGE :]
    return Snapshot(mode, top, "reload" if reload else "history", frames, has_more, question_frames(room=room))
