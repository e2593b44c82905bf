"""Later edits in the teacher pool: a pool teacher's profile, an intake round's details, and the unit's
opinion on a personal application (a nomination carries it from the start).

Like the rest of the pool's writes: permission first, bad input changes nothing, every act is audited.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import ResearchOffice
from peixun.org.permissions import require as _require
from peixun.teachers.models import ApplicationStatus, Channel, StepAction, Teacher, TeacherApplication
from peixun.teachers.services import (
    ERR_BAD_STEP,
    ERR_FIELDS,
    ERR_ORG_ONLY,
    ERR_REQUIRED,
    _notify,
    _raise,
    _step,
    is_org_admin,
    may_nominate,
)

ERR_TOO_LONG = "不能超过{n}字"
ERR_OPINION_SCOPE = "只有候选人所在单位（或上级单位）的培训管理员可以填写单位意见"
ERR_OPINION_CHANNEL = "单位推荐的申请已附单位意见；如需修改，请在退回后重新提交"

NAME_MAX, ORG_MAX, TITLE_MAX, OPINION_MAX = 50, 200, 100, 2000


def _length(value: str, n: int, field: str, errors: dict[str, str]) -> None:
    if len(value) > n:
        errors[field] = ERR_TOO_LONG.format(n=n)


@transaction.atomic
def teacher_profile_update(
    *,
    actor: User,
    teacher: Teacher,
    fields: Iterable[ResearchOffice],
    title: str = "",
    name: str = "",
    organisation: str = "",
) -> Teacher:
    """Fields of expertise and title; an external teacher's name and organisation too (a cadre's come from
    the cadre record and are not edited here)."""
    _require(is_org_admin(actor), ERR_ORG_ONLY)
    errors: dict[str, str] = {}
    field_list = list(fields)
    if not field_list:
        errors["fields"] = ERR_FIELDS
    title = (title or "").strip()
    _length(title, TITLE_MAX, "title", errors)
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if teacher.is_external:
        if not name:
            errors["name"] = ERR_REQUIRED
        _length(name, NAME_MAX, "name", errors)
        if not organisation:
            errors["organisation"] = ERR_REQUIRED
        _length(organisation, ORG_MAX, "organisation", errors)
    _raise(errors)
    before = {"title": teacher.title, "fields": sorted(teacher.fields.values_list("code", flat=True))}
    teacher.title = title
    if teacher.is_external:
        before |= {"name": teacher.external_name, "organisation": teacher.external_org}
        teacher.external_name, teacher.external_org = name, organisation
    teacher.save()
    teacher.fields.set(field_list)
    after = {"title": title, "fields": sorted(f.code for f in field_list)}
    audit_record(actor=actor, event=Event.TEACHER_UPDATE, obj=teacher, detail={"before": before, "after": after})
    return teacher


def may_give_opinion(actor: User, application: TeacherApplication) -> bool:
    return (
        application.channel == Channel.APPLIED
        and application.status == ApplicationStatus.SUBMITTED
        and may_nominate(actor, application.cadre)
    )


@transaction.atomic
def application_unit_opinion(*, actor: User, application: TeacherApplication, opinion: str) -> TeacherApplication:
    """The candidate's unit gives its opinion on a personal application while it waits for review."""
    application = (
        TeacherApplication.objects.select_for_update().select_related("cadre__unit", "round").get(pk=application.pk)
    )
    _require(may_nominate(actor, application.cadre), ERR_OPINION_SCOPE)
    if application.channel != Channel.APPLIED:
        raise ValidationError({"unit_opinion": ERR_OPINION_CHANNEL})
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError({"status": ERR_BAD_STEP})
    errors: dict[str, str] = {}
    opinion = (opinion or "").strip()
    if not opinion:
        errors["unit_opinion"] = ERR_REQUIRED
    _length(opinion, OPINION_MAX, "unit_opinion", errors)
    _raise(errors)
    application.unit_opinion = opinion
    application.save(update_fields=["unit_opinion", "updated_at"])
    _step(application, StepAction.UNIT_OPINION, actor, opinion)
    audit_record(actor=actor, event=Event.TEACHER_APPLICATION_OPINION, obj=application)
    _notify(application, f"您所在单位已对师资申请（{application.round.title}）填写单位意见")
    return application
