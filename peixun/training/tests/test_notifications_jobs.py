"""Notices to venue operators when allocation runs, and the scheduled "lecture starting soon" job."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from config.celery import beat_schedule
from peixun.accounts.roles import Role
from peixun.core import tasks
from peixun.core.stack import Stack
from peixun.org.tests.factories import cadre_user, grant
from peixun.training import notifications as tn
from peixun.training import services_allocation as sa
from peixun.training.models import EnrolmentStatus, Notification
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory

STARTING = "peixun.training.notifications.lectures_starting_notify"


def _operator_notices(user):
    return list(
        Notification.objects.filter(recipient=user, kind=tn.KIND_VENUE_HEADCOUNT).values_list("text", flat=True)
    )


def test_each_venue_operator_learns_the_headcount_of_their_venue(tree, org_admin, venue_operator_a1):
    cls = ClassFactory(title="纪法专题班")
    LectureFactory(training_class=cls)
    home = VenueFactory(unit=tree.county_a1, name="甲一县分会场", seats=50)
    other = VenueFactory(unit=tree.county_b1, name="乙一县分会场", seats=50)
    operator_b1 = grant(cadre_user(unit=tree.county_b1), Role.VENUE_OPERATOR, tree.county_b1)
    for unit, n in ((tree.county_a1, 3), (tree.county_b1, 2)):
        for _ in range(n):
            EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=unit).cadre)

    sa.allocation_run(actor=org_admin, training_class=cls)

    assert _operator_notices(venue_operator_a1) == [
        tn.TEXT_HEADCOUNT.format(title="纪法专题班", venue=home.name, n=3) + _first_lecture_suffix(cls)
    ]
    assert _operator_notices(operator_b1) == [
        tn.TEXT_HEADCOUNT.format(title="纪法专题班", venue=other.name, n=2) + _first_lecture_suffix(cls)
    ]
    notice = Notification.objects.get(recipient=venue_operator_a1, kind=tn.KIND_VENUE_HEADCOUNT)
    assert notice.url == f"/training/lectures/{cls.lectures.get().pk}/"


def _first_lecture_suffix(cls) -> str:
    first = cls.lectures.order_by("starts_at").first()
    return tn.TEXT_HEADCOUNT_FIRST.format(when=timezone.localtime(first.starts_at).strftime("%m月%d日 %H:%M"))


def test_a_rerun_that_moves_nobody_tells_the_operators_nothing_and_a_change_is_told(tree, org_admin, venue_operator_a1):
    cls = ClassFactory(title="业务培训班")
    home = VenueFactory(unit=tree.county_a1, seats=50)
    enrolments = [EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre) for _ in range(3)]
    sa.allocation_run(actor=org_admin, training_class=cls)
    sa.allocation_run(actor=org_admin, training_class=cls)
    assert len(_operator_notices(venue_operator_a1)) == 1

    withdrawn = enrolments[0]
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    withdrawn.save()
    sa.allocation_run(actor=org_admin, training_class=cls)
    assert _operator_notices(venue_operator_a1)[0] == tn.TEXT_HEADCOUNT.format(title="业务培训班", venue=home.name, n=2)


def test_an_inactive_operator_account_gets_no_notice(tree, org_admin, venue_operator_a1):
    cls = ClassFactory()
    VenueFactory(unit=tree.county_a1, seats=10)
    EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre)
    venue_operator_a1.is_active = False
    venue_operator_a1.save()
    sa.allocation_run(actor=org_admin, training_class=cls)
    assert _operator_notices(venue_operator_a1) == []


@pytest.fixture
def soon(tree):
    now = timezone.now().replace(microsecond=0)
    cls = ClassFactory()
    lecture = LectureFactory(training_class=cls, starts_at=now + dt.timedelta(minutes=20), topic="监督执纪")
    later = LectureFactory(training_class=cls, starts_at=now + dt.timedelta(hours=3))
    trainees = [cadre_user(unit=tree.county_a1) for _ in range(3)]
    for user in trainees:
        EnrolmentFactory(training_class=cls, cadre=user.cadre)
    EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre, status=EnrolmentStatus.WITHDRAWN)
    return now, lecture, later, trainees


def test_the_starting_soon_job_tells_each_enrolled_trainee_once(soon, django_assert_max_num_queries):
    now, lecture, later, trainees = soon
    assert tn.lectures_starting_notify(now=now) == 3
    # Every minute again while the lecture is near: nobody is told twice, and a run costs a few queries.
    with django_assert_max_num_queries(3):
        assert tn.lectures_starting_notify(now=now + dt.timedelta(minutes=1)) == 0
    newcomer = cadre_user(unit=trainees[0].cadre.unit)
    EnrolmentFactory(training_class=lecture.training_class, cadre=newcomer.cadre)
    assert tn.lectures_starting_notify(now=now + dt.timedelta(minutes=2)) == 1
    notices = Notification.objects.filter(kind=tn.KIND_STARTING)
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted([u.pk for u in [*trainees, newcomer]])
    assert {n.dedupe_key for n in notices} == {tn.starting_key(lecture.pk)}
    assert notices.first().text == tn.TEXT_STARTING.format(
        topic="监督执纪", time=timezone.localtime(lecture.starts_at).strftime("%H:%M")
    )
    # The later lecture is announced when it comes near, the past one never again.
    assert tn.lectures_starting_notify(now=later.starts_at - dt.timedelta(minutes=10)) == 4
    assert Notification.objects.filter(kind=tn.KIND_STARTING).count() == 8


@pytest.mark.django_db(transaction=True)
def test_two_runners_racing_still_notify_nobody_twice(tree):
    now = timezone.now().replace(microsecond=0)
    cls = ClassFactory()
    LectureFactory(training_class=cls, starts_at=now + dt.timedelta(minutes=10))
    for _ in range(5):
        EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            tasks.run_job(STARTING, {})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Notification.objects.filter(kind=tn.KIND_STARTING).count() == 5


def test_the_job_is_scheduled_in_both_modes():
    # Production: Celery beat sends run_job_task with the job's name every minute.
    entry = beat_schedule()[STARTING]
    assert entry["task"] == "peixun.run_job" and entry["args"] == (STARTING, {})
    assert entry["schedule"] == tn.STARTING_EVERY.total_seconds() == tasks.PERIODIC_JOBS[STARTING]
    assert celery_app.conf.beat_schedule[STARTING]["task"] in celery_app.tasks
    # Embedded: the periodic runner finds it due at once, then again after its interval.
    assert STARTING in tasks.periodic_due({}, now=1000.0)
    assert STARTING not in tasks.periodic_due({STARTING: 1000.0}, now=1030.0)
    assert STARTING in tasks.periodic_due({STARTING: 1000.0}, now=1060.0)


@pytest.mark.django_db(transaction=True)
def test_the_embedded_periodic_loop_runs_the_job(soon):
    stop = threading.Event()
    runner = threading.Thread(target=tasks.periodic_loop, kwargs={"stop": stop, "tick": 0.05})
    runner.start()
    try:
        deadline = timezone.now() + dt.timedelta(seconds=30)
        while Notification.objects.filter(kind=tn.KIND_STARTING).count() < 3 and timezone.now() < deadline:
            stop.wait(0.1)
    finally:
        stop.set()
        runner.join(30)
    assert Notification.objects.filter(kind=tn.KIND_STARTING).count() == 3


def test_the_stack_starts_a_periodic_runner_in_each_mode(tmp_path):
    def stack(env: dict[str, str]) -> Stack:
        return Stack(var_dir=tmp_path, static_root=tmp_path, media_root=tmp_path, env=env, periodic=True)

    name, argv = stack({}).periodic_argv()
    assert name == "periodic" and argv[-2:] == ["-m", "peixun.core.tasks"]
    name, argv = stack({"REDIS_URL": "redis://127.0.0.1:6379/1"}).periodic_argv()
    assert name == "celery-beat" and "beat" in argv and str(tmp_path / "celerybeat-schedule") in argv
