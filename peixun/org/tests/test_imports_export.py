"""Exports: scoped to the actor, audited, ID numbers masked, and importable again without any change."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from openpyxl import load_workbook

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.org import idnumber
from peixun.org.import_models import ImportKind, ImportStatus
from peixun.org.imports.columns import CADRE_COLUMNS, ERROR_COLUMN, UNIT_COLUMNS
from peixun.org.imports.testing import cadre_file, cadre_values, id_number, run_apply, run_import, upload
from peixun.org.models import Cadre, Unit
from peixun.org.services import apply_id_number
from peixun.org.tests.factories import CadreFactory


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def people(tree, trainee_a1, trainee_b1):
    """A cadre with an ID number and dates in A1, one in A2, and trainee B1's cadre."""
    rich = CadreFactory(
        unit=tree.county_a1,
        employee_number="R1",
        name="档案齐全",
        birth_date=dt.date(1979, 2, 3),
        gender="F",
        phone="13911112222",
        work_start_date=dt.date(2001, 8, 1),
        position="主任",
        rank="division_deputy",
        political_status="masses",
        status="seconded",
    )
    apply_id_number(rich, id_number(dt.date(1979, 2, 3), "F", serial=3))
    rich.save()
    CadreFactory(unit=tree.county_a2, employee_number="R2", name="甲二县干部")
    return rich


def _sheet(response):
    assert response.status_code == 200
    workbook = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return [[c.value for c in row] for row in workbook.worksheets[0].iter_rows()]


def test_a_county_admin_exports_only_its_county(client_of, county_a1_admin, people, trainee_b1):
    rows = _sheet(client_of(county_a1_admin).get(reverse("org:export_cadres")))
    assert rows[0] == [c.header for c in CADRE_COLUMNS]
    numbers = {r[0] for r in rows[1:]}
    assert "R1" in numbers and county_a1_admin.username in numbers
    assert "R2" not in numbers and trainee_b1.username not in numbers
    assert {r[4] for r in rows[1:]} == {"A1"}


def test_the_export_follows_the_list_filters(client_of, city_a_admin, people, tree):
    rows = _sheet(client_of(city_a_admin).get(reverse("org:export_cadres"), {"unit": tree.county_a2.pk}))
    assert [r[0] for r in rows[1:]] == ["R2"]
    rows = _sheet(client_of(city_a_admin).get(reverse("org:export_cadres"), {"q": "档案"}))
    assert [r[0] for r in rows[1:]] == ["R1"]
    assert client_of(city_a_admin).get(reverse("org:export_cadres"), {"unit": tree.county_b1.pk}).status_code == 404


def test_the_export_shows_the_id_number_masked_only(client_of, org_admin, people):
    rows = _sheet(client_of(org_admin).get(reverse("org:export_cadres"), {"q": "R1"}))
    full = idnumber.decrypt_id_number(people.id_number_encrypted)
    assert rows[1][11] == people.id_number_masked and "*" in rows[1][11]
    assert all(full not in str(v) for r in rows for v in r)
    assert rows[1][:4] == ["R1", "档案齐全", "女", dt.datetime(1979, 2, 3)]


def test_exports_are_audited(client_of, county_a1_admin, people):
    client_of(county_a1_admin).get(reverse("org:export_cadres"), {"status": "seconded"})
    client_of(county_a1_admin).get(reverse("org:export_units"))
    cadres, units = AuditEvent.objects.filter(event=Event.EXPORT).order_by("pk")
    assert (cadres.actor_id, cadres.object_type, cadres.detail["count"]) == (county_a1_admin.pk, "org.cadre", 1)
    assert cadres.detail["filters"]["status"] == "seconded"
    assert (units.object_type, units.detail["count"]) == ("org.unit", 1)


def test_a_trainee_cannot_export(client_of, trainee_a1):
    assert client_of(trainee_a1).get(reverse("org:export_cadres")).status_code == 403
    assert not AuditEvent.objects.filter(event=Event.EXPORT).exists()


def test_the_unit_export_is_scoped_and_lists_parents_first(client_of, city_a_admin, org_admin, tree):
    rows = _sheet(client_of(city_a_admin).get(reverse("org:export_units")))
    assert rows[0] == [c.header for c in UNIT_COLUMNS]
    assert [r[0] for r in rows[1:]] == ["A", "A1", "A2"]
    rows = _sheet(client_of(org_admin).get(reverse("org:export_units")))
    seen: set[str] = set()
    for row in rows[1:]:
        assert not row[3] or row[3] in seen
        seen.add(row[0])
    assert "E" in seen and next(r for r in rows if r[0] == "E")[4:6] == ["否", "A"]


def _snapshot(model):
    return sorted((tuple(sorted(model_to_dict(o).items())), o.updated_at) for o in model.objects.all())


def test_a_cadre_export_imports_back_without_any_change(
    client_of, org_admin, people, django_capture_on_commit_callbacks
):
    before = _snapshot(Cadre)
    data = client_of(org_admin).get(reverse("org:export_cadres")).content
    job = run_import(django_capture_on_commit_callbacks, actor=org_admin, kind=ImportKind.CADRES, file=upload(data))
    assert job.errors == [] and job.total == Cadre.objects.count()
    job = run_apply(django_capture_on_commit_callbacks, actor=org_admin, job=job)
    assert job.status == ImportStatus.DONE and (job.created_count, job.updated_count) == (0, 0)
    assert _snapshot(Cadre) == before


def test_a_unit_export_imports_back_without_any_change(client_of, org_admin, tree, django_capture_on_commit_callbacks):
    before = _snapshot(Unit)
    data = client_of(org_admin).get(reverse("org:export_units")).content
    job = run_import(django_capture_on_commit_callbacks, actor=org_admin, kind=ImportKind.UNITS, file=upload(data))
    assert job.errors == []
    job = run_apply(django_capture_on_commit_callbacks, actor=org_admin, job=job)
    assert (job.status, job.created_count, job.updated_count) == (ImportStatus.DONE, 0, 0)
    assert _snapshot(Unit) == before


def test_the_error_report_has_the_bad_rows_and_an_explanation(
    client_of, county_a1_admin, django_capture_on_commit_callbacks
):
    rows = [cadre_values(工号="T1"), cadre_values(工号="T2", 性别="?", 手机号码="123"), cadre_values(工号="T3")]
    job = run_import(
        django_capture_on_commit_callbacks, actor=county_a1_admin, kind=ImportKind.CADRES, file=cadre_file(rows)
    )
    report = _sheet(client_of(county_a1_admin).get(reverse("org:import_job_errors", args=[job.pk])))
    assert report[0] == [c.header for c in CADRE_COLUMNS] + [ERROR_COLUMN]
    assert len(report) == 2 and report[1][:3] == ["T2", "王测试", "?"]
    assert report[1][-1] == "第3行：性别：应为以下之一：男、女；手机号码：手机号码应为以1开头的11位数字"
