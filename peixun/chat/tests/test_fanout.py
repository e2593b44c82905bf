"""The per-process hub: events of a room reach local sockets once each, in sequence order, and a publish
that never arrives is read from the database."""

from __future__ import annotations

import asyncio
import json

import pytest

from peixun.chat import conf
from peixun.chat.fanout import Hub, Subscriber, encode_text_frame
from peixun.chat.services import message_send

pytestmark = pytest.mark.django_db(transaction=True)


def collector():
    got: list[str] = []
    return got, Subscriber(transport=None, fallback=got.append, on_overflow=lambda: None)


def seqs(got):
    return [json.loads(t)["seq"] for t in got]


def test_events_are_delivered_in_sequence_order_whatever_the_arrival_order(room):
    async def scenario():
        hub = Hub(asyncio.get_running_loop())
        got, sub = collector()
        channel = await hub.join(room.pk, sub)
        hub.go_live(channel, sub, upto=0)
        for seq in (2, 1, 3, 3, 2):
            hub.dispatch(room.pk, seq, json.dumps({"seq": seq}).encode())
        await hub.leave(room.pk, sub)
        hub.dispatch(room.pk, 4, b'{"seq":4}')
        return got

    assert seqs(asyncio.run(scenario())) == [1, 2, 3]


def test_a_lost_publish_is_read_from_the_database(room, trainee_a1, monkeypatch):
    monkeypatch.setattr(conf, "GAP_WAIT_SECONDS", 0.05)

    async def scenario():
        hub = Hub(asyncio.get_running_loop())
        got, sub = collector()
        channel = await hub.join(room.pk, sub)
        hub.go_live(channel, sub, upto=0)
        return hub, got

    async def later(hub, got):
        hub.dispatch(room.pk, 3, b'{"seq":3,"text":"live"}')
        await asyncio.sleep(0.5)
        return got

    async def both():
        hub, got = await scenario()
        # Three messages commit while this process hears only about the third.
        await asyncio.to_thread(
            lambda: [
                message_send(actor=trainee_a1, room=room, client_msg_id=f"c{i}", text=f"第{i}条") for i in range(3)
            ]
        )
        return await later(hub, got)

    got = asyncio.run(both())
    assert seqs(got) == [1, 2, 3]
    assert json.loads(got[0])["msg"]["text"] == "第0条"


def test_a_lost_publish_of_the_latest_event_is_delivered_by_the_tail_check(room, trainee_a1, monkeypatch):
    monkeypatch.setattr(conf, "TAIL_CHECK_SECONDS", 0.1)

    async def scenario():
        hub = Hub(asyncio.get_running_loop())
        got, sub = collector()
        channel = await hub.join(room.pk, sub)
        hub.go_live(channel, sub, upto=0)
        # Two messages commit; no publish of either reaches this process.
        await asyncio.to_thread(
            lambda: [message_send(actor=trainee_a1, room=room, client_msg_id=f"t{i}", text="尾") for i in range(2)]
        )
        await asyncio.sleep(1.0)
        await hub.leave(room.pk, sub)
        return got

    assert seqs(asyncio.run(scenario())) == [1, 2]


def test_a_joining_socket_gets_only_what_its_snapshot_did_not_cover(room):
    async def scenario():
        hub = Hub(asyncio.get_running_loop())
        got, sub = collector()
        channel = await hub.join(room.pk, sub)
        for seq in (1, 2, 3):
            hub.dispatch(room.pk, seq, json.dumps({"seq": seq}).encode())
        hub.go_live(channel, sub, upto=2)  # the snapshot it was sent ended at 2
        hub.dispatch(room.pk, 4, b'{"seq":4}')
        return got

    assert seqs(asyncio.run(scenario())) == [3, 4]


def test_a_flush_written_in_chunks_keeps_every_socket_in_order(room, monkeypatch):
    monkeypatch.setattr(conf, "FLUSH_CHUNK", 1)  # one socket per turn of the loop

    async def scenario():
        hub = Hub(asyncio.get_running_loop())
        pairs = [collector() for _ in range(3)]
        for _, sub in pairs:
            channel = await hub.join(room.pk, sub)
            hub.go_live(channel, sub, upto=0)
        hub.dispatch(room.pk, 1, b'{"seq":1}')
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the first flush is under way: some sockets have event 1, not all
        written = [len(got) for got, _ in pairs]
        for seq in (2, 3):
            hub.dispatch(room.pk, seq, json.dumps({"seq": seq}).encode())
        await asyncio.sleep(0.3)
        for _, sub in pairs:
            await hub.leave(room.pk, sub)
        return written, [got for got, _ in pairs]

    written, gots = asyncio.run(scenario())
    assert 0 < sum(written) < 3  # the events 2 and 3 arrived while the first flush was under way
    assert [seqs(got) for got in gots] == [[1, 2, 3]] * 3


def test_frames_are_encoded_as_unmasked_websocket_text_frames():
    assert encode_text_frame(b"hi") == b"\x81\x02hi"
    assert encode_text_frame(b"x" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert encode_text_frame(b"x" * 70000)[:10] == b"\x81\x7f" + (70000).to_bytes(8, "big")
