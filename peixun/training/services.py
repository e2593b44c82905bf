"""Writes of training administration: plans, classes, lectures (with conflict checks), venues, quotas,
hours targets. Enrolment, allocation, check-in and results live in the services_* modules beside this."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import ResearchOffice
from peixun.org.models import Cadre, Rank, Unit, UnitKind
from peixun.org.permissions import require as _require
from peixun.training.models import (
    ClassKind,
    ClassMode,
    ClassStatus,
    HoursRule,
    Lecture,
    Quota,
    StudyHoursTarget,
    TrainingClass,
    TrainingPlan,
    Venue,
)
from peixun.training.permissions import may_manage_class, may_manage_training

ERR_REQUIRED = "此项为必填项"
ERR_YEAR = "年度应在2000至2100之间"
ERR_YEAR_TAKEN = "该年度的培训计划已存在"
ERR_HOURS = "学时应为0至999之间的数字"
ERR_DATES = "结束日期不能早于开始日期"
ERR_PLAN_YEAR = "培训班日期应在计划年度内"
ERR_CHOICE = "选项无效"
ERR_PERCENT = "比例应在1至100之间"
ERR_DESK_MODE = "仅直播类培训班可允许在工位收看"
ERR_STATUS_STEP = "培训班状态只能按“草稿→已发布→报名中→进行中→已结束→已归档”依次推进"
ERR_LOCKED = "已归档的培训班不能修改"
ERR_OFFICE_ORG_ONLY = "只有组织部可以把培训班改由其他教研室承办"
ERR_DURATION = "时长应在1至600分钟之间"
ERR_TEACHER = "请选择授课教师或填写外聘教师姓名"
ERR_OUTSIDE_CLASS = "课次时间应在培训班起止日期内"
ERR_MAIN_VENUE = "请选择主会场"
ERR_NOT_MAIN = "所选会场不是主会场"
ERR_TEACHER_BUSY = "教师{name}在该时段已有课次“{topic}”（{time}），不能重复安排"
ERR_VENUE_BUSY = "会场“{venue}”在该时段已有课次“{topic}”（{time}），不能重复安排"
ERR_SEATS = "座位数应为0至100000之间的整数"
ERR_OCCUPANCY = "允许上座率应在0至100之间"
ERR_COORD = "经纬度超出范围"
ERR_MAIN_TAKEN = "主会场已存在，只能有一个主会场"
ERR_QUOTA = "名额应为0至100000之间的整数"
ERR_QUOTA_BELOW = "名额不能少于该单位已报名人数（{n}人）"

STATUS_ORDER = [s.value for s in ClassStatus]


def _decimal(value: Any, field: str, errors: dict[str, str], *, low: int = 0, high: int = 999) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = ERR_HOURS
        return Decimal("0")
    if not number.is_finite() or not low <= number <= high:
        errors[field] = ERR_HOURS
        return Decimal("0")
    return number.quantize(Decimal("0.1"))


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


# --- Plans ----------------------------------------------------------------------------------------------


@transaction.atomic
def plan_save(
    *,
    actor: User,
    year: int,
    title: str,
    hours_target: Any = "40",
    description: str = "",
    plan: TrainingPlan | None = None,
) -> TrainingPlan:
    _require(may_manage_training(actor))
    errors: dict[str, str] = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = ERR_YEAR
    elif TrainingPlan.objects.filter(year=year).exclude(pk=plan.pk if plan else 0).exists():
        errors["year"] = ERR_YEAR_TAKEN
    if not (title or "").strip():
        errors["title"] = ERR_REQUIRED
    target = _decimal(hours_target, "hours_target", errors)
    _raise(errors)
    plan = plan or TrainingPlan(created_by=actor)
    plan.year, plan.title, plan.hours_target, plan.description = year, title.strip(), target, description
    plan.save()
    audit_record(actor=actor, event=Event.TRAINING_PLAN_SAVE, obj=plan)
    return plan


@transaction.atomic
def hours_target_set(*, actor: User, year: int, cadre: Cadre, hours: Any) -> StudyHoursTarget:
    _require(may_manage_training(actor))
    errors: dict[str, str] = {}
    value = _decimal(hours, "hours", errors)
    _raise(errors)
    target, _ = StudyHoursTarget.objects.update_or_create(year=year, cadre=cadre, defaults={"hours": value})
    audit_record(actor=actor, event=Event.TRAINING_HOURS_TARGET, obj=cadre, detail={"year": year, "hours": str(value)})
    return target


# --- Classes --------------------------------------------------------------------------------------------

CLASS_FIELDS = (
    "title",
    "kind",
    "mode",
    "start_date",
    "end_date",
    "description",
    "audience_unit_kinds",
    "audience_ranks",
    "capacity",
    "study_hours",
    "hours_rule",
    "watch_percent_required",
    "allow_self_enrolment",
    "allow_desk",
)


def _clean_class(plan: TrainingPlan, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    clean["title"] = str(data.get("title") or "").strip()
    if not clean["title"]:
        errors["title"] = ERR_REQUIRED
    for field, choices, default in (
        ("kind", ClassKind, ClassKind.TOPICAL),
        ("mode", ClassMode, ClassMode.LIVE),
        ("hours_rule", HoursRule, HoursRule.ATTENDANCE),
    ):
        value = data.get(field) or default
        if value not in choices.values:
            errors[field] = ERR_CHOICE
        clean[field] = value
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, dt.date):
        errors["start_date"] = ERR_REQUIRED
    if not isinstance(end, dt.date):
        errors["end_date"] = ERR_REQUIRED
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        if end < start:
            errors["end_date"] = ERR_DATES
        elif start.year != plan.year:
            errors["start_date"] = ERR_PLAN_YEAR
    clean["start_date"], clean["end_date"] = start, end
    kinds = list(data.get("audience_unit_kinds") or [])
    ranks = list(data.get("audience_ranks") or [])
    if any(k not in UnitKind.values for k in kinds):
        errors["audience_unit_kinds"] = ERR_CHOICE
    if any(r not in Rank.values for r in ranks):
        errors["audience_ranks"] = ERR_CHOICE
    clean["audience_unit_kinds"], clean["audience_ranks"] = kinds, ranks
    capacity = data.get("capacity") or 0
    if not isinstance(capacity, int) or not 0 <= capacity <= 100000:
        errors["capacity"] = ERR_QUOTA
    clean["capacity"] = capacity
    clean["study_hours"] = _decimal(data.get("study_hours", 0), "study_hours", errors)
    pct = data.get("watch_percent_required", 80)
    if not isinstance(pct, int) or not 1 <= pct <= 100:
        errors["watch_percent_required"] = ERR_PERCENT
    clean["watch_percent_required"] = pct
    clean["allow_self_enrolment"] = bool(data.get("allow_self_enrolment"))
    clean["allow_desk"] = bool(data.get("allow_desk"))
    if clean["allow_desk"] and clean["mode"] == ClassMode.ON_SITE:
        errors["allow_desk"] = ERR_DESK_MODE
    clean["description"] = str(data.get("description") or "")
    _raise(errors)
    return clean


@transaction.atomic
def class_save(
    *,
    actor: User,
    plan: TrainingPlan,
    office: ResearchOffice,
    data: dict[str, Any],
    training_class: TrainingClass | None = None,
) -> TrainingClass:
    if training_class is None:
        _require(may_manage_training(actor) or office.pk in actor.grants.director_office_ids)
        training_class = TrainingClass(created_by=actor)
    else:
        _require(may_manage_class(actor, training_class))
        # An office director manages the office's classes but may not hand one to another office.
        _require(office.pk == training_class.office_id or may_manage_training(actor), ERR_OFFICE_ORG_ONLY)
        if training_class.status == ClassStatus.ARCHIVED:
            raise ValidationError({"status": ERR_LOCKED})
    clean = _clean_class(plan, data)
    training_class.plan, training_class.office = plan, office
    for field, value in clean.items():
        setattr(training_class, field, value)
    training_class.save()
    audit_record(actor=actor, event=Event.TRAINING_CLASS_SAVE, obj=training_class)
    return training_class


@transaction.atomic
def class_transition(*, actor: User, training_class: TrainingClass, to: str) -> TrainingClass:
    _require(may_manage_class(actor, training_class))
    locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if to not in STATUS_ORDER or STATUS_ORDER.index(to) != STATUS_ORDER.index(locked.status) + 1:
        raise ValidationError({"status": ERR_STATUS_STEP})
    before = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, event=Event.TRAINING_CLASS_STATUS, obj=locked, detail={"from": before, "to": to})
    training_class.status = to
    return locked


# --- Lectures -------------------------------------------------------------------------------------------


def _when(lecture: Lecture) -> str:
    return timezone.localtime(lecture.starts_at).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def lecture_save(
    *,
    actor: User,
    training_class: TrainingClass,
    topic: str,
    starts_at: dt.datetime | None,
    duration_minutes: Any,
    teacher: User | None = None,
    teacher_name: str = "",
    main_venue: Venue | None = None,
    is_live: bool = True,
    study_hours: Any = "0",
    lecture: Lecture | None = None,
) -> Lecture:
    _require(may_manage_class(actor, training_class))
    if training_class.status == ClassStatus.ARCHIVED:
        raise ValidationError({"status": ERR_LOCKED})
    errors: dict[str, str] = {}
    topic = (topic or "").strip()
    if not topic:
        errors["topic"] = ERR_REQUIRED
    if not isinstance(duration_minutes, int) or not 1 <= duration_minutes <= 600:
        errors["duration_minutes"] = ERR_DURATION
    if teacher is None and not (teacher_name or "").strip():
        errors["teacher"] = ERR_TEACHER
    if starts_at is None:
        errors["starts_at"] = ERR_REQUIRED
    elif not training_class.start_date <= timezone.localtime(starts_at).date() <= training_class.end_date:
        errors["starts_at"] = ERR_OUTSIDE_CLASS
    if is_live and main_venue is None:
        errors["main_venue"] = ERR_MAIN_VENUE
    elif main_venue is not None and not main_venue.is_main:
        errors["main_venue"] = ERR_NOT_MAIN
    hours = _decimal(study_hours, "study_hours", errors)
    _raise(errors)
    assert starts_at is not None
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    overlapping = Lecture.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).select_related("teacher")
    if lecture is not None:
        overlapping = overlapping.exclude(pk=lecture.pk)
    if teacher is not None:
        clash = overlapping.filter(teacher=teacher).first()
        if clash:
            name = teacher.display_name or teacher.username
            errors["teacher"] = ERR_TEACHER_BUSY.format(name=name, topic=clash.topic, time=_when(clash))
    if main_venue is not None:
        clash = overlapping.filter(main_venue=main_venue).first()
        if clash:
            errors["main_venue"] = ERR_VENUE_BUSY.format(venue=main_venue.name, topic=clash.topic, time=_when(clash))
    _raise(errors)
    lecture = lecture or Lecture(training_class=training_class)
    lecture.topic, lecture.starts_at, lecture.duration_minutes = topic, starts_at, duration_minutes
    lecture.teacher, lecture.teacher_name = teacher, (teacher_name or "").strip()
    lecture.main_venue, lecture.is_live, lecture.study_hours = main_venue, is_live, hours
    lecture.save()
    audit_record(actor=actor, event=Event.TRAINING_LECTURE_SAVE, obj=lecture)
    return lecture


# --- Venues and quotas ----------------------------------------------------------------------------------


@transaction.atomic
def venue_save(
    *,
    actor: User,
    name: str,
    unit: Unit,
    seats: Any,
    allowed_occupancy: Any = 100,
    latitude: float = 0.0,
    longitude: float = 0.0,
    is_main: bool = False,
    address: str = "",
    is_active: bool = True,
    venue: Venue | None = None,
) -> Venue:
    _require(may_manage_training(actor))
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = ERR_REQUIRED
    if not isinstance(seats, int) or not 0 <= seats <= 100000:
        errors["seats"] = ERR_SEATS
    if not isinstance(allowed_occupancy, int) or not 0 <= allowed_occupancy <= 100:
        errors["allowed_occupancy"] = ERR_OCCUPANCY
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["latitude"] = ERR_COORD
    if is_main and Venue.objects.filter(is_main=True).exclude(pk=venue.pk if venue else 0).exists():
        errors["is_main"] = ERR_MAIN_TAKEN
    _raise(errors)
    venue = venue or Venue()
    venue.name, venue.unit, venue.seats, venue.allowed_occupancy = name.strip(), unit, seats, allowed_occupancy
    venue.latitude, venue.longitude, venue.is_main = latitude, longitude, is_main
    venue.address, venue.is_active = address, is_active
    venue.save()
    audit_record(actor=actor, event=Event.TRAINING_VENUE_SAVE, obj=venue)
    return venue


@transaction.atomic
def quota_set(*, actor: User, training_class: TrainingClass, unit: Unit, seats: Any) -> Quota | None:
    """Set a unit's quota; 0 seats removes it. Never below what the unit has already enrolled."""
    from peixun.training.services_enrolment import enrolled_count_in

    _require(may_manage_class(actor, training_class))
    if not isinstance(seats, int) or not 0 <= seats <= 100000:
        raise ValidationError({"seats": ERR_QUOTA})
    taken = enrolled_count_in(training_class, unit)
    if seats < taken:
        raise ValidationError({"seats": ERR_QUOTA_BELOW.format(n=taken)})
    audit_record(
        actor=actor, event=Event.TRAINING_QUOTA_SET, obj=training_class, detail={"unit": unit.pk, "seats": seats}
    )
    if seats == 0:
        Quota.objects.filter(training_class=training_class, unit=unit).delete()
        return None
    quota, _ = Quota.objects.update_or_create(training_class=training_class, unit=unit, defaults={"seats": seats})
    return quota


def quota_for(training_class: TrainingClass, unit: Unit) -> Quota | None:
    """The quota that governs a cadre of `unit`: the nearest one on the way up the tree."""
    ids = [int(seg) for seg in unit.path.strip("/").split("/") if seg]
    quotas = {q.unit_id: q for q in Quota.objects.filter(training_class=training_class, unit_id__in=ids)}
    for pk in reversed(ids):
        if pk in quotas:
            return quotas[pk]
    return None
