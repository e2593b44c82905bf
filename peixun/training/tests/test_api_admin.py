"""The write side of the training API (peixun.training.api_admin): plans and hours targets, classes, quotas,
lectures, enrolment (one cadre or an Excel file), withdrawal and leave. The same services as the pages, so
the same refusals: a 400 names the field with the service's message and nothing is written; another
county's objects are out of reach."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from peixun.org.tests.factories import CadreFactory
from peixun.training import api_admin
from peixun.training import api_admin_serializers as s
from peixun.training import services as sv
from peixun.training import services_edit as se
from peixun.training import services_enrolment as sen
from peixun.training.constants import ERR_NOT_ENROLLED_IN
from peixun.training.models import (
    CheckIn,
    CheckInStatus,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    LeaveRequest,
    LeaveStatus,
    Lecture,
    Quota,
    StudyHoursTarget,
    TrainingClass,
    TrainingPlan,
)
from peixun.training.tests.factories import (
    ClassFactory,
    EnrolmentFactory,
    LectureFactory,
    OfficeFactory,
    PlanFactory,
    VenueFactory,
)

API = "/api/training"


def post(client, url, data=None):  # type: ignore[no-untyped-def]
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url, data):  # type: ignore[no-untyped-def]
    return client.patch(url, data, content_type="application/json")


def fields(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid"
    return body["fields"]


def refused(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 403, response.content
    return response.json()["error"]["message"]


def xlsx(rows: list[tuple]) -> io.BytesIO:
    wb = Workbook()
    sheet = wb.active
    sheet.append(("工号", "姓名"))
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "名单.xlsx"
    return buf


# --- Plans and hours targets -----------------------------------------------------------------------------


def test_the_organisation_department_creates_and_renames_a_plan(org_admin, client_of):
    client = client_of(org_admin)
    created = post(client, f"{API}/plans/", {"year": 2031, "title": " 2031年度计划 ", "hours_target": "36.5"})
    assert created.status_code == 201, created.content
    plan = TrainingPlan.objects.get(year=2031)
    assert (created.json()["id"], plan.title, plan.hours_target) == (plan.pk, "2031年度计划", Decimal("36.5"))
    renamed = patch(client, f"{API}/plans/{plan.pk}/", {"title": "改名后的计划"})
    assert renamed.status_code == 200
    plan.refresh_from_db()
    assert (plan.title, plan.year, plan.hours_target) == ("改名后的计划", 2031, Decimal("36.5"))


def test_a_bad_or_taken_year_is_refused_with_the_services_message_and_nothing_saved(org_admin, client_of):
    client = client_of(org_admin)
    PlanFactory(year=2030)
    assert fields(post(client, f"{API}/plans/", {"year": "明年", "title": "计划"})) == {"year": [sv.ERR_YEAR]}
    assert fields(post(client, f"{API}/plans/", {"year": 1990, "title": "计划"}))["year"] == [sv.ERR_YEAR]
    taken = fields(post(client, f"{API}/plans/", {"year": 2030, "title": "", "hours_target": "x"}))
    assert taken == {"year": [sv.ERR_YEAR_TAKEN], "title": [sv.ERR_REQUIRED], "hours_target": [sv.ERR_HOURS]}
    assert list(TrainingPlan.objects.values_list("year", flat=True)) == [2030]


def test_only_the_organisation_department_reads_or_writes_plans(county_a1_admin, office_director, client_of):
    plan = PlanFactory()
    for user in (county_a1_admin, office_director):
        client = client_of(user)
        assert refused(client.get(f"{API}/plans/")) == api_admin.ERR_NOT_ALLOWED
        assert post(client, f"{API}/plans/", {"year": 2032, "title": "计划"}).status_code == 403
        assert patch(client, f"{API}/plans/{plan.pk}/", {"title": "改"}).status_code == 403
    assert not TrainingPlan.objects.filter(year=2032).exists()


def test_a_cadres_own_hours_target_is_set_listed_and_removed(org_admin, tree, client_of):
    client = client_of(org_admin)
    plan = PlanFactory()
    cadre = CadreFactory(unit=tree.county_b1)
    url = f"{API}/plans/{plan.pk}/targets/"
    created = post(client, url, {"employee_number": cadre.employee_number, "hours": "24"})
    assert created.status_code == 201, created.content
    target = StudyHoursTarget.objects.get(cadre=cadre, year=plan.year)
    assert target.hours == Decimal("24.0")
    listed = client.get(url, {"q": cadre.name}).json()
    assert [row["id"] for row in listed["results"]] == [target.pk]
    assert client.delete(f"{API}/hours-targets/{target.pk}/").status_code == 204
    assert not StudyHoursTarget.objects.exists()


def test_a_bad_hours_target_or_unknown_number_changes_nothing(org_admin, tree, client_of):
    client = client_of(org_admin)
    plan = PlanFactory()
    cadre = CadreFactory(unit=tree.county_a1)
    url = f"{API}/plans/{plan.pk}/targets/"
    assert fields(post(client, url, {"employee_number": cadre.employee_number, "hours": "1000"})) == {
        "hours": [sv.ERR_HOURS]
    }
    assert fields(post(client, url, {"employee_number": "NOBODY", "hours": "20"})) == {
        "employee_number": [api_admin.ERR_NO_CADRE]
    }
    assert not StudyHoursTarget.objects.exists()


# --- Classes and quotas ----------------------------------------------------------------------------------


def class_body(plan, office, **extra):  # type: ignore[no-untyped-def]
    day = dt.date(plan.year, 6, 1)
    return {
        "plan": plan.pk,
        "office": office.pk,
        "title": "纪法贯通专题班",
        "start_date": day.isoformat(),
        "end_date": (day + dt.timedelta(days=2)).isoformat(),
        "mode": "live",
        "study_hours": "8",
        "audience_unit_kinds": ["county"],
        **extra,
    }


def test_the_organisation_department_creates_a_class_and_changes_one_field(org_admin, client_of):
    client = client_of(org_admin)
    plan, office = PlanFactory(), OfficeFactory()
    created = post(client, f"{API}/manage/classes/", class_body(plan, office))
    assert created.status_code == 201, created.content
    cls = TrainingClass.objects.get()
    assert (cls.title, cls.status, cls.audience_unit_kinds, cls.study_hours) == (
        "纪法贯通专题班",
        ClassStatus.DRAFT,
        ["county"],
        Decimal("8.0"),
    )
    assert created.json()["office_name"] == office.name
    changed = patch(client, f"{API}/manage/classes/{cls.pk}/", {"capacity": 120})
    assert changed.status_code == 200, changed.content
    cls.refresh_from_db()
    assert (cls.capacity, cls.title, cls.audience_unit_kinds) == (120, "纪法贯通专题班", ["county"])


def test_bad_class_input_is_refused_field_by_field_and_nothing_is_saved(org_admin, client_of):
    client = client_of(org_admin)
    plan, office = PlanFactory(), OfficeFactory()
    body = class_body(plan, office, end_date=f"{plan.year}-05-01", kind="x", watch_percent_required=0)
    assert fields(post(client, f"{API}/manage/classes/", body)) == {
        "end_date": [sv.ERR_DATES],
        "kind": [sv.ERR_CHOICE],
        "watch_percent_required": [sv.ERR_PERCENT],
    }
    assert fields(post(client, f"{API}/manage/classes/", class_body(plan, office, start_date="六月")))[
        "start_date"
    ] == [s.ERR_DATE]
    assert fields(post(client, f"{API}/manage/classes/", {**class_body(plan, office), "plan": 999999})) == {
        "plan": [sv.ERR_CHOICE]
    }
    assert not TrainingClass.objects.exists()


def test_an_archived_class_cannot_be_changed(org_admin, client_of):
    cls = ClassFactory(status=ClassStatus.ARCHIVED, title="旧班")
    response = patch(client_of(org_admin), f"{API}/manage/classes/{cls.pk}/", {"title": "新名"})
    assert fields(response) == {"status": [sv.ERR_LOCKED]}
    cls.refresh_from_db()
    assert cls.title == "旧班"


def test_a_director_manages_the_offices_classes_but_cannot_hand_one_to_another_office(
    office_director, office, client_of
):
    client = client_of(office_director)
    own = ClassFactory(office=office, title="本室班")
    other = ClassFactory(title="他室班")
    listed = client.get(f"{API}/manage/classes/").json()
    assert [row["id"] for row in listed["results"]] == [own.pk]
    assert patch(client, f"{API}/manage/classes/{own.pk}/", {"title": "本室班（修订）"}).status_code == 200
    moved = patch(client, f"{API}/manage/classes/{own.pk}/", {"office": OfficeFactory().pk})
    assert refused(moved) == sv.ERR_OFFICE_ORG_ONLY
    assert refused(patch(client, f"{API}/manage/classes/{other.pk}/", {"title": "改"})) == api_admin.ERR_NOT_ALLOWED
    assert post(client, f"{API}/manage/classes/", class_body(own.plan, office)).status_code == 403
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.title, own.office_id, other.title) == ("本室班（修订）", office.pk, "他室班")


def test_a_class_moves_one_status_at_a_time(org_admin, client_of):
    client = client_of(org_admin)
    cls = ClassFactory(status=ClassStatus.DRAFT)
    url = f"{API}/manage/classes/{cls.pk}/transition/"
    assert fields(post(client, url, {"to": "in_progress"})) == {"status": [sv.ERR_STATUS_STEP]}
    cls.refresh_from_db()
    assert cls.status == ClassStatus.DRAFT
    moved = post(client, url, {"to": "published"})
    assert moved.status_code == 200 and moved.json()["status"] == "published"


def test_a_draft_class_of_another_office_is_not_found_by_a_director(office_director, client_of):
    draft = ClassFactory(status=ClassStatus.DRAFT)
    client = client_of(office_director)
    assert client.get(f"{API}/manage/classes/{draft.pk}/").status_code == 404
    assert post(client, f"{API}/manage/classes/{draft.pk}/transition/", {"to": "published"}).status_code == 404


def test_quotas_are_set_listed_and_never_below_the_enrolled(org_admin, tree, client_of):
    client = client_of(org_admin)
    cls = ClassFactory()
    EnrolmentFactory(training_class=cls, cadre=CadreFactory(unit=tree.county_a1))
    EnrolmentFactory(training_class=cls, cadre=CadreFactory(unit=tree.county_a2))
    url = f"{API}/manage/classes/{cls.pk}/quotas/"
    assert post(client, url, {"unit": tree.city_a.pk, "seats": 5}).json() == {
        "unit": tree.city_a.pk,
        "unit_name": tree.city_a.name,
        "seats": 5,
        "taken": 2,
        "left": 3,
    }
    assert fields(post(client, url, {"unit": tree.city_a.pk, "seats": 1})) == {
        "seats": [sv.ERR_QUOTA_BELOW.format(n=2)]
    }
    assert fields(post(client, url, {"unit": tree.city_a.pk, "seats": "很多"})) == {"seats": [sv.ERR_QUOTA]}
    assert Quota.objects.get().seats == 5
    assert [row["seats"] for row in client.get(url).json()["results"]] == [5]


def test_a_unit_admin_cannot_set_quotas(county_a1_admin, tree, client_of):
    cls = ClassFactory()
    response = post(
        client_of(county_a1_admin), f"{API}/manage/classes/{cls.pk}/quotas/", {"unit": tree.county_a1.pk, "seats": 9}
    )
    assert refused(response) == api_admin.ERR_NOT_ALLOWED
    assert not Quota.objects.exists()


# --- Lectures ---------------------------------------------------------------------------------------------


def at(day_offset: int, hour: int) -> str:
    day = timezone.localdate() + dt.timedelta(days=day_offset)
    return f"{day.isoformat()}T{hour:02d}:00:00"


@pytest.fixture
def studio(tree):  # type: ignore[no-untyped-def]
    return VenueFactory(unit=tree.province, name="主会场演播室", is_main=True)


def test_a_lecture_is_added_and_moved(org_admin, teacher, studio, client_of):
    client = client_of(org_admin)
    cls = ClassFactory()
    body = {"topic": "监督执纪实务", "starts_at": at(1, 9), "duration_minutes": 90, "teacher": teacher.pk,
            "main_venue": studio.pk, "is_live": True, "study_hours": "2"}  # fmt: skip
    created = post(client, f"{API}/manage/classes/{cls.pk}/lectures/", body)
    assert created.status_code == 201, created.content
    lecture = Lecture.objects.get()
    assert (lecture.teacher_id, lecture.main_venue_id, lecture.duration_minutes) == (teacher.pk, studio.pk, 90)
    moved = patch(client, f"{API}/manage/lectures/{lecture.pk}/", {"starts_at": at(1, 10)})
    assert moved.status_code == 200, moved.content  # overlapping only itself
    lecture.refresh_from_db()
    assert timezone.localtime(lecture.starts_at).hour == 10 and lecture.topic == "监督执纪实务"


def test_a_double_booked_teacher_or_venue_is_refused_and_nothing_changes(org_admin, teacher, studio, client_of):
    client = client_of(org_admin)
    cls = ClassFactory()
    booked = LectureFactory(
        training_class=cls, topic="已排课次", teacher=teacher, teacher_name="", main_venue=studio, is_live=True,
        starts_at=timezone.make_aware(dt.datetime.fromisoformat(at(1, 9))), duration_minutes=120,
    )  # fmt: skip
    clash = {"topic": "新课次", "starts_at": at(1, 10), "duration_minutes": 60, "teacher": teacher.pk,
             "main_venue": studio.pk, "is_live": True}  # fmt: skip
    when = timezone.localtime(booked.starts_at).strftime("%Y-%m-%d %H:%M")
    assert fields(post(client, f"{API}/manage/classes/{cls.pk}/lectures/", clash)) == {
        "teacher": [sv.ERR_TEACHER_BUSY.format(name=teacher.display_name, topic="已排课次", time=when)],
        "main_venue": [sv.ERR_VENUE_BUSY.format(venue=studio.name, topic="已排课次", time=when)],
    }
    assert list(Lecture.objects.values_list("pk", flat=True)) == [booked.pk]
    later_start = timezone.make_aware(dt.datetime.fromisoformat(at(2, 9)))
    later = LectureFactory(training_class=cls, starts_at=later_start)
    response = patch(client, f"{API}/manage/lectures/{later.pk}/", {"teacher": teacher.pk, "starts_at": at(1, 9)})
    assert list(fields(response)) == ["teacher"]
    later.refresh_from_db()
    assert (later.teacher_id, later.starts_at) == (None, later_start)


def test_bad_lecture_input_names_each_field(org_admin, client_of):
    cls = ClassFactory()
    body = {"topic": " ", "starts_at": "明天上午", "duration_minutes": 0, "is_live": True}
    errors = fields(post(client_of(org_admin), f"{API}/manage/classes/{cls.pk}/lectures/", body))
    assert errors == {"starts_at": [s.ERR_DATETIME]}
    body["starts_at"] = at(30, 9)
    errors = fields(post(client_of(org_admin), f"{API}/manage/classes/{cls.pk}/lectures/", body))
    assert errors == {
        "topic": [sv.ERR_REQUIRED],
        "duration_minutes": [sv.ERR_DURATION],
        "teacher": [sv.ERR_TEACHER],
        "starts_at": [sv.ERR_OUTSIDE_CLASS],
        "main_venue": [sv.ERR_MAIN_VENUE],
    }
    assert not Lecture.objects.exists()


# --- Enrolment --------------------------------------------------------------------------------------------


def test_a_county_admin_enrols_a_cadre_of_the_county_within_the_quota(org_admin, county_a1_admin, tree, client_of):
    cls = ClassFactory()
    sv.quota_set(actor=org_admin, training_class=cls, unit=tree.county_a1, seats=1)
    first, second = CadreFactory(unit=tree.county_a1), CadreFactory(unit=tree.county_a1)
    client = client_of(county_a1_admin)
    url = f"{API}/classes/{cls.pk}/enrol/"
    a = post(client, url, {"employee_number": first.employee_number})
    b = post(client, url, {"employee_number": second.employee_number})
    assert (a.status_code, a.json()["status"], b.json()["status"]) == (201, "enrolled", "waiting")
    assert fields(post(client, url, {"employee_number": first.employee_number})) == {"cadre": [sen.ERR_ALREADY]}
    withdrawn = post(client, f"{API}/enrolments/{a.json()['id']}/withdraw/")
    assert withdrawn.status_code == 200, withdrawn.content
    assert [e["cadre"] for e in withdrawn.json()["promoted"]] == [second.pk]
    assert Enrolment.objects.get(cadre=second).status == EnrolmentStatus.ENROLLED


def test_a_county_admin_cannot_enrol_a_cadre_of_another_county(org_admin, county_a1_admin, tree, client_of):
    cls = ClassFactory()
    sv.quota_set(actor=org_admin, training_class=cls, unit=tree.province, seats=10)
    foreign = CadreFactory(unit=tree.county_b1)
    response = post(
        client_of(county_a1_admin), f"{API}/classes/{cls.pk}/enrol/", {"employee_number": foreign.employee_number}
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == api_admin.ERR_NO_CADRE
    assert not Enrolment.objects.exists()


def test_a_county_admin_cannot_withdraw_another_countys_trainee(county_a1_admin, tree, client_of):
    enrolment = EnrolmentFactory(cadre=CadreFactory(unit=tree.county_b1))
    assert post(client_of(county_a1_admin), f"{API}/enrolments/{enrolment.pk}/withdraw/").status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_a_trainee_enrols_themself_only_where_the_class_allows(trainee_a1, client_of):
    client = client_of(trainee_a1)
    closed, open_ = ClassFactory(), ClassFactory(allow_self_enrolment=True)
    assert fields(post(client, f"{API}/classes/{closed.pk}/enrol/")) == {"cadre": [sen.ERR_NO_SELF]}
    enrolled = post(client, f"{API}/classes/{open_.pk}/enrol/")
    assert enrolled.status_code == 201 and enrolled.json()["channel"] == "self"
    assert list(Enrolment.objects.values_list("training_class_id", flat=True)) == [open_.pk]


def test_an_excel_file_with_a_bad_row_enrols_nobody_and_names_the_row(org_admin, county_a1_admin, tree, client_of):
    cls = ClassFactory()
    sv.quota_set(actor=org_admin, training_class=cls, unit=tree.county_a1, seats=10)
    mine = [CadreFactory(unit=tree.county_a1) for _ in range(2)]
    foreign = CadreFactory(unit=tree.county_b1)
    client = client_of(county_a1_admin)
    url = f"{API}/classes/{cls.pk}/import/"
    rows = [(c.employee_number, c.name) for c in mine] + [(foreign.employee_number, foreign.name)]
    response = client.post(url, {"file": xlsx(rows)})
    errors = fields(response)
    assert errors == {"file": [sen.ERR_FILE_ROWS.format(n=1)], "row_4": [f"第4行：{sen.ERR_ROW_CADRE}"]}
    assert response.json()["error"]["rows"] == [{"row": 4, "message": f"第4行：{sen.ERR_ROW_CADRE}"}]
    assert not Enrolment.objects.exists()
    good = client.post(url, {"file": xlsx(rows[:2])})
    assert (good.status_code, good.json()) == (200, {"enrolled": 2, "waiting": 0})
    assert Enrolment.objects.filter(channel="import").count() == 2


def test_an_import_without_a_file_or_by_a_trainee_is_refused(trainee_a1, org_admin, client_of):
    cls = ClassFactory()
    assert fields(client_of(org_admin).post(f"{API}/classes/{cls.pk}/import/", {})) == {"file": [s.ERR_NO_FILE]}
    not_excel = io.BytesIO(b"not a sheet")
    not_excel.name = "名单.xlsx"
    bad = client_of(org_admin).post(f"{API}/classes/{cls.pk}/import/", {"file": not_excel})
    assert "file" in fields(bad)
    assert client_of(trainee_a1).post(f"{API}/classes/{cls.pk}/import/", {"file": xlsx([])}).status_code == 403


# --- Leave ------------------------------------------------------------------------------------------------


@pytest.fixture
def lecture(trainee_a1):  # type: ignore[no-untyped-def]
    cls = ClassFactory(title="纪法贯通专题班")
    EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    return LectureFactory(training_class=cls, topic="监督执纪实务", starts_at=timezone.now() + dt.timedelta(hours=3))


def test_a_trainee_asks_for_leave_and_the_county_admin_approves(trainee_a1, county_a1_admin, lecture, client_of):
    trainee = client_of(trainee_a1)
    asked = post(trainee, f"{API}/leave-requests/", {"lecture": lecture.pk, "reason": "出差办案"})
    assert asked.status_code == 201, asked.content
    assert (asked.json()["status"], asked.json()["lecture_topic"]) == ("pending", "监督执纪实务")
    again = post(trainee, f"{API}/leave-requests/", {"lecture": lecture.pk, "reason": "再请一次"})
    assert fields(again) == {"lecture": [se.ERR_LEAVE_TWICE]}
    admin = client_of(county_a1_admin)
    pending = admin.get(f"{API}/leave-requests/", {"scope": "to_decide", "status": "pending"}).json()
    assert [row["id"] for row in pending["results"]] == [asked.json()["id"]]
    decided = post(admin, f"{API}/leave-requests/{asked.json()['id']}/review/", {"decision": "approve"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert CheckIn.objects.get(lecture=lecture, cadre=trainee_a1.cadre).status == CheckInStatus.EXCUSED
    mine = trainee.get(f"{API}/leave-requests/", {"scope": "mine"}).json()
    assert [row["status"] for row in mine["results"]] == ["approved"]


def test_leave_for_a_class_one_is_not_in_or_without_a_reason_is_refused(trainee_a1, lecture, client_of):
    client = client_of(trainee_a1)
    elsewhere = LectureFactory(starts_at=timezone.now() + dt.timedelta(hours=3))
    assert fields(post(client, f"{API}/leave-requests/", {"lecture": elsewhere.pk, "reason": "事"})) == {
        "lecture": [ERR_NOT_ENROLLED_IN]
    }
    assert fields(post(client, f"{API}/leave-requests/", {"lecture": lecture.pk, "reason": " "})) == {
        "reason": [sen.ERR_REASON]
    }
    assert not LeaveRequest.objects.exists()


def test_another_countys_admin_cannot_see_or_decide_the_leave(trainee_a1, county_b1_admin, lecture, client_of):
    leave = se.leave_request_submit(
        actor=trainee_a1, enrolment=lecture.training_class.enrolments.get(), lecture=lecture, reason="出差"
    )
    client = client_of(county_b1_admin)
    assert post(client, f"{API}/leave-requests/{leave.pk}/review/", {"decision": "approve"}).status_code == 404
    assert client.get(f"{API}/leave-requests/{leave.pk}/").status_code == 404
    assert client.get(f"{API}/leave-requests/").json()["results"] == []
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.PENDING and not CheckIn.objects.exists()


def test_a_bad_decision_or_a_decision_on_ones_own_leave_is_refused(trainee_a1, county_a1_admin, lecture, client_of):
    leave = se.leave_request_submit(
        actor=trainee_a1, enrolment=lecture.training_class.enrolments.get(), lecture=lecture, reason="出差"
    )
    admin = client_of(county_a1_admin)
    assert fields(post(admin, f"{API}/leave-requests/{leave.pk}/review/", {"decision": "maybe"})) == {
        "decision": [s.ERR_DECISION]
    }
    assert refused(post(client_of(trainee_a1), f"{API}/leave-requests/{leave.pk}/review/", {"decision": "approve"}))
    assert fields(admin.get(f"{API}/leave-requests/", {"scope": "everyone"})) == {"scope": [s.ERR_LEAVE_SCOPE]}
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.PENDING


def test_a_county_admin_cannot_approve_their_own_leave(county_a1_admin, client_of):
    cls = ClassFactory()
    EnrolmentFactory(training_class=cls, cadre=county_a1_admin.cadre)
    lecture = LectureFactory(training_class=cls, starts_at=timezone.now() + dt.timedelta(hours=3))
    client = client_of(county_a1_admin)
    asked = post(client, f"{API}/leave-requests/", {"lecture": lecture.pk, "reason": "出差"})
    assert asked.status_code == 201
    response = post(client, f"{API}/leave-requests/{asked.json()['id']}/review/", {"decision": "approve"})
    assert refused(response) == sen.ERR_OWN_LEAVE
    assert LeaveRequest.objects.get().status == LeaveStatus.PENDING
