from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from peixun.teachers.models import IntakeRound, Teacher


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeRound
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"2026年度师资遴选第{n}批")
    criteria = "政治坚定，业务精通，具有较强的授课能力"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))

    @factory.post_generation
    def fields(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.fields.set(extracted)


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"SZ2026-{n + 100:04d}")

    @factory.post_generation
    def fields(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.fields.set(extracted)
