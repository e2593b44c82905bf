"""Test data of the watching side: a live lecture of a class, enrolments, a stream, a ready recording."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from peixun.accounts.models import User
from peixun.live.models import ClassLiveSettings, LiveStream, Recording, RecordingStatus, StreamStatus
from peixun.offices.models import ResearchOffice
from peixun.org.models import Unit
from peixun.training.models import (
    ClassStatus,
    Enrolment,
    EnrolmentChannel,
    Lecture,
    TrainingClass,
    TrainingPlan,
    Venue,
)


def make_lecture(
    *,
    office: ResearchOffice,
    title: str = "直播专题班",
    starts_at: dt.datetime | None = None,
    duration_minutes: int = 90,
    teacher: User | None = None,
) -> Lecture:
    plan, _ = TrainingPlan.objects.get_or_create(year=timezone.localdate().year, defaults={"title": "年度培训计划"})
    today = timezone.localdate()
    cls = TrainingClass.objects.create(
        plan=plan,
        office=office,
        title=title,
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=2),
        status=ClassStatus.IN_PROGRESS,
        study_hours=Decimal("3.0"),
    )
    return Lecture.objects.create(
        training_class=cls,
        topic=f"{title}·纪律审查实务",
        starts_at=starts_at or timezone.now().replace(microsecond=0),
        duration_minutes=duration_minutes,
        teacher=teacher,
        is_live=True,
        study_hours=Decimal("1.5"),
    )


def make_venue(unit: Unit, name: str = "", seats: int = 60) -> Venue:
    return Venue.objects.create(name=name or f"{unit.name}分会场", unit=unit, seats=seats)


def enrol(user: User, lecture: Lecture, venue: Venue | None = None) -> Enrolment:
    return Enrolment.objects.create(
        training_class=lecture.training_class, cadre=user.cadre, channel=EnrolmentChannel.ORG_ADMIN, venue=venue
    )


def make_stream(lecture: Lecture, status: str = StreamStatus.LIVE) -> LiveStream:
    now = timezone.now()
    return LiveStream.objects.create(
        lecture=lecture,
        status=status,
        publishing_since=now if status == StreamStatus.LIVE else None,
        last_published_at=now,
    )


def make_recording(stream: LiveStream, seconds: float = 600.0, mp4: str = "rec.mp4") -> Recording:
    return Recording.objects.create(
        stream=stream,
        source_path=f"/tmp/{mp4}.flv",
        mp4_path=f"/tmp/{mp4}",
        duration_seconds=seconds,
        status=RecordingStatus.READY,
        ready_at=timezone.now(),
    )


def live_settings(lecture: Lecture, **values: object) -> ClassLiveSettings:
    row, _ = ClassLiveSettings.objects.update_or_create(training_class=lecture.training_class, defaults=values)
    return row
