"""Every write of the chat. Each act that clients see becomes one sequenced ChatEvent, published to the
fan-out layer after commit (peixun.chat.fanout.publish); the consumer is only a transport for these."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.chat import conf, fanout
from peixun.chat.frames import event_frame, message_body, question_body
from peixun.chat.models import (
    ChatEvent,
    ChatMessage,
    ChatMute,
    ChatQuestion,
    ChatQuestionVote,
    ChatRoom,
    EventKind,
    RoomMode,
    SensitiveWord,
    WordAction,
)
from peixun.chat.ratelimit import rate_take
from peixun.chat.selectors import lecture_is_hosted_by, lecture_role, mute_active_until, room_role, words_for_room
from peixun.chat.words import apply_words
from peixun.training.models import Lecture

ERR_NOT_IN_ROOM = "您不是本课次的学员、教师或管理人员，不能进入互动室"
ERR_NOT_HOST = "只有主持人（授课教师、组织部、教研室主任）可以执行此操作"
ERR_NOT_ORG_ADMIN = "只有组织部管理员可以维护全省敏感词"
ERR_EMPTY = "消息不能为空"
ERR_TOO_LONG = f"消息不能超过{conf.MAX_TEXT_LEN}个字"
ERR_ANSWER_TOO_LONG = f"回答不能超过{conf.MAX_ANSWER_LEN}个字"
ERR_CLIENT_ID = "消息编号无效"
ERR_CLOSED = "互动室已关闭，暂不能发言"
ERR_QUESTIONS_ONLY = "互动室当前仅限提问，请勾选“提问”后发送"
ERR_MUTED = "您已被主持人禁言至{until}"
ERR_RATE = "发送太快了，请{wait}秒后再发"
ERR_BLOCKED_WORD = "消息含有敏感词“{word}”，未发送"
ERR_NO_MESSAGE = "消息不存在或已删除"
ERR_NOT_YOURS = "只能将自己的消息标为提问"
ERR_NO_QUESTION = "该消息不是提问"
ERR_OWN_QUESTION = "不能给自己的提问点赞"
ERR_ALREADY_VOTED = "您已经赞过这个提问"
ERR_MUTE_MINUTES = f"禁言时长应为1至{conf.MUTE_MAX_MINUTES}分钟"
ERR_MUTE_WHOM = "只能禁言本互动室的学员"
ERR_MODE = "无效的互动室状态"
ERR_WORD = "敏感词应为1至50个字"
ERR_WORD_ACTION = "无效的处理方式"
ERR_WORD_EXISTS = "该敏感词已存在"
EXPORT_HANDOUT_TITLE = "课堂互动记录"

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _require_member(actor: User, room: ChatRoom) -> str:
    role = room_role(actor=actor, room=room)
    if role is None:
        raise PermissionDenied(ERR_NOT_IN_ROOM)
    return role


def _require_host(actor: User, room: ChatRoom) -> None:
    if not lecture_is_hosted_by(actor=actor, lecture=room.lecture):
        raise PermissionDenied(ERR_NOT_HOST)


def _lock_room(room: ChatRoom) -> ChatRoom:
    """Locks the room row for the rest of the transaction: writers of one room queue here, so sequence
    numbers are given out in commit order (SQLite already serialises writers: IMMEDIATE transactions)."""
    return ChatRoom.objects.select_for_update().select_related("lecture", "lecture__training_class").get(pk=room.pk)


def _take_seq(room: ChatRoom) -> tuple[int, str]:
    """The room's next sequence number and its current mode, in one statement that also locks the room
    row until commit (PostgreSQL and SQLite >= 3.35 both have UPDATE ... RETURNING)."""
    table = ChatRoom._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq, mode",  # noqa: S608
            [room.pk],
        )
        seq, mode = cursor.fetchone()
    room.last_seq = seq
    return int(seq), str(mode)


def _next_seq(room: ChatRoom) -> int:
    return _take_seq(room)[0]


def _emit(room: ChatRoom, kind: str, frame_for_seq, target: int | None = None) -> ChatEvent:  # type: ignore[no-untyped-def]
    seq = _next_seq(room)
    frame = frame_for_seq(seq)
    event = ChatEvent.objects.create(room=room, seq=seq, kind=kind, target=target, frame=frame)
    room_id = room.pk
    transaction.on_commit(lambda: fanout.publish(room_id, seq, frame))
    return event


def _message_at(room: ChatRoom, seq: int) -> ChatMessage:
    try:
        return ChatMessage.objects.get(room=room, seq=seq, deleted_at=None)
    except (ChatMessage.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"seq": ERR_NO_MESSAGE}) from None


def _question_event(room: ChatRoom, question: ChatQuestion, message: ChatMessage) -> ChatEvent:
    return _emit(
        room,
        EventKind.QUESTION,
        lambda seq: event_frame(seq, EventKind.QUESTION, q=question_body(question, message)),
        target=message.seq,
    )


# --- Rooms ---------------------------------------------------------------------------------------


def room_open(*, actor: User, lecture: Lecture, role: str | None = None) -> ChatRoom:
    """The lecture's room, created on first use; refused to anyone who may not attend the lecture.
    `role`: the actor's role when the caller has just computed it (saves the queries on every connect)."""
    if role is None:
        role = lecture_role(actor=actor, lecture=lecture)
    if role is None:
        raise PermissionDenied(ERR_NOT_IN_ROOM)
    room = ChatRoom.objects.filter(lecture=lecture).first()
    if room is None:
        with transaction.atomic():
            room, _ = ChatRoom.objects.get_or_create(lecture=lecture)
    room.lecture = lecture
    return room


@transaction.atomic
def room_set_mode(*, actor: User, room: ChatRoom, mode: str) -> ChatRoom:
    _require_host(actor, room)
    if mode not in RoomMode.values:
        raise ValidationError({"mode": ERR_MODE})
    locked = _lock_room(room)
    if locked.mode != mode:
        ChatRoom.objects.filter(pk=room.pk).update(mode=mode)
        locked.mode = mode
        _emit(locked, EventKind.MODE, lambda seq: event_frame(seq, EventKind.MODE, mode=mode))
        audit_record(actor=actor, event=Event.CHAT_MODE, obj=locked, detail={"mode": mode})
    room.mode, room.last_seq = locked.mode, locked.last_seq
    return locked


# --- Messages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    message: ChatMessage
    created: bool


def _check_text(text: object, *, max_len: int, too_long: str, field: str = "text") -> str:
    if not isinstance(text, str):
        raise ValidationError({field: ERR_EMPTY})
    # Control characters other than line breaks have no place in a chat line.
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
    if not cleaned:
        raise ValidationError({field: ERR_EMPTY})
    if len(cleaned) > max_len:
        raise ValidationError({field: too_long})
    return cleaned


def message_send(*, actor: User, room: ChatRoom, client_msg_id: str, text: str, question: bool = False) -> SendResult:
    """Stores a message once per (sender, client_msg_id): a retried send returns the stored one.

    Two sends with one client id racing on two workers both pass the first look-up; the second insert
    then breaks the unique constraint, its whole transaction (sequence number included) rolls back, and
    it answers with the stored message."""
    try:
        return _message_send(actor=actor, room=room, client_msg_id=client_msg_id, text=text, question=question)
    except IntegrityError:
        existing = ChatMessage.objects.filter(room=room, sender=actor, client_msg_id=client_msg_id).first()
        if existing is None:
            raise
        return SendResult(existing, False)


@transaction.atomic
def _message_send(*, actor: User, room: ChatRoom, client_msg_id: str, text: str, question: bool) -> SendResult:
    role = _require_member(actor, room)
    if not isinstance(client_msg_id, str) or not _CLIENT_ID.match(client_msg_id):
        raise ValidationError({"client_id": ERR_CLIENT_ID})
    cleaned = _check_text(text, max_len=conf.MAX_TEXT_LEN, too_long=ERR_TOO_LONG)
    existing = ChatMessage.objects.filter(room=room, sender=actor, client_msg_id=client_msg_id).first()
    if existing is not None:
        return SendResult(existing, False)
    # Any refusal below raises, and the transaction (with this number) rolls back: numbers stay gapless.
    seq, mode = _take_seq(room)
    if role != "host":
        if mode == RoomMode.CLOSED:
            raise ValidationError({"text": ERR_CLOSED})
        if mode == RoomMode.QUESTIONS_ONLY and not question:
            raise ValidationError({"text": ERR_QUESTIONS_ONLY})
        until = mute_active_until(room=room, user=actor)
        if until is not None:
            raise ValidationError({"text": ERR_MUTED.format(until=timezone.localtime(until).strftime("%H:%M"))})
    cleaned, blocked = apply_words(cleaned, words_for_room(room=room))
    if blocked is not None:
        raise ValidationError({"text": ERR_BLOCKED_WORD.format(word=blocked)})
    wait = rate_take(room_id=room.pk, user_id=actor.pk)
    if wait > 0:
        raise ValidationError({"rate": ERR_RATE.format(wait=max(1, round(wait)))})
    message = ChatMessage.objects.create(
        room=room,
        seq=seq,
        sender=actor,
        sender_name=(actor.display_name or actor.username)[:50],
        client_msg_id=client_msg_id,
        text=cleaned,
    )
    frame = event_frame(seq, EventKind.MESSAGE, msg=message_body(message, question=question))
    ChatEvent.objects.create(room=room, seq=seq, kind=EventKind.MESSAGE, target=seq, frame=frame)
    room_id = room.pk
    transaction.on_commit(lambda: fanout.publish(room_id, seq, frame))
    if question:
        q = ChatQuestion.objects.create(room=room, message=message)
        _question_event(room, q, message)
    return SendResult(message, True)


@transaction.atomic
def message_delete(*, actor: User, room: ChatRoom, seq: int) -> ChatMessage:
    """Hides a message from everyone: its stored frames are rewritten without the text, so a client
    resuming later never receives it, and a delete event tells connected clients to remove it."""
    _require_host(actor, room)
    locked = _lock_room(room)
    message = _message_at(locked, seq)
    message.deleted_at = timezone.now()
    message.deleted_by = actor
    message.save(update_fields=["deleted_at", "deleted_by"])
    question = ChatQuestion.objects.filter(message=message).first()
    for event in ChatEvent.objects.filter(room=locked, target=message.seq):
        if event.kind == EventKind.MESSAGE:
            event.frame = event_frame(event.seq, EventKind.MESSAGE, msg=message_body(message, question=bool(question)))
        elif event.kind == EventKind.QUESTION and question is not None:
            event.frame = event_frame(event.seq, EventKind.QUESTION, q=question_body(question, message))
        event.save(update_fields=["frame"])
    _emit(locked, EventKind.DELETE, lambda s: event_frame(s, EventKind.DELETE, target=message.seq), target=message.seq)
    audit_record(
        actor=actor,
        event=Event.CHAT_MESSAGE_DELETE,
        obj=message,
        detail={"room": locked.pk, "seq": message.seq, "sender": message.sender_id, "text": message.text[:200]},
    )
    return message


# --- Questions -----------------------------------------------------------------------------------


@transaction.atomic
def question_mark(*, actor: User, room: ChatRoom, seq: int) -> ChatQuestion:
    """Marks a message as a question to the teacher: the sender's own message, or any one for a host."""
    role = _require_member(actor, room)
    locked = _lock_room(room)
    message = _message_at(locked, seq)
    if message.sender_id != actor.pk and role != "host":
        raise PermissionDenied(ERR_NOT_YOURS)
    question, created = ChatQuestion.objects.get_or_create(room=locked, message=message)
    if created:
        _question_event(locked, question, message)
    return question


@transaction.atomic
def question_vote(*, actor: User, room: ChatRoom, seq: int) -> ChatQuestion:
    _require_member(actor, room)
    locked = _lock_room(room)
    message = _message_at(locked, seq)
    question = ChatQuestion.objects.filter(message=message).first()
    if question is None:
        raise ValidationError({"seq": ERR_NO_QUESTION})
    if message.sender_id == actor.pk:
        raise ValidationError({"seq": ERR_OWN_QUESTION})
    _, created = ChatQuestionVote.objects.get_or_create(question=question, voter=actor)
    if not created:
        raise ValidationError({"seq": ERR_ALREADY_VOTED})
    ChatQuestion.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
    question.refresh_from_db(fields=["votes"])
    _question_event(locked, question, message)
    return question


@transaction.atomic
def question_answer(*, actor: User, room: ChatRoom, seq: int, answer: str = "") -> ChatQuestion:
    """The host answers in text, or with an empty answer just marks the question answered."""
    _require_host(actor, room)
    if answer:
        answer = _check_text(answer, max_len=conf.MAX_ANSWER_LEN, too_long=ERR_ANSWER_TOO_LONG, field="answer")
    locked = _lock_room(room)
    message = _message_at(locked, seq)
    question = ChatQuestion.objects.filter(message=message).first()
    if question is None:
        raise ValidationError({"seq": ERR_NO_QUESTION})
    question.answered_at = timezone.now()
    question.answered_by = actor
    question.answer = answer or question.answer
    question.save(update_fields=["answered_at", "answered_by", "answer"])
    _question_event(locked, question, message)
    return question


# --- Moderation ----------------------------------------------------------------------------------


@transaction.atomic
def participant_mute(*, actor: User, room: ChatRoom, user_id: int, minutes: int) -> ChatMute:
    _require_host(actor, room)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= conf.MUTE_MAX_MINUTES:
        raise ValidationError({"minutes": ERR_MUTE_MINUTES})
    target = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if target is None or room_role(actor=target, room=room) != "participant":
        raise ValidationError({"user": ERR_MUTE_WHOM})
    mute = ChatMute.objects.create(
        room=room, user=target, until=timezone.now() + dt.timedelta(minutes=minutes), muted_by=actor
    )
    audit_record(actor=actor, event=Event.CHAT_MUTE, obj=room, detail={"user": target.pk, "minutes": minutes})
    return mute


def _may_edit_words(actor: User, room: ChatRoom | None) -> None:
    if room is None:
        if not actor.has_role(Role.ORG_ADMIN):
            raise PermissionDenied(ERR_NOT_ORG_ADMIN)
    else:
        _require_host(actor, room)


@transaction.atomic
def word_add(*, actor: User, room: ChatRoom | None, word: str, action: str) -> SensitiveWord:
    """A room's host adds words for the room; the organisation department for the whole province."""
    _may_edit_words(actor, room)
    word = (word or "").strip() if isinstance(word, str) else ""
    if not 1 <= len(word) <= 50:
        raise ValidationError({"word": ERR_WORD})
    if action not in WordAction.values:
        raise ValidationError({"action": ERR_WORD_ACTION})
    if SensitiveWord.objects.filter(room=room, word=word).exists():
        raise ValidationError({"word": ERR_WORD_EXISTS})
    item = SensitiveWord.objects.create(room=room, word=word, action=action, created_by=actor)
    audit_record(
        actor=actor, event=Event.CHAT_WORD_ADD, obj=item, detail={"room": room.pk if room else None, "action": action}
    )
    return item


@transaction.atomic
def word_remove(*, actor: User, word: SensitiveWord) -> None:
    _may_edit_words(actor, word.room)
    audit_record(actor=actor, event=Event.CHAT_WORD_REMOVE, obj=word, detail={"room": word.room_id})
    word.delete()


# --- After class ---------------------------------------------------------------------------------


@transaction.atomic
def room_export_submit(*, actor: User, room: ChatRoom) -> object:
    """Hands the Excel export (messages and questions) to the lecture's handouts in the library, as a new
    version of its "课堂互动记录" handout; the organiser publishes it from there. The export is audited
    as an export, and the library's upload service checks the file and the actor's right again."""
    from peixun.chat.export import export_workbook
    from peixun.library.services import handout_upload

    _require_host(actor, room)
    lecture = room.lecture
    existing = lecture.handouts.filter(title=EXPORT_HANDOUT_TITLE).first()
    return handout_upload(
        actor=actor,
        lecture=lecture,
        data=export_workbook(actor=actor, room=room),
        filename=f"{EXPORT_HANDOUT_TITLE}-{lecture.pk}.xlsx",
        title=EXPORT_HANDOUT_TITLE,
        handout=existing,
    )
