"""The upload checks, the template download and who may upload what."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from peixun.org.import_models import ImportJob, ImportKind, ImportStatus
from peixun.org.imports import messages as m
from peixun.org.imports.columns import CADRE_COLUMNS, INSTRUCTIONS_SHEET, UNIT_COLUMNS
from peixun.org.imports.services import import_job_create
from peixun.org.imports.testing import cadre_file, cadre_values, upload, xlsx_bytes

CADRE_HEADERS = [c.header for c in CADRE_COLUMNS]


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path


def _refused(actor, data: bytes, kind: str = ImportKind.CADRES) -> str:
    with pytest.raises(ValidationError) as exc:
        import_job_create(actor=actor, kind=kind, upload=upload(data))
    assert ImportJob.objects.count() == 0
    return exc.value.message_dict["file"][0]


def test_it_refuses_a_file_over_the_size_limit(county_a1_admin, settings):
    settings.IMPORT_MAX_BYTES = 4096
    data = xlsx_bytes(ImportKind.CADRES, [cadre_values(工号=f"T{i:04d}", 姓名=f"张{i}") for i in range(300)])
    assert len(data) > settings.IMPORT_MAX_BYTES
    assert _refused(county_a1_admin, data) == m.ERR_FILE_TOO_LARGE.format(limit="4KB")


def test_it_refuses_a_file_that_is_not_a_workbook(county_a1_admin):
    assert _refused(county_a1_admin, "工号,姓名\n1,张三\n".encode()) == m.ERR_NOT_XLSX


def test_it_refuses_a_zip_that_is_not_a_workbook(county_a1_admin):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "不是Excel")
    assert _refused(county_a1_admin, buffer.getvalue()) == m.ERR_NOT_XLSX


def test_it_names_the_missing_and_the_unknown_columns(county_a1_admin):
    headers = [h for h in CADRE_HEADERS if h not in ("身份证号", "状态")] + ["备注"]
    message = _refused(county_a1_admin, xlsx_bytes(ImportKind.CADRES, [cadre_values()], headers=headers))
    assert message == "；".join(
        [
            m.ERR_MISSING_COLUMNS.format(columns="状态、身份证号"),
            m.ERR_UNKNOWN_COLUMNS.format(columns="备注"),
        ]
    )


def test_it_refuses_a_file_with_only_the_header(county_a1_admin):
    assert _refused(county_a1_admin, xlsx_bytes(ImportKind.CADRES, [])) == m.ERR_EMPTY


def test_it_refuses_a_file_without_any_row(county_a1_admin):
    assert _refused(county_a1_admin, xlsx_bytes(ImportKind.CADRES, [], headers=[])) == m.ERR_EMPTY


def test_it_refuses_a_unit_file_with_cadre_columns(org_admin):
    message = _refused(org_admin, xlsx_bytes(ImportKind.CADRES, [cadre_values()]), kind=ImportKind.UNITS)
    assert message.startswith(m.ERR_MISSING_COLUMNS.format(columns="")[:4])
    assert "单位名称" in message and "工号" in message


def test_a_unit_admin_may_not_import_units(county_a1_admin):
    with pytest.raises(PermissionDenied):
        import_job_create(actor=county_a1_admin, kind=ImportKind.UNITS, upload=cadre_file([cadre_values()]))


def test_a_trainee_may_not_import_cadres(trainee_a1):
    with pytest.raises(PermissionDenied):
        import_job_create(actor=trainee_a1, kind=ImportKind.CADRES, upload=cadre_file([cadre_values()]))


def test_the_file_is_stored_under_a_random_name_and_validation_is_queued(
    county_a1_admin, settings, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(actor=county_a1_admin, kind=ImportKind.CADRES, upload=cadre_file([cadre_values()]))
    assert len(callbacks) == 1
    assert job.status == ImportStatus.PENDING and job.original_name == "导入.xlsx" and job.total == 1
    assert job.file.name.startswith("imports/") and len(job.file.name) == len("imports/") + 32 + 5
    assert (tmp_path / job.file.name).is_file()


def test_the_upload_page_shows_the_message_and_keeps_nothing(client_of, county_a1_admin):
    response = client_of(county_a1_admin).post(
        reverse("org:import_start"), {"kind": "cadres", "file": upload(b"not a workbook")}
    )
    assert response.status_code == 200
    assert m.ERR_NOT_XLSX in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_upload_page_asks_for_a_file(client_of, county_a1_admin):
    response = client_of(county_a1_admin).post(reverse("org:import_start"), {"kind": "cadres"})
    assert m.ERR_NO_FILE in response.content.decode()


def test_a_good_upload_leads_to_the_job_page(client_of, county_a1_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(county_a1_admin).post(
            reverse("org:import_start"), {"kind": "cadres", "file": cadre_file([cadre_values()])}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("org:import_job", args=[job.pk])
    page = client_of(county_a1_admin).get(response["Location"]).content.decode()
    assert m.MSG_VALID.format(rows=1) in page and ">导入</button>" in page


def test_a_unit_admin_is_offered_only_the_cadre_import(client_of, county_a1_admin, org_admin):
    page = client_of(county_a1_admin).get(reverse("org:import_start")).content.decode()
    assert 'value="cadres"' in page and 'value="units"' not in page
    page = client_of(org_admin).get(reverse("org:import_start")).content.decode()
    assert 'value="cadres"' in page and 'value="units"' in page


@pytest.mark.parametrize(("kind", "columns"), [("cadres", CADRE_COLUMNS), ("units", UNIT_COLUMNS)])
def test_the_template_opens_with_the_headers_rules_and_drop_downs(client_of, org_admin, kind, columns):
    response = client_of(org_admin).get(reverse("org:import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    data, notes = workbook.worksheets[0], workbook[INSTRUCTIONS_SHEET]
    assert [c.value for c in data[1]] == [c.header for c in columns]
    assert data.max_row == 1  # the example lives on the instructions sheet, so it is never imported
    lists = {str(v.sqref).split(":")[0][:-1]: v.formula1 for v in data.data_validations.dataValidation}
    choice_columns = [c for c in columns if c.choices]
    assert len(lists) == len(choice_columns)
    for column in choice_columns:
        letter = chr(ord("A") + columns.index(column))
        assert lists[letter] == '"' + ",".join(column.choices) + '"'
    note_rows = [[c.value for c in row] for row in notes.iter_rows()]
    assert [r[0] for r in note_rows[1 : len(columns) + 1]] == [c.header for c in columns]
    assert [c.header for c in columns] in note_rows  # the example's header row, followed by the example


def test_the_unit_template_is_for_the_organisation_department_only(client_of, county_a1_admin):
    assert client_of(county_a1_admin).get(reverse("org:import_template", args=["units"])).status_code == 403
    assert client_of(county_a1_admin).get(reverse("org:import_template", args=["nope"])).status_code == 404
