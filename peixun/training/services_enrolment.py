"""Enrolment: by unit admins within their quota, by the organisation department, or by the cadre; the
waiting list, withdrawal, leave requests, and bulk enrolment from Excel (all rows or none)."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.imports import messages as import_messages
from peixun.org.imports.cells import text as cell_text
from peixun.org.models import Cadre, CadreStatus, Unit
from peixun.org.selectors import cadres_visible
from peixun.training.models import (
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    ClassStatus,
    Enrolment,
    EnrolmentChannel,
    EnrolmentStatus,
    LeaveRequest,
    LeaveStatus,
    Lecture,
    TrainingClass,
)
from peixun.training.notifications import KIND_ENROLLED, notify_cadres
from peixun.training.permissions import ERR_NOT_ALLOWED, ERR_OUT_OF_SCOPE, admin_covers_unit, is_org_admin

ERR_NOT_OPEN = "该培训班当前不接受报名"
ERR_NO_SELF = "该培训班不接受个人报名"
ERR_INACTIVE_CADRE = "该干部不在职，不能报名"
ERR_AUDIENCE_KIND = "该干部所在单位类别不在本班参训范围内"
ERR_AUDIENCE_RANK = "该干部职级不在本班参训范围内"
ERR_ALREADY = "该干部已报名本培训班"
ERR_NO_QUOTA = "本单位没有该培训班的参训名额"
ERR_NOT_ENROLLED = "该报名已退出"
ERR_REASON = "请填写请假事由"
ERR_LEAVE_OWN = "只能为本人请假"
ERR_OWN_LEAVE = "不能审批本人的请假申请"
ERR_LEAVE_DONE = "该请假申请已处理"
ERR_LEAVE_LECTURE = "该课次不属于本培训班"
ERR_FILE_ROWS = "文件中有{n}行错误，未导入任何数据，请修改后重新上传"
ERR_ROW_CADRE = "工号不存在或不在您的管理范围内"
ERR_ROW_NAME = "姓名与工号不符"
ERR_ROW_DUPLICATE = "工号与第{row}行重复"
ERR_ROW_LIMIT = "一次最多导入{limit}行"
IMPORT_HEADERS = ("工号", "姓名")
IMPORT_MAX_ROWS = 5000

OPEN_FOR_ADMIN = {ClassStatus.PUBLISHED, ClassStatus.ENROLLING, ClassStatus.IN_PROGRESS}


def _quota_unit_ids(training_class: TrainingClass) -> dict[int, tuple[str, int]]:
    return {q.unit_id: (q.unit.path, q.seats) for q in training_class.quotas.select_related("unit")}


def enrolled_count_in(training_class: TrainingClass, unit: Unit) -> int:
    return Enrolment.objects.filter(
        training_class=training_class, status=EnrolmentStatus.ENROLLED, cadre__unit__path__startswith=unit.path
    ).count()


def _governing_quota(training_class: TrainingClass, unit: Unit) -> tuple[Unit, int] | None:
    ids = [int(seg) for seg in unit.path.strip("/").split("/") if seg]
    quotas = {q.unit_id: q for q in training_class.quotas.filter(unit_id__in=ids).select_related("unit")}
    for pk in reversed(ids):
        if pk in quotas:
            return quotas[pk].unit, quotas[pk].seats
    return None


def _has_seat(training_class: TrainingClass, cadre: Cadre, channel: str) -> bool:
    """Whether one more trainee fits: the class capacity, and (except for the organisation department)
    the nearest quota above the cadre's unit."""
    if training_class.capacity:
        total = Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED).count()
        if total >= training_class.capacity:
            return False
    if channel == EnrolmentChannel.ORG_ADMIN:
        return True
    quota = _governing_quota(training_class, cadre.unit)
    if quota is None:
        return True
    unit, seats = quota
    return enrolled_count_in(training_class, unit) < seats


def _channel(actor: User, cadre: Cadre) -> str:
    """The rules that apply: the organisation department's, a unit admin's, or the cadre's own."""
    if is_org_admin(actor):
        return EnrolmentChannel.ORG_ADMIN
    if admin_covers_unit(actor, cadre.unit):
        return EnrolmentChannel.UNIT_ADMIN
    if actor.cadre_id == cadre.pk:
        return EnrolmentChannel.SELF
    raise PermissionDenied(ERR_OUT_OF_SCOPE)


def _eligibility_error(training_class: TrainingClass, cadre: Cadre, channel: str) -> str | None:
    if channel == EnrolmentChannel.SELF:
        if training_class.status != ClassStatus.ENROLLING:
            return ERR_NOT_OPEN
        if not training_class.allow_self_enrolment:
            return ERR_NO_SELF
    elif channel == EnrolmentChannel.UNIT_ADMIN:
        if training_class.status != ClassStatus.ENROLLING:
            return ERR_NOT_OPEN
    elif training_class.status not in OPEN_FOR_ADMIN:
        return ERR_NOT_OPEN
    if cadre.status != CadreStatus.ACTIVE:
        return ERR_INACTIVE_CADRE
    if training_class.audience_unit_kinds and cadre.unit.kind not in training_class.audience_unit_kinds:
        return ERR_AUDIENCE_KIND
    if training_class.audience_ranks and cadre.rank not in training_class.audience_ranks:
        return ERR_AUDIENCE_RANK
    existing = Enrolment.objects.filter(training_class=training_class, cadre=cadre).exclude(
        status=EnrolmentStatus.WITHDRAWN
    )
    if existing.exists():
        return ERR_ALREADY
    if channel == EnrolmentChannel.UNIT_ADMIN and _governing_quota(training_class, cadre.unit) is None:
        return ERR_NO_QUOTA
    return None


def _enrol_one(
    *, actor: User, training_class: TrainingClass, cadre: Cadre, channel: str, stored_channel: str = ""
) -> Enrolment:
    status = EnrolmentStatus.ENROLLED if _has_seat(training_class, cadre, channel) else EnrolmentStatus.WAITING
    channel = stored_channel or channel
    enrolment, _ = Enrolment.objects.update_or_create(
        training_class=training_class,
        cadre=cadre,
        defaults={
            "status": status,
            "channel": channel,
            "enrolled_by": actor,
            "venue": None,
            "at_desk": False,
            "pinned": False,
            "placement_note": "",
            "unseated": False,
        },
    )
    audit_record(actor=actor, event=Event.TRAINING_ENROL, obj=enrolment, detail={"status": status})
    text = (
        f"您已报名“{training_class.title}”"
        if status == EnrolmentStatus.ENROLLED
        else f"“{training_class.title}”名额已满，您已进入候补名单"
    )
    notify_cadres(cadre_ids=[cadre.pk], kind=KIND_ENROLLED, text=text, url=f"/training/classes/{training_class.pk}/")
    return enrolment


@transaction.atomic
def enrolment_create(*, actor: User, training_class: TrainingClass, cadre: Cadre) -> Enrolment:
    """Enrol a cadre; when the quota or capacity is full the cadre joins the waiting list."""
    channel = _channel(actor, cadre)
    # One class at a time: quota counts must not race.
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    problem = _eligibility_error(training_class, cadre, channel)
    if problem:
        raise ValidationError({"cadre": problem})
    return _enrol_one(actor=actor, training_class=training_class, cadre=cadre, channel=channel)


def _promote_waiting(actor: User, training_class: TrainingClass) -> list[Enrolment]:
    promoted = []
    waiting = Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.WAITING)
    for enrolment in waiting.select_related("cadre__unit").order_by("created_at", "id"):
        if _has_seat(training_class, enrolment.cadre, enrolment.channel):
            enrolment.status = EnrolmentStatus.ENROLLED
            enrolment.save(update_fields=["status", "updated_at"])
            notify_cadres(
                cadre_ids=[enrolment.cadre_id],
                kind=KIND_ENROLLED,
                text=f"候补成功：您已正式报名“{training_class.title}”",
                url=f"/training/classes/{training_class.pk}/",
            )
            promoted.append(enrolment)
    return promoted


@transaction.atomic
def enrolment_withdraw(*, actor: User, enrolment: Enrolment) -> list[Enrolment]:
    """Withdraw; the freed seat goes to the waiting list in order. Returns the promoted enrolments."""
    cadre = enrolment.cadre
    if not (actor.cadre_id == cadre.pk or admin_covers_unit(actor, cadre.unit)):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    training_class = TrainingClass.objects.select_for_update().get(pk=enrolment.training_class_id)
    enrolment.refresh_from_db()
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError({"status": ERR_NOT_ENROLLED})
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.venue = None
    enrolment.pinned = False
    enrolment.save(update_fields=["status", "venue", "pinned", "updated_at"])
    audit_record(actor=actor, event=Event.TRAINING_WITHDRAW, obj=enrolment)
    return _promote_waiting(actor, training_class)


# --- Leave ---------------------------------------------------------------------------------------------


@transaction.atomic
def leave_request_create(
    *, actor: User, enrolment: Enrolment, reason: str, lecture: Lecture | None = None
) -> LeaveRequest:
    if actor.cadre_id != enrolment.cadre_id:
        raise PermissionDenied(ERR_LEAVE_OWN)
    errors: dict[str, str] = {}
    if enrolment.status != EnrolmentStatus.ENROLLED:
        errors["enrolment"] = ERR_NOT_ENROLLED
    if not (reason or "").strip():
        errors["reason"] = ERR_REASON
    if lecture is not None and lecture.training_class_id != enrolment.training_class_id:
        errors["lecture"] = ERR_LEAVE_LECTURE
    if errors:
        raise ValidationError(errors)
    return LeaveRequest.objects.create(enrolment=enrolment, lecture=lecture, reason=reason.strip()[:500])


@transaction.atomic
def leave_request_decide(*, actor: User, leave: LeaveRequest, approve: bool) -> LeaveRequest:
    """The unit admin (or the organisation department) decides; approval excuses the lecture(s)."""
    enrolment = leave.enrolment
    if enrolment.cadre_id == actor.cadre_id:  # an admin's own leave is decided above them
        raise PermissionDenied(ERR_OWN_LEAVE)
    if not admin_covers_unit(actor, enrolment.cadre.unit):
        raise PermissionDenied(ERR_OUT_OF_SCOPE)
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    if leave.status != LeaveStatus.PENDING:
        raise ValidationError({"status": ERR_LEAVE_DONE})
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    leave.decided_by, leave.decided_at = actor, timezone.now()
    leave.save()
    if approve:
        lectures = [leave.lecture] if leave.lecture else list(enrolment.training_class.lectures.all())
        for lecture in lectures:
            checkin, created = CheckIn.objects.get_or_create(
                lecture=lecture,
                cadre_id=enrolment.cadre_id,
                defaults={"enrolment": enrolment, "status": CheckInStatus.EXCUSED, "method": CheckInMethod.LEAVE},
            )
            if not created and checkin.status == CheckInStatus.ABSENT:
                checkin.status, checkin.method = CheckInStatus.EXCUSED, CheckInMethod.LEAVE
                checkin.save(update_fields=["status", "method", "updated_at"])
    audit_record(actor=actor, event=Event.TRAINING_LEAVE_DECIDE, obj=leave, detail={"approve": approve})
    return leave


# --- Bulk enrolment from Excel ------------------------------------------------------------------------


def _read_rows(upload: IO[bytes], size: int) -> list[tuple[int, str, str]]:
    if size > settings.IMPORT_MAX_BYTES:
        limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"file": import_messages.ERR_FILE_TOO_LARGE.format(limit=limit)})
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise ValidationError({"file": import_messages.ERR_NOT_XLSX}) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ValidationError({"file": import_messages.ERR_NO_SHEET})
        rows = sheet.iter_rows(values_only=True)
        header = [cell_text(c) for c in next(rows, ())]
        missing = [h for h in IMPORT_HEADERS if h not in header]
        if missing:
            raise ValidationError({"file": import_messages.ERR_MISSING_COLUMNS.format(columns="、".join(missing))})
        pos = {h: header.index(h) for h in IMPORT_HEADERS}
        result = []
        for number, values in enumerate(rows, start=2):
            values = tuple(values) + (None,) * len(header)
            number_text, name = cell_text(values[pos["工号"]]), cell_text(values[pos["姓名"]])
            if not number_text and not name:
                continue
            result.append((number, number_text, name))
            if len(result) > IMPORT_MAX_ROWS:
                raise ValidationError({"file": ERR_ROW_LIMIT.format(limit=IMPORT_MAX_ROWS)})
    finally:
        workbook.close()
    if not result:
        raise ValidationError({"file": import_messages.ERR_EMPTY})
    return result


@transaction.atomic
def enrolment_import(*, actor: User, training_class: TrainingClass, upload: IO[bytes], size: int) -> dict[str, int]:
    """Enrol every row (工号, 姓名) or, when any row is wrong, none; errors name the row."""
    if not (is_org_admin(actor) or actor.grants.admin_paths):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    rows = _read_rows(upload, size)
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    numbers = [r[1] for r in rows]
    cadres = {c.employee_number: c for c in cadres_visible(actor=actor).filter(employee_number__in=numbers)}
    if not is_org_admin(actor):
        cadres = {k: c for k, c in cadres.items() if admin_covers_unit(actor, c.unit)}
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    accepted: list[Cadre] = []
    for number, employee_number, name in rows:
        cadre = cadres.get(employee_number)
        if employee_number in seen:
            errors[f"row_{number}"] = f"第{number}行：" + ERR_ROW_DUPLICATE.format(row=seen[employee_number])
            continue
        seen[employee_number] = number
        if cadre is None:
            errors[f"row_{number}"] = f"第{number}行：{ERR_ROW_CADRE}"
        elif cadre.name != name:
            errors[f"row_{number}"] = f"第{number}行：{ERR_ROW_NAME}"
        else:
            problem = _eligibility_error(training_class, cadre, _channel(actor, cadre))
            if problem:
                errors[f"row_{number}"] = f"第{number}行：{problem}"
            else:
                accepted.append(cadre)
    if errors:
        raise ValidationError({"file": ERR_FILE_ROWS.format(n=len(errors)), **errors})
    counts = {"enrolled": 0, "waiting": 0}
    for cadre in accepted:
        enrolment = _enrol_one(
            actor=actor,
            training_class=training_class,
            cadre=cadre,
            channel=_channel(actor, cadre),
            stored_channel=EnrolmentChannel.IMPORT,
        )
        if enrolment.status == EnrolmentStatus.ENROLLED:
            counts["enrolled"] += 1
        else:
            counts["waiting"] += 1
    audit_record(actor=actor, event=Event.IMPORT, obj=training_class, detail={"kind": "enrolment", **counts})
    return counts
