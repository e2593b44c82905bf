"""The check-in burst path: a fixed, small number of queries, the token grace period, scope and upsert."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from peixun.org.tests.factories import cadre_user
from peixun.training import services_checkin as sc
from peixun.training.models import CheckIn, CheckInMethod, CheckInStatus, ClassStatus, Lecture
from peixun.training.services_checkin import attendance_mark, watch_time_record
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory

# Session row, user row, the check-in lookup, the upsert. (The session's idle-timeout refresh is written at
# most once a minute per user, not per request: the test's first request takes it.)
HTTP_QUERIES = 4


@pytest.fixture
def setup(tree, trainee_a1):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    cls = ClassFactory(study_hours=Decimal("6.0"))
    lecture = LectureFactory(training_class=cls, starts_at=start, duration_minutes=100, study_hours=Decimal("0"))
    LectureFactory(training_class=cls, starts_at=start + dt.timedelta(days=1))
    home = VenueFactory(unit=tree.county_a1)
    foreign = VenueFactory(unit=tree.county_b1)
    enrolment = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre, venue=home)
    return lecture, home, foreign, enrolment, start


def test_a_scan_costs_one_lookup_and_one_upsert(setup, trainee_a1, django_assert_num_queries):
    lecture, home, _, _, start = setup
    token = sc.checkin_token(lecture=lecture, venue=home, now=start)
    with django_assert_num_queries(2):
        checkin, message = sc.checkin_scan(actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=token, now=start)
    # The lecture has no hours of its own: half the class's 6.0, counted in the same lookup.
    assert (checkin.status, checkin.study_hours, message) == (CheckInStatus.PRESENT, Decimal("3.0"), sc.MSG_DONE)
    with django_assert_num_queries(1):
        again, message = sc.checkin_scan(actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=token, now=start)
    assert (again.pk, again.status, message) == (checkin.pk, CheckInStatus.PRESENT, sc.MSG_ALREADY)
    assert CheckIn.objects.get().study_hours == Decimal("3.0")


def test_a_forged_or_foreign_token_is_refused_before_any_query(setup, trainee_a1, django_assert_num_queries):
    lecture, home, foreign, _, start = setup
    foreign_token = sc.checkin_token(lecture=lecture, venue=foreign, now=start)
    for token in ("1.forged", "nonsense", foreign_token):
        with django_assert_num_queries(0), pytest.raises(ValidationError) as err:
            sc.checkin_scan(actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=token, now=start)
        assert err.value.message_dict["token"] == [sc.ERR_TOKEN_INVALID]
    assert not CheckIn.objects.exists()


def test_the_http_check_in_path_is_guarded_by_its_query_count(setup, trainee_a1, client_of, django_assert_num_queries):
    lecture, home, _, _, _ = setup
    client = client_of(trainee_a1)
    token = sc.checkin_token(lecture=lecture, venue=home)
    url = f"/api/training/lectures/{lecture.pk}/checkin/"
    forged = client.post(url, {"venue": home.pk, "token": "1.forged"}, content_type="application/json")
    assert forged.status_code == 400
    with django_assert_num_queries(HTTP_QUERIES):
        response = client.post(url, {"venue": home.pk, "token": token}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": CheckInStatus.PRESENT, "message": sc.MSG_DONE}
    page = reverse("training:checkin", args=[lecture.pk, home.pk])
    with django_assert_num_queries(HTTP_QUERIES - 1):  # already checked in: no upsert
        response = client.post(page, {"t": token}, headers={"Accept": "application/json"})
    assert response.json() == {"ok": True, "message": sc.MSG_ALREADY, "status": "出勤"}


def test_a_code_replaced_on_screen_is_accepted_during_the_grace_period_only(setup, trainee_a1):
    lecture, home, _, _, start = setup
    token = sc.checkin_token(lecture=lecture, venue=home, now=start)
    slot = int(token.split(".")[0])
    replaced_at = dt.datetime.fromtimestamp((slot + 1) * sc.TOKEN_PERIOD, tz=dt.UTC)
    too_late = replaced_at + sc.TOKEN_GRACE + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=token, now=too_late)
    assert err.value.message_dict["token"] == [sc.ERR_TOKEN_EXPIRED]
    # Queued behind a burst: scanned while shown, handled a minute after the screen moved on.
    checkin, message = sc.checkin_scan(
        actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=token, now=replaced_at + sc.TOKEN_GRACE
    )
    assert message == sc.MSG_DONE and checkin.checked_at == replaced_at + sc.TOKEN_GRACE


def test_a_code_from_a_later_slot_is_refused(setup, trainee_a1):
    lecture, home, _, _, start = setup
    future = sc.checkin_token(lecture=lecture, venue=home, now=start + dt.timedelta(seconds=sc.TOKEN_PERIOD))
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=future, now=start)
    assert err.value.message_dict["token"] == [sc.ERR_TOKEN_EXPIRED]


def test_a_lecture_the_trainee_cannot_see_is_not_found(tree, trainee_a1, client_of):
    hidden = LectureFactory(training_class=ClassFactory(status=ClassStatus.DRAFT))
    home = VenueFactory(unit=tree.county_a1)
    token = sc.checkin_token(lecture=hidden, venue=home)
    with pytest.raises(Http404):
        sc.checkin_scan(actor=trainee_a1, lecture=hidden.pk, venue=home.pk, token=token)
    response = client_of(trainee_a1).post(
        f"/api/training/lectures/{hidden.pk}/checkin/", {"venue": home.pk, "token": token}
    )
    assert response.status_code == 404
    # A lecture that does not exist needs a code signed for it (only the server can sign); any other
    # code is simply invalid, which tells nothing about which lectures exist.
    url = "/api/training/lectures/999999/checkin/"
    assert client_of(trainee_a1).post(url, {"venue": home.pk, "token": token}).status_code == 400
    signed = sc.checkin_token(lecture=Lecture(pk=999999), venue=home)
    assert client_of(trainee_a1).post(url, {"venue": home.pk, "token": signed}).status_code == 404


def test_a_trainee_seated_elsewhere_or_withdrawn_is_refused(setup, trainee_a1, tree):
    lecture, home, foreign, enrolment, start = setup
    token = sc.checkin_token(lecture=lecture, venue=foreign, now=start)
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=trainee_a1, lecture=lecture.pk, venue=foreign.pk, token=token, now=start)
    assert err.value.message_dict["token"] == [sc.ERR_OTHER_VENUE]
    enrolment.status = "withdrawn"
    enrolment.save()
    token = sc.checkin_token(lecture=lecture, venue=home, now=start)
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=token, now=start)
    assert err.value.message_dict["token"] == [sc.ERR_NOT_ENROLLED]
    assert not CheckIn.objects.exists()


def test_a_scan_turns_the_operators_absent_mark_into_present_and_keeps_watch_time(setup, trainee_a1, venue_operator_a1):
    lecture, home, _, enrolment, start = setup
    watch_time_record(lecture=lecture, cadre=trainee_a1.cadre, seconds=600, now=start)
    attendance_mark(actor=venue_operator_a1, lecture=lecture, venue=home, marks={enrolment.pk: "absent"})
    token = sc.checkin_token(lecture=lecture, venue=home, now=start + dt.timedelta(minutes=12))
    checkin, message = sc.checkin_scan(
        actor=trainee_a1, lecture=lecture.pk, venue=home.pk, token=token, now=start + dt.timedelta(minutes=12)
    )
    assert message == sc.MSG_DONE
    stored = CheckIn.objects.get()
    assert stored.pk == checkin.pk
    assert (stored.status, stored.method, stored.venue_id) == (CheckInStatus.LATE, CheckInMethod.QR, home.pk)
    assert (stored.watched_seconds, stored.study_hours, stored.recorded_by_id) == (600, Decimal("3.0"), trainee_a1.pk)


def test_an_account_without_a_cadre_gets_a_clear_refusal(setup, org_admin, client_of):
    lecture, home, _, _, _ = setup
    token = sc.checkin_token(lecture=lecture, venue=home)
    page = reverse("training:checkin", args=[lecture.pk, home.pk])
    response = client_of(org_admin).post(page, {"t": token}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] in (sc.ERR_NOT_A_TRAINEE, sc.ERR_NOT_ENROLLED)


def test_the_pages_htmx_post_takes_the_lean_path_and_answers_a_fragment(
    setup, trainee_a1, client_of, django_assert_num_queries
):
    lecture, home, _, _, _ = setup
    client = client_of(trainee_a1)
    page = reverse("training:checkin", args=[lecture.pk, home.pk])
    token = sc.checkin_token(lecture=lecture, venue=home)
    assert client.get(page, {"t": token}).status_code == 200  # opening the page takes the idle refresh
    with django_assert_num_queries(HTTP_QUERIES):
        response = client.post(page, {"t": token}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and sc.MSG_DONE in body and "<html" not in body
    assert CheckIn.objects.get().method == CheckInMethod.QR


def test_the_check_in_page_still_renders_for_a_phone_without_script(setup, tree, client_of):
    lecture, home, _, _, _ = setup
    stranger = cadre_user(unit=tree.county_a1)
    token = sc.checkin_token(lecture=lecture, venue=home)
    response = client_of(stranger).post(reverse("training:checkin", args=[lecture.pk, home.pk]), {"t": token})
    assert response.status_code == 200
    assert sc.ERR_NOT_ENROLLED in response.content.decode()


def test_the_stack_runs_a_worker_per_core_with_redis_and_pools_postgresql_connections(tmp_path, monkeypatch):
    from peixun.core import stack

    monkeypatch.setattr(stack.os, "cpu_count", lambda: 2)
    redis = {"REDIS_URL": "redis://127.0.0.1:6379/1"}
    assert stack.app_workers_from({}) == 1  # embedded: chat, cache and jobs live in one process
    assert stack.app_workers_from(redis) == 2
    assert stack.app_workers_from({**redis, "PEIXUN_APP_WORKERS": "3"}) == 3
    with pytest.raises(stack.StackError, match="REDIS_URL"):
        stack.app_workers_from({"PEIXUN_APP_WORKERS": "2"})
    with pytest.raises(stack.StackError, match="whole number"):
        stack.app_workers_from({"PEIXUN_APP_WORKERS": "many"})

    def uvicorn_env(env: dict[str, str]) -> dict[str, str]:
        return stack.Stack(var_dir=tmp_path, static_root=tmp_path, media_root=tmp_path, env=env).uvicorn_env()

    pg = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/peixun"}
    assert uvicorn_env(pg) == {"PEIXUN_DB_POOL": str(stack.DB_POOL_PER_WORKER)}
    assert uvicorn_env({**pg, "PEIXUN_DB_POOL": "0"}) == {"PEIXUN_DB_POOL": "0"}
    assert uvicorn_env({}) == {}  # SQLite: no pool
