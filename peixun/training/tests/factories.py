from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from peixun.offices.models import ResearchOffice
from peixun.training.models import (
    ClassStatus,
    Enrolment,
    EnrolmentChannel,
    EnrolmentStatus,
    Lecture,
    TrainingClass,
    TrainingPlan,
    Venue,
)

YEAR = timezone.localdate().year


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchOffice
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"OF{n}")
    name = factory.Sequence(lambda n: f"教研室{n}")
    field = "综合"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingPlan
        django_get_or_create = ("year",)

    year = YEAR
    title = factory.LazyAttribute(lambda o: f"{o.year}年度培训计划")
    hours_target = Decimal("10.0")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.LazyAttribute(lambda o: f"{o.unit.name}分会场")
    seats = 50
    allowed_occupancy = 100
    latitude = 36.6
    longitude = 117.0


class ClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    plan = factory.SubFactory(PlanFactory)
    office = factory.SubFactory(OfficeFactory)
    title = factory.Sequence(lambda n: f"专题辅导班{n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate())
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=2))
    study_hours = Decimal("4.0")
    status = ClassStatus.ENROLLING


class LectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lecture

    training_class = factory.SubFactory(ClassFactory)
    topic = factory.Sequence(lambda n: f"课次{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    duration_minutes = 120
    teacher_name = "外聘教师"
    is_live = False
    study_hours = Decimal("2.0")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    training_class = factory.SubFactory(ClassFactory)
    status = EnrolmentStatus.ENROLLED
    channel = EnrolmentChannel.ORG_ADMIN


def enrol(cls, unit, n):
    """n new cadres of `unit` enrolled in `cls`."""
    from peixun.org.tests.factories import cadre_user

    return [EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=unit).cadre) for _ in range(n)]
