from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peixun.accounts.models import RoleGrant
from peixun.accounts.roles import Role
from peixun.audit.models import AuditEvent
from peixun.offices.models import ResearchOffice
from peixun.teachers import services
from peixun.teachers.models import ApplicationStatus, StepAction, Teacher, TeacherStatus
from peixun.teachers.tests.factories import RoundFactory, TeacherFactory
from peixun.training.models import Notification
from peixun.training.tests.factories import ClassFactory, LectureFactory


def nominate(actor, intake, cadre, office, **kw):
    return services.application_nominate(
        actor=actor, intake=intake, cadre=cadre, fields=[office], experience=kw.get("experience", "讲授过纪法课程"),
        unit_opinion=kw.get("unit_opinion", "同意推荐"), samples=kw.get("samples", ()),
    )  # fmt: skip


def test_a_unit_admin_nominates_a_cadre_of_its_subtree_and_the_candidate_is_told(
    county_b1_admin, trainee_b1, intake, office
):
    pdf = SimpleUploadedFile("示范课.pdf", b"%PDF-1.4 sample", content_type="application/pdf")
    app = nominate(county_b1_admin, intake, trainee_b1.cadre, office, samples=[("纪法课", pdf)])
    assert app.status == ApplicationStatus.SUBMITTED
    assert app.channel == "nominated"
    assert app.samples.get().original_name == "示范课.pdf"
    assert [s.action for s in app.steps.all()] == [StepAction.SUBMIT]
    assert Notification.objects.filter(recipient=trainee_b1, text__contains="已提交").exists()
    assert AuditEvent.objects.filter(event="teachers.application_submit", object_id=str(app.pk)).exists()


def test_a_unit_admin_cannot_nominate_a_cadre_of_another_county(county_a1_admin, trainee_b1, intake, office):
    with pytest.raises(PermissionDenied, match=services.ERR_OUT_OF_SCOPE):
        nominate(county_a1_admin, intake, trainee_b1.cadre, office)


def test_a_nomination_needs_the_units_opinion_and_a_wanted_field(county_b1_admin, trainee_b1, intake, tree):
    elsewhere = ResearchOffice.objects.create(code="AJ", name="案件监督管理教研室", field="案件监督管理")
    with pytest.raises(ValidationError) as exc:
        nominate(county_b1_admin, intake, trainee_b1.cadre, elsewhere, unit_opinion=" ")
    assert exc.value.message_dict == {
        "unit_opinion": [services.ERR_REQUIRED], "fields": [services.ERR_FIELD_NOT_WANTED],
    }  # fmt: skip


def test_a_closed_round_takes_no_application(trainee_a1, office):
    late = RoundFactory(fields=[office], deadline=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.application_apply(actor=trainee_a1, intake=late, fields=[office], experience="授课三年")
    assert exc.value.message_dict["round"] == [services.ERR_ROUND_CLOSED]


def test_a_sample_must_be_a_document_or_video(trainee_a1, intake, office):
    script = SimpleUploadedFile("x.html", b"<script>alert(1)</script>")
    with pytest.raises(ValidationError) as exc:
        services.application_apply(
            actor=trainee_a1, intake=intake, fields=[office], experience="授课三年", samples=[("x", script)]
        )
    assert exc.value.message_dict["samples"] == [services.ERR_FILE_TYPE]


def test_a_cadre_applies_once_per_round(trainee_a1, intake, office):
    services.application_apply(actor=trainee_a1, intake=intake, fields=[office], experience="授课三年")
    with pytest.raises(ValidationError) as exc:
        services.application_apply(actor=trainee_a1, intake=intake, fields=[office], experience="授课三年")
    assert exc.value.message_dict["cadre"] == [services.ERR_DUPLICATE]


def test_returned_once_resubmitted_then_approved_the_cadre_joins_the_pool_with_a_number_and_the_role(
    org_admin, county_b1_admin, trainee_b1, intake, office, office_b
):
    app = nominate(county_b1_admin, intake, trainee_b1.cadre, office)
    with pytest.raises(ValidationError) as exc:
        services.application_review(actor=org_admin, application=app, decision=StepAction.RETURN)
    assert exc.value.message_dict["comment"] == [services.ERR_REASON]
    services.application_review(actor=org_admin, application=app, decision=StepAction.RETURN, comment="请补充授课经历")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED
    assert Notification.objects.filter(recipient=trainee_b1, text__contains="请补充授课经历").exists()

    services.application_resubmit(
        actor=county_b1_admin, application=app, fields=[office, office_b], experience="近三年授课12次",
        unit_opinion="同意推荐", comment="已补充",
    )  # fmt: skip
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.experience == "近三年授课12次"

    services.application_review(actor=org_admin, application=app, decision=StepAction.PASS, comment="符合条件")
    teacher = services.application_approve(actor=org_admin, application=app, approve=True, comment="研究同意")
    assert teacher is not None
    assert teacher.number == f"SZ{timezone.localdate().year}-0001"
    assert set(teacher.fields.all()) == {office, office_b}
    assert RoleGrant.objects.filter(user=trainee_b1, role=Role.TEACHER).exists()
    steps = list(app.steps.values_list("action", "actor_id", "comment"))
    assert steps == [
        ("submit", county_b1_admin.pk, ""), ("return", org_admin.pk, "请补充授课经历"),
        ("resubmit", county_b1_admin.pk, "已补充"), ("pass", org_admin.pk, "符合条件"),
        ("approve", org_admin.pk, "研究同意"),
    ]  # fmt: skip
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"teachers.application_review", "teachers.application_approve", "role.grant"} <= events


def test_a_submitted_application_cannot_be_changed(county_b1_admin, trainee_b1, intake, office):
    app = nominate(county_b1_admin, intake, trainee_b1.cadre, office)
    with pytest.raises(ValidationError) as exc:
        services.application_resubmit(
            actor=county_b1_admin, application=app, fields=[office], experience="改", unit_opinion="改"
        )
    assert exc.value.message_dict["status"] == [services.ERR_LOCKED]


def test_only_the_org_department_reviews_and_approval_needs_review_first(
    org_admin, county_b1_admin, trainee_b1, intake, office
):
    app = nominate(county_b1_admin, intake, trainee_b1.cadre, office)
    with pytest.raises(PermissionDenied):
        services.application_review(actor=county_b1_admin, application=app, decision=StepAction.PASS)
    with pytest.raises(ValidationError) as exc:
        services.application_approve(actor=org_admin, application=app, approve=True)
    assert exc.value.message_dict["status"] == [services.ERR_BAD_STEP]


def test_the_committee_may_decline_with_a_reason(org_admin, trainee_a1, intake, office):
    app = services.application_apply(actor=trainee_a1, intake=intake, fields=[office], experience="授课三年")
    services.application_review(actor=org_admin, application=app, decision=StepAction.PASS)
    assert services.application_approve(actor=org_admin, application=app, approve=False, comment="名额已满") is None
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert not Teacher.objects.exists()


def test_an_external_teacher_joins_without_a_cadre_and_suspension_needs_a_reason(org_admin, office):
    teacher = services.teacher_create_external(actor=org_admin, name="张教授", organisation="省委党校", fields=[office])
    assert teacher.is_external and teacher.organisation == "省委党校"
    with pytest.raises(ValidationError) as exc:
        services.teacher_status_set(actor=org_admin, teacher=teacher, status=TeacherStatus.SUSPENDED)
    assert exc.value.message_dict["reason"] == [services.ERR_REASON]
    services.teacher_status_set(
        actor=org_admin, teacher=teacher, status=TeacherStatus.SUSPENDED, reason="年度考核不称职"
    )
    teacher.refresh_from_db()
    assert teacher.status == TeacherStatus.SUSPENDED and teacher.status_reason == "年度考核不称职"


def test_removing_a_cadre_teacher_takes_the_teacher_role_away(org_admin, teacher, office):
    member = TeacherFactory(cadre=teacher.cadre, fields=[office])
    services.teacher_status_set(actor=org_admin, teacher=member, status=TeacherStatus.REMOVED, reason="调离")
    assert not RoleGrant.objects.filter(user=teacher, role=Role.TEACHER).exists()


def test_the_annual_review_is_one_per_year(org_admin, office):
    member = TeacherFactory(external_name="李老师", external_org="某大学", fields=[office])
    services.teacher_review_record(actor=org_admin, teacher=member, year=2026, grade="competent")
    services.teacher_review_record(actor=org_admin, teacher=member, year=2026, grade="excellent", comment="效果好")
    assert list(member.reviews.values_list("year", "grade")) == [(2026, "excellent")]
    with pytest.raises(ValidationError):
        services.teacher_review_record(actor=org_admin, teacher=member, year=2026, grade="great")


def test_assigning_a_pool_teacher_to_a_clashing_lecture_is_refused(org_admin, trainee_b1, office):
    member = TeacherFactory(cadre=trainee_b1.cadre, fields=[office])
    cls = ClassFactory(office=office)
    start = timezone.now().replace(microsecond=0)
    LectureFactory(training_class=cls, starts_at=start, teacher=trainee_b1, teacher_name="")
    other = LectureFactory(training_class=cls, starts_at=start + dt.timedelta(minutes=60), teacher_name="待定")
    with pytest.raises(ValidationError) as exc:
        services.teacher_assign_lecture(actor=org_admin, teacher=member, lecture=other)
    assert "不能重复安排" in exc.value.message_dict["teacher"][0]
    free = LectureFactory(training_class=cls, starts_at=start + dt.timedelta(hours=3), teacher_name="待定")
    services.teacher_assign_lecture(actor=org_admin, teacher=member, lecture=free)
    free.refresh_from_db()
    assert free.teacher == trainee_b1 and free.teacher_name == ""


def test_an_external_teachers_clash_is_found_by_name(org_admin, office):
    member = TeacherFactory(external_name="王教授", external_org="省委党校", fields=[office])
    cls = ClassFactory(office=office)
    start = timezone.now().replace(microsecond=0)
    LectureFactory(training_class=cls, starts_at=start, teacher_name="王教授")
    other = LectureFactory(training_class=cls, starts_at=start + dt.timedelta(minutes=30), teacher_name="待定")
    with pytest.raises(ValidationError):
        services.teacher_assign_lecture(actor=org_admin, teacher=member, lecture=other)


def test_a_suspended_teacher_is_not_assigned(org_admin, office):
    member = TeacherFactory(external_name="赵老师", status=TeacherStatus.SUSPENDED, fields=[office])
    lecture = LectureFactory(training_class=ClassFactory(office=office))
    with pytest.raises(ValidationError) as exc:
        services.teacher_assign_lecture(actor=org_admin, teacher=member, lecture=lecture)
    assert exc.value.message_dict["teacher"] == [services.ERR_TEACHER_INACTIVE]


def test_a_unit_admin_cannot_assign_teachers(county_a1_admin, office):
    member = TeacherFactory(external_name="钱老师", fields=[office])
    lecture = LectureFactory(training_class=ClassFactory(office=office))
    with pytest.raises(PermissionDenied):
        services.teacher_assign_lecture(actor=county_a1_admin, teacher=member, lecture=lecture)


def test_a_second_number_follows_the_first(org_admin, office):
    services.teacher_create_external(actor=org_admin, name="甲", organisation="某大学", fields=[office])
    second = services.teacher_create_external(actor=org_admin, name="乙", organisation="某大学", fields=[office])
    assert second.number.endswith("-0002")


def test_a_cadre_with_no_expertise_selected_is_refused(trainee_a1, intake):
    with pytest.raises(ValidationError) as exc:
        services.application_apply(actor=trainee_a1, intake=intake, fields=[], experience="x")
    assert exc.value.message_dict["fields"] == [services.ERR_FIELDS]


def test_a_pool_member_cannot_apply_again(trainee_a1, intake, office):
    TeacherFactory(cadre=trainee_a1.cadre, fields=[office])
    with pytest.raises(ValidationError) as exc:
        services.application_apply(actor=trainee_a1, intake=intake, fields=[office], experience="x")
    assert exc.value.message_dict["cadre"] == [services.ERR_ALREADY_TEACHER]


def test_the_org_department_stops_a_round_early_and_a_unit_admin_cannot(client_of, org_admin, county_a1_admin, intake):
    assert client_of(county_a1_admin).post(f"/teachers/rounds/{intake.pk}/toggle/").status_code == 403
    client_of(org_admin).post(f"/teachers/rounds/{intake.pk}/toggle/")
    intake.refresh_from_db()
    assert not intake.is_open and not services.round_accepts(intake)
