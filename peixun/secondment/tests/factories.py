from __future__ import annotations

import datetime as dt

import factory

from peixun.org.models import Unit, UnitKind
from peixun.org.tests.factories import UnitFactory
from peixun.secondment.models import BatchStatus, Channel, Post, Secondment, SecondmentBatch, Stage


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecondmentBatch

    year = 2026
    title = factory.Sequence(lambda n: f"2026年度双向学习锻炼第{n}批")
    notice = "根据工作安排，现组织开展双向学习锻炼。"
    start_date = dt.date(2026, 3, 1)
    end_date = dt.date(2026, 8, 31)
    reference_date = dt.date(2026, 3, 1)
    status = BatchStatus.OPEN


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    batch = factory.SubFactory(BatchFactory)
    receiving_unit = factory.SubFactory(UnitFactory, kind=UnitKind.ENTERPRISE)
    title = factory.Sequence(lambda n: f"纪检岗位{n}")
    capacity = 1


class SecondmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Secondment

    batch = factory.SubFactory(BatchFactory)
    cadre = None
    sending_unit = factory.LazyAttribute(lambda o: o.cadre.unit)
    channel = Channel.MOBILISED
    stage = Stage.SUBMITTED


def university(parent: Unit, name: str = "某大学纪委", code: str = "UNI") -> Unit:
    return UnitFactory(code=code, name=name, kind=UnitKind.UNIVERSITY, parent=parent)
