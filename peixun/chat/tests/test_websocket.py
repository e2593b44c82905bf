"""Real websocket clients against config.asgi served by uvicorn (one process; see tests/chat_stack for two)."""

from __future__ import annotations

import asyncio

import pytest

from peixun.chat import fanout, services
from peixun.chat.consumers import ERR_BAD_FRAME
from peixun.chat.models import ChatMessage
from peixun.chat.tests.wsclient import ChatClient, Refused, session_cookie, uvicorn_thread
from peixun.org.tests.factories import cadre_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    with uvicorn_thread() as base:
        yield base


@pytest.fixture
def clients(server, lecture, trainee_a1, trainee_b1, teacher):
    cookies = {u: session_cookie(u) for u in (trainee_a1, trainee_b1, teacher)}

    def make(user):
        return ChatClient(server, lecture.pk, cookies.get(user) or session_cookie(user))

    return make


def run(coro):
    return asyncio.run(coro)


def test_two_clients_exchange_messages(clients, trainee_a1, trainee_b1):
    async def scenario():
        a = await clients(trainee_a1).connect()
        b = await clients(trainee_b1).connect()
        assert a.welcome["role"] == "participant" and a.welcome["last_seq"] == 0
        ack = await a.say("各位好 👋", "a-1")
        assert ack == {"type": "ack", "client_id": "a-1", "seq": 1, "duplicate": False}
        await b.until_seq(1)
        ack = await b.say("你好", "b-1")
        await a.until_seq(ack["seq"])
        # Under uvicorn the hub writes one pre-encoded frame to each socket's transport.
        subs = [s for h in list(fanout._hubs.values()) for ch in list(h.rooms.values()) for s in ch.subs]
        assert len(subs) == 2 and all(s.transport is not None for s in subs)
        await a.close()
        await b.close()
        return a, b

    a, b = run(scenario())
    assert a.messages() == b.messages() == ["各位好 👋", "你好"]
    assert b.events[1]["msg"]["sender"] == trainee_a1.display_name


def test_a_reconnecting_client_gets_exactly_the_missed_messages(clients, trainee_a1, trainee_b1):
    async def scenario():
        a = await clients(trainee_a1).connect()
        b = await clients(trainee_b1).connect()
        await a.say("一", "a-1")
        await b.until_seq(1)
        await b.close()
        for i in range(2, 5):
            await a.say(f"{i}", f"a-{i}")
        b.received_seqs.clear()
        await b.connect()
        assert b.welcome["snapshot"] == "resume"
        await b.until_seq(4)
        await a.say("5", "a-5")
        await b.until_seq(5)
        await b.drain()
        await a.close()
        await b.close()
        return b

    b = run(scenario())
    assert b.received_seqs == [2, 3, 4, 5]
    assert b.messages() == ["一", "2", "3", "4", "5"]


def test_a_retried_send_is_stored_and_delivered_once(clients, trainee_a1, trainee_b1):
    async def scenario():
        a = await clients(trainee_a1).connect()
        b = await clients(trainee_b1).connect()
        first = await a.say("只存一次", "dup-1")
        again = await a.say("只存一次", "dup-1")
        await a.say("下一条", "dup-2")
        await b.until_seq(2)
        await b.drain()
        await a.close()
        await b.close()
        return first, again, b

    first, again, b = run(scenario())
    assert (first["seq"], first["duplicate"]) == (1, False)
    assert (again["seq"], again["duplicate"]) == (1, True)
    assert b.received_seqs == [1, 2]
    assert ChatMessage.objects.filter(client_msg_id="dup-1").count() == 1


def test_outsiders_and_anonymous_users_are_refused_at_connect(server, lecture, tree, venue_operator_a1, teacher):
    outsider = cadre_user(unit=tree.county_a2, name="外单位学员")

    async def refusal(lecture_id, cookie):
        try:
            await ChatClient(server, lecture_id, cookie).connect()
        except Refused as exc:
            return exc.args[0]
        return "accepted"

    assert run(refusal(lecture.pk, session_cookie(outsider))) == 403
    assert run(refusal(lecture.pk, session_cookie(venue_operator_a1))) == 403
    assert run(refusal(lecture.pk, "sessionid=forged")) == 403
    assert run(refusal(999999, session_cookie(teacher))) == 403


def test_a_muted_trainee_is_refused_with_the_reason(clients, room, teacher, trainee_a1):
    services.participant_mute(actor=teacher, room=room, user_id=trainee_a1.pk, minutes=5)

    async def scenario():
        a = await clients(trainee_a1).connect()
        reply = await a.say("我要发言", "m-1")
        await a.close()
        return reply

    reply = run(scenario())
    assert reply["type"] == "error" and reply["message"].startswith("您已被主持人禁言至")
    assert not ChatMessage.objects.exists()


def test_bad_frames_get_a_chinese_error_and_change_nothing(clients, trainee_a1):
    async def scenario():
        a = await clients(trainee_a1).connect()
        replies = []
        for raw in [
            "not json",
            "[]",
            '{"type":"explode"}',
            '{"type":"send","client_id":"x"}',
            '{"type":"send","client_id":5,"text":"a"}',
            '{"type":"vote","seq":"1"}',
        ]:
            await a.ws.send(raw)
            replies.append(await a.next_frame(lambda f: f["type"] == "error"))
        ok = await a.say("仍然可以发", "ok-1")
        await a.close()
        return replies, ok

    replies, ok = run(scenario())
    assert {(r["code"], r["message"]) for r in replies} == {("bad_frame", ERR_BAD_FRAME)}
    assert ok["seq"] == 1


def test_the_rate_limit_refuses_the_sixth_quick_message_visibly(clients, trainee_a1):
    async def scenario():
        a = await clients(trainee_a1).connect()
        replies = [await a.say(f"第{i}条", f"r-{i}") for i in range(6)]
        await a.close()
        return replies

    replies = run(scenario())
    assert [r["type"] for r in replies] == ["ack"] * 5 + ["error"]
    assert replies[-1]["code"] == "rate_limited" and replies[-1]["message"] == services.ERR_RATE.format(wait=1)


def test_a_late_joiner_sees_the_recent_history_and_pages_back(clients, room, trainee_a1, trainee_b1, monkeypatch):
    from peixun.chat import conf

    monkeypatch.setattr(conf, "RATE_BURST", 1000)
    for i in range(60):
        services.message_send(actor=trainee_a1, room=room, client_msg_id=f"h{i}", text=f"历史{i}")

    async def scenario():
        b = await clients(trainee_b1).connect()
        first = (
            b.frames[-2]
            if b.frames[-1]["type"] == "questions"
            else await b.next_frame(lambda f: f["type"] == "history")
        )
        await b.send(type="history", before=min(b.events))
        page = await b.next_frame(lambda f: f["type"] == "history" and f["page"])
        await b.close()
        return b, first, page

    b, first, page = run(scenario())
    assert first["has_more"] is True and len(first["events"]) == 50
    assert [e["seq"] for e in page["events"]] == list(range(1, 11)) and page["has_more"] is False
    assert b.messages()[0] == "历史0" and len(b.messages()) == 60


def test_the_host_moderates_and_everyone_sees_it(clients, teacher, trainee_a1, trainee_b1):
    async def scenario():
        t = await clients(teacher).connect()
        a = await clients(trainee_a1).connect()
        b = await clients(trainee_b1).connect()
        assert t.welcome["role"] == "host"
        await a.say("老师，这题怎么做？", "q-1", question=True)  # seq 1 message, seq 2 question
        await b.until_seq(2)
        await b.send(type="vote", seq=1)
        await t.until_seq(3)
        assert t.events[3]["q"]["votes"] == 1
        await t.send(type="answer", seq=1, text="下课后看讲义")
        await b.send(type="delete", seq=1)  # not a host
        refused = await b.next_frame(lambda f: f["type"] == "error")
        await b.say("无关内容", "b-1")
        await t.until_seq(5)
        await t.send(type="delete", seq=5)
        await t.send(type="mode", mode="closed")
        await a.until_seq(7)
        late = await a.say("关闭后发言", "a-late")
        for c in (t, a, b):
            await c.close()
        return a, refused, late

    a, refused, late = run(scenario())
    kinds = [a.events[s]["kind"] for s in sorted(a.events)]
    assert kinds == ["message", "question", "question", "question", "message", "delete", "mode"]
    assert a.events[4]["q"]["answered"] is True and a.events[4]["q"]["answer"] == "下课后看讲义"
    assert a.events[6]["target"] == 5 and a.events[7]["mode"] == "closed"
    assert refused["message"] == services.ERR_NOT_HOST
    assert late["message"] == services.ERR_CLOSED


def test_sends_fired_without_waiting_are_group_committed_in_order(clients, room, trainee_a1, trainee_b1, monkeypatch):
    from peixun.chat import batching, conf

    monkeypatch.setattr(conf, "RATE_BURST", 1000)

    async def scenario():
        a = await clients(trainee_a1).connect()
        b = await clients(trainee_b1).connect()
        for i in range(40):
            await a.send(type="send", client_id=f"g{i}", text=f"连发{i}")
        acks = [await a.next_frame(lambda f: f["type"] == "ack") for _ in range(40)]
        await b.until_seq(40)
        await b.drain()
        stats = [bt.batches for rooms in list(batching._batchers.values()) for bt in rooms.values()]
        await a.close()
        await b.close()
        return acks, b, stats

    acks, b, stats = run(scenario())
    assert [(f["client_id"], f["seq"]) for f in acks] == [(f"g{i}", i + 1) for i in range(40)]
    assert b.received_seqs == list(range(1, 41))
    assert b.messages() == [f"连发{i}" for i in range(40)]
    assert 0 < sum(stats) < 40, "queued sends should share transactions"
