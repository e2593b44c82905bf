"""The chat websocket, /ws/chat/<lecture_id>/?last_seq=N. Thin: checks frames, calls services, and
relays the room's events (peixun.chat.fanout). Protocol (JSON text frames):

client -> server
  {"type": "send", "client_id": "...", "text": "...", "question": false}
  {"type": "question" | "vote" | "delete", "seq": N}
  {"type": "answer", "seq": N, "text": "..."}            (host; empty text only marks it answered)
  {"type": "mute", "user_id": N, "minutes": M}           (host)
  {"type": "mode", "mode": "open" | "questions_only" | "closed"}   (host)
  {"type": "history", "before": N}                       (an older page of messages)
  {"type": "ping"}
server -> client
  {"type": "welcome", "role", "mode", "last_seq", "me", "snapshot": "resume" | "history" | "reload"}
  {"type": "resume", "events": [...]} | {"type": "history", "events": [...], "has_more", "page"}
  {"type": "questions", "events": [...]}
  {"type": "event", "seq", "kind": "message" | "delete" | "question" | "mode", ...}   (live, in order)
  {"type": "ack", "client_id", "seq", "duplicate"} | {"type": "error", "code", "message", ...}

Sends are group-committed (peixun.chat.batching): the socket keeps reading while its sends are stored,
and each send is answered by its own ack or error, in send order; an ack may come before or after the
message's event frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from peixun.chat import batching, services
from peixun.chat.fanout import RoomChannel, Subscriber, hub, transport_of
from peixun.chat.frames import encode
from peixun.chat.models import ChatRoom
from peixun.chat.selectors import history_page, lecture_for_chat, room_snapshot
from peixun.chat.services_batch import Outcome, QueuedSend

ERR_BAD_FRAME = "无法识别的请求"
ERR_SERVER = "服务器繁忙，请稍后重试"
MAX_FRAME_CHARS = 8000


def _open_room(user: Any, lecture_id: int) -> tuple[ChatRoom, str]:
    lecture, role = lecture_for_chat(actor=user, lecture_id=lecture_id)
    return services.room_open(actor=user, lecture=lecture, role=role), role


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError
    return value


class ChatConsumer(AsyncWebsocketConsumer):
    # No channel layer: each socket would otherwise hold a channel of its own (one Redis receive per
    # socket with channels_redis); the room's events come through peixun.chat.fanout instead.
    channel_layer_alias = "peixun-chat-no-layer"
    room: ChatRoom | None = None
    sub: Subscriber | None = None
    channel: RoomChannel | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """As Channels' own, without its `aclose_old_connections()` before every frame: that call runs in
        the one database thread and so waited behind the room's batch being stored, which put every
        frame of a fast sender one transaction apart (no group commit). Every database call here goes
        through database_sync_to_async, which closes stale connections around each call anyway."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self._answers: set[asyncio.Task[None]] = set()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        try:
            lecture_id = int(self.scope["url_route"]["kwargs"]["lecture_id"])
            self.room, self.role = await database_sync_to_async(_open_room)(user, lecture_id)
        except (PermissionDenied, Http404, ValueError):
            await self.close(code=4403)
            return
        await self.accept()
        last_seq = self._last_seq_param()
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.sub = Subscriber(
            transport=transport_of(self.base_send), fallback=self._outbox.put_nowait, on_overflow=self._overflow
        )
        if self.sub.transport is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_outbox())
        # Join before reading the snapshot: whatever commits after the read is then held for us.
        self.channel = await hub().join(self.room.pk, self.sub)
        snap = await database_sync_to_async(room_snapshot)(room=self.room, last_seq=last_seq)
        await self.send(
            text_data=encode(
                {
                    "type": "welcome",
                    "role": self.role,
                    "mode": snap.mode,
                    "last_seq": snap.last_seq,
                    "me": user.pk,
                    "snapshot": snap.kind,
                }
            )
        )
        if snap.kind == "resume":
            await self.send(text_data='{"type":"resume","events":[' + ",".join(snap.frames) + "]}")
        else:
            await self.send(text_data=self._history_frame(snap.frames, snap.has_more, page=False))
            await self.send(text_data='{"type":"questions","events":[' + ",".join(snap.questions) + "]}")
        hub().go_live(self.channel, self.sub, upto=snap.last_seq)

    def _last_seq_param(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        values = query.get("last_seq")
        if not values:
            return None
        try:
            return max(0, int(values[0]))
        except ValueError:
            return None

    @staticmethod
    def _history_frame(frames: list[str], has_more: bool, *, page: bool) -> str:
        flags = f',"has_more":{"true" if has_more else "false"},"page":{"true" if page else "false"}'
        return '{"type":"history","events":[' + ",".join(frames) + "]" + flags + "}"

    async def _write_outbox(self) -> None:
        while True:
            text = await self._outbox.get()
            await self.send(text_data=text)

    def _overflow(self) -> None:
        asyncio.get_running_loop().create_task(self.close(code=4008))

    async def disconnect(self, code: int) -> None:
        if self.room is not None and self.sub is not None:
            await hub().leave(self.room.pk, self.sub)
            if self.room.pk not in hub().rooms:
                batching.forget(self.room.pk)
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.cancel()

    # --- frames from the client ---

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            if text_data is None or len(text_data) > MAX_FRAME_CHARS:
                raise ValueError
            content = json.loads(text_data)
            if not isinstance(content, dict) or not isinstance(content.get("type"), str):
                raise ValueError
            handler = getattr(self, f"do_{content['type']}", None)
            if handler is None:
                raise ValueError
            await handler(content)
        except (ValueError, TypeError, KeyError):
            await self._error("bad_frame", ERR_BAD_FRAME, content=None)

    async def _error(self, code: str, message: str, *, content: dict[str, Any] | None, **extra: Any) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message, **extra}
        if content is not None:
            for key in ("client_id", "seq"):
                if key in content:
                    frame[key] = content[key]
        await self.send(text_data=encode(frame))

    async def _call(self, content: dict[str, Any], func: Any, **kwargs: Any) -> Any:
        """Runs a service; refusals and bad input become an error frame, and nothing changes."""
        try:
            return await database_sync_to_async(func)(actor=self.scope["user"], room=self.room, **kwargs)
        except (PermissionDenied, ValidationError) as exc:
            await self._refusal(content, exc)
        return None

    async def _refusal(self, content: dict[str, Any], exc: Exception) -> None:
        if isinstance(exc, PermissionDenied):
            await self._error("forbidden", str(exc) or services.ERR_NOT_IN_ROOM, content=content)
        elif isinstance(exc, ValidationError):
            field, messages = next(iter(exc.message_dict.items()))
            code = {"rate": "rate_limited"}.get(field, "invalid")
            await self._error(code, messages[0], content=content, field=field)
        else:
            await self._error("server", ERR_SERVER, content=content)

    async def do_ping(self, content: dict[str, Any]) -> None:
        await self.send(text_data='{"type":"pong"}')

    async def do_send(self, content: dict[str, Any]) -> None:
        client_id, text, question = content["client_id"], content["text"], content.get("question", False)
        if not isinstance(client_id, str) or not isinstance(text, str) or not isinstance(question, bool):
            raise ValueError
        # Handed to the room's group commit; this socket's next frames are read meanwhile.
        send = QueuedSend(actor=self.scope["user"], client_msg_id=client_id, text=text, question=question)
        task = asyncio.ensure_future(self._answer_send(content, batching.batcher(self.room).submit(send)))
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _answer_send(self, content: dict[str, Any], pending: asyncio.Future[Outcome]) -> None:
        outcome = await pending
        with contextlib.suppress(Exception):  # the socket may be gone; its client re-sends after reconnect
            if isinstance(outcome, services.SendResult):
                ack = {
                    "type": "ack",
                    "client_id": content["client_id"],
                    "seq": outcome.message.seq,
                    "duplicate": not outcome.created,
                }
                await self.send(text_data=encode(ack))
            else:
                await self._refusal(content, outcome)

    async def do_question(self, content: dict[str, Any]) -> None:
        await self._call(content, services.question_mark, seq=_int(content["seq"]))

    async def do_vote(self, content: dict[str, Any]) -> None:
        await self._call(content, services.question_vote, seq=_int(content["seq"]))

    async def do_answer(self, content: dict[str, Any]) -> None:
        text = content.get("text", "")
        if not isinstance(text, str):
            raise ValueError
        await self._call(content, services.question_answer, seq=_int(content["seq"]), answer=text)

    async def do_delete(self, content: dict[str, Any]) -> None:
        await self._call(content, services.message_delete, seq=_int(content["seq"]))

    async def do_mute(self, content: dict[str, Any]) -> None:
        done = await self._call(
            content, services.participant_mute, user_id=_int(content["user_id"]), minutes=_int(content["minutes"])
        )
        if done is not None:
            await self.send(text_data=encode({"type": "muted", "user_id": done.user_id, "minutes": content["minutes"]}))

    async def do_mode(self, content: dict[str, Any]) -> None:
        mode = content["mode"]
        if not isinstance(mode, str):
            raise ValueError
        await self._call(content, services.room_set_mode, mode=mode)

    async def do_history(self, content: dict[str, Any]) -> None:
        before = _int(content["before"])
        frames = await database_sync_to_async(history_page)(room=self.room, before=before, limit=51)
        has_more = len(frames) > 50
        await self.send(text_data=self._history_frame(frames[-50:], has_more, page=True))
