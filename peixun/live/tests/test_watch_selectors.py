"""Who watches now (the monitor), cut to the admin's scope, and the broadcast state the player shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from peixun.live.models import StreamStatus, WatchRecord
from peixun.live.selectors_watch import (
    VIEWER_FRESH,
    broadcast_state,
    lecture_for_watching,
    may_monitor,
    viewers_now,
)
from peixun.live.tests.watch_data import enrol, make_lecture, make_stream, make_venue
from peixun.org.tests.factories import cadre_user
from peixun.training.models import VenueHeadcount

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def watched(office, tree):
    """A lecture watched now from A1 (two desks and the A1 venue's screen), A2 and B1, plus a stale viewer."""
    lecture = make_lecture(office=office, starts_at=NOW - dt.timedelta(minutes=10))
    a1_venue = make_venue(tree.county_a1, name="甲一县分会场")
    b1_venue = make_venue(tree.county_b1, name="乙一县分会场")
    VenueHeadcount.objects.create(lecture=lecture, venue=a1_venue, headcount=35)

    def viewer(unit, name, *, venue=None, seen=NOW):
        user = cadre_user(unit=unit, name=name)
        enrol(user, lecture)
        WatchRecord.objects.create(lecture=lecture, user=user, unit=unit, venue=venue, last_seen_at=seen)

    viewer(tree.county_a1, "甲一甲")
    viewer(tree.county_a1, "甲一乙")
    viewer(tree.county_a1, "甲一投屏", venue=a1_venue)
    viewer(tree.county_a2, "甲二甲")
    viewer(tree.county_b1, "乙一投屏", venue=b1_venue)
    viewer(tree.county_a1, "早走的", seen=NOW - VIEWER_FRESH - dt.timedelta(seconds=1))
    return lecture


def test_the_organisation_department_counts_every_viewer_now(watched, org_admin, tree):
    counts = viewers_now(actor=org_admin, lectures=[watched], now=NOW)[watched.pk]
    assert counts.total == 5
    assert sorted(counts.by_venue) == sorted([("甲一县分会场", 1, 35), ("乙一县分会场", 1, None)])
    assert dict(counts.by_unit) == {tree.county_a1.name: 3, tree.county_a2.name: 1, tree.county_b1.name: 1}


def test_a_city_admin_counts_only_the_citys_viewers(watched, city_a_admin, tree):
    counts = viewers_now(actor=city_a_admin, lectures=[watched], now=NOW)[watched.pk]
    assert counts.total == 4
    assert counts.by_venue == [("甲一县分会场", 1, 35)]
    assert dict(counts.by_unit) == {tree.county_a1.name: 3, tree.county_a2.name: 1}


def test_a_county_admin_counts_only_the_countys_viewers(watched, county_a1_admin, tree):
    counts = viewers_now(actor=county_a1_admin, lectures=[watched], now=NOW)[watched.pk]
    assert counts.total == 3
    assert dict(counts.by_unit) == {tree.county_a1.name: 3}


def test_those_without_an_admin_role_count_nobody_and_may_not_monitor(watched, trainee_a1, venue_operator_a1):
    for actor in (trainee_a1, venue_operator_a1):
        assert not may_monitor(actor)
        assert viewers_now(actor=actor, lectures=[watched], now=NOW)[watched.pk].total == 0


def test_the_viewer_counts_take_a_fixed_number_of_queries(watched, org_admin, django_assert_num_queries):
    assert org_admin.grants.roles  # loaded once per request anyway
    with django_assert_num_queries(3):
        viewers_now(actor=org_admin, lectures=[watched], now=NOW)


def test_only_those_who_may_attend_find_the_lecture(watched, trainee_b1, org_admin):
    assert lecture_for_watching(actor=org_admin, pk=watched.pk) == watched
    with pytest.raises(Http404):
        lecture_for_watching(actor=trainee_b1, pk=watched.pk)


def test_the_broadcast_state_follows_the_studio_and_the_clock(office):
    start = timezone.now().replace(microsecond=0)
    lecture = make_lecture(office=office, starts_at=start, duration_minutes=60)
    assert broadcast_state(lecture=lecture, now=start - dt.timedelta(minutes=5)).state == "waiting"
    assert broadcast_state(lecture=lecture, now=start + dt.timedelta(minutes=5)).state == "waiting"
    stream = make_stream(lecture)
    assert broadcast_state(lecture=lecture, now=start + dt.timedelta(minutes=5)).message == "直播中"
    stream.status = StreamStatus.ENDED
    stream.save()
    assert broadcast_state(lecture=lecture, now=start + dt.timedelta(minutes=5)).state == "interrupted"
    assert broadcast_state(lecture=lecture, now=start + dt.timedelta(minutes=61)).state == "ended"
    assert broadcast_state(lecture=lecture, now=start + dt.timedelta(hours=3)).state == "ended"


def test_the_list_shows_a_viewer_the_lectures_to_watch_and_operators_their_venues(
    office, tree, trainee_a1, trainee_b1, venue_operator_a1, org_admin
):
    from peixun.live.selectors_watch import lectures_to_watch

    now = timezone.now()
    lecture = make_lecture(office=office, starts_at=now + dt.timedelta(hours=1))
    a1_venue = make_venue(tree.county_a1)
    b1_venue = make_venue(tree.county_b1)
    enrol(trainee_a1, lecture, a1_venue)
    enrol(trainee_b1, lecture, b1_venue)
    make_lecture(office=office, starts_at=now + dt.timedelta(days=9))  # too far ahead for anyone
    assert lectures_to_watch(actor=trainee_a1, now=now) == [lecture]
    assert lectures_to_watch(actor=trainee_a1, now=now)[0].venues == []
    assert lectures_to_watch(actor=venue_operator_a1, now=now)[0].venues == [a1_venue]
    assert set(lectures_to_watch(actor=org_admin, now=now)[0].venues) == {a1_venue, b1_venue}
    outsider = cadre_user(unit=tree.county_a2, name="未报名")
    assert lectures_to_watch(actor=outsider, now=now) == []
