"""The check-in scan on the fast lane (peixun.core.lane, services_checkin_lane) answers exactly as Django
answers, serves only the plain success and hands everything else over untouched, refreshes the idle
timeout as the session middleware would, and writes one row per trainee under a burst.

Every request goes through the real ASGI application (`config.asgi.application`) in process; "plain
Django" is Django's ASGI handler alone. The lane reads and writes over its own connections, so the data
is committed (transactional tests), and it runs on PostgreSQL only."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from peixun.accounts.middleware import LAST_ACTIVITY_KEY, MSG_PASSWORD_EXPIRED
from peixun.accounts.models import Session, User
from peixun.accounts.sessions import SessionStore
from peixun.core.lane import MAX_BODY
from peixun.core.tests.asgi import (
    application,
    comparable,
    csrf_pair,
    django_asgi_app,
    django_requests,
    login_session,
    on_the_lane,
    request,
    run,
)
from peixun.org.tests.factories import cadre_user
from peixun.training import services_checkin as sc
from peixun.training.models import CheckIn, CheckInMethod, CheckInStatus, ClassStatus, Lecture, Venue
from peixun.training.services_checkin import attendance_mark
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    on_the_lane,
]

ROW_FIELDS = ("status", "method", "venue_id", "study_hours", "recorded_by_id", "watched_seconds")


@dataclass
class World:
    soon: Lecture  # starts in 5 minutes: a scan is on time
    begun: Lecture  # began 12 minutes ago: a scan is late
    home: Venue
    foreign: Venue
    trainee: User
    operator: User
    enrolment_id: int


@pytest.fixture
def world(tree, trainee_a1, venue_operator_a1) -> World:
    now = timezone.now().replace(microsecond=0)
    cls = ClassFactory(study_hours=Decimal("6.0"))
    soon = LectureFactory(training_class=cls, starts_at=now + dt.timedelta(minutes=5), study_hours=Decimal("0"))
    begun = LectureFactory(training_class=cls, starts_at=now - dt.timedelta(minutes=12), study_hours=Decimal("2.5"))
    home, foreign = VenueFactory(unit=tree.county_a1), VenueFactory(unit=tree.county_b1)
    enrolment = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre, venue=home)
    return World(soon, begun, home, foreign, trainee_a1, venue_operator_a1, enrolment.pk)


def url(lecture: Lecture | int) -> str:
    return f"/api/training/lectures/{lecture if isinstance(lecture, int) else lecture.pk}/checkin/"


def scan_body(lecture: Lecture, venue: Venue, **token_time: Any) -> dict[str, Any]:
    return {"venue": venue.pk, "token": sc.checkin_token(lecture=lecture, venue=venue, **token_time)}


def rows() -> list[dict[str, Any]]:
    found = list(CheckIn.objects.order_by("lecture_id", "cadre_id").values(*ROW_FIELDS, "checked_at"))
    for row in found:
        row["checked_at"] = row["checked_at"] is not None
    return found


def send(app: Any, path: str, **kwargs: Any) -> tuple[Any, int]:
    """The answer of `app`, and how many requests Django itself handled for it."""
    with django_requests() as served:
        response = run(lambda: request(app, "POST", path, **kwargs))
    return response, served.by_django


# --- 1. The lane's answers are Django's answers --------------------------------------------------------


def _first_scan(w: World) -> tuple[str, dict[str, Any]]:
    return url(w.soon), scan_body(w.soon, w.home)


def _late_scan(w: World) -> tuple[str, dict[str, Any]]:
    return url(w.begun), scan_body(w.begun, w.home)


def _second_scan(w: World) -> tuple[str, dict[str, Any]]:
    sc.checkin_scan(actor=w.trainee, lecture=w.soon.pk, venue=w.home.pk, token=scan_body(w.soon, w.home)["token"])
    return url(w.soon), scan_body(w.soon, w.home)


def _absent_row(w: World) -> tuple[str, dict[str, Any]]:
    sc.watch_time_record(lecture=w.soon, cadre=w.trainee.cadre, seconds=600)
    attendance_mark(actor=w.operator, lecture=w.soon, venue=w.home, marks={w.enrolment_id: "absent"})
    return url(w.soon), scan_body(w.soon, w.home)


SUCCESSES: dict[str, tuple[Callable[[World], tuple[str, dict[str, Any]]], str, str]] = {
    "first scan": (_first_scan, CheckInStatus.PRESENT, sc.MSG_DONE),
    "late scan": (_late_scan, CheckInStatus.LATE, sc.MSG_DONE),
    "second scan": (_second_scan, CheckInStatus.PRESENT, sc.MSG_ALREADY),
    "operator's absent row": (_absent_row, CheckInStatus.PRESENT, sc.MSG_DONE),
}


@pytest.mark.parametrize("scenario", SUCCESSES)
def test_the_lane_answers_and_stores_a_scan_exactly_as_django(world, scenario):
    arrange, status, message = SUCCESSES[scenario]
    outcomes = []
    for app in (application, django_asgi_app):
        CheckIn.objects.all().delete()
        path, body = arrange(world)
        response, by_django = send(app, path, session=login_session(world.trainee), csrf=csrf_pair(), json=body)
        outcomes.append((comparable(response), rows(), by_django))
    (lane, lane_rows, lane_by_django), (plain, plain_rows, _) = outcomes
    assert lane_by_django == 0  # served by the lane: Django never started a request
    assert lane[0] == 200 and json.loads(lane[1]) == {"status": status, "message": message}
    assert lane == plain
    assert lane_rows == plain_rows
    assert lane_rows[0]["status"] == status and lane_rows[0]["method"] == CheckInMethod.QR
    assert (lane_rows[0]["venue_id"], lane_rows[0]["recorded_by_id"]) == (world.home.pk, world.trainee.pk)
    headers = dict(lane[2])
    assert headers["vary"] == "Accept, Accept-Language, Cookie" and headers["allow"] == "POST, OPTIONS"
    assert headers["x-frame-options"] == "DENY" and headers["content-type"] == "application/json"


def test_the_operators_absent_row_keeps_its_watch_time_and_gets_the_lectures_hours(world):
    path, body = _absent_row(world)
    response, by_django = send(application, path, session=login_session(world.trainee), csrf=csrf_pair(), json=body)
    assert (response.status_code, by_django) == (200, 0)
    stored = CheckIn.objects.get()
    # The lecture has no hours of its own: half the class's 6.0.
    assert (stored.watched_seconds, stored.study_hours, stored.status) == (600, Decimal("3.0"), CheckInStatus.PRESENT)


# --- 2. Everything but the plain success is Django's ---------------------------------------------------


def _request(w: World, user: User | None = None, **overrides: Any) -> dict[str, Any]:
    user = user or w.trainee
    kwargs: dict[str, Any] = {
        "path": url(w.soon),
        "session": login_session(user),
        "csrf": csrf_pair(),
        "json": scan_body(w.soon, w.home),
    }
    kwargs.update(overrides)
    return kwargs


def _trainee(w: World, **user_fields: Any) -> User:
    """Another trainee enrolled at the home venue."""
    user = cadre_user(unit=w.home.unit)
    User.objects.filter(pk=user.pk).update(**user_fields)
    EnrolmentFactory(training_class=w.soon.training_class, cadre=user.cadre, venue=w.home)
    return User.objects.get(pk=user.pk)


def _expired_session(w: World) -> dict[str, Any]:
    kwargs = _request(w)
    Session.objects.filter(session_key=kwargs["session"]).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    return kwargs


def _password_changed(w: World) -> dict[str, Any]:
    user = _trainee(w)
    kwargs = _request(w, user)
    user.set_password("另一个密码-2026")
    user.save()
    return kwargs


def _sessions_ended(w: World) -> dict[str, Any]:
    user = _trainee(w)
    kwargs = _request(w, user)
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    return kwargs


def _password_expired(w: World) -> dict[str, Any]:
    long_ago = timezone.now() - dt.timedelta(days=settings.PASSWORD_EXPIRY_DAYS + 1)
    return _request(w, _trainee(w, password_changed_at=long_ago))


def _big(w: World) -> dict[str, Any]:
    raw = json.dumps(scan_body(w.soon, w.home)).encode()
    return _request(
        w, json=None, content=raw[:-1] + b" " * MAX_BODY + b"}", headers={"Content-Type": "application/json"}
    )


def _raw(w: World, content: bytes, content_type: str = "application/json") -> dict[str, Any]:
    return _request(w, json=None, content=content, headers={"Content-Type": content_type})


def _not_enrolled(w: World) -> dict[str, Any]:
    return _request(w, cadre_user(unit=w.home.unit))


def _other_class(w: World) -> dict[str, Any]:
    hidden = LectureFactory(training_class=ClassFactory(status=ClassStatus.DRAFT))
    return _request(w, path=url(hidden), json=scan_body(hidden, w.home))


def _unknown_lecture(w: World) -> dict[str, Any]:
    return _request(w, path=url(999999), json=scan_body(Lecture(pk=999999), w.home))


# name: (how to ask, the status Django answers with, whether Django writes the check-in)
HAND_OVERS: dict[str, tuple[Callable[[World], dict[str, Any]], int, bool]] = {
    "no session cookie": (lambda w: _request(w, session=None), 403, False),
    "an unknown session": (lambda w: _request(w, session="k" * 32), 403, False),
    "an expired session": (_expired_session, 403, False),
    "an inactive user": (lambda w: _request(w, _trainee(w, is_active=False)), 403, False),
    "a changed password": (_password_changed, 403, False),
    "sessions ended by the account's generation": (_sessions_ended, 403, False),
    "an expired password": (_password_expired, 403, False),
    "no CSRF token": (lambda w: _request(w, csrf=None), 403, False),
    "a wrong CSRF token": (lambda w: _request(w, csrf=(csrf_pair()[0], csrf_pair()[1])), 403, False),
    "a foreign Origin": (lambda w: _request(w, headers={"Origin": "http://evil.example"}), 403, False),
    "a form-encoded body": (
        lambda w: _raw(w, urlencode(scan_body(w.soon, w.home)).encode(), "application/x-www-form-urlencoded"),
        200,
        True,
    ),
    "extra keys": (lambda w: _request(w, json={**scan_body(w.soon, w.home), "extra": 1}), 200, True),
    "the venue as a string": (
        lambda w: _request(w, json={**scan_body(w.soon, w.home), "venue": str(w.home.pk)}),
        200,
        True,
    ),
    "the venue as a bool": (lambda w: _request(w, json={**scan_body(w.soon, w.home), "venue": True}), 400, False),
    "malformed JSON": (lambda w: _raw(w, b'{"venue": 1, "token": '), 400, False),
    "a UTF-8 BOM": (lambda w: _raw(w, b"\xef\xbb\xbf" + json.dumps(scan_body(w.soon, w.home)).encode()), 400, False),
    "a UTF-16 body": (lambda w: _raw(w, json.dumps(scan_body(w.soon, w.home)).encode("utf-16")), 400, False),
    "a forged token": (lambda w: _request(w, json={"venue": w.home.pk, "token": "1.forged"}), 400, False),
    "a stale token": (
        lambda w: _request(w, json=scan_body(w.soon, w.home, now=timezone.now() - dt.timedelta(minutes=5))),
        400,
        False,
    ),
    "another venue": (lambda w: _request(w, json=scan_body(w.soon, w.foreign)), 400, False),
    "not enrolled": (_not_enrolled, 400, False),
    "a lecture of another class": (_other_class, 404, False),
    "an unknown lecture": (_unknown_lecture, 404, False),
    "a non-trainee account": (lambda w: _request(w, User.objects.get(username="sysadmin")), 403, False),
    "a body larger than the lane's": (_big, 200, True),
    "a query string": (lambda w: {**_request(w), "path": url(w.soon) + "?format=json"}, 200, True),
    "Accept: text/html": (lambda w: _request(w, headers={"Accept": "text/html"}), 200, True),
    "Accept: text/*": (lambda w: _request(w, headers={"Accept": "text/*"}), 200, True),
    "Accept: indented JSON": (lambda w: _request(w, headers={"Accept": "application/json; indent=2"}), 200, True),
    "Accept: XML": (lambda w: _request(w, headers={"Accept": "application/xml"}), 406, False),
}
# Answers with a fresh CSRF token in them (the browsable API's forms): compared by status and type.
NOT_BYTE_FOR_BYTE = {"Accept: text/html", "Accept: text/*"}


@pytest.fixture
def sysadmin(system_admin):  # type: ignore[no-untyped-def]
    return system_admin


@pytest.mark.parametrize("case", HAND_OVERS)
def test_the_lane_hands_over_all_but_the_plain_success_and_djangos_answer_comes_back(world, sysadmin, case):
    arrange, status, writes = HAND_OVERS[case]
    outcomes = []
    for app in (application, django_asgi_app):
        CheckIn.objects.all().delete()
        kwargs = arrange(world)
        response, by_django = send(app, kwargs.pop("path"), **kwargs)
        outcomes.append((response, by_django, CheckIn.objects.count()))
    (lane, lane_by_django, lane_rows), (plain, _, plain_rows) = outcomes
    assert lane_by_django == 1  # handed over: Django handled the request
    assert lane.status_code == status, lane.content.decode()
    assert (lane_rows, plain_rows) == ((1, 1) if writes else (0, 0))
    if case in NOT_BYTE_FOR_BYTE:
        assert lane.headers["content-type"] == plain.headers["content-type"]
        assert lane.status_code == plain.status_code
    else:
        assert comparable(lane) == comparable(plain)


def test_an_expired_password_gets_the_password_expired_error(world):
    kwargs = _password_expired(world)
    response, by_django = send(application, kwargs.pop("path"), **kwargs)
    assert (response.status_code, by_django) == (403, 1)
    assert response.json() == {"error": {"code": "password_expired", "message": MSG_PASSWORD_EXPIRED}}
    assert not CheckIn.objects.exists()


def test_the_headers_phones_and_scripts_commonly_send_stay_on_the_lane(world):
    variants = [{"Accept": a} for a in ("*/*", "application/json", "application/json, text/plain, */*")]
    variants += [{"Accept": "application/json;q=0.9"}, {"Content-Type": "application/json;charset=UTF-8"}]
    for headers in variants:
        CheckIn.objects.all().delete()
        kwargs = _request(world, headers=headers)
        response, by_django = send(application, kwargs.pop("path"), **kwargs)
        assert (response.status_code, by_django) == (200, 0), headers


# --- 3. The idle timeout --------------------------------------------------------------------------------


def _session_row(key: str) -> tuple[str, dt.datetime]:
    row = Session.objects.get(session_key=key)
    return row.session_data, row.expire_date


def test_a_scan_after_a_quiet_minute_pushes_the_sessions_expiry_on_as_django_does(world, caplog):
    quiet = int(time.time()) - settings.SESSION_IDLE_REFRESH_SECONDS - 1
    answers = []
    for app in (application, django_asgi_app):
        CheckIn.objects.all().delete()
        key = login_session(world.trainee, last_activity=quiet)
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
        before = timezone.now()
        response, _by_django = send(
            app, url(world.soon), session=key, csrf=csrf_pair(), json=scan_body(world.soon, world.home)
        )
        answers.append(response)
        _data, expires = _session_row(key)
        assert expires >= before + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE) - dt.timedelta(seconds=2)
        session = SessionStore(session_key=key).load()
        assert session[LAST_ACTIVITY_KEY] >= quiet + settings.SESSION_IDLE_REFRESH_SECONDS
        assert session["_auth_user_id"] == str(world.trainee.pk)
        assert response.cookies[settings.SESSION_COOKIE_NAME] == key
    assert "Session data corrupted" not in caplog.text
    lane, plain = answers
    assert comparable(lane) == comparable(plain)
    assert [h for h in comparable(lane)[2] if h[0] == "set-cookie"] == [
        ("set-cookie", f"{settings.SESSION_COOKIE_NAME}=…; HttpOnly; Path=/; SameSite=Lax")
    ]


def test_a_refreshed_session_still_logs_django_in(world):
    key = login_session(world.trainee, last_activity=0)
    response, by_django = send(
        application, url(world.soon), session=key, csrf=csrf_pair(), json=scan_body(world.soon, world.home)
    )
    assert (response.status_code, by_django) == (200, 0)
    listing = run(lambda: request(django_asgi_app, "GET", "/api/training/lectures/", session=key))
    assert listing.status_code == 200 and listing.json()["count"] == 2


def test_a_recent_session_is_not_written(world):
    key = login_session(world.trainee, last_activity=int(time.time()))
    before = _session_row(key)
    response, by_django = send(
        application, url(world.soon), session=key, csrf=csrf_pair(), json=scan_body(world.soon, world.home)
    )
    assert (response.status_code, by_django) == (200, 0)
    assert _session_row(key) == before
    assert "set-cookie" not in response.headers and "Cookie" in response.headers["vary"]


def test_a_background_request_does_not_keep_the_session_alive(world):
    key = login_session(world.trainee, last_activity=0)
    before = _session_row(key)
    response, by_django = send(
        application,
        url(world.soon),
        session=key,
        csrf=csrf_pair(),
        json=scan_body(world.soon, world.home),
        headers={"X-Peixun-Background": "1"},
    )
    assert (response.status_code, by_django) == (200, 0)
    assert _session_row(key) == before and "set-cookie" not in response.headers


# --- 4. A burst -------------------------------------------------------------------------------------------


def test_a_burst_of_scans_writes_exactly_one_row_per_trainee(world):
    trainees = [world.trainee] + [_trainee(world) for _ in range(49)]
    asks = [(login_session(t), csrf_pair()) for t in trainees]
    asks += [(login_session(world.trainee), csrf_pair()) for _ in range(10)]  # the same phone, again and again
    body = scan_body(world.soon, world.home)

    async def burst() -> list[Any]:
        return await asyncio.gather(
            *(request(application, "POST", url(world.soon), session=s, csrf=c, json=body) for s, c in asks)
        )

    with django_requests() as served:
        answers = run(burst)
    assert served.by_django == 0
    assert [a.status_code for a in answers] == [200] * 60
    assert {a.json()["message"] for a in answers} <= {sc.MSG_DONE, sc.MSG_ALREADY}
    stored = list(CheckIn.objects.values_list("cadre_id", flat=True))
    assert sorted(stored) == sorted(t.cadre_id for t in trainees)
    assert set(CheckIn.objects.values_list("status", "method", "venue_id")) == {
        (CheckInStatus.PRESENT, CheckInMethod.QR, world.home.pk)
    }
