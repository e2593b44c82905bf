"""Chat test data: a class with one lecture, and enrolments (training's own factories may replace these)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from peixun.accounts.models import User
from peixun.offices.models import ResearchOffice
from peixun.training.models import Enrolment, EnrolmentChannel, Lecture, TrainingClass, TrainingPlan


def make_lecture(*, office: ResearchOffice, teacher: User | None = None, title: str = "乙市专题班") -> Lecture:
    plan, _ = TrainingPlan.objects.get_or_create(year=2026, defaults={"title": "2026年度培训计划"})
    today = timezone.localdate()
    cls = TrainingClass.objects.create(
        plan=plan, office=office, title=title, start_date=today, end_date=today + dt.timedelta(days=2)
    )
    return Lecture.objects.create(
        training_class=cls,
        topic="纪律审查实务",
        starts_at=timezone.now(),
        duration_minutes=90,
        teacher=teacher,
    )


def enrol(user: User, lecture: Lecture) -> Enrolment:
    return Enrolment.objects.create(
        training_class=lecture.training_class, cadre=user.cadre, channel=EnrolmentChannel.ORG_ADMIN
    )
