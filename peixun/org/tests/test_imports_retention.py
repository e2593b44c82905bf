"""Uploaded sheets are deleted after the retention period; the job stays as the record."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from peixun.org.import_models import ImportJob, ImportKind, ImportStatus
from peixun.org.imports.retention import import_files_purge
from peixun.org.imports.testing import cadre_file, cadre_values, run_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def job(django_capture_on_commit_callbacks, county_a1_admin):
    return run_import(
        django_capture_on_commit_callbacks,
        actor=county_a1_admin,
        kind=ImportKind.CADRES,
        file=cadre_file([cadre_values()]),
    )


def age(job: ImportJob, days: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(days=days))


def test_a_finished_job_keeps_its_file_within_the_retention_period(job, settings):
    age(job, settings.IMPORT_RETENTION_DAYS - 1)
    assert import_files_purge() == 0
    assert Path(job.file.path).exists()


def test_after_the_retention_period_the_file_and_its_snapshot_go_but_the_job_stays(job, settings):
    path = Path(job.file.path)
    assert job.status == ImportStatus.VALIDATED and Path(f"{path}.rows.json").exists()
    age(job, settings.IMPORT_RETENTION_DAYS + 1)
    assert import_files_purge() == 2
    assert not path.exists() and not Path(f"{path}.rows.json").exists()
    job.refresh_from_db()
    assert job.file == "" and job.valid_rows == 1
    assert import_files_purge() == 0


def test_a_running_job_keeps_its_file_however_old(job, settings):
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
    age(job, settings.IMPORT_RETENTION_DAYS + 30)
    assert import_files_purge() == 0
    assert Path(job.file.path).exists()


def test_a_file_no_job_names_goes_after_a_day(job, settings):
    folder = Path(settings.MEDIA_ROOT) / "imports"
    fresh, stale = folder / "fresh.xlsx", folder / "stale.xlsx"
    fresh.write_bytes(b"x")
    stale.write_bytes(b"x")
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(stale, (two_days_ago, two_days_ago))
    os.utime(job.file.path, (two_days_ago, two_days_ago))
    call_command("purge_import_files")
    assert fresh.exists() and not stale.exists() and Path(job.file.path).exists()
