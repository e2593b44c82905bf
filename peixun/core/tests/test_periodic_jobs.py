"""The periodic schedule names real jobs that run without arguments, in both modes."""

from __future__ import annotations

import inspect

import pytest

from config.celery import beat_schedule
from peixun.core import tasks


@pytest.mark.parametrize("name", sorted(tasks.PERIODIC_JOBS))
def test_every_periodic_job_is_a_function_that_runs_without_arguments(name):
    inspect.signature(tasks._resolve(name)).bind()
    assert beat_schedule()[name]["schedule"] == tasks.PERIODIC_JOBS[name]


def test_expired_attempts_and_old_import_files_are_on_the_schedule():
    assert "peixun.exams.services.attempts.close_expired_attempts" in tasks.PERIODIC_JOBS
    assert "peixun.org.imports.retention.import_files_purge" in tasks.PERIODIC_JOBS
