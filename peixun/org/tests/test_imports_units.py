"""Unit import: the organisation department's tree, with parents earlier in the same file."""

from __future__ import annotations

import pytest

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.org.import_models import ImportKind, ImportStatus
from peixun.org.imports import messages as m
from peixun.org.imports.testing import run_apply, run_import, unit_file, unit_values
from peixun.org.models import Unit, UnitKind
from peixun.org.services import ERR_HOST_NOT_CITY, ERR_HOST_REQUIRED, ERR_PARENT_CYCLE, ERR_PARENT_REQUIRED


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def importing(django_capture_on_commit_callbacks, org_admin):
    def run(rows, apply=False, only_valid=False):
        job = run_import(
            django_capture_on_commit_callbacks, actor=org_admin, kind=ImportKind.UNITS, file=unit_file(rows)
        )
        if apply:
            job = run_apply(django_capture_on_commit_callbacks, actor=org_admin, job=job, only_valid=only_valid)
        return job

    return run


COUNTY = UnitKind.COUNTY.label
CITY = UnitKind.CITY.label
RULES = [
    ("missing-code", {"单位编码": ""}, "单位编码", m.ERR_REQUIRED),
    ("code-format", {"单位编码": "A 3"}, "单位编码", m.ERR_CODE_FORMAT),
    ("missing-name", {"单位名称": ""}, "单位名称", m.ERR_REQUIRED),
    ("kind", {"单位类别": "县纪委"}, "单位类别", m.ERR_CHOICE.format(choices="、".join(UnitKind.labels))),
    ("no-parent", {"上级单位编码": ""}, "上级单位编码", ERR_PARENT_REQUIRED),
    ("unknown-parent", {"上级单位编码": "ZZ"}, "上级单位编码", m.ERR_PARENT_UNKNOWN),
    ("own-parent", {"上级单位编码": "A3"}, "上级单位编码", ERR_PARENT_CYCLE),
    ("province-parent", {"单位类别": UnitKind.PROVINCE.label}, "上级单位编码", m.ERR_PROVINCE_HAS_PARENT),
    ("intranet", {"是否接入内网": "有"}, "是否接入内网", m.ERR_YES_NO),
    ("host-required", {"是否接入内网": "否"}, "驻地市级纪委监委编码", ERR_HOST_REQUIRED),
    ("host-not-city", {"是否接入内网": "否", "驻地市级纪委监委编码": "A1"}, "驻地市级纪委监委编码", ERR_HOST_NOT_CITY),
    ("host-unknown", {"是否接入内网": "否", "驻地市级纪委监委编码": "ZZ"}, "驻地市级纪委监委编码", m.ERR_HOST_UNKNOWN),
    (
        "host-self",
        {"单位类别": CITY, "上级单位编码": "P", "驻地市级纪委监委编码": "A3"},
        "驻地市级纪委监委编码",
        m.ERR_HOST_SELF,
    ),
    ("phone", {"联系电话": "电话0311"}, "联系电话", m.ERR_PHONE),
    ("long-address", {"地址": "路" * 201}, "地址", m.ERR_TOO_LONG.format(limit=200)),
]


@pytest.mark.parametrize(("overrides", "column", "message"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_reports_row_column_and_message(importing, overrides, column, message):
    job = importing([unit_values(单位编码="A4", 单位名称="甲四县"), unit_values(**overrides)])
    assert job.errors == [{"row": 3, "column": column, "message": message}]
    assert job.valid_rows == 1


def test_new_units_may_hang_under_units_earlier_in_the_file(importing, tree):
    before = Unit.objects.count()
    job = importing(
        [
            unit_values(单位编码="C", 单位名称="丙市纪委监委", 单位类别=CITY, 上级单位编码="P"),
            unit_values(单位编码="C1", 单位名称="丙一县纪委监委", 上级单位编码="C"),
            unit_values(
                单位编码="S",
                单位名称="某大学纪委",
                单位类别=UnitKind.UNIVERSITY.label,
                上级单位编码="P",
                是否接入内网="否",
                驻地市级纪委监委编码="C",
            ),
        ],
        apply=True,
    )
    assert job.status == ImportStatus.DONE and (job.created_count, job.updated_count) == (3, 0)
    assert Unit.objects.count() == before + 3
    city, county, school = (Unit.objects.get(code=c) for c in ("C", "C1", "S"))
    assert county.parent == city and county.path == city.path + Unit.path_segment(county.pk) and county.depth == 2
    assert city.path == tree.province.path + Unit.path_segment(city.pk) and city.depth == 1
    assert (school.has_intranet, school.host_unit) == (False, city)
    assert AuditEvent.objects.filter(event=Event.UNIT_CREATE).count() == 3
    assert AuditEvent.objects.filter(event=Event.IMPORT, object_id=str(job.pk)).count() == 1


def test_a_parent_later_in_the_file_is_unknown(importing):
    job = importing(
        [
            unit_values(单位编码="C1", 上级单位编码="C"),
            unit_values(单位编码="C", 单位类别=CITY, 上级单位编码="P"),
        ]
    )
    assert job.errors == [{"row": 2, "column": "上级单位编码", "message": m.ERR_PARENT_UNKNOWN}]


def test_a_unit_under_an_invalid_row_is_not_written_either(importing):
    job = importing(
        [
            unit_values(单位编码="C", 单位类别="市", 上级单位编码="P"),
            unit_values(单位编码="C1", 上级单位编码="C"),
            unit_values(单位编码="C2", 上级单位编码="C1"),
            unit_values(单位编码="A3", 上级单位编码="A"),
        ],
        apply=True,
        only_valid=True,
    )
    assert [(e["row"], e["message"]) for e in job.errors] == [
        (2, m.ERR_CHOICE.format(choices="、".join(UnitKind.labels))),
        (3, m.ERR_PARENT_ROW_INVALID),
        (4, m.ERR_PARENT_ROW_INVALID),
    ]
    assert job.status == ImportStatus.DONE and job.created_count == 1
    assert not Unit.objects.filter(code__in=["C", "C1", "C2"]).exists()


def test_a_duplicate_code_in_the_file_is_an_error(importing):
    job = importing([unit_values(), unit_values(单位名称="重复")])
    assert job.errors == [{"row": 3, "column": "单位编码", "message": m.ERR_DUPLICATE_UNIT_CODE.format(row=2)}]


def test_moving_a_unit_under_its_own_subtree_is_refused(importing, tree):
    job = importing([unit_values(单位编码="A", 单位名称="甲市纪委监委", 单位类别=CITY, 上级单位编码="A1")])
    assert job.errors == [{"row": 2, "column": "上级单位编码", "message": ERR_PARENT_CYCLE}]


def test_an_existing_unit_is_updated_and_moved_with_its_subtree(importing, tree):
    before = Unit.objects.count()
    job = importing(
        [
            unit_values(单位编码="A1", 单位名称="甲一区纪委监委", 上级单位编码="B"),
            unit_values(单位编码="A1X", 单位名称="甲一区某部门", 单位类别=UnitKind.DEPARTMENT.label, 上级单位编码="A1"),
        ],
        apply=True,
    )
    assert (job.created_count, job.updated_count) == (1, 1)
    assert Unit.objects.count() == before + 1
    moved, child = Unit.objects.get(code="A1"), Unit.objects.get(code="A1X")
    assert moved.name == "甲一区纪委监委" and moved.parent == tree.city_b
    assert moved.path == tree.city_b.path + Unit.path_segment(moved.pk) and moved.depth == 2
    assert child.path == moved.path + Unit.path_segment(child.pk) and child.depth == 3


def test_importing_the_same_file_twice_changes_nothing_the_second_time(importing, tree):
    rows = [unit_values(), unit_values(单位编码="A4", 单位名称="甲四县", 是否接入内网="否", 驻地市级纪委监委编码="A")]
    first = importing(rows, apply=True)
    count = Unit.objects.count()
    second = importing(rows, apply=True)
    assert (first.created_count, second.created_count, second.updated_count) == (2, 0, 0)
    assert Unit.objects.count() == count
    assert AuditEvent.objects.filter(event=Event.UNIT_UPDATE).count() == 0
