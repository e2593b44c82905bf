"""The fast lane itself (peixun.core.lane): off but harmless where it is not supported, a pool per event
loop that closes, bodies read in any chunking and handed over whole, and its own failures handed over.

The check-in's answers are compared with Django's in peixun/training/tests/test_checkin_lane.py."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from peixun.core.hotpath import HotPath
from peixun.core.lane import MAX_BODY, Lane, lane_supported, render_json
from peixun.core.tests.asgi import (
    LANE,
    application,
    comparable,
    csrf_pair,
    django_asgi_app,
    django_requests,
    login_session,
    on_postgresql,
    on_the_lane,
    request,
    run,
)
from peixun.training import services_checkin as sc
from peixun.training.models import CheckIn
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scan(tree, trainee_a1) -> dict[str, Any]:
    """What a trainee's phone sends to check in to a lecture starting in five minutes."""
    lecture = LectureFactory(
        training_class=ClassFactory(), starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    )
    home = VenueFactory(unit=tree.county_a1)
    EnrolmentFactory(training_class=lecture.training_class, cadre=trainee_a1.cadre, venue=home)
    return {
        "path": f"/api/training/lectures/{lecture.pk}/checkin/",
        "body": {"venue": home.pk, "token": sc.checkin_token(lecture=lecture, venue=home)},
    }


def _ask(user, scan: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"session": login_session(user), "csrf": csrf_pair(), "json": scan["body"]}


@pytest.mark.skipif(on_postgresql(), reason="the lane's absence is what SQLite shows")
def test_without_postgresql_the_lane_is_off_and_a_check_in_still_works(scan, trainee_a1):
    assert not LANE.enabled and not lane_supported()
    answers = []
    for app in (application, django_asgi_app):
        CheckIn.objects.all().delete()
        ask = _ask(trainee_a1, scan)
        with django_requests() as served:
            answers.append(run(lambda: request(app, "POST", scan["path"], **ask)))
        assert served.by_django == 1
    assert answers[0].status_code == 200 and answers[0].json()["message"] == sc.MSG_DONE
    assert comparable(answers[0]) == comparable(answers[1])
    assert LANE._pool is None  # never opened


@on_the_lane
@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"])
def test_a_session_engine_without_the_user_column_turns_the_lane_off(settings, engine):
    # The lane finds a session's user by accounts.Session's user column, which only our engine keeps.
    assert lane_supported()
    settings.SESSION_ENGINE = engine
    assert not lane_supported()


def test_a_lane_pool_of_zero_turns_the_lane_off(settings):
    settings.PEIXUN_LANE_POOL = 0
    assert not lane_supported()
    assert not Lane(django_asgi_app, routes={}).enabled


@on_the_lane
def test_a_middleware_of_ours_the_lane_does_not_emulate_turns_the_lane_off(settings):
    assert lane_supported()
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "peixun.accounts.middleware.SomeNewCheckMiddleware"]
    assert not lane_supported()
    assert not Lane(django_asgi_app, routes={}).enabled


def _connections(expected: int | None = None) -> int:
    """The other connections to the test database (waiting a little for closed ones to end: a server
    process leaves pg_stat_activity a moment after its client hung up)."""
    for _ in range(50):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            count = cursor.fetchone()[0]
        if expected is None or count == expected:
            break
        time.sleep(0.1)
    return count


@on_the_lane
def test_each_event_loop_gets_a_pool_of_its_own_and_closing_it_gives_the_connections_back(scan, trainee_a1):
    before = _connections()
    for _ in range(3):  # three loops one after the other, as in three tests
        CheckIn.objects.all().delete()
        ask = _ask(trainee_a1, scan)
        with django_requests() as served:
            response = run(lambda: request(application, "POST", scan["path"], **ask))
        assert (response.status_code, served.by_django) == (200, 0)
        assert LANE._pool is None  # closed at the end of the loop
        assert _connections(before) == before

    async def open_then_close() -> tuple[int, int]:
        await request(application, "POST", scan["path"], **ask)
        opened = await LANE._connection_pool()
        assert opened is await LANE._connection_pool()  # one pool per loop
        await LANE.aclose()
        return opened.closed, LANE._pool is None

    ask = _ask(trainee_a1, scan)
    assert run(open_then_close) == (True, True)


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


def _raw_headers(ask: dict[str, Any], body: bytes) -> list[tuple[bytes, bytes]]:
    cookie = f"{settings.SESSION_COOKIE_NAME}={ask['session']}; {settings.CSRF_COOKIE_NAME}={ask['csrf'][0]}"
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cookie", cookie.encode()),
        (b"x-csrftoken", ask["csrf"][1].encode()),
    ]


def _send_in_chunks(path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, bytes]:
    """The answer to a body sent in these chunks (as a server passes on what arrives)."""

    async def go() -> tuple[int, bytes]:
        comm = ApplicationCommunicator(application, _scope(path, headers))
        for i, chunk in enumerate(chunks):
            await comm.send_input({"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1})
        start = await comm.receive_output(timeout=20)
        body = b""
        while True:
            message = await comm.receive_output(timeout=20)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await comm.wait(timeout=5)
        return start["status"], body

    return run(go)


@on_the_lane
def test_a_small_body_in_many_chunks_is_served_on_the_lane(scan, trainee_a1):
    ask = _ask(trainee_a1, scan)
    body = json.dumps(scan["body"]).encode()
    with django_requests() as served:
        status, answer = _send_in_chunks(
            scan["path"], _raw_headers(ask, body), [body[i : i + 7] for i in range(0, len(body), 7)]
        )
    assert (status, json.loads(answer)["message"], served.by_django) == (200, sc.MSG_DONE, 0)


@on_the_lane
@pytest.mark.parametrize("split", [False, True], ids=["in one message", "in two messages"])
def test_a_body_larger_than_the_lanes_is_handed_over_whole(scan, trainee_a1, split):
    ask = _ask(trainee_a1, scan)
    raw = json.dumps(scan["body"]).encode()
    body = raw[:-1] + b" " * MAX_BODY + b"}"  # still the same scan: Django must get all of it
    chunks = [body[:10], body[10:]] if split else [body]
    with django_requests() as served:
        status, answer = _send_in_chunks(scan["path"], _raw_headers(ask, body), chunks)
    assert (status, json.loads(answer)["message"], served.by_django) == (200, sc.MSG_DONE, 1)
    assert CheckIn.objects.count() == 1


@on_the_lane
def test_a_bad_host_is_handed_over_to_django_without_a_lane_error(scan, trainee_a1, caplog):
    # A host not in ALLOWED_HOSTS makes Django's CommonMiddleware raise inside the lane.
    ask = _ask(trainee_a1, scan)
    answers = []
    for app in (application, django_asgi_app):
        with django_requests() as served:
            answers.append(run(lambda: request(app, "POST", scan["path"], headers={"Host": "evil.example"}, **ask)))
        assert served.by_django == 1
    assert answers[0].status_code == 400 and comparable(answers[0]) == comparable(answers[1])
    assert "fast lane failed" not in caplog.text
    assert not CheckIn.objects.exists()


@on_the_lane
def test_a_failure_inside_the_lane_is_logged_and_handed_over_to_django(scan, trainee_a1, caplog, monkeypatch):
    async def broken(lane):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(LANE, "routes", [(m, p, broken) for m, p, _ in LANE.routes])
    ask = _ask(trainee_a1, scan)
    with django_requests() as served:
        answer = run(lambda: request(application, "POST", scan["path"], **ask))
    assert served.by_django == 1
    assert answer.status_code == 200 and answer.json()["message"] == sc.MSG_DONE
    assert "fast lane failed; handing over" in caplog.text
    assert CheckIn.objects.count() == 1


@on_the_lane
def test_other_methods_and_paths_pass_the_lane_untouched(scan, trainee_a1):
    session = login_session(trainee_a1)
    with django_requests() as served:
        wrong_method = run(lambda: request(application, "PUT", scan["path"], session=session, csrf=csrf_pair()))
        other_path = run(lambda: request(application, "GET", "/api/training/lectures/", session=session))
    assert (wrong_method.status_code, other_path.status_code) == (405, 200)
    assert [s for s in served.senders] == [type(django_asgi_app)] * 2


def test_the_lane_sits_in_front_of_the_hot_path():
    assert isinstance(LANE, Lane) and isinstance(LANE.app, HotPath) and LANE.app.app is django_asgi_app


def test_with_the_lane_off_a_check_in_takes_the_hot_path(scan, trainee_a1, monkeypatch):
    monkeypatch.setattr(LANE, "enabled", False)
    ask = _ask(trainee_a1, scan)
    with django_requests() as served:
        response = run(lambda: request(application, "POST", scan["path"], **ask))
    assert response.status_code == 200 and response.json()["message"] == sc.MSG_DONE
    assert served.senders == [HotPath]


JSON_SAMPLES = {
    "plain Chinese text": {"stem": "《中国共产党纪律处分条例》第三条", "points": "5", "n": 3, "ok": True, "x": None},
    "every escape json makes": {"s": "".join(chr(c) for c in range(0x20)) + '"\\/\x7f'},
    "line and paragraph separators": {"s": "a\u2028b\u2029c"},
    "dates and decimals by DRF's encoder": {
        "at": dt.datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=dt.UTC),
        "day": dt.date(2026, 11, 27),
        "score": Decimal("87.50"),
    },
    "nested lists": {"rows": [[1, "A", ["B", "C"]], [], [{"k": "v"}]]},
    "characters beyond the basic plane": {"s": "𠮷😀"},
}


@pytest.mark.parametrize("name", JSON_SAMPLES)
def test_the_lanes_json_is_byte_for_byte_what_drf_renders(name):
    payload = JSON_SAMPLES[name]
    assert render_json(payload) == JSONRenderer().render(payload)


def test_a_sessions_data_decoded_once_is_not_changed_by_what_one_request_does_with_it():
    from peixun.accounts.sessions import SessionStore
    from peixun.core.lane import _session

    text = SessionStore().encode({"_auth_user_id": "1", "last_activity": 5})
    first = _session("k" * 32, text)
    first["last_activity"] = 99  # what the idle refresh does
    assert _session("k" * 32, text)._session_cache == {"_auth_user_id": "1", "last_activity": 5}
    assert _session("k" * 32, text[:-1] + "x") is None  # another text is decoded afresh: a bad signature
