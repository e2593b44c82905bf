"""Background jobs of the import: thin wrappers, so that the services stay plain functions."""

from __future__ import annotations

from peixun.core.tasks import job


@job
def import_validate_job(*, job_id: int) -> None:
    from peixun.org.imports.services import import_job_validate

    import_job_validate(job_id=job_id)


@job
def import_apply_job(*, job_id: int) -> None:
    from peixun.org.imports.services import import_job_run_apply

    import_job_run_apply(job_id=job_id)
