"""Two uvicorn worker processes with Redis between them behave as one chat server."""

from __future__ import annotations

import asyncio

import pytest

from peixun.chat.models import ChatMessage
from peixun.chat.tests.factories import enrol, make_lecture
from peixun.chat.tests.wsclient import ChatClient, session_cookie

pytestmark = pytest.mark.stack


@pytest.fixture
def lecture(office, teacher, trainee_a1, trainee_b1):
    lec = make_lecture(office=office, teacher=teacher)
    enrol(trainee_a1, lec)
    enrol(trainee_b1, lec)
    return lec


def test_messages_sent_through_one_worker_reach_clients_of_the_other(workers, lecture, trainee_a1, trainee_b1):
    a_worker, b_worker = workers
    ca, cb = session_cookie(trainee_a1), session_cookie(trainee_b1)

    async def scenario():
        a = await ChatClient(a_worker.ws, lecture.pk, ca).connect()
        b = await ChatClient(b_worker.ws, lecture.pk, cb).connect()
        for i in range(3):
            ack_a = await a.say(f"甲{i}", f"a{i}")
            ack_b = await b.say(f"乙{i}", f"b{i}")
            assert ack_a["type"] == ack_b["type"] == "ack"
        await a.until_seq(6)
        await b.until_seq(6)
        await a.drain()
        await b.drain()
        await a.close()
        await b.close()
        return a, b

    a, b = asyncio.run(scenario())
    assert a.messages() == b.messages() == ["甲0", "乙0", "甲1", "乙1", "甲2", "乙2"]
    assert a.received_seqs == b.received_seqs == [1, 2, 3, 4, 5, 6]


def test_killing_a_worker_loses_nothing_and_its_clients_recover_through_the_other(
    workers, lecture, trainee_a1, trainee_b1, teacher
):
    a_worker, b_worker = workers
    ca, cb, ct = session_cookie(trainee_a1), session_cookie(trainee_b1), session_cookie(teacher)

    async def scenario():
        a = await ChatClient(a_worker.ws, lecture.pk, ca).connect()  # a browser on worker A
        b = await ChatClient(b_worker.ws, lecture.pk, cb).connect()  # a browser on worker B
        t = await ChatClient(a_worker.ws, lecture.pk, ct).connect()  # the teacher, on worker A
        for i in range(3):
            await a.say(f"课前{i}", f"a{i}")
        await t.say("开始上课", "t0")
        for c in (a, b, t):  # every browser has the four messages before worker A dies
            await c.until_seq(4)
        a_worker.kill()
        # Worker A's clients notice and reconnect through worker B with the last number they saw.
        for c in (a, t):
            with pytest.raises(Exception):
                await c.next_frame(lambda f: False, timeout=10)
        for i in range(3):
            await b.say(f"重启中{i}", f"b{i}")
        seen_before = {id(c): list(c.received_seqs) for c in (a, t)}
        for c in (a, t):
            c.base = b_worker.ws
            await c.connect()
            assert c.welcome["snapshot"] == "resume"
        await a.until_seq(7)
        await t.until_seq(7)
        a_worker.start()  # the restarted worker serves again, from the same database
        late = await ChatClient(a_worker.ws, lecture.pk, ca).connect(resume=False)
        await t.say("继续", "t1")
        await a.until_seq(8)
        await b.until_seq(8)
        for c in (a, b, t):
            await c.drain()
        await late.drain()
        for c in (a, b, t, late):
            await c.close()
        return a, b, t, late, seen_before

    a, b, t, late, seen_before = asyncio.run(scenario())
    expected = ["课前0", "课前1", "课前2", "开始上课", "重启中0", "重启中1", "重启中2", "继续"]
    assert ChatMessage.objects.filter(room__lecture=lecture).count() == 8
    for c in (a, b, t):
        assert c.messages() == expected
        assert sorted(c.received_seqs) == list(range(1, 9)) == c.received_seqs, "lost or duplicated"
    assert seen_before[id(a)] == [1, 2, 3, 4]
    assert late.messages()[:7] == expected[:7]
