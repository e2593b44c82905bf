"""Cadre import: every rule with its message, all-or-nothing, only-valid rows, idempotence, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.org import idnumber
from peixun.org.import_models import ImportKind, ImportStatus
from peixun.org.imports import messages as m
from peixun.org.imports.services import import_job_apply
from peixun.org.imports.testing import cadre_file, cadre_values, id_number, run_apply, run_import
from peixun.org.models import Cadre, CadreStatus, Rank
from peixun.org.services import (
    ERR_EMPLOYEE_NUMBER_TAKEN,
    ERR_ID_BIRTH_MISMATCH,
    ERR_ID_GENDER_MISMATCH,
    ERR_ID_NUMBER_TAKEN,
)
from peixun.org.tests.factories import CadreFactory, UserFactory

BIRTH = dt.date(1988, 3, 15)
GOOD_ID = id_number(BIRTH, "M", serial=7)


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def importing(django_capture_on_commit_callbacks):
    def run(actor, rows):
        return run_import(
            django_capture_on_commit_callbacks, actor=actor, kind=ImportKind.CADRES, file=cadre_file(rows)
        )

    return run


@pytest.fixture
def applying(django_capture_on_commit_callbacks):
    def run(actor, job, only_valid=False):
        return run_apply(django_capture_on_commit_callbacks, actor=actor, job=job, only_valid=only_valid)

    return run


def _bad_checksum(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


RULES = [
    ("missing-number", {"工号": None}, "工号", m.ERR_REQUIRED),
    ("number-format", {"工号": "T 01"}, "工号", m.ERR_CODE_FORMAT),
    ("missing-name", {"姓名": "  "}, "姓名", m.ERR_REQUIRED),
    ("long-name", {"姓名": "张" * 51}, "姓名", m.ERR_TOO_LONG.format(limit=50)),
    ("gender", {"性别": "男性"}, "性别", m.ERR_CHOICE.format(choices="男、女")),
    ("missing-birth", {"出生日期": None}, "出生日期", m.ERR_REQUIRED),
    ("birth-text", {"出生日期": "15.3.1988"}, "出生日期", m.ERR_DATE),
    ("birth-impossible", {"出生日期": "1988-02-30"}, "出生日期", m.ERR_DATE),
    ("birth-future", {"出生日期": "2999-01-01"}, "出生日期", m.ERR_DATE_RANGE),
    ("missing-unit", {"单位编码": None}, "单位编码", m.ERR_REQUIRED),
    ("unknown-unit", {"单位编码": "NOPE"}, "单位编码", m.ERR_UNIT_UNKNOWN),
    ("foreign-unit", {"单位编码": "B1"}, "单位编码", m.ERR_UNIT_UNKNOWN),
    ("parent-unit", {"单位编码": "A"}, "单位编码", m.ERR_UNIT_UNKNOWN),
    ("rank", {"职级": "处长"}, "职级", m.ERR_CHOICE.format(choices="、".join(Rank.labels))),
    (
        "political",
        {"政治面貌": "党员"},
        "政治面貌",
        m.ERR_CHOICE.format(choices="中共党员、中共预备党员、共青团员、民主党派、群众"),
    ),
    ("status", {"状态": "离职"}, "状态", m.ERR_CHOICE.format(choices="、".join(CadreStatus.labels))),
    ("mobile-short", {"手机号码": "1380000000"}, "手机号码", m.ERR_MOBILE),
    ("mobile-prefix", {"手机号码": "23800000000"}, "手机号码", m.ERR_MOBILE),
    ("work-date", {"参加工作时间": "2010/13/1"}, "参加工作时间", m.ERR_DATE),
    ("work-before-birth", {"参加工作时间": "1987-01-01"}, "参加工作时间", m.ERR_WORK_BEFORE_BIRTH),
    ("id-format", {"身份证号": "12345"}, "身份证号", idnumber.ERR_FORMAT),
    ("id-checksum", {"身份证号": _bad_checksum(GOOD_ID)}, "身份证号", idnumber.ERR_CHECKSUM),
    ("id-birth", {"身份证号": id_number(dt.date(1988, 3, 16), "M")}, "身份证号", ERR_ID_BIRTH_MISMATCH),
    ("id-gender", {"身份证号": id_number(BIRTH, "F")}, "身份证号", ERR_ID_GENDER_MISMATCH),
    ("id-masked", {"身份证号": GOOD_ID[:6] + "********" + GOOD_ID[-4:]}, "身份证号", m.ERR_ID_MASKED),
]


@pytest.mark.parametrize(("overrides", "column", "message"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_reports_row_column_and_message(importing, county_a1_admin, overrides, column, message):
    rows = [cadre_values(工号="T0001"), cadre_values(**{"工号": "T0002", **overrides})]
    job = importing(county_a1_admin, rows)
    assert job.status == ImportStatus.VALIDATED
    assert job.errors == [{"row": 3, "column": column, "message": message}]
    assert job.valid_rows == 1 and job.total == 2


def test_excel_dates_serial_numbers_and_slashed_text_are_accepted(importing, applying, county_a1_admin):
    rows = [
        cadre_values(工号="D1", 出生日期=dt.datetime(1988, 3, 15), 参加工作时间=dt.date(2010, 7, 1)),
        cadre_values(工号="D2", 出生日期=32217, 参加工作时间="2010/7/1"),  # 32217 is 1988-03-15 in Excel
        cadre_values(工号="D3", 出生日期="1988/3/15", 参加工作时间="2010-07-01", 手机号码=13800000001),
    ]
    job = applying(county_a1_admin, importing(county_a1_admin, rows))
    assert job.status == ImportStatus.DONE and job.created_count == 3
    for cadre in Cadre.objects.filter(employee_number__in=["D1", "D2", "D3"]):
        assert (cadre.birth_date, cadre.work_start_date) == (BIRTH, dt.date(2010, 7, 1))
    assert Cadre.objects.get(employee_number="D3").phone == "13800000001"


def test_a_number_or_id_twice_in_the_file_is_an_error_on_the_later_row(importing, county_a1_admin):
    rows = [
        cadre_values(工号="T1", 身份证号=GOOD_ID),
        cadre_values(工号="T2"),
        cadre_values(工号="T1"),
        cadre_values(工号="T3", 身份证号=GOOD_ID.lower()),
    ]
    job = importing(county_a1_admin, rows)
    assert job.errors == [
        {"row": 4, "column": "工号", "message": m.ERR_DUPLICATE_EMPLOYEE_NUMBER.format(row=2)},
        {"row": 5, "column": "身份证号", "message": m.ERR_DUPLICATE_ID_NUMBER.format(row=2)},
    ]


def test_an_id_number_of_another_cadre_is_refused(importing, county_a1_admin, tree):
    other = CadreFactory(unit=tree.county_b1, birth_date=BIRTH)
    other.set_id_number_fields(encrypted="x", digest=idnumber.digest_id_number(GOOD_ID), plain=GOOD_ID)
    other.save()
    job = importing(county_a1_admin, [cadre_values(身份证号=GOOD_ID)])
    assert job.errors == [{"row": 2, "column": "身份证号", "message": ERR_ID_NUMBER_TAKEN}]


def test_a_cadre_of_another_county_cannot_be_overwritten(importing, county_a1_admin, trainee_b1):
    job = importing(county_a1_admin, [cadre_values(工号=trainee_b1.cadre.employee_number)])
    assert job.errors == [{"row": 2, "column": "工号", "message": ERR_EMPLOYEE_NUMBER_TAKEN}]


def test_a_number_used_as_a_login_name_is_refused(importing, county_a1_admin):
    UserFactory(username="admin01")
    job = importing(county_a1_admin, [cadre_values(工号="admin01")])
    assert job.errors == [{"row": 2, "column": "工号", "message": m.ERR_USERNAME_TAKEN}]


def test_nothing_is_written_when_any_row_is_invalid(importing, county_a1_admin):
    before = (Cadre.objects.count(), User.objects.count())
    job = importing(
        county_a1_admin, [cadre_values(工号="T1"), cadre_values(工号="T2", 性别="?"), cadre_values(工号="T3")]
    )
    assert job.errors and job.valid_rows == 2
    with pytest.raises(ValidationError) as exc:
        import_job_apply(actor=county_a1_admin, job=job)
    assert exc.value.message_dict["job"] == [m.ERR_HAS_ERRORS]
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert (Cadre.objects.count(), User.objects.count()) == before


def test_only_valid_rows_writes_exactly_the_valid_ones(importing, applying, county_a1_admin):
    before = Cadre.objects.count()
    rows = [cadre_values(工号="T1"), cadre_values(工号="T2", 出生日期="bad"), cadre_values(工号="T3")]
    job = applying(county_a1_admin, importing(county_a1_admin, rows), only_valid=True)
    assert job.status == ImportStatus.DONE and job.only_valid
    assert (job.created_count, job.updated_count) == (2, 0)
    assert Cadre.objects.count() == before + 2
    assert set(Cadre.objects.filter(employee_number__startswith="T").values_list("employee_number", flat=True)) == {
        "T1",
        "T3",
    }


def test_new_cadres_get_a_login_and_an_encrypted_id_number(importing, applying, county_a1_admin, tree):
    job = applying(county_a1_admin, importing(county_a1_admin, [cadre_values(身份证号=GOOD_ID.lower())]))
    cadre = Cadre.objects.get(employee_number="T0001")
    assert (cadre.unit, cadre.gender, cadre.rank, cadre.political_status) == (
        tree.county_a1,
        "M",
        "staff",
        "party_member",
    )
    assert idnumber.decrypt_id_number(cadre.id_number_encrypted) == GOOD_ID
    assert cadre.id_number_masked == GOOD_ID[:6] + "********" + GOOD_ID[-4:]
    account = User.objects.get(cadre=cadre)
    assert account.username == "T0001" and not account.has_usable_password()
    event = AuditEvent.objects.get(event=Event.IMPORT)
    assert event.actor_id == county_a1_admin.pk and event.object_id == str(job.pk)
    assert event.detail["created"] == ["T0001"] and event.detail["updated"] == []


def test_importing_the_same_file_twice_updates_and_never_duplicates(importing, applying, county_a1_admin):
    rows = [cadre_values(工号="T1", 身份证号=GOOD_ID), cadre_values(工号="T2")]
    first = applying(county_a1_admin, importing(county_a1_admin, rows))
    count = (Cadre.objects.count(), User.objects.count())
    second = applying(county_a1_admin, importing(county_a1_admin, rows))
    assert (first.created_count, first.updated_count) == (2, 0)
    assert (second.created_count, second.updated_count) == (0, 0)
    rows[1]["职务"] = "副主任"
    third = applying(county_a1_admin, importing(county_a1_admin, rows))
    assert (third.created_count, third.updated_count) == (0, 1)
    assert (Cadre.objects.count(), User.objects.count()) == count
    assert Cadre.objects.get(employee_number="T2").position == "副主任"


def test_a_blank_or_masked_id_number_keeps_the_stored_one(importing, applying, county_a1_admin):
    applying(county_a1_admin, importing(county_a1_admin, [cadre_values(身份证号=GOOD_ID)]))
    masked = Cadre.objects.get(employee_number="T0001").id_number_masked
    for value in ("", masked):
        job = applying(county_a1_admin, importing(county_a1_admin, [cadre_values(身份证号=value)]))
        assert job.errors == [] and job.updated_count == 0
        assert idnumber.decrypt_id_number(Cadre.objects.get(employee_number="T0001").id_number_encrypted) == GOOD_ID


def test_moving_a_cadre_needs_both_units_in_scope(importing, applying, county_a1_admin, city_a_admin, tree):
    cadre = CadreFactory(unit=tree.county_a1, employee_number="M1", birth_date=BIRTH)
    row = cadre_values(工号="M1", 单位编码="A2")
    assert importing(county_a1_admin, [row]).errors == [{"row": 2, "column": "单位编码", "message": m.ERR_UNIT_UNKNOWN}]
    job = applying(city_a_admin, importing(city_a_admin, [row]))
    assert job.updated_count == 1
    cadre.refresh_from_db()
    assert cadre.unit == tree.county_a2


def test_the_import_checks_again_and_writes_nothing_if_the_data_changed(
    importing, county_a1_admin, tree, django_capture_on_commit_callbacks
):
    job = importing(county_a1_admin, [cadre_values(工号="T1"), cadre_values(工号="T2", 身份证号=GOOD_ID)])
    other = CadreFactory(unit=tree.county_a2, birth_date=BIRTH)
    other.set_id_number_fields(encrypted="x", digest=idnumber.digest_id_number(GOOD_ID), plain=GOOD_ID)
    other.save()
    before = Cadre.objects.count()
    job = run_apply(django_capture_on_commit_callbacks, actor=county_a1_admin, job=job)
    assert job.status == ImportStatus.FAILED and job.message == m.ERR_CHANGED_SINCE
    assert Cadre.objects.count() == before
    assert not AuditEvent.objects.filter(event=Event.IMPORT).exists()


def test_only_the_uploader_starts_the_import(importing, county_a1_admin, org_admin):
    job = importing(county_a1_admin, [cadre_values()])
    with pytest.raises(PermissionDenied):
        import_job_apply(actor=org_admin, job=job)


def test_a_job_cannot_be_imported_twice(importing, applying, county_a1_admin):
    job = applying(county_a1_admin, importing(county_a1_admin, [cadre_values()]))
    with pytest.raises(ValidationError) as exc:
        import_job_apply(actor=county_a1_admin, job=job)
    assert exc.value.message_dict["job"] == [m.ERR_NOT_READY]


def test_another_admin_cannot_see_the_job_but_the_organisation_department_can(
    importing, client_of, county_a1_admin, city_a_admin, county_b1_admin, org_admin
):
    job = importing(county_a1_admin, [cadre_values(身份证号="bad")])
    for name in ("org:import_job", "org:import_job_status", "org:import_job_errors"):
        url = reverse(name, args=[job.pk])
        assert client_of(county_b1_admin).get(url).status_code == 404
        assert client_of(city_a_admin).get(url).status_code == 404
        assert client_of(county_a1_admin).get(url).status_code == 200
        assert client_of(org_admin).get(url).status_code == 200
    response = client_of(county_b1_admin).post(reverse("org:import_job_apply", args=[job.pk]), {"only_valid": "1"})
    assert response.status_code == 404


def test_the_job_page_lists_each_error_with_row_column_and_message(importing, client_of, county_a1_admin):
    job = importing(
        county_a1_admin, [cadre_values(工号="T1"), cadre_values(工号="T2", 身份证号=_bad_checksum(GOOD_ID))]
    )
    page = client_of(county_a1_admin).get(reverse("org:import_job", args=[job.pk])).content.decode()
    assert f"<td>3</td><td>身份证号</td><td>{idnumber.ERR_CHECKSUM}</td>" in page
    assert "仅导入无误的行" in page and ">导入</button>" not in page
    assert 'class="progress"' not in page and "every 1s" not in page


def test_a_running_job_polls_and_shows_a_progress_bar(importing, client_of, county_a1_admin):
    job = importing(county_a1_admin, [cadre_values()])
    job.status, job.processed, job.total = ImportStatus.VALIDATING, 400, 1000
    job.save()
    page = client_of(county_a1_admin).get(reverse("org:import_job_status", args=[job.pk])).content.decode()
    assert 'class="progress"' in page and 'aria-valuenow="40"' in page and 'hx-trigger="every 1s"' in page


def test_the_page_buttons_start_the_import(importing, client_of, county_a1_admin, django_capture_on_commit_callbacks):
    job = importing(county_a1_admin, [cadre_values(工号="T1"), cadre_values(工号="T2", 性别="?")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(county_a1_admin).post(reverse("org:import_job_apply", args=[job.pk]))
    assert response.status_code == 400 and m.ERR_HAS_ERRORS in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(county_a1_admin).post(reverse("org:import_job_apply", args=[job.pk]), {"only_valid": "1"})
    assert response.status_code == 302
    page = client_of(county_a1_admin).get(response["Location"]).content.decode()
    assert "导入完成：新增 1 条，更新 0 条" in page
