"""QR check-in tokens, operator attendance, online watch time and the hours they credit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peixun.org.tests.factories import cadre_user
from peixun.training import services_checkin as sc
from peixun.training.models import CheckIn, CheckInStatus, HoursRule
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory


@pytest.fixture
def setup(tree, trainee_a1):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    cls = ClassFactory()
    lecture = LectureFactory(training_class=cls, starts_at=start, duration_minutes=100, study_hours=Decimal("2.0"))
    home = VenueFactory(unit=tree.county_a1)
    foreign = VenueFactory(unit=tree.county_b1)
    enrolment = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre, venue=home)
    return cls, lecture, home, foreign, enrolment, start


def test_a_fresh_token_checks_the_trainee_in_once(setup, trainee_a1):
    _, lecture, home, _, _, start = setup
    now = start - dt.timedelta(minutes=3)
    token = sc.checkin_token(lecture=lecture, venue=home, now=now)
    checkin, message = sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=home, token=token, now=now)
    assert (checkin.status, checkin.study_hours, message) == (CheckInStatus.PRESENT, Decimal("2.0"), sc.MSG_DONE)
    again, message = sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=home, token=token, now=now)
    assert again.pk == checkin.pk and message == sc.MSG_ALREADY
    assert CheckIn.objects.count() == 1


def test_a_late_scan_is_marked_late(setup, trainee_a1):
    _, lecture, home, _, _, start = setup
    now = start + dt.timedelta(minutes=20)
    token = sc.checkin_token(lecture=lecture, venue=home, now=now)
    checkin, _ = sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=home, token=token, now=now)
    assert checkin.status == CheckInStatus.LATE


def test_a_replayed_token_is_refused_after_it_rotated(setup, trainee_a1):
    _, lecture, home, _, _, start = setup
    then = start - dt.timedelta(minutes=10)
    token = sc.checkin_token(lecture=lecture, venue=home, now=then)
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=home, token=token, now=then + dt.timedelta(minutes=2))
    assert err.value.message_dict["token"] == [sc.ERR_TOKEN_EXPIRED]
    # The previous code is still accepted for one period (a slow phone).
    sc.checkin_scan(
        actor=trainee_a1, lecture=lecture, venue=home, token=token, now=then + dt.timedelta(seconds=sc.TOKEN_PERIOD)
    )
    assert CheckIn.objects.count() == 1


def test_a_token_outside_the_lecture_window_is_refused(setup, trainee_a1):
    _, lecture, home, _, _, start = setup
    for now in (start - dt.timedelta(hours=2), lecture.ends_at + dt.timedelta(hours=1)):
        token = sc.checkin_token(lecture=lecture, venue=home, now=now)
        with pytest.raises(ValidationError) as err:
            sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=home, token=token, now=now)
        assert err.value.message_dict["token"] == [sc.ERR_OUTSIDE_WINDOW]
    assert not CheckIn.objects.exists()


def test_it_refuses_a_foreign_venue(setup, trainee_a1):
    _, lecture, home, foreign, _, start = setup
    token = sc.checkin_token(lecture=lecture, venue=foreign, now=start)
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=foreign, token=token, now=start)
    assert err.value.message_dict["token"] == [sc.ERR_OTHER_VENUE]
    # A code signed for the foreign venue does not work at home either.
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=home, token=token, now=start)
    assert err.value.message_dict["token"] == [sc.ERR_TOKEN_INVALID]
    other_lecture = LectureFactory(training_class=lecture.training_class, starts_at=start)
    token = sc.checkin_token(lecture=other_lecture, venue=home, now=start)
    with pytest.raises(ValidationError):
        sc.checkin_scan(actor=trainee_a1, lecture=lecture, venue=home, token=token, now=start)
    assert not CheckIn.objects.exists()


def test_a_cadre_who_is_not_enrolled_cannot_check_in(setup, tree):
    _, lecture, home, _, _, start = setup
    stranger = cadre_user(unit=tree.county_a1)
    token = sc.checkin_token(lecture=lecture, venue=home, now=start)
    with pytest.raises(ValidationError) as err:
        sc.checkin_scan(actor=stranger, lecture=lecture, venue=home, token=token, now=start)
    assert err.value.message_dict["token"] == [sc.ERR_NOT_ENROLLED]


def test_the_venue_operator_marks_attendance_and_the_headcount(setup, venue_operator_a1, tree):
    cls, lecture, home, foreign, enrolment, _ = setup
    absent = EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre, venue=home)
    sc.attendance_mark(
        actor=venue_operator_a1, lecture=lecture, venue=home, marks={enrolment.pk: "present", absent.pk: "absent"}
    )
    rows = {c.enrolment_id: (c.status, c.study_hours) for c in CheckIn.objects.all()}
    assert rows == {enrolment.pk: ("present", Decimal("2.0")), absent.pk: ("absent", Decimal("0"))}
    with pytest.raises(PermissionDenied):
        sc.attendance_mark(actor=venue_operator_a1, lecture=lecture, venue=foreign, marks={})
    with pytest.raises(ValidationError) as err:
        sc.attendance_mark(actor=venue_operator_a1, lecture=lecture, venue=home, marks={enrolment.pk: "asleep"})
    assert err.value.message_dict == {f"enrolment_{enrolment.pk}": [sc.ERR_BAD_STATUS]}
    assert sc.headcount_record(actor=venue_operator_a1, lecture=lecture, venue=home, headcount=30).headcount == 30
    with pytest.raises(ValidationError):
        sc.headcount_record(actor=venue_operator_a1, lecture=lecture, venue=home, headcount=51)


def test_watch_time_credits_hours_only_past_the_required_share(setup, trainee_a1, tree):
    cls, lecture, _, _, _, start = setup
    cls.hours_rule, cls.watch_percent_required = HoursRule.WATCH_PERCENT, 80
    cls.save()
    checkin = sc.watch_time_record(lecture=lecture, cadre=trainee_a1.cadre, seconds=60 * 79, now=start)
    assert (checkin.method, checkin.study_hours) == ("online", Decimal("0"))
    checkin = sc.watch_time_record(lecture=lecture, cadre=trainee_a1.cadre, seconds=60 * 80, now=start)
    assert checkin.study_hours == Decimal("2.0")
    # An older, smaller report does not take the credit away; totals are capped at the lecture length.
    checkin = sc.watch_time_record(lecture=lecture, cadre=trainee_a1.cadre, seconds=10, now=start)
    assert checkin.watched_seconds == 60 * 80
    checkin = sc.watch_time_record(lecture=lecture, cadre=trainee_a1.cadre, seconds=10**7, now=start)
    assert checkin.watched_seconds == 6000
    stranger = cadre_user(unit=tree.county_a1).cadre
    assert sc.watch_time_record(lecture=lecture, cadre=stranger, seconds=600) is None
    with pytest.raises(ValidationError):
        sc.watch_time_record(lecture=lecture, cadre=trainee_a1.cadre, seconds=-1)


def test_lecture_hours_default_to_a_share_of_the_class(tree):
    cls = ClassFactory(study_hours=Decimal("5"))
    a = LectureFactory(training_class=cls, study_hours=Decimal("0"))
    LectureFactory(training_class=cls, study_hours=Decimal("0"))
    assert sc.lecture_hours(a) == Decimal("2.5")
