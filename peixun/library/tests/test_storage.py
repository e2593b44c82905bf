"""Storage follows the transaction: a rolled-back upload leaves no file the database could refer to, and
`manage.py library_orphans` finds (and removes) what an outer rollback or a crash left behind."""

from __future__ import annotations

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from peixun.library import services
from peixun.library.files import PENDING_SUFFIX, absolute, final_path
from peixun.library.models import Handout, HandoutFile
from peixun.library.tests.samples import pdf_bytes


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "library"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


@pytest.fixture
def refuse_inserts():  # type: ignore[no-untyped-def]
    """Arms a trigger by which the database refuses new handout versions, as a full disk or a constraint
    would: a real failure after the service has written the file."""
    table = HandoutFile._meta.db_table
    pg = connection.vendor == "postgresql"

    def arm() -> None:
        with connection.cursor() as cur:
            if pg:
                cur.execute(
                    "CREATE FUNCTION library_test_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; "
                    "END $$ LANGUAGE plpgsql"
                )
                cur.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} EXECUTE FUNCTION library_test_refuse()")
            else:
                cur.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'refused'); END")

    return arm  # the test's transaction is rolled back, and the trigger with it


def test_a_committed_upload_is_under_its_final_name_and_nothing_is_pending(
    teacher, lecture, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file = services.handout_upload(actor=teacher, lecture=lecture, data=pdf_bytes("正文"), filename="a.pdf")
    assert final_path(file.stored_path).read_bytes().startswith(b"%PDF-")
    assert stored_files() == [final_path(file.stored_path)]


def test_before_the_commit_the_file_is_only_pending_and_readers_in_the_transaction_still_find_it(teacher, lecture):
    file = services.handout_upload(actor=teacher, lecture=lecture, data=pdf_bytes("正文"), filename="a.pdf")
    assert not final_path(file.stored_path).exists()
    assert absolute(file.stored_path).name.endswith(PENDING_SUFFIX)
    assert absolute(file.stored_path).read_bytes().startswith(b"%PDF-")


def test_when_the_database_refuses_the_upload_the_written_file_is_deleted(teacher, lecture, refuse_inserts):
    refuse_inserts()
    with pytest.raises(DatabaseError):
        services.handout_upload(actor=teacher, lecture=lecture, data=pdf_bytes("正文"), filename="a.pdf")
    assert stored_files() == []
    assert not Handout.objects.exists()


def test_when_a_replacement_fails_in_the_edit_service_its_file_is_deleted(org_admin, lecture, refuse_inserts):
    file = services.handout_upload(actor=org_admin, lecture=lecture, data=pdf_bytes("一"), filename="a.pdf")
    resource = services.resource_save(actor=org_admin, file=file, title="讲义")
    before = stored_files()
    refuse_inserts()
    with pytest.raises(DatabaseError):
        services.resource_update(actor=org_admin, resource=resource, title="新", data=pdf_bytes("二"), filename="b.pdf")
    assert stored_files() == before
    resource.refresh_from_db()
    assert resource.file_id == file.pk and resource.title == "讲义"


def test_an_outer_rollback_leaves_only_a_pending_file_which_the_sweep_removes_after_a_day(teacher, lecture):
    with pytest.raises(RuntimeError), transaction.atomic():
        file = services.handout_upload(actor=teacher, lecture=lecture, data=pdf_bytes("正文"), filename="a.pdf")
        raise RuntimeError("the caller failed after the upload")
    assert not HandoutFile.objects.exists()
    (left,) = stored_files()
    assert left.name.endswith(PENDING_SUFFIX) and not final_path(file.stored_path).exists()
    out = StringIO()
    call_command("library_orphans", "--delete", stdout=out)
    assert left.exists()  # younger than a day: it might belong to a transaction still open
    age(left, 25)
    call_command("library_orphans", stdout=out)
    assert left.exists() and f"orphan {left}" in out.getvalue()  # without --delete it only reports
    call_command("library_orphans", "--delete", stdout=out)
    assert stored_files() == []


def test_the_sweep_keeps_referenced_files_and_finishes_a_rename_a_crash_interrupted(
    teacher, lecture, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kept = services.handout_upload(actor=teacher, lecture=lecture, data=pdf_bytes("一"), filename="a.pdf")
    interrupted = services.handout_upload(actor=teacher, lecture=lecture, data=pdf_bytes("二"), filename="b.pdf")
    stray = final_path("library/00/" + "0" * 32 + ".pdf")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"%PDF-1.4 stray")
    for path in stored_files():
        age(path, 48)
    out = StringIO()
    call_command("library_orphans", "--delete", stdout=out)
    assert not stray.exists()
    assert final_path(kept.stored_path).exists()
    assert final_path(interrupted.stored_path).exists()  # its row exists (the commit happened): renamed, kept
    assert "已删除孤立文件 1 个；补完提交后改名 1 个" in out.getvalue()
