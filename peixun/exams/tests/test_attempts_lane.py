"""An exam's start and the exam page's state load on the fast lane (peixun.exams.services.attempts_lane)
answer and store exactly as Django does, are served by the lane once the process holds the exam's
snapshot, hand every other case over to Django untouched, and hold under a burst of starts.

Every request goes through the real ASGI application (`config.asgi.application`) in process; "plain
Django" is Django's ASGI handler alone (`django_asgi_app`). The lane reads and writes over its own
connections, so the data is committed (transactional tests); it runs on PostgreSQL only, and on SQLite the
same endpoints are Django's."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import signals
from django.utils import timezone

from peixun.accounts.models import Session, User
from peixun.accounts.sessions import SessionStore
from peixun.core.lane import _auth_sql, _conninfo
from peixun.core.tests.asgi import (
    LANE,
    application,
    comparable,
    csrf_pair,
    django_asgi_app,
    login_session,
    on_postgresql,
    on_the_lane,
    run,
)
from peixun.exams.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Exam,
    Question,
    QuestionStatus,
    SubmitReason,
)
from peixun.exams.services import attempt_save_answer, attempt_start, attempt_submit
from peixun.exams.services.attempts import ERR_NO_ATTEMPTS_LEFT, ERR_NOT_OPEN
from peixun.exams.services.attempts_lane import _attempt_facts_sql, _flip_sql, _start_facts_sql
from peixun.exams.snapshot import TOKEN_TTL_SECONDS, VERSION_KEY, bank_changed, snapshot_peek
from peixun.exams.tests.lane import (
    PAPER_SIZE,
    World,
    answer,
    burst,
    call,
    forget_attempts,
    lane_failures,
    start_path,
    state_path,
    stored,
    warm,
)
from peixun.org.tests.factories import cadre_user
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db(transaction=True)
# --- 1. The lane's answers are Django's answers --------------------------------------------------------


def _first_start(w: World) -> Callable[[], None]:
    return lambda: None


def _resume(w: World) -> Callable[[], None]:
    """An attempt started ten minutes ago (another tab, a reload): the start answers with it."""

    def prepare() -> None:
        attempt_start(actor=w.examinee, exam=w.exam, now=w.now - dt.timedelta(minutes=10))

    return prepare


def _second_attempt(w: World) -> Callable[[], None]:
    Exam.objects.filter(pk=w.exam.pk).update(attempts_allowed=2)
    bank_changed()

    def prepare() -> None:
        attempt = attempt_start(actor=w.examinee, exam=w.exam, now=w.now - dt.timedelta(minutes=20))
        attempt_submit(actor=w.examinee, attempt_id=attempt.pk, now=w.now - dt.timedelta(minutes=10))

    return prepare


def _audience_by_name(w: World) -> Callable[[], None]:
    w.exam.audience_units.set([])
    w.exam.audience_cadres.set([w.examinee.cadre])
    bank_changed()
    return lambda: None


STARTS: dict[str, tuple[Callable[[World], Callable[[], None]], int]] = {
    # scenario: (arrangement, the number of the attempt answered with)
    "first start": (_first_start, 1),
    "resume of an attempt in progress": (_resume, 1),
    "second attempt after a submitted one": (_second_attempt, 2),
    "audience by name": (_audience_by_name, 1),
}


@on_the_lane
@pytest.mark.parametrize("scenario", STARTS)
def test_a_start_on_the_lane_answers_and_stores_exactly_as_django(world, scenario):
    arrange, number = STARTS[scenario]
    prepare = arrange(world)
    warm(world.exam)
    outcomes = []
    for app in (application, django_asgi_app):
        forget_attempts()
        prepare()
        response, by_django = call(app, "POST", start_path(world.exam), world.examinee)
        outcomes.append((answer(response), stored(world.now), by_django))
    (lane, lane_rows, lane_by_django), (plain, plain_rows, plain_by_django) = outcomes
    assert (lane_by_django, plain_by_django) == (0, 1)  # the first on the lane, the second Django's
    assert lane == plain
    assert lane_rows == plain_rows
    row = lane_rows[-1]
    assert (row["number"], row["status"]) == (number, AttemptStatus.IN_PROGRESS) and len(lane_rows) == number
    if scenario != "resume of an attempt in progress":
        assert row["started_at"] == "by the request"
        assert row["deadline"] == dt.timedelta(minutes=world.exam.duration_minutes)
    assert row["max_score"] == Decimal(50) and row["submitted_at"] is None and row["score"] is None
    entries = dict(world.exam.paper.entries.values_list("question_id", "points"))
    assert {i["question_id"]: i["points"] for i in row["items"]} == entries
    assert [i["order"] for i in row["items"]] == [1, 2, 3, 4, 5]
    assert {(i["answer"], i["seq"], i["saved_at"]) for i in row["items"]} == {(None, 0, None)}
    assert row["unanswered"] == PAPER_SIZE
    # Options in the bank's order (no shuffling), exactly as the answer shows them.
    status, body, headers = lane
    assert status == 200 and body["status"] == AttemptStatus.IN_PROGRESS
    assert [q["question_id"] for q in body["questions"]] == [i["question_id"] for i in row["items"]]
    assert [[o["key"] for o in q["options"]] for q in body["questions"]] == [i["option_order"] for i in row["items"]]
    assert all("key" not in q and "score" not in q for q in body["questions"])
    headers_by_name = dict(headers)
    assert headers_by_name["allow"] == "POST, OPTIONS" and headers_by_name["content-type"] == "application/json"
    assert headers_by_name["vary"] == "Accept, Accept-Language, Cookie"


def test_nothing_listens_to_saves_of_attempts_that_the_lanes_plain_inserts_would_skip():
    # The lane writes attempts and items with INSERT statements of its own (as bulk_create does for the
    # items on the normal path): a receiver of these signals would run for Django's start only.
    for signal in (signals.pre_save, signals.post_save):
        assert not signal.has_listeners(Attempt) and not signal.has_listeners(AttemptItem)


@on_the_lane
def test_an_attempts_state_with_saved_answers_on_the_lane_is_exactly_djangos(world):
    attempt = attempt_start(actor=world.examinee, exam=world.exam)
    saves = {
        "single": "C",
        "multiple": ["A", "C"],
        "fill_blank": ["本级人大及其常委会", "3"],
        "short_answer": "惩前毖后",
    }
    items = {i.question.qtype: i for i in attempt.items.select_related("question")}
    for seq, (qtype, value) in enumerate(saves.items(), start=1):
        attempt_save_answer(
            actor=world.examinee, attempt_id=attempt.pk, question_id=items[qtype].question_id, answer=value, seq=seq
        )
    before = stored(world.now)
    lane, lane_by_django = call(application, "GET", state_path(attempt.pk), world.examinee)
    plain, plain_by_django = call(django_asgi_app, "GET", state_path(attempt.pk), world.examinee)
    assert (lane_by_django, plain_by_django) == (0, 1)
    assert answer(lane) == answer(plain)
    assert lane.json()["attempt_id"] == attempt.pk and lane.json()["deadline"] == plain.json()["deadline"]
    rows = {q["qtype"]: q for q in lane.json()["questions"]}
    assert {qtype: rows[qtype]["answer"] for qtype in saves} == saves
    assert rows["fill_blank"]["blank_values"] == saves["fill_blank"] and rows["multiple"]["seq"] == 2
    assert rows["true_false"]["answer"] is None and rows["true_false"]["seq"] == 0
    assert dict(comparable(lane)[2])["allow"] == "GET, HEAD, OPTIONS"
    assert stored(world.now) == before  # a read writes nothing


# --- 2. The lane serves once the process holds the exam's snapshot -----------------------------------


@on_the_lane
def test_the_first_start_builds_the_snapshot_on_the_lane_and_the_lane_serves_the_next(world):
    assert snapshot_peek(world.exam.pk, world.exam.created_at) is None
    first, first_by_django = call(application, "POST", start_path(world.exam), world.other)
    assert snapshot_peek(world.exam.pk, world.exam.created_at) is not None
    then, then_by_django = call(application, "POST", start_path(world.exam), world.examinee)
    state, state_by_django = call(application, "GET", state_path(then.json()["attempt_id"]), world.examinee)
    assert (first.status_code, then.status_code, state.status_code) == (200, 200, 200)
    assert (first_by_django, then_by_django, state_by_django) == (0, 0, 0)
    assert state.json()["questions"] == then.json()["questions"]
    assert Attempt.objects.filter(cadre=world.examinee.cadre).get().items.count() == PAPER_SIZE


@on_the_lane
def test_a_second_start_resumes_the_same_attempt_with_the_same_questions(shuffled, trainee_a1):
    warm(shuffled)
    first, first_by_django = call(application, "POST", start_path(shuffled), trainee_a1)
    again, again_by_django = call(application, "POST", start_path(shuffled), trainee_a1)
    assert (first_by_django, again_by_django) == (0, 0)
    assert again.json()["attempt_id"] == first.json()["attempt_id"]
    assert again.json()["questions"] == first.json()["questions"] and len(first.json()["questions"]) == PAPER_SIZE
    attempt = Attempt.objects.get()
    stored_order = list(attempt.items.order_by("order").values_list("question_id", "option_order"))
    assert [(q["question_id"], [o["key"] for o in q["options"]]) for q in first.json()["questions"]] == stored_order


# --- 3. Everything else is handed over to Django, which answers it ----------------------------------


@dataclass
class Case:
    user: User
    method: str
    path: Callable[[], str]  # made after `prepare`, which may create the attempt it names
    prepare: Callable[[], None]
    status: int
    json: Any = None


def _not_in_audience(w: World, tree: Any) -> Case:
    outsider = cadre_user(unit=tree.county_b1)
    return Case(outsider, "POST", lambda: start_path(w.exam), lambda: None, 404, {})


def _class_audience_only(w: World, tree: Any) -> Case:
    cls = ClassFactory()
    trainee = cadre_user(unit=tree.county_b1)
    EnrolmentFactory(training_class=cls, cadre=trainee.cadre)
    w.exam.audience_classes.set([cls])
    bank_changed()  # the audience changed after the snapshot was built
    warm(w.exam)
    return Case(trainee, "POST", lambda: start_path(w.exam), lambda: None, 200, {})


def _window_closed(w: World, tree: Any) -> Case:
    w.exam.starts_at, w.exam.ends_at = w.now + dt.timedelta(hours=1), w.now + dt.timedelta(hours=2)
    w.exam.save()
    bank_changed()
    warm(w.exam)
    return Case(w.examinee, "POST", lambda: start_path(w.exam), lambda: None, 400, {})


def _attempts_used_up(w: World, tree: Any) -> Case:
    def prepare() -> None:
        attempt = attempt_start(actor=w.examinee, exam=w.exam, now=w.now - dt.timedelta(minutes=20))
        attempt_submit(actor=w.examinee, attempt_id=attempt.pk, now=w.now - dt.timedelta(minutes=10))

    return Case(w.examinee, "POST", lambda: start_path(w.exam), prepare, 400, {})


def _deadline_passed(attempts_allowed: int) -> Callable[[World, Any], Case]:
    def case(w: World, tree: Any) -> Case:
        Exam.objects.filter(pk=w.exam.pk).update(attempts_allowed=attempts_allowed)
        bank_changed()
        warm(w.exam)

        def prepare() -> None:  # started 90 minutes ago for 60: still in progress, its deadline passed
            attempt_start(actor=w.examinee, exam=w.exam, now=w.now - dt.timedelta(minutes=90))

        return Case(w.examinee, "POST", lambda: start_path(w.exam), prepare, 200 if attempts_allowed > 1 else 400, {})

    return case


def _body_not_empty(w: World, tree: Any) -> Case:
    return Case(w.examinee, "POST", lambda: start_path(w.exam), lambda: None, 200, {"exam": w.exam.pk})


def _someone_elses_attempt(w: World, tree: Any) -> Case:
    def prepare() -> None:
        attempt_start(actor=w.other, exam=w.exam)

    return Case(w.examinee, "GET", lambda: state_path(Attempt.objects.get().pk), prepare, 404)


def _submitted_attempt(w: World, tree: Any) -> Case:
    def prepare() -> None:
        attempt = attempt_start(actor=w.examinee, exam=w.exam, now=w.now - dt.timedelta(minutes=20))
        attempt_submit(actor=w.examinee, attempt_id=attempt.pk, now=w.now - dt.timedelta(minutes=10))

    return Case(w.examinee, "GET", lambda: state_path(Attempt.objects.get().pk), prepare, 200)


def _state_past_deadline(w: World, tree: Any) -> Case:
    def prepare() -> None:
        attempt_start(actor=w.examinee, exam=w.exam, now=w.now - dt.timedelta(minutes=90))

    return Case(w.examinee, "GET", lambda: state_path(Attempt.objects.get().pk), prepare, 200)


def _ids_out_of_range(method: str) -> Callable[[World, Any], Case]:
    huge = "9" * 20  # beyond bigint: neither the lane's query nor Django's may fail on it

    def case(w: World, tree: Any) -> Case:
        path = f"/api/exams/exams/{huge}/start/" if method == "POST" else f"/api/exams/attempts/{huge}/"
        return Case(w.examinee, method, lambda: path, lambda: None, 404, {} if method == "POST" else None)

    return case


HANDED_OVER: dict[str, Callable[[World, Any], Case]] = {
    "exam not in the examinee's audience": _not_in_audience,
    "in the audience through a class only": _class_audience_only,
    "window closed": _window_closed,
    "attempts used up": _attempts_used_up,
    "deadline passed, no attempt left": _deadline_passed(1),
    "deadline passed, a second attempt allowed": _deadline_passed(2),
    "a body that is not empty": _body_not_empty,
    "someone else's attempt": _someone_elses_attempt,
    "a submitted attempt's state": _submitted_attempt,
    "an attempt's state past its deadline": _state_past_deadline,
    "an exam id out of range": _ids_out_of_range("POST"),
    "an attempt id out of range": _ids_out_of_range("GET"),
}


@on_the_lane
@pytest.mark.parametrize("scenario", HANDED_OVER)
def test_the_lane_hands_over_what_is_not_plain_and_django_answers_it(world, tree, scenario, caplog):
    case = HANDED_OVER[scenario](world, tree)
    warm(world.exam)
    outcomes = []
    for app in (application, django_asgi_app):
        forget_attempts()
        case.prepare()
        response, by_django = call(app, case.method, case.path(), case.user, json=case.json)
        outcomes.append((answer(response), stored(world.now), by_django))
    (lane, lane_rows, lane_by_django), (plain, plain_rows, _) = outcomes
    assert lane_by_django == 1  # handed over: Django answered
    assert not lane_failures(caplog)  # by the handler's choice, not by a failure of the lane
    assert lane == plain and lane[0] == case.status
    assert lane_rows == plain_rows


@on_the_lane
def test_the_handed_over_refusals_carry_djangos_messages(world, tree):
    closed = _window_closed(world, tree)
    response, _ = call(application, "POST", closed.path(), closed.user)
    assert response.status_code == 400 and response.json()["error"]["fields"] == {"exam": [ERR_NOT_OPEN]}
    assert not Attempt.objects.exists()
    world.exam.starts_at, world.exam.ends_at = world.now - dt.timedelta(hours=2), world.now + dt.timedelta(hours=2)
    world.exam.save()
    bank_changed()
    late = _deadline_passed(1)(world, tree)
    late.prepare()
    response, _ = call(application, "POST", late.path(), late.user)
    assert response.status_code == 400 and response.json()["error"]["fields"] == {"exam": [ERR_NO_ATTEMPTS_LEFT]}
    handed_in = Attempt.objects.get()  # Django handed the late attempt in at its deadline, and drew no other
    assert (handed_in.status, handed_in.submit_reason) == (AttemptStatus.SUBMITTED, SubmitReason.DEADLINE)
    assert handed_in.submitted_at == handed_in.deadline and handed_in.items.count() == PAPER_SIZE


@on_the_lane
def test_an_attempt_holding_a_question_retired_since_the_draw_is_handed_over(shuffled, trainee_a1):
    warm(shuffled)
    started, _ = call(application, "POST", start_path(shuffled), trainee_a1)
    drawn = started.json()["questions"][0]["question_id"]
    Question.objects.filter(pk=drawn).update(status=QuestionStatus.RETIRED)
    bank_changed()
    warm(shuffled)  # the new snapshot's pool no longer holds it
    before = stored(timezone.now())
    resumed, resumed_by_django = call(application, "POST", start_path(shuffled), trainee_a1)
    state, state_by_django = call(application, "GET", state_path(started.json()["attempt_id"]), trainee_a1)
    assert (resumed_by_django, state_by_django) == (1, 1)
    assert resumed.json()["questions"] == state.json()["questions"] == started.json()["questions"]
    assert stored(timezone.now()) == before


# --- 4. Racing starts ---------------------------------------------------------------------------------


@on_the_lane
def test_twenty_racing_starts_by_one_examinee_make_exactly_one_attempt(shuffled, trainee_a1, caplog):
    warm(shuffled)
    session = login_session(trainee_a1)
    answers, by_django = burst(start_path(shuffled), [(session, csrf_pair()) for _ in range(20)])
    assert [a.status_code for a in answers] == [200] * 20
    attempt = Attempt.objects.get()
    assert {a.json()["attempt_id"] for a in answers} == {attempt.pk}
    assert all(a.json()["questions"] == answers[0].json()["questions"] for a in answers)
    assert attempt.items.count() == PAPER_SIZE and by_django < 20  # the lane started it; racers may be Django's
    assert not lane_failures(caplog)


@on_the_lane
def test_a_hundred_examinees_starting_at_once_get_one_full_attempt_each(shuffled, tree, caplog):
    warm(shuffled)
    examinees = [cadre_user(unit=tree.county_a1) for _ in range(100)]
    answers, by_django = burst(start_path(shuffled), [(login_session(u), csrf_pair()) for u in examinees])
    assert [a.status_code for a in answers] == [200] * 100
    assert by_django == 0 and not lane_failures(caplog)
    assert sorted(Attempt.objects.values_list("cadre_id", flat=True)) == sorted(u.cadre_id for u in examinees)
    assert {a.json()["attempt_id"] for a in answers} == set(Attempt.objects.values_list("pk", flat=True))
    counts = {a.pk: a.items.count() for a in Attempt.objects.all()}
    assert set(counts.values()) == {PAPER_SIZE}
    assert AttemptItem.objects.values("attempt_id", "question_id").distinct().count() == 100 * PAPER_SIZE
    assert set(Attempt.objects.values_list("number", "status", "max_score")) == {(1, "in_progress", Decimal(20))}


# --- 5. A change to the bank ---------------------------------------------------------------------------


def stems(response: Any) -> set[str]:
    return {q["stem"] for q in response.json()["questions"]}


@on_the_lane
def test_after_a_bank_change_the_lane_answers_from_a_rebuilt_snapshot(world, tree):
    warm(world.exam)
    started, by_django = call(application, "POST", start_path(world.exam), world.examinee)
    assert by_django == 0
    path = state_path(started.json()["attempt_id"])
    built = snapshot_peek(world.exam.pk, world.exam.created_at)

    Question.objects.filter(qtype="single").update(stem="修订后的单选题题干")
    bank_changed()
    states = [call(application, "GET", path, world.examinee) for _ in range(2)]
    assert [by_django for _, by_django in states] == [0, 0]
    assert all("修订后的单选题题干" in stems(state) for state, _ in states)
    assert snapshot_peek(world.exam.pk, world.exam.created_at) is not built

    bank_changed()
    third = cadre_user(unit=tree.county_a2)
    assert [call(application, "POST", start_path(world.exam), u)[1] for u in (third, world.examinee)] == [0, 0]
    assert Attempt.objects.count() == 2 and AttemptItem.objects.count() == 2 * PAPER_SIZE


@on_the_lane
def test_a_bank_change_made_by_another_worker_reaches_this_workers_lane_within_a_second(world):
    warm(world.exam)
    started, by_django = call(application, "POST", start_path(world.exam), world.examinee)
    assert by_django == 0
    # What bank_changed() in another process leaves behind: the change, and a new token in the shared
    # cache, while this process still holds its snapshot.
    Question.objects.filter(qtype="single").update(stem="另一进程修订的题干")
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    time.sleep(TOKEN_TTL_SECONDS + 0.1)
    state, by_django = call(application, "GET", state_path(started.json()["attempt_id"]), world.examinee)
    assert by_django == 0 and "另一进程修订的题干" in stems(state)


# --- Without PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.skipif(on_postgresql(), reason="the lane's absence is what SQLite shows")
def test_without_postgresql_the_same_endpoints_work_through_django(world):
    assert not LANE.enabled
    outcomes = []
    for app in (application, django_asgi_app):
        forget_attempts()
        started, start_by_django = call(app, "POST", start_path(world.exam), world.examinee)
        state, state_by_django = call(app, "GET", state_path(started.json()["attempt_id"]), world.examinee)
        assert (start_by_django, state_by_django) == (1, 1)
        outcomes.append((answer(started), answer(state), stored(world.now)))
    assert outcomes[0] == outcomes[1]
    (status, body, _), (state_status, state, _), [row] = outcomes[0]
    assert (status, state_status) == (200, 200) and body == state and len(row["items"]) == PAPER_SIZE


@on_the_lane
def test_the_lanes_kept_plans_find_attempts_by_index_even_when_the_statistics_say_the_table_is_empty(world):
    # PostgreSQL keeps one plan per prepared statement (psycopg prepares from the sixth use); made from
    # statistics taken while the table was empty, it must not read the whole table once it has grown.
    attempt_start(actor=world.other, exam=world.exam)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Attempt._meta.db_table}, {AttemptItem._meta.db_table}")
        cursor.execute("DELETE FROM exams_attemptitem; DELETE FROM exams_attempt")  # stats of a small table

    async def kept_plans() -> list[str]:
        conn = await psycopg.AsyncConnection.connect(**_conninfo())
        try:
            await conn.execute("SET plan_cache_mode = force_generic_plan")
            plans = []
            kept = ((_auth_sql(_start_facts_sql()), 3), (_auth_sql(_attempt_facts_sql()), 3), (_flip_sql(), 7))
            for n, (sql, params) in enumerate(kept):
                numbered = sql
                for i in range(1, params + 1):
                    numbered = numbered.replace("%s", f"${i}", 1)
                await conn.execute(f"PREPARE kept{n} AS {numbered}")
                args = ", ".join(["NULL"] * params)
                cursor = await conn.execute(f"EXPLAIN EXECUTE kept{n}({args})")
                plans.append("\n".join(row[0] for row in await cursor.fetchall()))
            return plans
        finally:
            await conn.close()

    plans = run(kept_plans)
    assert not [plan for plan in plans if "Seq Scan on exams_attempt" in plan], plans


# --- The session's user, read in the same round trip as the session by its user column -----------------


def _signed_in_as(key: str, user: User) -> None:
    """The session row `key` now names `user`, in its data and its user column."""
    data = SessionStore().decode(Session.objects.get(session_key=key).session_data)
    data.update(SessionStore().decode(Session.objects.get(session_key=login_session(user)).session_data))
    Session.objects.filter(session_key=key).update(session_data=SessionStore().encode(data), user=user)


def _column_disagrees(key: str, user: User) -> None:
    """The row's user column names `user` while its data still names the examinee (never written by the
    session store; a row changed by hand): Django goes by the data."""
    Session.objects.filter(session_key=key).update(user=user)


def _deactivated(key: str, user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _logged_out(key: str, user: User) -> None:
    Session.objects.filter(session_key=key).delete()


def _sessions_ended(key: str, user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_generation=user.session_generation + 1)


CHANGED_SINCE: dict[str, tuple[Callable[[str, User], None], int]] = {
    # what changed after the lane served the session once: (change, Django's status for the state load)
    "another user signed in on the same session": (_signed_in_as, 404),
    "the user column changed by hand": (_column_disagrees, 200),
    "the user deactivated": (_deactivated, 403),
    "logged out": (_logged_out, 403),
    "every session of the user ended": (_sessions_ended, 403),
}


@on_the_lane
@pytest.mark.parametrize("change", CHANGED_SINCE)
def test_a_sessions_next_request_is_judged_by_what_the_session_and_user_rows_say_now(world, change):
    warm(world.exam)
    session = login_session(world.examinee)
    started, by_django = call(application, "POST", start_path(world.exam), world.examinee, session=session)
    assert (started.status_code, by_django) == (200, 0)
    path = state_path(started.json()["attempt_id"])
    again, by_django = call(application, "GET", path, world.examinee, session=session)
    assert (again.status_code, by_django) == (200, 0)

    changed, status = CHANGED_SINCE[change]
    changed(session, world.other if changed in (_signed_in_as, _column_disagrees) else world.examinee)
    lane, lane_by_django = call(application, "GET", path, world.examinee, session=session)
    plain, _ = call(django_asgi_app, "GET", path, world.examinee, session=session)
    assert lane_by_django == 1 and answer(lane) == answer(plain) and lane.status_code == status
