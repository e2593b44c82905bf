"""Group commit of queued sends: one transaction, one sequence reservation and one bulk insert for all
the sends a worker process has queued for a room while its previous batch was being stored.

Each send is checked exactly as `services.message_send` checks it, in queue order, and gets its own
answer (a SendResult, or the PermissionDenied / ValidationError it would have raised); a refused send
changes nothing and takes no sequence number. The accepted ones take consecutive numbers, reserved by
one `UPDATE ... SET last_seq = last_seq + n RETURNING last_seq` while the room row is locked, so numbers
stay gap-free and in commit order across workers. A send whose client id is already stored (or earlier
in the same batch) answers with the stored message. If another worker stores the same client id between
the look-up and the insert, the unique constraint rolls the whole batch back and every send of it is
retried on its own through `message_send`, which resolves the race as it always has.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.chat import conf, fanout
from peixun.chat.frames import event_frame, message_body, question_body
from peixun.chat.models import ChatEvent, ChatMessage, ChatMute, ChatQuestion, ChatRoom, EventKind, RoomMode
from peixun.chat.ratelimit import rate_take
from peixun.chat.selectors import room_role, words_for_room
from peixun.chat.services import (
    _CLIENT_ID,
    ERR_BLOCKED_WORD,
    ERR_CLIENT_ID,
    ERR_CLOSED,
    ERR_MUTED,
    ERR_NOT_IN_ROOM,
    ERR_QUESTIONS_ONLY,
    ERR_RATE,
    ERR_TOO_LONG,
    SendResult,
    _check_text,
    message_send,
)
from peixun.chat.words import apply_words

Outcome = SendResult | PermissionDenied | ValidationError


@dataclass(frozen=True)
class QueuedSend:
    actor: User
    client_msg_id: str
    text: str
    question: bool = False


def message_send_many(*, room: ChatRoom, sends: list[QueuedSend]) -> list[Outcome]:
    """Stores queued sends of one room in one transaction; one outcome per send, in order. Every send is
    checked against its own actor (QueuedSend.actor), as message_send checks it."""
    if not sends:
        return []
    try:
        return _message_send_many(room=room, sends=sends)
    except IntegrityError:
        return [_send_one(room, s) for s in sends]


def _send_one(room: ChatRoom, s: QueuedSend) -> Outcome:
    try:
        return message_send(actor=s.actor, room=room, client_msg_id=s.client_msg_id, text=s.text, question=s.question)
    except (PermissionDenied, ValidationError) as exc:
        return exc


def _lock_mode(room: ChatRoom) -> str:
    """Locks the room row for the rest of the transaction (writers of one room queue here; SQLite already
    serialises writers with IMMEDIATE transactions) and reads its mode."""
    return str(ChatRoom.objects.select_for_update().filter(pk=room.pk).values_list("mode", flat=True).get())


def _reserve(room: ChatRoom, n: int) -> int:
    """Reserves n consecutive sequence numbers; returns the first."""
    table = ChatRoom._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + %s WHERE id = %s RETURNING last_seq",  # noqa: S608
            [n, room.pk],
        )
        (last,) = cursor.fetchone()
    room.last_seq = int(last)
    return int(last) - n + 1


@transaction.atomic
def _message_send_many(*, room: ChatRoom, sends: list[QueuedSend]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(sends)
    roles: dict[int, str | None] = {}
    for actor in {s.actor.pk: s.actor for s in sends}.values():
        roles[actor.pk] = room_role(actor=actor, room=room)
    mode = _lock_mode(room)
    stored = {
        (sender, cid): m
        for m in ChatMessage.objects.filter(room=room, client_msg_id__in={s.client_msg_id for s in sends})
        for sender, cid in [(m.sender_id, m.client_msg_id)]
    }
    now = timezone.now()
    muted = dict(
        ChatMute.objects.filter(room=room, user_id__in=list(roles), until__gt=now)
        .order_by("user_id", "until")
        .values_list("user_id", "until")
    )
    words = words_for_room(room=room)
    accepted: list[tuple[int, QueuedSend, str]] = []
    taken: dict[tuple[int, str], int] = {}  # (sender, client id) -> index of the accepted send
    for i, s in enumerate(sends):
        try:
            role = roles[s.actor.pk]
            if role is None:
                raise PermissionDenied(ERR_NOT_IN_ROOM)
            if not isinstance(s.client_msg_id, str) or not _CLIENT_ID.match(s.client_msg_id):
                raise ValidationError({"client_id": ERR_CLIENT_ID})
            cleaned = _check_text(s.text, max_len=conf.MAX_TEXT_LEN, too_long=ERR_TOO_LONG)
            key = (s.actor.pk, s.client_msg_id)
            if key in stored:
                outcomes[i] = SendResult(stored[key], False)
                continue
            if key in taken:
                continue  # answered below with the message the earlier send of this id stores
            if role != "host":
                if mode == RoomMode.CLOSED:
                    raise ValidationError({"text": ERR_CLOSED})
                if mode == RoomMode.QUESTIONS_ONLY and not s.question:
                    raise ValidationError({"text": ERR_QUESTIONS_ONLY})
                until = muted.get(s.actor.pk)
                if until is not None:
                    raise ValidationError({"text": ERR_MUTED.format(until=timezone.localtime(until).strftime("%H:%M"))})
            cleaned, blocked = apply_words(cleaned, words)
            if blocked is not None:
                raise ValidationError({"text": ERR_BLOCKED_WORD.format(word=blocked)})
            wait = rate_take(room_id=room.pk, user_id=s.actor.pk)
            if wait > 0:
                raise ValidationError({"rate": ERR_RATE.format(wait=max(1, round(wait)))})
            taken[key] = i
            accepted.append((i, s, cleaned))
        except (PermissionDenied, ValidationError) as exc:
            outcomes[i] = exc
    if accepted:
        _store(room, accepted, outcomes)
    for i, s in enumerate(sends):
        if outcomes[i] is None:  # a repeat, within the batch, of an accepted client id
            first = outcomes[taken[(s.actor.pk, s.client_msg_id)]]
            assert isinstance(first, SendResult)
            outcomes[i] = SendResult(first.message, False)
    return outcomes  # type: ignore[return-value]


def _store(room: ChatRoom, accepted: list[tuple[int, QueuedSend, str]], outcomes: list[Outcome | None]) -> None:
    seq = _reserve(room, sum(2 if s.question else 1 for _, s, _ in accepted))
    messages: list[ChatMessage] = []
    question_seqs: list[int] = []
    for _, s, cleaned in accepted:
        messages.append(
            ChatMessage(
                room=room,
                seq=seq,
                sender=s.actor,
                sender_name=(s.actor.display_name or s.actor.username)[:50],
                client_msg_id=s.client_msg_id,
                text=cleaned,
            )
        )
        question_seqs.append(seq + 1 if s.question else 0)
        seq += 2 if s.question else 1
    ChatMessage.objects.bulk_create(messages)
    if any(question_seqs) and any(m.pk is None for m in messages):
        # A backend that does not return ids from a bulk insert: read them back by sequence number.
        ids = dict(ChatMessage.objects.filter(room=room, seq__in=[m.seq for m in messages]).values_list("seq", "pk"))
        for m in messages:
            m.pk = ids[m.seq]
    questions = {
        m.seq: ChatQuestion(room=room, message=m) for m, q_seq in zip(messages, question_seqs, strict=True) if q_seq
    }
    if questions:
        ChatQuestion.objects.bulk_create(questions.values())
    events: list[ChatEvent] = []
    for m, q_seq in zip(messages, question_seqs, strict=True):
        frame = event_frame(m.seq, EventKind.MESSAGE, msg=message_body(m, question=bool(q_seq)))
        events.append(ChatEvent(room=room, seq=m.seq, kind=EventKind.MESSAGE, target=m.seq, frame=frame))
        if q_seq:
            q = questions[m.seq]
            q_frame = event_frame(q_seq, EventKind.QUESTION, q=question_body(q, m))
            events.append(ChatEvent(room=room, seq=q_seq, kind=EventKind.QUESTION, target=m.seq, frame=q_frame))
    ChatEvent.objects.bulk_create(events)
    published = [(e.seq, e.frame) for e in events]
    room_id = room.pk
    transaction.on_commit(lambda: fanout.publish_many(room_id, published))
    for (i, _, _), m in zip(accepted, messages, strict=True):
        outcomes[i] = SendResult(m, True)
