"""Uploaded sheets hold ID numbers and phone numbers: they are kept only while they are useful.

A job's file (and its parsed-rows snapshot) goes once the job has been left alone for
IMPORT_RETENTION_DAYS, whatever its outcome; the job row with its counts and errors stays as the record.
Files under imports/ that no job names (an upload whose transaction rolled back) go after a day.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from peixun.core.tasks import job
from peixun.org.import_models import ImportJob, ImportStatus

log = logging.getLogger(__name__)

ORPHAN_GRACE = dt.timedelta(days=1)
RUNNING = (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@job
def import_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete expired and orphaned import files; returns how many files were removed. Idempotent."""
    now = now or timezone.now()
    removed = 0
    cutoff = now - dt.timedelta(days=settings.IMPORT_RETENTION_DAYS)
    expired = ImportJob.objects.exclude(file="").exclude(status__in=RUNNING).filter(updated_at__lt=cutoff)
    for stale in expired.iterator():
        path = Path(stale.file.path)
        with transaction.atomic():
            # Clear the reference first: a crash between the two steps leaves an orphan, never a dangling name.
            ImportJob.objects.filter(pk=stale.pk).update(file="")
        removed += _remove(path) + _remove(Path(f"{path}.rows.json"))

    folder = Path(settings.MEDIA_ROOT) / "imports"
    if folder.is_dir():
        named = {os.path.basename(name) for name in ImportJob.objects.exclude(file="").values_list("file", flat=True)}
        old = (now - ORPHAN_GRACE).timestamp()
        for entry in folder.iterdir():
            base = entry.name.removesuffix(".rows.json")
            if entry.is_file() and base not in named and entry.stat().st_mtime < old:
                removed += _remove(entry)
    if removed:
        log.info("import files purged: %s", removed)
    return removed
