"""Reads of import jobs: a job is seen by the one who uploaded it, and by the organisation department."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from peixun.accounts.models import User
from peixun.org.import_models import ImportJob, ImportStatus
from peixun.org.permissions import can_import_cadres, can_manage_tree


def progress_key(job_id: int) -> str:
    return f"peixun:import-progress:{job_id}"


def import_jobs_visible(*, actor: User) -> QuerySet[ImportJob]:
    if not can_import_cadres(actor):
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("actor")
    return jobs if can_manage_tree(actor) else jobs.filter(actor=actor)


def import_job_get(*, actor: User, pk: int) -> ImportJob:
    try:
        job = import_jobs_visible(actor=actor).get(pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None
    if job.status == ImportStatus.IMPORTING:
        # The import writes in one transaction, invisible to others until it commits; its progress
        # travels through the cache instead.
        job.processed = cache.get(progress_key(job.pk), 0)
    return job


def import_jobs_recent(*, actor: User, limit: int = 10) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(actor=actor).order_by("-created_at", "-pk")[:limit]
