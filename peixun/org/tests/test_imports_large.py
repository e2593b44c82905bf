"""A 10,000-row cadre file validates and imports (timings: bench/imports.py; here only correctness and
the number of queries, which must not grow with the rows)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peixun.accounts.models import User
from peixun.org.import_models import ImportKind, ImportStatus
from peixun.org.imports.testing import cadre_values, id_number, run_apply, run_import, upload, xlsx_bytes
from peixun.org.models import Cadre

ROWS = 10_000


def big_file(count: int, unit: str = "A1") -> bytes:
    start = dt.date(1960, 1, 1)
    rows = []
    for i in range(count):
        birth = start + dt.timedelta(days=i)
        gender = "M" if i % 2 else "F"
        rows.append(
            cadre_values(
                工号=f"B{i:06d}",
                姓名=f"干部{i}",
                性别="男" if gender == "M" else "女",
                出生日期=birth,
                单位编码=unit,
                手机号码=f"139{i:08d}",
                参加工作时间=birth + dt.timedelta(days=365 * 22),
                身份证号=id_number(birth, gender, i),
            )
        )
    return xlsx_bytes(ImportKind.CADRES, rows)


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path


def test_a_ten_thousand_row_file_validates_and_imports(county_a1_admin, django_capture_on_commit_callbacks):
    data = big_file(ROWS)
    before = Cadre.objects.count()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as validation_queries:
        job = run_import(
            django_capture_on_commit_callbacks, actor=county_a1_admin, kind=ImportKind.CADRES, file=upload(data)
        )
    validated = time.perf_counter()
    assert job.status == ImportStatus.VALIDATED and job.errors == [] and job.valid_rows == ROWS
    job = run_apply(django_capture_on_commit_callbacks, actor=county_a1_admin, job=job)
    done = time.perf_counter()
    assert job.status == ImportStatus.DONE and job.created_count == ROWS
    assert Cadre.objects.count() == before + ROWS and User.objects.filter(username__startswith="B0").count() == ROWS
    # No query per row: progress updates every 200 rows plus a handful of look-ups.
    assert len(validation_queries) < ROWS // 200 + 30
    print(f"\n10,000-row cadre import: validate {validated - started:.1f}s, import {done - validated:.1f}s")

    # The same file again: updates nothing, duplicates nothing.
    again = run_apply(
        django_capture_on_commit_callbacks,
        actor=county_a1_admin,
        job=run_import(
            django_capture_on_commit_callbacks, actor=county_a1_admin, kind=ImportKind.CADRES, file=upload(data)
        ),
    )
    assert (again.created_count, again.updated_count) == (0, 0)
    assert Cadre.objects.count() == before + ROWS
    print(f"same file again: {time.perf_counter() - done:.1f}s")
