"""Enrolment within quotas, the waiting list, withdrawal, leave, and bulk enrolment from Excel."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from peixun.org.models import CadreStatus
from peixun.org.tests.factories import CadreFactory, cadre_user
from peixun.training import services_enrolment as se
from peixun.training.models import (
    CheckIn,
    CheckInStatus,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    LeaveStatus,
    Notification,
)
from peixun.training.services import quota_set
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory


def test_a_unit_admin_enrols_within_the_quota_then_fills_the_waiting_list(org_admin, county_a1_admin, tree):
    cls = ClassFactory()
    quota_set(actor=org_admin, training_class=cls, unit=tree.county_a1, seats=1)
    first, second = CadreFactory(unit=tree.county_a1), CadreFactory(unit=tree.county_a1)
    a = se.enrolment_create(actor=county_a1_admin, training_class=cls, cadre=first)
    b = se.enrolment_create(actor=county_a1_admin, training_class=cls, cadre=second)
    assert (a.status, b.status) == (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
    promoted = se.enrolment_withdraw(actor=county_a1_admin, enrolment=a)
    assert [p.pk for p in promoted] == [b.pk]
    b.refresh_from_db()
    assert b.status == EnrolmentStatus.ENROLLED


def test_a_unit_admin_cannot_enrol_outside_the_subtree_or_without_quota(org_admin, county_a1_admin, tree):
    cls = ClassFactory()
    with pytest.raises(PermissionDenied):
        se.enrolment_create(actor=county_a1_admin, training_class=cls, cadre=CadreFactory(unit=tree.county_b1))
    with pytest.raises(ValidationError) as err:
        se.enrolment_create(actor=county_a1_admin, training_class=cls, cadre=CadreFactory(unit=tree.county_a1))
    assert err.value.message_dict["cadre"] == [se.ERR_NO_QUOTA]
    assert not Enrolment.objects.exists()


def test_a_city_quota_governs_its_counties(org_admin, city_a_admin, tree):
    cls = ClassFactory()
    quota_set(actor=org_admin, training_class=cls, unit=tree.city_a, seats=2)
    statuses = [
        se.enrolment_create(actor=city_a_admin, training_class=cls, cadre=CadreFactory(unit=u)).status
        for u in (tree.county_a1, tree.county_a2, tree.city_a)
    ]
    assert statuses == [EnrolmentStatus.ENROLLED, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]


def test_the_cadre_enrols_only_where_the_class_allows(trainee_a1):
    closed = ClassFactory()
    with pytest.raises(ValidationError) as err:
        se.enrolment_create(actor=trainee_a1, training_class=closed, cadre=trainee_a1.cadre)
    assert err.value.message_dict["cadre"] == [se.ERR_NO_SELF]
    open_ = ClassFactory(allow_self_enrolment=True)
    e = se.enrolment_create(actor=trainee_a1, training_class=open_, cadre=trainee_a1.cadre)
    assert e.channel == "self" and e.status == EnrolmentStatus.ENROLLED
    assert Notification.objects.filter(recipient=trainee_a1, kind="enrolled").count() == 1
    with pytest.raises(ValidationError) as err:
        se.enrolment_create(actor=trainee_a1, training_class=open_, cadre=trainee_a1.cadre)
    assert err.value.message_dict["cadre"] == [se.ERR_ALREADY]


def test_audience_status_and_capacity_are_enforced(org_admin, tree):
    cls = ClassFactory(audience_unit_kinds=["county"], audience_ranks=["staff"], capacity=1)
    with pytest.raises(ValidationError) as err:
        se.enrolment_create(actor=org_admin, training_class=cls, cadre=CadreFactory(unit=tree.city_a))
    assert err.value.message_dict["cadre"] == [se.ERR_AUDIENCE_KIND]
    with pytest.raises(ValidationError) as err:
        se.enrolment_create(actor=org_admin, training_class=cls, cadre=CadreFactory(unit=tree.county_a1, rank="clerk"))
    assert err.value.message_dict["cadre"] == [se.ERR_AUDIENCE_RANK]
    retired = CadreFactory(unit=tree.county_a1, status=CadreStatus.RETIRED)
    with pytest.raises(ValidationError) as err:
        se.enrolment_create(actor=org_admin, training_class=cls, cadre=retired)
    assert err.value.message_dict["cadre"] == [se.ERR_INACTIVE_CADRE]
    ok = se.enrolment_create(actor=org_admin, training_class=cls, cadre=CadreFactory(unit=tree.county_a1))
    full = se.enrolment_create(actor=org_admin, training_class=cls, cadre=CadreFactory(unit=tree.county_a2))
    assert (ok.status, full.status) == (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
    draft = ClassFactory(status=ClassStatus.DRAFT)
    with pytest.raises(ValidationError):
        se.enrolment_create(actor=org_admin, training_class=draft, cadre=CadreFactory(unit=tree.county_a1))


def test_leave_is_requested_by_the_trainee_and_approved_by_the_unit_admin(
    org_admin, trainee_a1, county_a1_admin, county_b1_admin
):
    cls = ClassFactory()
    lecture = LectureFactory(training_class=cls)
    e = se.enrolment_create(actor=org_admin, training_class=cls, cadre=trainee_a1.cadre)
    with pytest.raises(PermissionDenied):
        se.leave_request_create(actor=county_a1_admin, enrolment=e, reason="出差")
    with pytest.raises(ValidationError) as err:
        se.leave_request_create(actor=trainee_a1, enrolment=e, reason=" ")
    assert err.value.message_dict["reason"] == [se.ERR_REASON]
    leave = se.leave_request_create(actor=trainee_a1, enrolment=e, reason="出差", lecture=lecture)
    with pytest.raises(PermissionDenied):
        se.leave_request_decide(actor=county_b1_admin, leave=leave, approve=True)
    se.leave_request_decide(actor=county_a1_admin, leave=leave, approve=True)
    assert CheckIn.objects.get(lecture=lecture, cadre=trainee_a1.cadre).status == CheckInStatus.EXCUSED
    with pytest.raises(ValidationError):
        se.leave_request_decide(actor=county_a1_admin, leave=leave, approve=False)


def test_an_admin_cannot_decide_their_own_leave(county_a1_admin):
    # Checked in the service itself: the API, the leave page and any later caller all refuse it.
    cls = ClassFactory()
    enrolment = EnrolmentFactory(training_class=cls, cadre=county_a1_admin.cadre)
    leave = se.leave_request_create(actor=county_a1_admin, enrolment=enrolment, reason="出差")
    with pytest.raises(PermissionDenied) as refused:
        se.leave_request_decide(actor=county_a1_admin, leave=leave, approve=True)
    assert str(refused.value) == se.ERR_OWN_LEAVE
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.PENDING


def xlsx(rows: list[tuple]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(("工号", "姓名"))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_bulk_enrolment_writes_every_row_or_none(org_admin, county_a1_admin, tree):
    cls = ClassFactory()
    quota_set(actor=org_admin, training_class=cls, unit=tree.county_a1, seats=10)
    mine = [CadreFactory(unit=tree.county_a1) for _ in range(3)]
    foreign = CadreFactory(unit=tree.county_b1)
    misnamed = CadreFactory(unit=tree.county_a1)
    bad = xlsx(
        [(c.employee_number, c.name) for c in mine]
        + [
            (foreign.employee_number, foreign.name),
            (mine[0].employee_number, mine[0].name),
            (misnamed.employee_number, "别人"),
        ]
    )
    with pytest.raises(ValidationError) as err:
        se.enrolment_import(actor=county_a1_admin, training_class=cls, upload=bad, size=100)
    errors = err.value.message_dict
    assert errors["file"] == [se.ERR_FILE_ROWS.format(n=3)]
    assert errors["row_5"] == [f"第5行：{se.ERR_ROW_CADRE}"]  # county B1 is outside this admin's scope
    assert errors["row_6"] == ["第6行：" + se.ERR_ROW_DUPLICATE.format(row=2)]
    assert errors["row_7"] == [f"第7行：{se.ERR_ROW_NAME}"]
    assert not Enrolment.objects.exists()
    good = xlsx([(c.employee_number, c.name) for c in mine])
    assert se.enrolment_import(actor=county_a1_admin, training_class=cls, upload=good, size=100) == {
        "enrolled": 3,
        "waiting": 0,
    }
    assert Enrolment.objects.filter(channel="import").count() == 3


def test_bulk_enrolment_refuses_a_file_that_is_not_excel(org_admin):
    cls = ClassFactory()
    with pytest.raises(ValidationError) as err:
        se.enrolment_import(actor=org_admin, training_class=cls, upload=io.BytesIO(b"not a sheet"), size=11)
    assert "file" in err.value.message_dict


def test_a_trainee_may_withdraw_only_themself(org_admin, tree):
    cls = ClassFactory()
    me, other = cadre_user(unit=tree.county_a1), cadre_user(unit=tree.county_a1)
    e = se.enrolment_create(actor=org_admin, training_class=cls, cadre=me.cadre)
    with pytest.raises(PermissionDenied):
        se.enrolment_withdraw(actor=other, enrolment=e)
    se.enrolment_withdraw(actor=me, enrolment=e)
    with pytest.raises(ValidationError):
        se.enrolment_withdraw(actor=me, enrolment=e)
