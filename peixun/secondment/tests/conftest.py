from __future__ import annotations

import datetime as dt

import pytest

from peixun.org.models import Cadre
from peixun.secondment.models import SecondmentBatch
from peixun.secondment.tests.factories import BatchFactory, PostFactory, university


def with_service(*users) -> None:
    """The root fixtures' cadres have no work start date; give them enough service to be eligible."""
    for user in users:
        Cadre.objects.filter(pk=user.cadre_id).update(work_start_date=dt.date(2010, 7, 1))
        user.cadre.refresh_from_db()


@pytest.fixture
def uni(tree):
    return university(tree.province)


@pytest.fixture
def batch(tree, uni) -> SecondmentBatch:
    b = BatchFactory(title="2026年度双向学习锻炼")
    PostFactory(
        batch=b,
        receiving_unit=tree.enterprise,
        title="集团纪委审查岗",
        capacity=1,
        preferred_skills=["审查调查", "财务"],
    )
    PostFactory(batch=b, receiving_unit=uni, title="高校纪委监督岗", capacity=2, preferred_skills=["监督检查"])
    PostFactory(batch=b, receiving_unit=tree.county_b1, title="乙一县纪委监委岗位", capacity=1)
    return b


@pytest.fixture
def posts(batch):
    return list(batch.posts.order_by("pk"))
