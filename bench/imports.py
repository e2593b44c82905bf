"""Benchmark: a 10,000-row cadre Excel file, validated and imported on a throwaway SQLite database.

Figures: whole-file validation (read + every check), the import (one transaction, bulk writes), the same
file a second time (all rows matched, nothing changed), and the database consistency checks alone beside
the baseline of peixun.org.services.cadre_data_errors called once per row (what a form does).
Run: .venv/bin/python bench/imports.py   (BENCH_ROWS=... to change the size)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.TemporaryDirectory(prefix="peixun-bench-imports-")
os.environ["PEIXUN_VAR_DIR"] = _tmp.name
os.environ["PEIXUN_MEDIA_ROOT"] = str(Path(_tmp.name) / "media")
os.environ["PEIXUN_TASKS"] = "sync"
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from peixun.accounts.roles import Role  # noqa: E402
from peixun.org.import_models import ImportJob, ImportKind  # noqa: E402
from peixun.org.imports import reader  # noqa: E402
from peixun.org.imports.cadres import validate_cadres  # noqa: E402
from peixun.org.imports.services import import_job_apply, import_job_create  # noqa: E402
from peixun.org.imports.testing import upload  # noqa: E402
from peixun.org.models import UnitKind  # noqa: E402
from peixun.org.services import CadreData, cadre_data_errors  # noqa: E402
from peixun.org.tests.factories import UnitFactory, cadre_user, grant  # noqa: E402
from peixun.org.tests.test_imports_large import big_file  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))


def timed(func):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def run_job(func, **kwargs):  # type: ignore[no-untyped-def]
    # The sync job runner fires on commit; an explicit transaction makes that happen here.
    with transaction.atomic():
        result = func(**kwargs)
    return result


def main() -> None:
    call_command("migrate", verbosity=0)
    province = UnitFactory(code="P", kind=UnitKind.PROVINCE)
    city = UnitFactory(code="A", kind=UnitKind.CITY, parent=province)
    county = UnitFactory(code="A1", kind=UnitKind.COUNTY, parent=city)
    admin = grant(cadre_user(unit=county, name="县管理员"), Role.UNIT_ADMIN, county)
    data = big_file(ROWS)

    validate_s, job = timed(
        lambda: run_job(import_job_create, actor=admin, kind=ImportKind.CADRES, upload=upload(data))
    )
    job.refresh_from_db()
    assert not job.errors and job.valid_rows == ROWS, job.errors[:3]
    import_s, _ = timed(lambda: run_job(import_job_apply, actor=admin, job=job))
    job.refresh_from_db()
    assert job.created_count == ROWS, (job.status, job.message)

    def again() -> ImportJob:
        second = run_job(import_job_create, actor=admin, kind=ImportKind.CADRES, upload=upload(data))
        second.refresh_from_db()
        run_job(import_job_apply, actor=admin, job=second)
        second.refresh_from_db()
        return second

    again_s, second = timed(again)
    assert (second.created_count, second.updated_count) == (0, 0)

    rows = list(reader.read_rows(ImportKind.CADRES, job.file.path))
    checks_s, result = timed(lambda: validate_cadres(actor=admin, rows=rows, progress=lambda n: None))
    sample = result.rows[:1000]

    def per_row() -> None:
        for r in sample:
            cadre_data_errors(CadreData(**{**r.data.__dict__, "id_number": ""}), existing=r.existing)

    baseline_s = timed(per_row)[0] * len(result.rows) / max(1, len(sample))
    print(f"validate {ROWS} rows: {validate_s:.1f} s (target 20 s)")
    print(f"import {ROWS} rows: {import_s:.1f} s (target 30 s)")
    print(f"same file again (validate + import): {again_s:.1f} s (target 30 s)")
    print(
        f"checks of {ROWS} parsed rows: {checks_s:.2f} s (target 5 s; baseline per-row cadre_data_errors "
        f"{baseline_s:.2f} s, ratio {baseline_s / checks_s:.1f})"
    )


if __name__ == "__main__":
    main()
