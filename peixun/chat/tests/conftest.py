from __future__ import annotations

import uuid

import pytest

from peixun.chat import ratelimit
from peixun.chat.services import room_open
from peixun.chat.tests.factories import enrol, make_lecture


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    monkeypatch.setattr(ratelimit, "NAMESPACE", uuid.uuid4().hex)


@pytest.fixture
def lecture(office, teacher, trainee_a1, trainee_b1):
    lec = make_lecture(office=office, teacher=teacher)
    enrol(trainee_a1, lec)
    enrol(trainee_b1, lec)
    return lec


@pytest.fixture
def room(lecture, teacher):
    return room_open(actor=teacher, lecture=lecture)
