"""Heartbeats become watch time: slots counted once, the cap, the window, replay and attention rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.models import AuditEvent
from peixun.live import services_watch as sw
from peixun.live.models import ClassLiveSettings, WatchRecord
from peixun.live.selectors_watch import lecture_for_heartbeat
from peixun.live.tests.watch_data import enrol, live_settings, make_lecture, make_recording, make_stream, make_venue
from peixun.training.models import CheckIn, Enrolment

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _slot(settings):
    settings.PEIXUN_LIVE_SLOT_SECONDS = 60


@pytest.fixture
def lecture(office, trainee_a1):
    lecture = make_lecture(office=office, starts_at=START, duration_minutes=30)
    enrol(trainee_a1, lecture)
    return lecture_for_heartbeat(pk=lecture.pk)


def at(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


def beat(actor, lecture, seconds, **kwargs):
    return sw.watch_heartbeat(actor=actor, lecture=lecture, is_replay=False, now=at(seconds), **kwargs)


def checkin_seconds(lecture, user) -> int:
    return CheckIn.objects.get(lecture=lecture, cadre=user.cadre).watched_seconds


# --- live: counting ------------------------------------------------------------------------------------


def test_several_tabs_in_the_same_slot_count_once(lecture, trainee_a1):
    first = beat(trainee_a1, lecture, 5)
    second = beat(trainee_a1, lecture, 6)  # another tab, same minute
    third = beat(trainee_a1, lecture, 30)  # a phone, same minute
    assert (first.credited, second.credited, third.credited) == (True, False, False)
    assert third.watched_seconds == 60
    assert WatchRecord.objects.filter(lecture=lecture, user=trainee_a1).count() == 1
    assert checkin_seconds(lecture, trainee_a1) == 60


def test_each_slot_with_a_heartbeat_counts_and_gaps_do_not(lecture, trainee_a1):
    for seconds in (10, 70, 130, 20 * 60 + 5):
        beat(trainee_a1, lecture, seconds)
    record = WatchRecord.objects.get(lecture=lecture, user=trainee_a1)
    assert record.watched_seconds == 4 * 60
    assert sw.watched_seconds(bytes(record.slots), lecture) == 240
    assert checkin_seconds(lecture, trainee_a1) == 240


def test_watch_time_is_capped_at_the_lectures_length(settings, office, trainee_a1):
    settings.PEIXUN_LIVE_SLOT_SECONDS = 45  # 60 s of lecture spread over two 45 s slots
    lecture = lecture_for_heartbeat(pk=make_lecture(office=office, starts_at=START, duration_minutes=1).pk)
    enrol(trainee_a1, lecture)
    beat(trainee_a1, lecture, 1)
    last = beat(trainee_a1, lecture, 50)
    late = beat(trainee_a1, lecture, 100)  # after the end, inside the grace: nothing more to credit
    assert last.watched_seconds == 60
    assert late.credited is False and late.watched_seconds == 60
    assert checkin_seconds(lecture, trainee_a1) == 60


def test_a_heartbeat_before_the_start_is_taken_but_credits_nothing(lecture, trainee_a1):
    early = beat(trainee_a1, lecture, -300)
    assert early.credited is False and early.watched_seconds == 0
    assert WatchRecord.objects.get(lecture=lecture, user=trainee_a1).last_seen_at == at(-300)
    assert not CheckIn.objects.filter(lecture=lecture).exists()


@pytest.mark.parametrize("seconds", [-31 * 60, 30 * 60 + 31 * 60])
def test_it_refuses_a_heartbeat_outside_the_window_and_changes_nothing(lecture, trainee_a1, seconds):
    with pytest.raises(ValidationError) as error:
        beat(trainee_a1, lecture, seconds)
    assert error.value.message_dict == {"now": [sw.ERR_OUTSIDE_WINDOW]}
    assert not WatchRecord.objects.exists()


def test_it_refuses_a_viewer_who_may_not_attend_and_changes_nothing(lecture, trainee_b1):
    with pytest.raises(PermissionDenied, match=sw.ERR_NOT_ALLOWED):
        beat(trainee_b1, lecture, 10)
    assert not WatchRecord.objects.exists()


def test_an_admin_who_may_attend_watches_without_study_hours(lecture, org_admin):
    result = beat(org_admin, lecture, 10)
    assert result.credited is True and result.watched_seconds == 60
    assert not CheckIn.objects.exists()


def test_the_steady_heartbeat_is_one_locking_select_and_one_update(
    lecture, trainee_a1, django_assert_num_queries, settings
):
    beat(trainee_a1, lecture, 5)  # creates the record, credits the first slot
    # SAVEPOINT, SELECT ... FOR UPDATE, UPDATE, RELEASE SAVEPOINT (the test runs inside a transaction)
    with django_assert_num_queries(4):
        beat(trainee_a1, lecture, 25)
    # A new slot adds training's credit: its enrolment, its check-in (locked) and the check-in's update.
    with django_assert_num_queries(4 + 5):
        beat(trainee_a1, lecture, 65)


# --- venue mode -------------------------------------------------------------------------------------------


def test_venue_mode_counts_the_screen_towards_its_venue(lecture, tree, venue_operator_a1):
    venue = make_venue(tree.county_a1)
    Enrolment.objects.filter(training_class=lecture.training_class).update(venue=venue)
    beat(venue_operator_a1, lecture, 10, venue=venue)
    record = WatchRecord.objects.get(user=venue_operator_a1)
    assert (record.venue_id, record.unit_id) == (venue.pk, tree.county_a1.pk)


def test_the_steady_venue_heartbeat_stays_lean(lecture, tree, venue_operator_a1, django_assert_num_queries):
    venue = make_venue(tree.county_a1)
    Enrolment.objects.filter(training_class=lecture.training_class).update(venue=venue)
    beat(venue_operator_a1, lecture, 10, venue=venue)
    operator = type(venue_operator_a1).objects.get(pk=venue_operator_a1.pk)  # a new request: nothing cached
    with django_assert_num_queries(4):  # SAVEPOINT, SELECT ... FOR UPDATE, UPDATE, RELEASE
        beat(operator, lecture, 20, venue=venue)


def test_it_refuses_venue_mode_for_a_venue_the_operator_does_not_run(lecture, tree, trainee_a1):
    venue = make_venue(tree.county_b1)
    with pytest.raises(PermissionDenied, match=sw.ERR_NOT_OPERATOR):
        beat(trainee_a1, lecture, 10, venue=venue)
    assert not WatchRecord.objects.exists()


# --- replay -------------------------------------------------------------------------------------------------


def replay(actor, lecture, position, seconds_after_end, **kwargs):
    now = lecture.ends_at + dt.timedelta(seconds=seconds_after_end)
    return sw.watch_heartbeat(actor=actor, lecture=lecture, is_replay=True, position=position, now=now, **kwargs)


def test_replay_is_refused_before_the_end_and_without_a_ready_recording(lecture, trainee_a1):
    with pytest.raises(ValidationError) as early:
        sw.watch_heartbeat(actor=trainee_a1, lecture=lecture, is_replay=True, position=0, now=at(60))
    assert early.value.message_dict == {"is_replay": [sw.ERR_REPLAY_TOO_EARLY]}
    with pytest.raises(ValidationError) as missing:
        replay(trainee_a1, lecture, 0, 60)
    assert missing.value.message_dict == {"is_replay": [sw.ERR_REPLAY_NOT_READY]}
    assert not WatchRecord.objects.exists()


@pytest.mark.parametrize("position", [None, -1, float("nan"), sw.MAX_POSITION_SECONDS + 1])
def test_it_refuses_a_replay_heartbeat_without_a_sane_position(lecture, trainee_a1, position):
    make_recording(make_stream(lecture))
    with pytest.raises(ValidationError) as error:
        replay(trainee_a1, lecture, position, 60)
    assert error.value.message_dict == {"position": [sw.ERR_BAD_POSITION]}
    assert not WatchRecord.objects.exists()


def test_replay_counts_towards_hours_only_when_the_class_says_so(lecture, trainee_a1):
    make_recording(make_stream(lecture))
    first = replay(trainee_a1, lecture, 10, 60)
    assert first.credited is True and first.watched_seconds == 60
    assert not CheckIn.objects.exists()  # replay_counts_hours is off by default
    live_settings(lecture, replay_counts_hours=True)
    lecture = lecture_for_heartbeat(pk=lecture.pk)
    replay(trainee_a1, lecture, 70, 60 + 60)
    assert checkin_seconds(lecture, trainee_a1) == 120
    assert WatchRecord.objects.get(is_replay=True).watched_seconds == 120


def test_replay_earns_no_faster_than_real_time(lecture, trainee_a1):
    make_recording(make_stream(lecture))
    replay(trainee_a1, lecture, 0, 0)
    skipped = replay(trainee_a1, lecture, 600, 20)  # seeking ahead 10 minutes, 20 s later
    assert skipped.credited is False and skipped.watched_seconds == 60
    later = replay(trainee_a1, lecture, 620, 60)  # a slot length later the new slot counts
    assert later.credited is True and later.watched_seconds == 120


def test_live_and_replay_are_separate_records_and_the_larger_counts(lecture, trainee_a1):
    for seconds in (10, 70, 130):
        beat(trainee_a1, lecture, seconds)
    make_recording(make_stream(lecture))
    live_settings(lecture, replay_counts_hours=True)
    lecture = lecture_for_heartbeat(pk=lecture.pk)
    replay(trainee_a1, lecture, 0, 0)
    assert WatchRecord.objects.filter(user=trainee_a1).count() == 2
    assert checkin_seconds(lecture, trainee_a1) == 180


# --- attention check -------------------------------------------------------------------------------------


@pytest.fixture
def attentive(lecture):
    live_settings(lecture, attention_check=True, attention_interval_minutes=10)
    return lecture_for_heartbeat(pk=lecture.pk)


def test_the_first_heartbeat_sets_a_random_prompt_time_within_the_interval(attentive, trainee_a1):
    result = beat(trainee_a1, attentive, 5)
    due = WatchRecord.objects.get(user=trainee_a1).attention_due_at
    assert at(5) + dt.timedelta(minutes=5) <= due <= at(5) + dt.timedelta(minutes=15)
    assert result.as_json()["attention_due_in"] == round((due - at(5)).total_seconds())
    assert result.attention_required is False


def test_heartbeats_after_an_unanswered_prompt_do_not_count_until_answered(attentive, trainee_a1):
    beat(trainee_a1, attentive, 5)
    WatchRecord.objects.update(attention_due_at=at(100))
    overdue = beat(trainee_a1, attentive, 130)
    assert overdue.attention_required is True and overdue.credited is False
    assert overdue.watched_seconds == 60
    due = sw.watch_attention_confirm(actor=trainee_a1, lecture=attentive, is_replay=False, now=at(150))
    assert due > at(150)
    again = beat(trainee_a1, attentive, 170)
    assert again.credited is True and again.watched_seconds == 120
    assert WatchRecord.objects.get(user=trainee_a1).attention_missed == 1


def test_an_answer_long_before_the_prompt_is_refused(attentive, trainee_a1):
    beat(trainee_a1, attentive, 5)
    WatchRecord.objects.update(attention_due_at=at(600))
    with pytest.raises(ValidationError) as error:
        sw.watch_attention_confirm(actor=trainee_a1, lecture=attentive, is_replay=False, now=at(60))
    assert error.value.message_dict == {"attention": [sw.ERR_ATTENTION_NOT_DUE]}
    assert WatchRecord.objects.get(user=trainee_a1).attention_due_at == at(600)


def test_an_answer_without_the_check_or_without_watching_is_refused(lecture, attentive, trainee_a1, trainee_b1):
    with pytest.raises(ValidationError) as error:
        sw.watch_attention_confirm(actor=trainee_b1, lecture=attentive, is_replay=False, now=at(60))
    assert error.value.message_dict == {"attention": [sw.ERR_NOT_WATCHING]}
    ClassLiveSettings.objects.update(attention_check=False)
    plain = lecture_for_heartbeat(pk=lecture.pk)
    with pytest.raises(ValidationError) as off:
        sw.watch_attention_confirm(actor=trainee_a1, lecture=plain, is_replay=False, now=at(60))
    assert off.value.message_dict == {"attention": [sw.ERR_ATTENTION_OFF]}


# --- class settings ------------------------------------------------------------------------------------------


def test_organisers_set_the_live_rules_and_it_is_audited(lecture, org_admin):
    row = sw.live_settings_update(
        actor=org_admin,
        training_class=lecture.training_class,
        replay_counts_hours=True,
        attention_check=True,
        attention_interval_minutes=15,
    )
    assert (row.replay_counts_hours, row.attention_check, row.attention_interval_minutes) == (True, True, 15)
    assert AuditEvent.objects.filter(event="live.settings_save", actor=org_admin).count() == 1


def test_others_may_not_change_the_live_rules(lecture, city_a_admin, trainee_a1):
    for actor in (city_a_admin, trainee_a1):
        with pytest.raises(PermissionDenied, match=sw.ERR_SETTINGS_NOT_ALLOWED):
            sw.live_settings_update(
                actor=actor,
                training_class=lecture.training_class,
                replay_counts_hours=True,
                attention_check=False,
                attention_interval_minutes=20,
            )
    assert not ClassLiveSettings.objects.exists()


@pytest.mark.parametrize("minutes", [0, 4, 121])
def test_it_refuses_an_attention_interval_out_of_range(lecture, org_admin, minutes):
    with pytest.raises(ValidationError) as error:
        sw.live_settings_update(
            actor=org_admin,
            training_class=lecture.training_class,
            replay_counts_hours=False,
            attention_check=True,
            attention_interval_minutes=minutes,
        )
    assert error.value.message_dict == {"attention_interval_minutes": [sw.ERR_BAD_INTERVAL]}
    assert not ClassLiveSettings.objects.exists()
