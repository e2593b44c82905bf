"""Group commit of sends, per room and worker process (see services_batch.message_send_many).

Sockets hand their sends to the room's batcher and do not wait for the database: the batcher stores
everything queued since its previous batch in one transaction, with at most one batch of a room in
flight per process. A busy room therefore costs one transaction per batch rather than one per message,
and a send never waits behind more than one batch. Queue order is send order, so one client's sends
keep their order, and each gets its own outcome (ack or refusal).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from channels.db import database_sync_to_async

from peixun.chat.models import ChatRoom
from peixun.chat.services_batch import Outcome, QueuedSend, message_send_many

log = logging.getLogger(__name__)

# An upper bound on one transaction's size; whatever is queued beyond it goes in the next batch.
MAX_BATCH = 500


class RoomBatcher:
    def __init__(self, room: ChatRoom) -> None:
        self.room = room
        self.queue: list[tuple[QueuedSend, asyncio.Future[Outcome]]] = []
        self.task: asyncio.Task[None] | None = None
        self.batches = 0

    def submit(self, send: QueuedSend) -> asyncio.Future[Outcome]:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.queue.append((send, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return future

    async def _run(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            sends = [s for s, _ in batch]
            try:
                outcomes = await database_sync_to_async(message_send_many)(room=self.room, sends=sends)
            except Exception as exc:
                log.exception("chat: storing a batch of %s sends failed", len(sends))
                outcomes = [exc] * len(sends)  # type: ignore[list-item]
            self.batches += 1
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, RoomBatcher]] = weakref.WeakKeyDictionary()


def batcher(room: ChatRoom) -> RoomBatcher:
    """The room's batcher on the running event loop (one per process under uvicorn)."""
    rooms = _batchers.setdefault(asyncio.get_running_loop(), {})
    found = rooms.get(room.pk)
    if found is None:
        found = rooms[room.pk] = RoomBatcher(room)
    return found


def forget(room_id: int) -> None:
    """Drops an idle room's batcher when its last local socket leaves."""
    rooms: dict[int, Any] = _batchers.get(asyncio.get_running_loop(), {})
    found = rooms.get(room_id)
    if found is not None and not found.queue and (found.task is None or found.task.done()):
        del rooms[room_id]
