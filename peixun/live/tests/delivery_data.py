"""Fixtures of the publishing-side tests: a live lecture whose main venue is county A1's, its stream, and an
enrolled trainee. Import the *_fixture names; tests ask for lecture, stream and enrolled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peixun.live.models import LiveStream
from peixun.training.tests.factories import EnrolmentFactory, LectureFactory, VenueFactory


@pytest.fixture(name="lecture")
def lecture_fixture(tree):
    venue = VenueFactory(unit=tree.county_a1)
    return LectureFactory(
        is_live=True, main_venue=venue, starts_at=timezone.now() + dt.timedelta(minutes=10), duration_minutes=60
    )


@pytest.fixture(name="stream")
def stream_fixture(lecture) -> LiveStream:
    return LiveStream.objects.create(lecture=lecture)


@pytest.fixture(name="enrolled")
def enrolled_fixture(lecture, trainee_a1):
    EnrolmentFactory(training_class=lecture.training_class, cadre=trainee_a1.cadre)
    return trainee_a1
