"""The hot path (peixun.core.hotpath): its routes answer as Django's ASGI handler answers, other routes are
untouched, streaming and failing views still work, and every request gives its database connection back.

Requests go through the real ASGI application in process; the threads of the hot path and of Django's
handler see only committed data, hence transactional tests."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.core import signals
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import include, path
from django.utils import timezone

from config.asgi import HOT_ROUTES
from peixun.core.hotpath import HotPath
from peixun.core.tests.asgi import (
    comparable,
    csrf_pair,
    django_asgi_app,
    django_requests,
    login_session,
    on_postgresql,
    request,
    run,
)
from peixun.exams.models import Paper, PaperMode, PaperRule
from peixun.exams.services import attempt_start
from peixun.exams.tests.factories import QuestionFactory, open_exam
from peixun.training import services_checkin as sc
from peixun.training.models import CheckIn
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory

pytestmark = pytest.mark.django_db(transaction=True)

MSG_BOOM = "a view that fails"
STREAM_PARTS = [f"第{i}行\n".encode() for i in range(50)]


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(MSG_BOOM)


def _stream(request: HttpRequest) -> StreamingHttpResponse:
    def parts():  # type: ignore[no-untyped-def]
        # A database read while streaming, as an export does.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        yield from STREAM_PARTS

    return StreamingHttpResponse(parts(), content_type="text/plain; charset=utf-8")


def _astream(request: HttpRequest) -> StreamingHttpResponse:
    async def parts():  # type: ignore[no-untyped-def]
        for part in STREAM_PARTS:
            yield part

    return StreamingHttpResponse(parts(), content_type="text/plain; charset=utf-8")


# The project's URLs plus the views that only these tests need (ROOT_URLCONF points here).
urlpatterns = [
    path("hot/boom/", _boom),
    path("hot/stream/", _stream),
    path("hot/astream/", _astream),
    path("", include("config.urls")),
]
TEST_ROUTES = [("GET", r"/hot/boom/"), ("GET", r"/hot/stream/"), ("GET", r"/hot/astream/")]


def hot_app(routes=HOT_ROUTES) -> HotPath:  # type: ignore[no-untyped-def]
    return HotPath(django_asgi_app, routes=routes, threads=2)


@pytest.fixture
def test_urls(settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def checkin_world(tree, trainee_a1):  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    lecture = LectureFactory(training_class=ClassFactory(study_hours=Decimal("6.0")), starts_at=start)
    home = VenueFactory(unit=tree.county_a1)
    EnrolmentFactory(training_class=lecture.training_class, cadre=trainee_a1.cadre, venue=home)
    return lecture, home


def test_a_hot_check_in_answers_exactly_as_djangos_asgi_handler(checkin_world, trainee_a1):
    lecture, home = checkin_world
    url = f"/api/training/lectures/{lecture.pk}/checkin/"

    def scan(app):  # type: ignore[no-untyped-def]
        body = {"venue": home.pk, "token": sc.checkin_token(lecture=lecture, venue=home)}
        session, csrf = login_session(trainee_a1), csrf_pair()
        return run(lambda: request(app, "POST", url, session=session, csrf=csrf, json=body))

    with django_requests() as served:
        hot = scan(hot_app())
    assert served.senders == [HotPath]
    stored = CheckIn.objects.values("status", "method", "venue_id", "study_hours", "recorded_by_id").get()
    CheckIn.objects.all().delete()
    plain = scan(django_asgi_app)
    assert hot.status_code == 200 and hot.json() == {"status": "present", "message": sc.MSG_DONE}
    assert comparable(hot) == comparable(plain)
    assert CheckIn.objects.values("status", "method", "venue_id", "study_hours", "recorded_by_id").get() == stored
    # A refusal too: the same error, with the same headers.
    forged = {"venue": home.pk, "token": "1.forged"}
    refused = []
    for app in (hot_app(), django_asgi_app):
        session, csrf = login_session(trainee_a1), csrf_pair()
        refused.append(run(lambda: request(app, "POST", url, session=session, csrf=csrf, json=forged)))
    assert refused[0].status_code == 400
    assert refused[0].json()["error"]["fields"] == {"token": [sc.ERR_TOKEN_INVALID]}
    assert comparable(refused[0]) == comparable(refused[1])


def test_a_hot_exam_state_answers_as_djangos_asgi_handler(office, tree, trainee_a1):
    for _ in range(12):
        QuestionFactory(office=office)
    paper = Paper.objects.create(title="随机组卷", mode=PaperMode.RANDOM)
    PaperRule.objects.create(paper=paper, qtype="single", count=10, points=Decimal(5))
    attempt = attempt_start(actor=trainee_a1, exam=open_exam(paper, units=[tree.city_a]))
    session = login_session(trainee_a1)
    url = f"/api/exams/attempts/{attempt.pk}/"

    def state(app):  # type: ignore[no-untyped-def]
        response = run(lambda: request(app, "GET", url, session=session))
        status, body, headers = comparable(response)
        data = json.loads(body)
        data.pop("now")  # the server's clock
        return status, data, [h for h in headers if h[0] not in ("content-length", "set-cookie")]

    with django_requests() as served:
        hot = state(hot_app())
    assert served.senders == [HotPath]
    assert hot[0] == 200 and len(hot[1]["questions"]) == 10
    assert hot == state(django_asgi_app)
    missing = [
        comparable(run(lambda app=app: request(app, "GET", "/api/exams/attempts/999999/", session=session)))
        for app in (hot_app(), django_asgi_app)
    ]
    assert missing[0][0] == 404 and missing[0] == missing[1]


def test_routes_that_are_not_hot_go_to_djangos_asgi_handler_untouched(trainee_a1):
    session = login_session(trainee_a1)
    app = hot_app()
    with django_requests() as served:
        listing = run(lambda: request(app, "GET", "/api/training/lectures/", session=session))
        page = run(lambda: request(app, "GET", "/", session=session))
        # A hot path with another method is not hot either.
        get_checkin = run(lambda: request(app, "GET", "/api/training/lectures/1/checkin/", session=session))
    assert listing.status_code == 200 and listing.json()["results"] == []
    assert page.status_code in (200, 302)
    assert get_checkin.status_code == 405
    assert {s.__name__ for s in served.senders} == {"ASGIHandler"} and len(served.senders) == 3
    assert app._pool is None  # no thread was ever started


def test_a_streaming_answer_on_a_hot_route_arrives_whole(test_urls):
    with django_requests() as served:
        hot = run(lambda: request(hot_app(TEST_ROUTES), "GET", "/hot/stream/"))
    plain = run(lambda: request(django_asgi_app, "GET", "/hot/stream/"))
    assert served.senders == [HotPath]
    assert hot.status_code == 200 and hot.content == b"".join(STREAM_PARTS)
    assert comparable(hot) == comparable(plain)


def test_an_asynchronous_stream_on_a_hot_route_arrives_whole_and_is_closed(test_urls):
    finished = []

    def on_finished(sender, **kwargs):  # type: ignore[no-untyped-def]
        finished.append(sender)

    signals.request_finished.connect(on_finished, weak=False)
    try:
        hot = run(lambda: request(hot_app(TEST_ROUTES), "GET", "/hot/astream/"))
    finally:
        signals.request_finished.disconnect(on_finished)
    assert hot.status_code == 200 and hot.content == b"".join(STREAM_PARTS)
    assert len(finished) == 1


def test_with_no_threads_the_hot_path_is_off(trainee_a1):
    session = login_session(trainee_a1)
    app = hot_app()
    app.threads = 0
    with django_requests() as served:
        response = run(lambda: request(app, "GET", "/api/exams/attempts/1/", session=session))
    assert response.status_code == 404 and [s.__name__ for s in served.senders] == ["ASGIHandler"]


def test_a_streaming_page_that_is_not_hot_still_works(test_urls):
    response = run(lambda: request(hot_app(), "GET", "/hot/stream/"))
    assert response.status_code == 200 and response.content == b"".join(STREAM_PARTS)


def test_a_failing_view_on_a_hot_route_gets_djangos_500_not_a_crash(test_urls, caplog):
    app = hot_app(TEST_ROUTES)
    with django_requests() as served:
        hot = run(lambda: request(app, "GET", "/hot/boom/"))
    plain = run(lambda: request(django_asgi_app, "GET", "/hot/boom/"))
    assert served.senders == [HotPath]
    assert hot.status_code == 500 and comparable(hot) == comparable(plain)
    assert any(MSG_BOOM in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    # The pool thread survived: the next request is served.
    again = run(lambda: request(app, "GET", "/api/training/lectures/"))
    assert again.status_code == 403


def _connections_to_the_test_database(expected: int | None = None) -> int:
    """The other connections (waiting a little for closed ones: a server process leaves pg_stat_activity a
    moment after its client hung up)."""
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


@pytest.mark.skipif(not on_postgresql(), reason="counts PostgreSQL's connections")
def test_a_hundred_hot_requests_leave_no_connection_behind(checkin_world, trainee_a1, test_urls):
    lecture, home = checkin_world
    session, csrf = login_session(trainee_a1), csrf_pair()
    url = f"/api/training/lectures/{lecture.pk}/checkin/"
    body = {"venue": home.pk, "token": "1.forged"}
    app = hot_app([*HOT_ROUTES, *TEST_ROUTES])
    before = _connections_to_the_test_database()

    async def hundred() -> list[int]:
        statuses = []
        for i in range(100):
            if i % 10 == 0:
                response = await request(app, "GET", "/hot/stream/")
            elif i % 10 == 1:
                response = await request(app, "GET", "/hot/boom/")
            else:
                response = await request(app, "POST", url, session=session, csrf=csrf, json=body)
            statuses.append(response.status_code)
        return statuses

    statuses = run(hundred)
    assert statuses.count(400) == 80 and statuses.count(200) == 10 and statuses.count(500) == 10
    assert _connections_to_the_test_database(before) == before
