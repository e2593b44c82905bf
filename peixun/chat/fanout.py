"""Fan-out of room events to websockets: once per process, never once per socket.

Each worker process has one hub per event loop: room -> its local sockets. Services call `publish()`
after commit (from any thread). With REDIS_URL set, publish is one Redis PUBLISH and every process holds
ONE pub/sub subscription per room that has local sockets; without Redis, publish hands the event to the
hubs of this process. A hub delivers events of a room strictly in sequence order: an event that arrives
early is held, and a gap not filled by pub/sub within GAP_WAIT_SECONDS is read from the database, so a
lost or reordered publish delays an event but never loses it.

Delivery to a socket served by uvicorn writes one pre-encoded websocket frame (encoded once per event
and process) straight to the socket's transport; other servers get the text through the consumer's own
send. Events that arrive while the loop is busy (a group-committed batch arrives as one pipelined
publish) are written together: one write per socket per flush, and flushes take at most
conf.FLUSH_DUTY of the loop, so a busy room costs fewer writes instead of starving the rest.
Per-socket channels_redis groups are avoided on purpose: they cost one Redis operation per member and
collapse at a few hundred members (django/channels_redis #62, #83).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings

from peixun.chat import conf

log = logging.getLogger(__name__)


def encode_text_frame(payload: bytes) -> bytes:
    """A final, unmasked (server-to-client) websocket text frame."""
    n = len(payload)
    if n < 126:
        header = bytes((0x81, n))
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + payload


def transport_of(send: Any) -> Any | None:
    """The asyncio transport behind uvicorn's ASGI send, when raw frames may be written to it."""
    if not conf.RAW_FRAMES:
        return None
    protocol = getattr(send, "__self__", None)
    # Channels' session middleware wraps send (to save the session at accept); look through it.
    for _ in range(5):
        inner = getattr(protocol, "real_send", None)
        if inner is None:
            break
        protocol = getattr(inner, "__self__", None)
    if protocol is None or not type(protocol).__module__.startswith("uvicorn.protocols.websockets"):
        return None
    transport = getattr(protocol, "transport", None)
    if transport is None or not hasattr(transport, "write") or not hasattr(transport, "get_write_buffer_size"):
        return None
    return transport


class Subscriber:
    """One local websocket. Until `go_live`, events are buffered while the consumer sends its snapshot."""

    __slots__ = ("__weakref__", "closed", "fallback", "floor", "on_overflow", "pending", "transport")

    def __init__(
        self, *, transport: Any | None, fallback: Callable[[str], None], on_overflow: Callable[[], None]
    ) -> None:
        self.floor = 0
        self.pending: list[tuple[int, bytes]] | None = []
        self.transport = transport
        self.fallback = fallback
        self.on_overflow = on_overflow
        self.closed = False

    def write_batch(self, batch: list[tuple[int, bytes]], joined: bytes, *, check: bool) -> None:
        """Sends the events of `batch` above this socket's floor; `joined` is all of them, encoded."""
        if batch[0][0] <= self.floor:
            for seq, payload in batch:
                if seq > self.floor:
                    self.write(seq, payload, None)
            return
        t = self.transport
        if t is None:
            for seq, payload in batch:
                self.write(seq, payload, None)
            return
        self.floor = batch[-1][0]
        if check:
            if t.is_closing():
                return
            if t.get_write_buffer_size() > conf.MAX_SOCKET_BUFFER:
                self.closed = True
                self.on_overflow()
                return
        t.write(joined)

    def write(self, seq: int, payload: bytes, raw: bytes | None) -> bytes | None:
        """Sends one event; returns the encoded frame so that the caller encodes it once for all."""
        self.floor = seq
        t = self.transport
        if t is None:
            self.fallback(payload.decode())
            return raw
        if t.is_closing() or self.closed:
            return raw
        if t.get_write_buffer_size() > conf.MAX_SOCKET_BUFFER:
            self.closed = True
            self.on_overflow()
            return raw
        if raw is None:
            raw = encode_text_frame(payload)
        try:
            t.write(raw)
        except (RuntimeError, OSError):  # closed since the last check (uvloop raises)
            self.closed = True
        return raw


class RoomChannel:
    def __init__(self, hub: Hub, room_id: int) -> None:
        self.hub = hub
        self.room_id = room_id
        self.subs: set[Subscriber] = set()
        self.last_seq = 0
        self.held: dict[int, bytes] = {}
        self.ready = asyncio.Event()
        self._gap_task: asyncio.Task[None] | None = None
        self._tail_task: asyncio.Task[None] | None = None
        self._snapshot: tuple[Subscriber, ...] | None = None
        # Events ready for the sockets, written together on the loop's next turn (see _deliver).
        self._batch: list[tuple[int, bytes]] = []
        self._flush_at: asyncio.Handle | None = None
        self._flushes = 0
        self._quiet_until = 0.0  # loop time before which the next flush waits (see flush)
        # A flush under way, written chunk by chunk: (batch, joined frames, check, sockets, next index,
        # seconds spent writing so far).
        self._writing: tuple[list[tuple[int, bytes]], bytes, bool, tuple[Subscriber, ...], int, float] | None = None

    def start_watch(self) -> None:
        self._tail_task = asyncio.get_running_loop().create_task(self._watch_tail())

    def stop(self) -> None:
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        self._writing = None
        for task in (self._gap_task, self._tail_task):
            if task is not None:
                task.cancel()

    async def _watch_tail(self) -> None:
        """Delivers from the database what stayed missing for a whole check interval."""
        behind_at: int | None = None
        while True:
            await asyncio.sleep(conf.TAIL_CHECK_SECONDS)
            try:
                last = await _last_seq(self.room_id)
                if last > self.last_seq and behind_at is not None and behind_at >= self.last_seq:
                    for seq, frame in await _events_between(self.room_id, self.last_seq, last):
                        self.offer(seq, frame.encode())
                behind_at = self.last_seq if last > self.last_seq else None
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("chat: tail check of room %s failed", self.room_id, exc_info=True)

    def offer(self, seq: int, payload: bytes) -> None:
        if seq <= self.last_seq:
            return
        if seq != self.last_seq + 1:
            self.held[seq] = payload
            if self._gap_task is None or self._gap_task.done():
                self._gap_task = asyncio.get_running_loop().create_task(self._fill_gap())
            return
        self._deliver(seq, payload)
        while self.last_seq + 1 in self.held:
            nxt = self.last_seq + 1
            self._deliver(nxt, self.held.pop(nxt))

    def _deliver(self, seq: int, payload: bytes) -> None:
        """Queues the event for the sockets and writes on the loop's next turn. When the loop is busy,
        every event that arrived meanwhile (a stored batch comes as one pipelined publish) goes out in
        one transport write per socket: the number of writes, not of bytes, is what costs under load."""
        self.last_seq = seq
        self._batch.append((seq, payload))
        if self._flush_at is None and self._writing is None:
            self._schedule_flush(asyncio.get_running_loop())

    def _schedule_flush(self, loop: asyncio.AbstractEventLoop) -> None:
        wait = self._quiet_until - loop.time()
        self._flush_at = loop.call_later(wait, self.flush) if wait > 0 else loop.call_soon(self.flush)

    def flush(self) -> None:
        """The hot loop: one encoding per event, then one transport write per local socket. Buffer sizes
        are checked on every 16th flush only.

        A flush to thousands of sockets takes the event loop for tens of milliseconds. It is written in
        chunks of conf.FLUSH_CHUNK sockets, with the loop's other work (reading sends, Redis, acks) let in
        between, and the next flush waits until at most conf.FLUSH_DUTY of the loop's time has gone to
        flushing; events arriving meanwhile go out together, so the number of writes stays bounded however
        fast the room talks. One flush at a time: every socket gets the events in order."""
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        if self._writing is not None:
            return  # the flush under way schedules the next one when it ends
        batch, self._batch = self._batch, []
        if not batch:
            return
        self._flushes += 1
        check = (self._flushes & 15) == 0
        joined = b"".join(encode_text_frame(p) for _, p in batch)
        self._writing = (batch, joined, check, self.subs_snapshot(), 0, 0.0)
        self._write_chunk()

    def _write_chunk(self) -> None:
        self._flush_at = None
        if self._writing is None:
            return
        batch, joined, check, subs, start, spent = self._writing
        loop = asyncio.get_running_loop()
        began = loop.time()
        end = start + conf.FLUSH_CHUNK
        try:
            self._write_to(subs[start:end], batch, joined, check)
        except Exception:
            log.exception("chat: writing events of room %s failed", self.room_id)
        spent += loop.time() - began
        if end < len(subs):
            self._writing = (batch, joined, check, subs, end, spent)
            self._flush_at = loop.call_soon(self._write_chunk)
            return
        self._writing = None
        self._quiet_until = loop.time() + spent * (1 / conf.FLUSH_DUTY - 1)
        if self._batch:
            self._schedule_flush(loop)

    @staticmethod
    def _write_to(subs: tuple[Subscriber, ...], batch: list[tuple[int, bytes]], joined: bytes, check: bool) -> None:
        first, last = batch[0][0], batch[-1][0]
        for sub in subs:
            if last <= sub.floor or sub.closed:
                continue
            if sub.pending is not None:
                sub.pending.extend(e for e in batch if e[0] > sub.floor)
                continue
            t = sub.transport
            try:
                if t is None or check or first <= sub.floor:
                    sub.write_batch(batch, joined, check=check)
                    continue
                sub.floor = last
                t.write(joined)
            except (RuntimeError, OSError):
                # uvloop refuses writes to a socket closed since the last check; its consumer leaves soon,
                # and its client resumes from the database when it reconnects.
                sub.closed = True

    def subs_snapshot(self) -> tuple[Subscriber, ...]:
        if self._snapshot is None:
            self._snapshot = tuple(self.subs)
        return self._snapshot

    def add(self, sub: Subscriber) -> None:
        self.subs.add(sub)
        self._snapshot = None

    def discard(self, sub: Subscriber) -> None:
        self.subs.discard(sub)
        self._snapshot = None

    async def _fill_gap(self) -> None:
        await asyncio.sleep(conf.GAP_WAIT_SECONDS)
        while self.held:
            for stale in [s for s in self.held if s <= self.last_seq]:
                del self.held[stale]
            if not self.held:
                break
            first = min(self.held)
            if first == self.last_seq + 1:
                self.offer(first, self.held.pop(first))
                continue
            try:
                rows = await _events_between(self.room_id, self.last_seq, first - 1)
            except Exception:
                log.exception("chat: gap fill of room %s failed", self.room_id)
                await asyncio.sleep(1)
                continue
            for seq, frame in rows:
                self.offer(seq, frame.encode())
            # Not in the database either (the room was deleted): nothing more to wait for.
            self.last_seq = max(self.last_seq, first - 1)

    async def catch_up(self) -> None:
        """After a pub/sub reconnect: whatever was published meanwhile, from the database."""
        rows = await _events_between(self.room_id, self.last_seq, None)
        for seq, frame in rows:
            self.offer(seq, frame.encode())


async def _events_between(room_id: int, after: int, upto: int | None) -> list[tuple[int, str]]:
    from channels.db import database_sync_to_async

    from peixun.chat.selectors import events_between

    return await database_sync_to_async(events_between)(room_id=room_id, after=after, upto=upto)


async def _last_seq(room_id: int) -> int:
    from channels.db import database_sync_to_async

    from peixun.chat.selectors import room_last_seq

    return await database_sync_to_async(room_last_seq)(room_id=room_id)


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, redis_url: str = "") -> None:
        self.loop = loop
        self.rooms: dict[int, RoomChannel] = {}
        self.redis_url = redis_url
        self._redis: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None

    # --- sockets ---

    async def join(self, room_id: int, sub: Subscriber) -> RoomChannel:
        channel = self.rooms.get(room_id)
        if channel is None:
            channel = RoomChannel(self, room_id)
            self.rooms[room_id] = channel
            try:
                await self._subscribe(room_id)
                channel.last_seq = await _last_seq(room_id)
                channel.start_watch()
            except BaseException:
                del self.rooms[room_id]
                channel.ready.set()
                raise
            channel.ready.set()
        else:
            await channel.ready.wait()
        channel.add(sub)
        return channel

    def go_live(self, channel: RoomChannel, sub: Subscriber, *, upto: int) -> None:
        """The consumer has sent everything up to `upto` from the database; send what came since."""
        sub.floor = max(sub.floor, upto)
        pending, sub.pending = sub.pending or [], None
        raw: bytes | None = None
        for seq, payload in pending:
            if seq > sub.floor:
                raw = sub.write(seq, payload, None)
        del raw

    async def leave(self, room_id: int, sub: Subscriber) -> None:
        channel = self.rooms.get(room_id)
        if channel is not None:
            channel.flush()  # what was delivered before the socket left still goes to it
        sub.closed = True
        if channel is None:
            return
        channel.discard(sub)
        if not channel.subs and channel.ready.is_set():
            del self.rooms[room_id]
            channel.stop()
            await self._unsubscribe(room_id)

    def dispatch(self, room_id: int, seq: int, payload: bytes) -> None:
        channel = self.rooms.get(room_id)
        if channel is not None and channel.ready.is_set():
            channel.offer(seq, payload)

    # --- Redis pub/sub: one subscription per room per process ---

    async def _subscribe(self, room_id: int) -> None:
        if not self.redis_url:
            return
        import redis.asyncio as aioredis

        if self._pubsub is None:
            self._redis = aioredis.from_url(self.redis_url)
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(channel_name(room_id))
        if self._reader is None or self._reader.done():
            self._reader = self.loop.create_task(self._read())

    async def _unsubscribe(self, room_id: int) -> None:
        if self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe(channel_name(room_id))
            except Exception:
                log.warning("chat: unsubscribe of room %s failed", room_id, exc_info=True)

    async def _read(self) -> None:
        prefix = channel_prefix() + ":"
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("chat: Redis pub/sub lost; resubscribing", exc_info=True)
                await self._reconnect()
                continue
            if not message or message.get("type") != "message":
                continue
            name = message["channel"].decode()
            data: bytes = message["data"]
            cut = data.index(b"\n")
            self.dispatch(int(name[len(prefix) :]), int(data[:cut]), data[cut + 1 :])

    async def _reconnect(self) -> None:
        import redis.asyncio as aioredis

        while True:
            await asyncio.sleep(0.5)
            try:
                old = self._pubsub
                self._redis = aioredis.from_url(self.redis_url)
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                names = [channel_name(r) for r in self.rooms]
                if names:
                    await self._pubsub.subscribe(*names)
                with contextlib.suppress(Exception):  # the old connection is gone anyway
                    await old.aclose()
                break
            except Exception:
                log.warning("chat: Redis still unreachable", exc_info=True)
        for channel in list(self.rooms.values()):
            self.loop.create_task(channel.catch_up())


# --- module level: one hub per event loop, publish from anywhere ---------------------------------

_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_sync_redis: Any = None
_prefix: str | None = None


def channel_prefix() -> str:
    """Pub/sub is shared by all Redis databases: the database name keeps test runs and sites apart."""
    global _prefix
    if _prefix is None:
        from django.db import connections

        _prefix = os.environ.get("PEIXUN_CHAT_CHANNEL_PREFIX") or (
            f"peixun-chat:{connections['default'].settings_dict['NAME']}"
        )
    return _prefix


def channel_name(room_id: int) -> str:
    return f"{channel_prefix()}:{room_id}"


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    h = _hubs.get(loop)
    if h is None:
        h = _hubs[loop] = Hub(loop, redis_url=settings.REDIS_URL)
    return h


def publish_many(room_id: int, events: list[tuple[int, str]]) -> None:
    """Called after commit with the events of one stored batch: one pipelined round trip to Redis."""
    if not settings.REDIS_URL or len(events) == 1:
        for seq, frame in events:
            publish(room_id, seq, frame)
        return
    global _sync_redis
    try:
        if _sync_redis is None:
            import redis

            _sync_redis = redis.Redis.from_url(settings.REDIS_URL)
        pipe = _sync_redis.pipeline(transaction=False)
        name = channel_name(room_id)
        for seq, frame in events:
            pipe.publish(name, str(seq).encode() + b"\n" + frame.encode())
        pipe.execute()
    except Exception:
        log.warning("chat: publish of room %s (%s events) failed", room_id, len(events), exc_info=True)


def publish(room_id: int, seq: int, frame: str) -> None:
    """Called after commit. A failure here loses nothing: hubs fill gaps from the database."""
    payload = frame.encode()
    if settings.REDIS_URL:
        global _sync_redis
        try:
            if _sync_redis is None:
                import redis

                _sync_redis = redis.Redis.from_url(settings.REDIS_URL)
            _sync_redis.publish(channel_name(room_id), str(seq).encode() + b"\n" + payload)
        except Exception:
            log.warning("chat: publish of room %s seq %s failed", room_id, seq, exc_info=True)
        return
    for loop, h in list(_hubs.items()):
        if not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(h.dispatch, room_id, seq, payload)
