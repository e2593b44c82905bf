"""Writes behind the edit pages: branch venues (also by the unit's own admin, and the unit's intranet flag),
per-cadre study-hours targets, and the trainee's leave requests with the admin's decision.

Plans, classes and quotas are saved by `services.plan_save`, `services.class_save` and `services.quota_set`;
what is here is what those did not cover.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.models import Cadre, Unit
from peixun.org.permissions import require
from peixun.org.services import unit_update
from peixun.training.models import (
    Enrolment,
    LeaveRequest,
    LeaveStatus,
    Lecture,
    StudyHoursTarget,
    TrainingPlan,
    Venue,
)
from peixun.training.notifications import notify_cadres
from peixun.training.permissions import ERR_NOT_ALLOWED, admin_covers_unit, may_manage_training
from peixun.training.services import (
    ERR_COORD,
    ERR_MAIN_TAKEN,
    ERR_OCCUPANCY,
    ERR_REQUIRED,
    ERR_SEATS,
    hours_target_set,
)
from peixun.training.services_enrolment import ERR_LEAVE_OWN, leave_request_create, leave_request_decide

ERR_VENUE_SCOPE = "只能修改本单位及下级单位的分会场"
ERR_VENUE_ORG_ONLY = "主会场和内网接入情况只能由组织部修改"
ERR_NO_PLAN = "该年度尚无培训计划，请先创建年度培训计划"
ERR_LEAVE_ENDED = "该课次已结束，不能再请假"
ERR_LEAVE_TWICE = "该课次已有待审批或已批准的请假申请"

KIND_LEAVE = "leave_decided"


def may_edit_venue(actor: User, venue: Venue) -> bool:
    """The organisation department, or the admin of the venue's unit (or of a unit above it)."""
    return may_manage_training(actor) or admin_covers_unit(actor, venue.unit)


# --- Venues ---------------------------------------------------------------------------------------------


@transaction.atomic
def venue_update(
    *,
    actor: User,
    venue: Venue,
    name: str,
    seats: Any,
    allowed_occupancy: Any,
    address: str = "",
    is_active: bool = True,
    latitude: float | None = None,
    longitude: float | None = None,
    is_main: bool | None = None,
    has_intranet: bool | None = None,
    host_unit: Unit | None = None,
) -> Venue:
    """Change a venue. A unit admin may change the seats, occupancy, address and state of the venues of
    their units; only the organisation department moves the main venue or changes the unit's intranet
    flag (and with it the host city), through `org.services.unit_update`."""
    require(may_edit_venue(actor, venue), ERR_VENUE_SCOPE)
    unit = venue.unit
    org = may_manage_training(actor)
    wants_main = venue.is_main if is_main is None else is_main
    intranet = unit.has_intranet if has_intranet is None else has_intranet
    host = host_unit if has_intranet is not None else unit.host_unit
    if not intranet and host is None:
        host = unit.host_unit
    changes_unit = intranet != unit.has_intranet or (not intranet and getattr(host, "pk", None) != unit.host_unit_id)
    if not org and (wants_main != venue.is_main or changes_unit):
        raise PermissionDenied(ERR_VENUE_ORG_ONLY)
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = ERR_REQUIRED
    if not isinstance(seats, int) or isinstance(seats, bool) or not 0 <= seats <= 100000:
        errors["seats"] = ERR_SEATS
    if not isinstance(allowed_occupancy, int) or not 0 <= allowed_occupancy <= 100:
        errors["allowed_occupancy"] = ERR_OCCUPANCY
    lat = venue.latitude if latitude is None else latitude
    lon = venue.longitude if longitude is None else longitude
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["latitude"] = ERR_COORD
    if wants_main and Venue.objects.filter(is_main=True).exclude(pk=venue.pk).exists():
        errors["is_main"] = ERR_MAIN_TAKEN
    if errors:
        raise ValidationError(errors)
    before = {
        "seats": venue.seats,
        "allowed_occupancy": venue.allowed_occupancy,
        "is_active": venue.is_active,
        "is_main": venue.is_main,
    }
    venue.name, venue.seats, venue.allowed_occupancy = name.strip(), seats, allowed_occupancy
    venue.address, venue.is_active, venue.is_main = (address or "").strip()[:200], is_active, wants_main
    venue.latitude, venue.longitude = lat, lon
    venue.save()
    if changes_unit:
        # The org service checks the host city (a city commission, required without intranet) and audits.
        unit_update(actor=actor, unit=unit, has_intranet=intranet, host_unit=None if intranet else host)
    audit_record(actor=actor, event=Event.TRAINING_VENUE_SAVE, obj=venue, detail={"before": before})
    return venue


# --- Study-hours targets ----------------------------------------------------------------------------------


@transaction.atomic
def hours_target_save(*, actor: User, year: int, cadre: Cadre, hours: Any) -> StudyHoursTarget:
    """A cadre's own yearly target; the year must have a plan (whose target applies to everyone else)."""
    require(may_manage_training(actor))
    if not TrainingPlan.objects.filter(year=year).exists():
        raise ValidationError({"year": ERR_NO_PLAN})
    return hours_target_set(actor=actor, year=year, cadre=cadre, hours=hours)


@transaction.atomic
def hours_target_remove(*, actor: User, target: StudyHoursTarget) -> None:
    """Drop a cadre's own target: the plan's target applies to them again."""
    require(may_manage_training(actor))
    audit_record(
        actor=actor,
        event=Event.TRAINING_HOURS_TARGET,
        obj=target.cadre,
        detail={"year": target.year, "hours": None, "removed": str(target.hours)},
    )
    target.delete()


# --- Leave ---------------------------------------------------------------------------------------------


@transaction.atomic
def leave_request_submit(*, actor: User, enrolment: Enrolment, lecture: Lecture, reason: str) -> LeaveRequest:
    """The trainee asks for leave for one lecture. Refused for a lecture that has ended, or when a pending
    or approved request already covers it. (Leave for a whole class, `lecture=None` in the model, would
    also excuse lectures already held, so the page offers leave per lecture only.)"""
    if actor.cadre_id != enrolment.cadre_id:
        raise PermissionDenied(ERR_LEAVE_OWN)
    # One request at a time per enrolment: two quick submits must not both pass the duplicate check.
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    now = timezone.now()
    open_requests = LeaveRequest.objects.filter(
        enrolment=enrolment, status__in=[LeaveStatus.PENDING, LeaveStatus.APPROVED]
    )
    if lecture.training_class_id == enrolment.training_class_id and lecture.ends_at <= now:
        raise ValidationError({"lecture": ERR_LEAVE_ENDED})
    if open_requests.filter(Q(lecture=lecture) | Q(lecture=None)).exists():
        raise ValidationError({"lecture": ERR_LEAVE_TWICE})
    return leave_request_create(actor=actor, enrolment=enrolment, reason=reason, lecture=lecture)


@transaction.atomic
def leave_request_review(*, actor: User, leave: LeaveRequest, approve: bool) -> LeaveRequest:
    """Approve (the lectures become 请假/excused in attendance) or reject, and tell the trainee."""
    if not admin_covers_unit(actor, leave.enrolment.cadre.unit):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    decided = leave_request_decide(actor=actor, leave=leave, approve=approve)
    what = f"课次“{leave.lecture.topic}”" if leave.lecture else f"“{leave.enrolment.training_class.title}”"
    notify_cadres(
        cadre_ids=[leave.enrolment.cadre_id],
        kind=KIND_LEAVE,
        text=f"您对{what}的请假申请{'已获批准' if approve else '未获批准'}",
        url="/training/leave/",
    )
    return decided
