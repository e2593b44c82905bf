"""Eligibility: age on the reference date (in whole years, as 周岁 are counted), service, sanctions, assessment."""

from __future__ import annotations

import datetime as dt

import pytest

from peixun.org.tests.factories import CadreFactory
from peixun.secondment import eligibility
from peixun.secondment.eligibility import (
    WHY_NO_POLITICAL,
    WHY_NO_WORK,
    WHY_SERVICE_SHORT,
    WHY_SERVICE_UNKNOWN,
    WHY_TOO_OLD,
    cadre_reasons,
    years_between,
)
from peixun.secondment.models import DisciplinarySanction
from peixun.secondment.tests.factories import BatchFactory, SecondmentFactory

REF = dt.date(2026, 3, 1)
TOO_OLD = WHY_TOO_OLD.format(max_age=50, date=REF.isoformat())


def cadre_born(tree, birth: dt.date, **fields):
    return CadreFactory(unit=tree.county_b1, birth_date=birth, work_start_date=dt.date(2010, 7, 1), **fields)


@pytest.mark.parametrize(
    ("birth", "eligible"),
    [
        (dt.date(1976, 3, 2), True),  # the day before the 50th birthday: 49
        (dt.date(1976, 3, 1), True),  # the 50th birthday itself: 50
        (dt.date(1976, 2, 28), True),  # the day after the 50th birthday: still 50 周岁
        (dt.date(1975, 3, 2), True),  # the day before the 51st birthday: 50
        (dt.date(1975, 3, 1), False),  # the 51st birthday: 51, over the limit
        (dt.date(1975, 2, 28), False),  # the day after the 51st birthday
    ],
)
def test_the_age_limit_counts_whole_years_on_the_reference_date(tree, birth, eligible):
    batch = BatchFactory(reference_date=REF)
    reasons = cadre_reasons(cadre_born(tree, birth), batch)
    assert (TOO_OLD not in reasons) is eligible


def test_the_age_limit_and_reference_date_are_configurable(tree):
    cadre = cadre_born(tree, dt.date(1981, 3, 2))
    assert cadre_reasons(cadre, BatchFactory(reference_date=REF, max_age=50)) == []
    strict = BatchFactory(reference_date=dt.date(2026, 3, 2), max_age=44)
    assert WHY_TOO_OLD.format(max_age=44, date="2026-03-02") in cadre_reasons(cadre, strict)


def test_someone_born_on_29_february_ages_on_1_march():
    assert years_between(dt.date(1976, 2, 29), dt.date(2026, 2, 28)) == 49
    assert years_between(dt.date(1976, 2, 29), dt.date(2026, 3, 1)) == 50


def test_years_of_service_come_from_the_work_start_date(tree):
    batch = BatchFactory(reference_date=REF, min_service_years=2)
    short = CadreFactory(unit=tree.county_b1, work_start_date=dt.date(2024, 3, 2))
    enough = CadreFactory(unit=tree.county_b1, work_start_date=dt.date(2024, 3, 1))
    unknown = CadreFactory(unit=tree.county_b1, work_start_date=None)
    assert cadre_reasons(short, batch) == [WHY_SERVICE_SHORT.format(years=2)]
    assert cadre_reasons(enough, batch) == []
    assert cadre_reasons(unknown, batch) == [WHY_SERVICE_UNKNOWN]


def test_a_sanction_in_force_on_the_reference_date_excludes_and_an_expired_one_does_not(tree):
    batch = BatchFactory(reference_date=REF)
    cadre = cadre_born(tree, dt.date(1985, 1, 1))
    DisciplinarySanction.objects.create(
        cadre=cadre, kind="警告", start_date=dt.date(2024, 1, 1), end_date=dt.date(2026, 2, 28)
    )
    assert cadre_reasons(cadre, batch) == []
    DisciplinarySanction.objects.create(
        cadre=cadre, kind="记过", start_date=dt.date(2025, 6, 1), end_date=dt.date(2026, 3, 1)
    )
    assert cadre_reasons(cadre, batch) == ["处分影响期未满（记过）"]


def test_a_candidate_needs_the_units_political_and_work_assessment(tree):
    cadre = cadre_born(tree, dt.date(1985, 1, 1))
    s = SecondmentFactory(cadre=cadre, batch=BatchFactory(reference_date=REF))
    eligibility.refresh(s)
    assert not s.eligible
    assert s.eligibility_reasons == [WHY_NO_POLITICAL, WHY_NO_WORK]
    s.political_assessment, s.work_assessment = "政治坚定", "工作扎实"
    eligibility.refresh(s)
    assert s.eligible and s.eligibility_reasons == []
