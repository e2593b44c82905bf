"""The life of an ImportJob: upload and check (create), validate in the background, apply in the background.

Nothing is written unless the whole file is valid, or the user asked for the valid rows only; the apply
runs in one transaction and checks the file again first, since the database may have changed meanwhile.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.core.tasks import enqueue
from peixun.org.import_models import ImportJob, ImportKind, ImportStatus
from peixun.org.imports import messages as m
from peixun.org.imports import reader
from peixun.org.imports.bulk import PROGRESS_EVERY
from peixun.org.imports.cadres import apply_cadres, validate_cadres
from peixun.org.imports.selectors import progress_key
from peixun.org.imports.tasks import import_apply_job, import_validate_job
from peixun.org.imports.units import apply_units, validate_units
from peixun.org.permissions import ERR_NOT_ALLOWED, can_import_cadres, can_manage_tree, require

log = logging.getLogger(__name__)


def may_import(actor: User, kind: str) -> bool:
    return can_manage_tree(actor) if kind == ImportKind.UNITS else can_import_cadres(actor)


@transaction.atomic
def import_job_create(*, actor: User, kind: str, upload: UploadedFile | None) -> ImportJob:
    """Check the upload (size, real xlsx, headers, not empty), store it and start the validation."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": m.ERR_KIND})
    require(may_import(actor, kind))
    if upload is None:
        raise ValidationError({"file": m.ERR_NO_FILE})
    estimate = reader.check_upload(kind, upload, upload.size or 0)
    job = ImportJob(kind=kind, actor=actor, original_name=(upload.name or "")[:200], total=estimate)
    job.file.save(f"{secrets.token_hex(16)}.xlsx", File(upload), save=False)
    job.save()
    enqueue(import_validate_job, job_id=job.pk)
    return job


def _update(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())


def _snapshot_path(job: ImportJob) -> str:
    return job.file.path + ".rows.json"


def _read(job: ImportJob, progress: Callable[[int], None]) -> list[tuple[int, reader.Row]]:
    """The file's rows: parsed from the workbook once, at validation, then from the snapshot."""
    rows = reader.load_snapshot(_snapshot_path(job))
    if rows is not None:
        return rows
    rows = []
    for number, raw in reader.read_rows(job.kind, job.file.path):
        rows.append((number, raw))
        if len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows))
    reader.save_snapshot(_snapshot_path(job), rows)
    return rows


def import_job_rows(*, job: ImportJob) -> list[tuple[int, reader.Row]]:
    """The rows as uploaded (for the error report); empty when the stored file is gone."""
    rows = reader.load_snapshot(_snapshot_path(job))
    if rows is None:
        try:
            rows = list(reader.read_rows(job.kind, job.file.path))
        except (ValidationError, OSError, ValueError):
            rows = []
    return rows


def _check(job: ImportJob, rows: list[tuple[int, reader.Row]], progress: Callable[[int], None]) -> Any:
    check = validate_units if job.kind == ImportKind.UNITS else validate_cadres
    return check(actor=job.actor, rows=rows, progress=progress)


def import_job_validate(*, job_id: int) -> ImportJob:
    """Background body: check every row; store the errors and how many rows are good. Writes no data."""
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return job  # a job runner may deliver twice
    _update(job, status=ImportStatus.VALIDATING, processed=0)
    try:
        require(may_import(job.actor, job.kind))
        # Reading the workbook is the slow part; the bar follows it.
        rows = _read(job, lambda n: _update(job, processed=n))
        result = _check(job, rows, lambda n: None)
    except (ValidationError, PermissionDenied) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc) or ERR_NOT_ALLOWED
        _update(job, status=ImportStatus.FAILED, message=message, finished_at=timezone.now())
        return job
    except Exception:
        log.exception("import job %s: validation failed", job_id)
        _update(job, status=ImportStatus.FAILED, message=m.ERR_FAILED, finished_at=timezone.now())
        return job
    _update(
        job,
        status=ImportStatus.VALIDATED,
        errors=result.errors,
        valid_rows=len(result.rows),
        total=result.total,
        processed=result.total,
        message="" if result.errors else m.MSG_VALID.format(rows=result.total),
    )
    return job


@transaction.atomic
def import_job_apply(*, actor: User, job: ImportJob, only_valid: bool = False) -> ImportJob:
    """The user's "导入" / "仅导入无误的行": start the background import of a validated job."""
    require(job.actor_id == actor.pk and may_import(actor, job.kind))
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.VALIDATED:
        raise ValidationError({"job": m.ERR_NOT_READY})
    if job.errors and not only_valid:
        raise ValidationError({"job": m.ERR_HAS_ERRORS})
    if not job.valid_rows:
        raise ValidationError({"job": m.ERR_NO_VALID_ROWS})
    _update(job, status=ImportStatus.IMPORTING, only_valid=bool(job.errors) and only_valid, processed=0)
    cache.set(progress_key(job.pk), 0, 24 * 3600)
    enqueue(import_apply_job, job_id=job.pk)
    return job


class _Abort(Exception):
    pass


def import_job_run_apply(*, job_id: int) -> ImportJob:
    """Background body: check again and write every good row in one transaction, or nothing."""
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    actor = job.actor
    key = progress_key(job.pk)

    def progress(n: int) -> None:
        cache.set(key, n, 24 * 3600)

    try:
        with transaction.atomic():
            require(may_import(actor, job.kind))
            # The first half of the bar is the second check, the second half the writing.
            result = _check(job, _read(job, progress), lambda n: progress(n // 2))
            known_bad = {int(e["row"]) for e in job.errors}
            if {int(e["row"]) for e in result.errors} - known_bad:  # type: ignore[call-overload]
                raise _Abort(m.ERR_CHANGED_SINCE)
            half = result.total // 2

            def write_progress(n: int) -> None:
                progress(half + n * (result.total - half) // max(1, len(result.rows)))

            if job.kind == ImportKind.UNITS:
                new_units, changed_units = apply_units(actor=actor, rows=result.rows, progress=write_progress)
                keys = ([u.code for u in new_units], [u.code for u in changed_units])
            else:
                new_cadres, changed_cadres = apply_cadres(rows=result.rows, progress=write_progress)
                keys = ([c.employee_number for c in new_cadres], [c.employee_number for c in changed_cadres])
            audit_record(
                actor=actor,
                event=Event.IMPORT,
                obj=job,
                detail={
                    "kind": job.kind,
                    "file": job.original_name,
                    "rows": len(result.rows),
                    "only_valid": job.only_valid,
                    "created": keys[0],
                    "updated": keys[1],
                },
            )
            _update(
                job,
                status=ImportStatus.DONE,
                created_count=len(keys[0]),
                updated_count=len(keys[1]),
                processed=result.total,
                finished_at=timezone.now(),
            )
    except _Abort as exc:
        _update(job, status=ImportStatus.FAILED, message=str(exc), finished_at=timezone.now())
    except (ValidationError, PermissionDenied) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc) or ERR_NOT_ALLOWED
        _update(job, status=ImportStatus.FAILED, message=message, finished_at=timezone.now())
    except Exception:
        log.exception("import job %s: apply failed", job_id)
        _update(job, status=ImportStatus.FAILED, message=m.ERR_FAILED, finished_at=timezone.now())
    finally:
        cache.delete(key)
    return job
