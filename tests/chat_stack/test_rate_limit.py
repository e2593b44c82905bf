"""The rate limit holds across worker processes: one person's sends through two workers at once share
one bucket (a Redis script takes the token atomically)."""

from __future__ import annotations

import asyncio

import pytest

from peixun.chat import services
from peixun.chat.models import ChatMessage
from peixun.chat.tests.factories import enrol, make_lecture
from peixun.chat.tests.wsclient import ChatClient, session_cookie
from tests.chat_stack.conftest import worker_pair

pytestmark = pytest.mark.stack

BURST = 5


@pytest.fixture
def slow_bucket_workers(transactional_db, tmp_path):
    # A bucket that refills once in 1,000 s: only the burst may pass during the test.
    with worker_pair(tmp_path, PEIXUN_CHAT_RATE="0.001", PEIXUN_CHAT_BURST=str(BURST)) as pair:
        yield pair


def test_one_persons_sends_racing_through_two_workers_pass_only_the_burst(
    slow_bucket_workers, office, teacher, trainee_a1
):
    lecture = make_lecture(office=office, teacher=teacher)
    enrol(trainee_a1, lecture)
    a_worker, b_worker = slow_bucket_workers
    cookie = session_cookie(trainee_a1)

    async def scenario():
        a = await ChatClient(a_worker.ws, lecture.pk, cookie).connect()
        b = await ChatClient(b_worker.ws, lecture.pk, cookie).connect()
        # Both sockets fire 10 sends without waiting, then collect the 10 answers each.
        for i in range(10):
            await a.send(type="send", client_id=f"a{i}", text=f"甲{i}")
            await b.send(type="send", client_id=f"b{i}", text=f"乙{i}")
        answers = []
        for c in (a, b):
            for _ in range(10):
                answers.append(await c.next_frame(lambda f: f["type"] in {"ack", "error"}))
        for c in (a, b):
            await c.close()
        return answers

    answers = asyncio.run(scenario())
    acks = [f for f in answers if f["type"] == "ack"]
    refused = [f for f in answers if f["type"] == "error"]
    assert len(acks) == BURST and len(refused) == 20 - BURST
    assert {f["code"] for f in refused} == {"rate_limited"}
    assert all(f["message"].startswith("发送太快了") for f in refused)
    assert ChatMessage.objects.filter(room__lecture=lecture).count() == BURST
    assert sorted(f["seq"] for f in acks) == list(range(1, BURST + 1))
    assert services.ERR_RATE.startswith("发送太快了")
