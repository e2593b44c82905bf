"""Writes of the teacher pool: intake rounds, nomination/application → review → approval, pool members.

The organisation department runs intake and records the committee's approval; a unit admin nominates cadres
of its subtree; a cadre applies personally. Every step records actor, time and comment, notifies the
candidate (training's in-app notices) and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import ResearchOffice
from peixun.org.models import Cadre, CadreStatus
from peixun.org.permissions import require as _require
from peixun.teachers.models import (
    ApplicationStatus,
    ApplicationStep,
    Channel,
    IntakeRound,
    ReviewGrade,
    SampleLecture,
    StepAction,
    Teacher,
    TeacherApplication,
    TeacherReview,
    TeacherStatus,
)
from peixun.training.models import Lecture
from peixun.training.notifications import notify_cadres

ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_ORG_ONLY = "只有组织部管理员可以办理师资遴选"
ERR_OUT_OF_SCOPE = "只能推荐本单位及下级单位的干部"
ERR_REQUIRED = "此项为必填项"
ERR_FIELDS = "请至少选择一个专长领域"
ERR_FIELD_NOT_WANTED = "所选领域不在本批次的需求领域内"
ERR_ROUND_CLOSED = "本批次已截止报名"
ERR_DUPLICATE = "该干部已在本批次报名"
ERR_ALREADY_TEACHER = "该干部已是师资库成员"
ERR_CADRE_INACTIVE = "只有在职干部可以推荐或报名"
ERR_NO_CADRE = "只有干部本人可以个人报名"
ERR_LOCKED = "申请提交后不能修改，只有被退回的申请可以修改后重新提交"
ERR_BAD_STEP = "申请当前状态不能办理此操作"
ERR_REASON = "请填写理由"
ERR_DECISION = "审核结论无效"
ERR_FILE_TYPE = "示范课件只能是 PDF、Word、PPT 或视频文件"
ERR_FILE_SIZE = "单个文件不能超过50MB"
ERR_STATUS = "状态无效"
ERR_GRADE = "考核结果无效"
ERR_YEAR = "年度无效"
ERR_TEACHER_INACTIVE = "该教师已暂停或出库，不能安排授课"
ERR_TEACHER_BUSY = "教师{name}在该时段已有课次“{topic}”，不能重复安排"

SAMPLE_EXTENSIONS = (".pdf", ".doc", ".docx", ".ppt", ".pptx", ".mp4")
MAX_SAMPLE_BYTES = 50 * 1024 * 1024

KIND_NOTICE = "teacher_application"


def is_org_admin(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN)


def may_nominate(actor: User, cadre: Cadre) -> bool:
    if is_org_admin(actor):
        return True
    return actor.has_role(Role.UNIT_ADMIN) and any(cadre.unit.path.startswith(p) for p in actor.grants.admin_paths)


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _step(application: TeacherApplication, action: str, actor: User, comment: str = "") -> ApplicationStep:
    return ApplicationStep.objects.create(application=application, action=action, actor=actor, comment=comment)


def _notify(application: TeacherApplication, text: str) -> None:
    notify_cadres(
        cadre_ids=[application.cadre_id], kind=KIND_NOTICE, text=text, url=f"/teachers/applications/{application.pk}/"
    )


def _check_samples(files: Sequence[tuple[str, UploadedFile]], errors: dict[str, str]) -> None:
    for _title, f in files:
        if not (f.name or "").lower().endswith(SAMPLE_EXTENSIONS):
            errors["samples"] = ERR_FILE_TYPE
        elif f.size and f.size > MAX_SAMPLE_BYTES:
            errors["samples"] = ERR_FILE_SIZE


def _check_fields(intake: IntakeRound, fields: Iterable[ResearchOffice], errors: dict[str, str]) -> list[int]:
    ids = sorted({f.pk for f in fields})
    if not ids:
        errors["fields"] = ERR_FIELDS
    elif set(ids) - set(intake.fields.values_list("pk", flat=True)):
        errors["fields"] = ERR_FIELD_NOT_WANTED
    return ids


def _save_samples(application: TeacherApplication, samples: Sequence[tuple[str, UploadedFile]]) -> None:
    for title, f in samples:
        name = f.name or "sample"
        SampleLecture.objects.create(
            application=application, title=(title or name)[:200], file=f, original_name=name[:200]
        )


# --- Rounds ------------------------------------------------------------------------------------------


@transaction.atomic
def round_save(
    *,
    actor: User,
    title: str,
    criteria: str,
    fields: Iterable[ResearchOffice],
    deadline: dt.date | None,
    is_open: bool = True,
    intake: IntakeRound | None = None,
) -> IntakeRound:
    _require(is_org_admin(actor), ERR_ORG_ONLY)
    errors: dict[str, str] = {}
    title, criteria = (title or "").strip(), (criteria or "").strip()
    field_list = list(fields)
    if not title:
        errors["title"] = ERR_REQUIRED
    if not criteria:
        errors["criteria"] = ERR_REQUIRED
    if not field_list:
        errors["fields"] = ERR_FIELDS
    if deadline is None:
        errors["deadline"] = ERR_REQUIRED
    _raise(errors)
    assert deadline is not None
    intake = intake or IntakeRound(created_by=actor)
    intake.title, intake.criteria, intake.deadline, intake.is_open = title, criteria, deadline, is_open
    intake.save()
    intake.fields.set(field_list)
    audit_record(actor=actor, event=Event.TEACHER_ROUND_SAVE, obj=intake)
    return intake


def round_accepts(intake: IntakeRound) -> bool:
    return intake.is_open and timezone.localdate() <= intake.deadline


# --- Applications ---------------------------------------------------------------------------------------


def _create_application(
    *,
    actor: User,
    intake: IntakeRound,
    cadre: Cadre,
    channel: str,
    fields: Iterable[ResearchOffice],
    experience: str,
    unit_opinion: str,
    samples: Sequence[tuple[str, UploadedFile]],
) -> TeacherApplication:
    errors: dict[str, str] = {}
    if not round_accepts(intake):
        errors["round"] = ERR_ROUND_CLOSED
    if cadre.status != CadreStatus.ACTIVE:
        errors["cadre"] = ERR_CADRE_INACTIVE
    elif TeacherApplication.objects.filter(round=intake, cadre=cadre).exists():
        errors["cadre"] = ERR_DUPLICATE
    elif Teacher.objects.filter(cadre=cadre).exclude(status=TeacherStatus.REMOVED).exists():
        errors["cadre"] = ERR_ALREADY_TEACHER
    field_ids = _check_fields(intake, fields, errors)
    experience = (experience or "").strip()
    if not experience:
        errors["experience"] = ERR_REQUIRED
    if channel == Channel.NOMINATED and not (unit_opinion or "").strip():
        errors["unit_opinion"] = ERR_REQUIRED
    _check_samples(samples, errors)
    _raise(errors)
    application = TeacherApplication.objects.create(
        round=intake,
        cadre=cadre,
        channel=channel,
        submitted_by=actor,
        experience=experience,
        unit_opinion=(unit_opinion or "").strip(),
    )
    application.fields.set(field_ids)
    _save_samples(application, samples)
    _step(application, StepAction.SUBMIT, actor)
    audit_record(
        actor=actor,
        event=Event.TEACHER_APPLICATION_SUBMIT,
        obj=application,
        detail={"channel": channel, "cadre": cadre.employee_number},
    )
    how = "单位推荐" if channel == Channel.NOMINATED else "个人报名"
    _notify(application, f"您的师资申请（{intake.title}，{how}）已提交，等待组织审核")
    return application


@transaction.atomic
def application_nominate(
    *,
    actor: User,
    intake: IntakeRound,
    cadre: Cadre,
    fields: Iterable[ResearchOffice],
    experience: str,
    unit_opinion: str,
    samples: Sequence[tuple[str, UploadedFile]] = (),
) -> TeacherApplication:
    """推荐报名 by the unit: the unit admin of the cadre's unit (or above) puts the cadre forward."""
    _require(may_nominate(actor, cadre), ERR_OUT_OF_SCOPE)
    return _create_application(
        actor=actor, intake=intake, cadre=cadre, channel=Channel.NOMINATED, fields=fields,
        experience=experience, unit_opinion=unit_opinion, samples=samples,
    )  # fmt: skip


@transaction.atomic
def application_apply(
    *,
    actor: User,
    intake: IntakeRound,
    fields: Iterable[ResearchOffice],
    experience: str,
    samples: Sequence[tuple[str, UploadedFile]] = (),
) -> TeacherApplication:
    """个人报名: the cadre applies for themself."""
    _require(actor.is_authenticated and actor.cadre_id is not None, ERR_NO_CADRE)
    cadre = Cadre.objects.select_related("unit").get(pk=actor.cadre_id or 0)
    return _create_application(
        actor=actor, intake=intake, cadre=cadre, channel=Channel.APPLIED, fields=fields,
        experience=experience, unit_opinion="", samples=samples,
    )  # fmt: skip


def may_edit_application(actor: User, application: TeacherApplication) -> bool:
    if application.channel == Channel.APPLIED:
        return actor.cadre_id == application.cadre_id
    return application.submitted_by_id == actor.pk or may_nominate(actor, application.cadre)


@transaction.atomic
def application_resubmit(
    *,
    actor: User,
    application: TeacherApplication,
    fields: Iterable[ResearchOffice],
    experience: str,
    unit_opinion: str = "",
    samples: Sequence[tuple[str, UploadedFile]] = (),
    comment: str = "",
) -> TeacherApplication:
    """Only a returned application changes: edited and submitted again, by whoever put it forward."""
    application = (
        TeacherApplication.objects.select_for_update().select_related("cadre__unit", "round").get(pk=application.pk)
    )
    _require(may_edit_application(actor, application))
    if application.status != ApplicationStatus.RETURNED:
        raise ValidationError({"status": ERR_LOCKED})
    errors: dict[str, str] = {}
    field_ids = _check_fields(application.round, fields, errors)
    experience = (experience or "").strip()
    if not experience:
        errors["experience"] = ERR_REQUIRED
    if application.channel == Channel.NOMINATED and not (unit_opinion or "").strip():
        errors["unit_opinion"] = ERR_REQUIRED
    _check_samples(samples, errors)
    _raise(errors)
    application.experience = experience
    if application.channel == Channel.NOMINATED:
        application.unit_opinion = unit_opinion.strip()
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    application.fields.set(field_ids)
    _save_samples(application, samples)
    _step(application, StepAction.RESUBMIT, actor, (comment or "").strip())
    audit_record(actor=actor, event=Event.TEACHER_APPLICATION_SUBMIT, obj=application, detail={"resubmit": True})
    _notify(application, f"您的师资申请（{application.round.title}）已修改后重新提交，等待组织审核")
    return application


REVIEW_DECISIONS: dict[str, str] = {
    StepAction.PASS: ApplicationStatus.REVIEWED,
    StepAction.RETURN: ApplicationStatus.RETURNED,
    StepAction.REJECT: ApplicationStatus.REJECTED,
}


@transaction.atomic
def application_review(
    *, actor: User, application: TeacherApplication, decision: str, comment: str = ""
) -> TeacherApplication:
    """组织审核: pass, return for changes (with a reason) or reject (with a reason)."""
    _require(is_org_admin(actor), ERR_ORG_ONLY)
    application = TeacherApplication.objects.select_for_update().select_related("round").get(pk=application.pk)
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": ERR_DECISION})
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError({"status": ERR_BAD_STEP})
    comment = (comment or "").strip()
    if decision in (StepAction.RETURN, StepAction.REJECT) and not comment:
        raise ValidationError({"comment": ERR_REASON})
    application.status = REVIEW_DECISIONS[decision]
    application.save(update_fields=["status", "updated_at"])
    _step(application, decision, actor, comment)
    audit_record(actor=actor, event=Event.TEACHER_APPLICATION_REVIEW, obj=application, detail={"decision": decision})
    label = StepAction(decision).label
    _notify(application, f"您的师资申请（{application.round.title}）：{label}" + (f"。{comment}" if comment else ""))
    return application


def _next_number(year: int) -> str:
    prefix = f"SZ{year}-"
    last = Teacher.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True)
    n = int(last[0].removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _grant_teacher_role(actor: User, cadre: Cadre) -> None:
    user = User.objects.filter(cadre=cadre).first()
    if user is None:
        return
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=Role.TEACHER, unit=None, defaults={"granted_by": actor}
    )
    if created:
        audit_record(actor=actor, event=Event.ROLE_GRANT, obj=grant, detail={"role": Role.TEACHER.value})


@transaction.atomic
def application_approve(
    *, actor: User, application: TeacherApplication, approve: bool, comment: str = ""
) -> Teacher | None:
    """研究审定: the committee's decision, recorded by the organisation department. Approval makes the
    candidate a pool member with a number and gives their account the teacher role."""
    _require(is_org_admin(actor), ERR_ORG_ONLY)
    application = TeacherApplication.objects.select_for_update().select_related("round", "cadre").get(pk=application.pk)
    if application.status != ApplicationStatus.REVIEWED:
        raise ValidationError({"status": ERR_BAD_STEP})
    comment = (comment or "").strip()
    if not approve:
        if not comment:
            raise ValidationError({"comment": ERR_REASON})
        application.status = ApplicationStatus.REJECTED
        application.save(update_fields=["status", "updated_at"])
        _step(application, StepAction.REJECT, actor, comment)
        audit_record(actor=actor, event=Event.TEACHER_APPLICATION_APPROVE, obj=application, detail={"approve": False})
        _notify(application, f"您的师资申请（{application.round.title}）经研究未予通过。{comment}")
        return None
    application.status = ApplicationStatus.APPROVED
    application.save(update_fields=["status", "updated_at"])
    _step(application, StepAction.APPROVE, actor, comment)
    teacher = Teacher.objects.filter(cadre=application.cadre).first()
    if teacher is None:
        teacher = Teacher.objects.create(
            number=_next_number(timezone.localdate().year), cadre=application.cadre, application=application,
            title=application.cadre.position,
        )  # fmt: skip
    else:  # a removed teacher comes back through a new application
        teacher.application, teacher.status, teacher.status_reason = application, TeacherStatus.ACTIVE, ""
        teacher.save()
    teacher.fields.set(application.fields.all())
    _grant_teacher_role(actor, application.cadre)
    audit_record(
        actor=actor, event=Event.TEACHER_APPLICATION_APPROVE, obj=application, detail={"teacher": teacher.number}
    )
    _notify(application, f"您已通过研究审定，进入师资库，师资编号{teacher.number}")
    return teacher


# --- Pool members ------------------------------------------------------------------------------------------


@transaction.atomic
def teacher_create_external(
    *, actor: User, name: str, organisation: str, fields: Iterable[ResearchOffice], title: str = ""
) -> Teacher:
    _require(is_org_admin(actor), ERR_ORG_ONLY)
    errors: dict[str, str] = {}
    name, organisation = (name or "").strip(), (organisation or "").strip()
    field_list = list(fields)
    if not name:
        errors["name"] = ERR_REQUIRED
    if not organisation:
        errors["organisation"] = ERR_REQUIRED
    if not field_list:
        errors["fields"] = ERR_FIELDS
    _raise(errors)
    teacher = Teacher.objects.create(
        number=_next_number(timezone.localdate().year), external_name=name[:50], external_org=organisation[:200],
        title=(title or "").strip()[:100],
    )  # fmt: skip
    teacher.fields.set(field_list)
    audit_record(actor=actor, event=Event.TEACHER_CREATE, obj=teacher, detail={"external": True})
    return teacher


@transaction.atomic
def teacher_status_set(*, actor: User, teacher: Teacher, status: str, reason: str = "") -> Teacher:
    """Suspend, remove or reinstate; suspension and removal need a reason."""
    _require(is_org_admin(actor), ERR_ORG_ONLY)
    if status not in TeacherStatus.values:
        raise ValidationError({"status": ERR_STATUS})
    reason = (reason or "").strip()
    if status != TeacherStatus.ACTIVE and not reason:
        raise ValidationError({"reason": ERR_REASON})
    teacher.status, teacher.status_reason = status, reason[:500]
    teacher.save(update_fields=["status", "status_reason"])
    if teacher.cadre_id:
        user = User.objects.filter(cadre_id=teacher.cadre_id).first()
        if user is not None and status == TeacherStatus.REMOVED:
            grants = RoleGrant.objects.filter(user=user, role=Role.TEACHER)
            for g in grants:
                audit_record(actor=actor, event=Event.ROLE_REVOKE, obj=g, detail={"role": Role.TEACHER.value})
            grants.delete()
        elif user is not None and status == TeacherStatus.ACTIVE:
            _grant_teacher_role(actor, teacher.cadre)  # type: ignore[arg-type]
    audit_record(actor=actor, event=Event.TEACHER_STATUS, obj=teacher, detail={"status": status, "reason": reason})
    if teacher.cadre_id:
        notify_cadres(
            cadre_ids=[teacher.cadre_id], kind=KIND_NOTICE,
            text=f"您的师资状态已变更为“{TeacherStatus(status).label}”" + (f"：{reason}" if reason else ""),
        )  # fmt: skip
    return teacher


@transaction.atomic
def teacher_review_record(*, actor: User, teacher: Teacher, year: int, grade: str, comment: str = "") -> TeacherReview:
    _require(is_org_admin(actor), ERR_ORG_ONLY)
    errors: dict[str, str] = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = ERR_YEAR
    if grade not in ReviewGrade.values:
        errors["grade"] = ERR_GRADE
    _raise(errors)
    review, _ = TeacherReview.objects.update_or_create(
        teacher=teacher, year=year,
        defaults={"grade": grade, "comment": (comment or "").strip(), "reviewed_by": actor},
    )  # fmt: skip
    audit_record(actor=actor, event=Event.TEACHER_REVIEW, obj=teacher, detail={"year": year, "grade": grade})
    return review


@transaction.atomic
def teacher_assign_lecture(*, actor: User, teacher: Teacher, lecture: Lecture) -> Lecture:
    """Put a pool teacher on a lecture; training's lecture_save checks the actor and refuses a clash of a
    cadre teacher's lectures; an external teacher's clash is checked here by name."""
    from peixun.training.services import lecture_save

    if teacher.status != TeacherStatus.ACTIVE:
        raise ValidationError({"teacher": ERR_TEACHER_INACTIVE})
    user = User.objects.filter(cadre_id=teacher.cadre_id).first() if teacher.cadre_id else None
    if user is None:
        clash = (
            Lecture.objects.filter(
                teacher_name=teacher.external_name, starts_at__lt=lecture.ends_at, ends_at__gt=lecture.starts_at
            )
            .exclude(pk=lecture.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError({"teacher": ERR_TEACHER_BUSY.format(name=teacher.name, topic=clash.topic)})
    saved = lecture_save(
        actor=actor, training_class=lecture.training_class, topic=lecture.topic, starts_at=lecture.starts_at,
        duration_minutes=lecture.duration_minutes, teacher=user,
        teacher_name="" if user is not None else teacher.external_name, main_venue=lecture.main_venue,
        is_live=lecture.is_live, study_hours=lecture.study_hours, lecture=lecture,
    )  # fmt: skip
    audit_record(actor=actor, event=Event.TEACHER_ASSIGN, obj=saved, detail={"teacher": teacher.number})
    return saved
