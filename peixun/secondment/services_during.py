"""Writes while the cadre is seconded and at the end: assessments, liaison, work log, summary,
the final appraisal, the sending unit's opinion, and the return to the sending unit."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.models import CadreStatus
from peixun.org.services import cadre_set_status
from peixun.secondment.models import (
    RECEIVING_STAGES,
    Assessment,
    AssessmentRating,
    BatchStatus,
    FinalRating,
    Liaison,
    LiaisonForm,
    PeriodKind,
    Secondment,
    SecondmentBatch,
    Stage,
    WorkLog,
)
from peixun.secondment.permissions import (
    ERR_NOT_ALLOWED,
    ERR_NOT_RECEIVING,
    ERR_NOT_SECONDEE,
    ERR_NOT_SENDING,
    can_act_for_receiving,
    can_act_for_sending,
    is_org_admin,
    is_receiving_admin,
    is_secondee,
    is_sending_admin,
)

ERR_NOT_IN_PROGRESS = "该干部当前不在锻炼期内"
ERR_PERIOD_FORMAT = "考核期间格式应为 2026-03（月度）或 2026Q1（季度）"
ERR_PERIOD_TAKEN = "该期间的考核已登记"
ERR_RATING = "考核等次不正确"
ERR_FORM = "沟通形式不正确"
ERR_CONTENT_REQUIRED = "请填写内容"
ERR_FUTURE_DATE = "日期不能晚于今天"
ERR_APPRAISAL_MISSING = "接收单位尚未作出期满考核鉴定"
ERR_SENDING_OPINION_MISSING = "派出单位尚未填写意见"
ERR_SUMMARY_MISSING = "锻炼干部尚未提交个人总结"
ERR_ATTENDANCE = "出勤天数不正确"

PERIOD_PATTERNS = {
    PeriodKind.MONTH: re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    PeriodKind.QUARTER: re.compile(r"^\d{4}Q[1-4]$"),
}


def _locked(secondment: Secondment) -> Secondment:
    return (
        Secondment.objects.select_for_update(of=("self",))
        .select_related("batch", "cadre__unit", "sending_unit", "receiving_unit")
        .get(pk=secondment.pk)
    )


def _in_progress(s: Secondment) -> None:
    if s.stage != Stage.IN_PROGRESS:
        raise ValidationError({"stage": ERR_NOT_IN_PROGRESS})


def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: ERR_FUTURE_DATE})


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    secondment: Secondment,
    period_kind: str,
    period: str,
    rating: str,
    comment: str = "",
    days_present: int = 0,
    days_absent: int = 0,
) -> Assessment:
    """The receiving unit's routine (monthly or quarterly) rating, comment and attendance."""
    s = _locked(secondment)
    if not can_act_for_receiving(actor, s):
        raise PermissionDenied(ERR_NOT_RECEIVING)
    _in_progress(s)
    pattern = PERIOD_PATTERNS.get(period_kind)  # type: ignore[call-overload]
    if pattern is None or not pattern.match(period.strip()):
        raise ValidationError({"period": ERR_PERIOD_FORMAT})
    if rating not in AssessmentRating.values:
        raise ValidationError({"rating": ERR_RATING})
    if days_present < 0 or days_absent < 0 or days_present + days_absent > 92:
        raise ValidationError({"days_present": ERR_ATTENDANCE})
    if Assessment.objects.filter(secondment=s, period=period.strip()).exists():
        raise ValidationError({"period": ERR_PERIOD_TAKEN})
    try:
        with transaction.atomic():
            a = Assessment.objects.create(
                secondment=s,
                period_kind=period_kind,
                period=period.strip(),
                rating=rating,
                comment=comment.strip(),
                days_present=days_present,
                days_absent=days_absent,
                recorded_by=actor,
            )
    except IntegrityError:
        raise ValidationError({"period": ERR_PERIOD_TAKEN})
    audit_record(actor=actor, event=Event.SECONDMENT_ASSESSMENT, obj=s, detail={"period": a.period, "rating": rating})
    return a


@transaction.atomic
def liaison_record(*, actor: User, secondment: Secondment, date: dt.date, form: str, content: str) -> Liaison:
    """A periodic exchange between the sending and the receiving unit, recorded by either (or the org dept)."""
    s = _locked(secondment)
    if is_receiving_admin(actor, s):
        side = s.receiving_unit
    elif is_sending_admin(actor, s):
        side = s.sending_unit
    elif is_org_admin(actor):
        side = None
    else:
        raise PermissionDenied(ERR_NOT_ALLOWED)
    if s.stage not in RECEIVING_STAGES:
        raise ValidationError({"stage": ERR_NOT_IN_PROGRESS})
    if form not in LiaisonForm.values:
        raise ValidationError({"form": ERR_FORM})
    if not content.strip():
        raise ValidationError({"content": ERR_CONTENT_REQUIRED})
    _not_future(date, "date")
    liaison = Liaison.objects.create(
        secondment=s, date=date, form=form, content=content.strip(), recorded_by=actor, recorded_for=side
    )
    audit_record(actor=actor, event=Event.SECONDMENT_LIAISON, obj=s, detail={"date": date.isoformat(), "form": form})
    return liaison


@transaction.atomic
def worklog_add(*, actor: User, secondment: Secondment, date: dt.date, content: str) -> WorkLog:
    s = _locked(secondment)
    if not is_secondee(actor, s):
        raise PermissionDenied(ERR_NOT_SECONDEE)
    _in_progress(s)
    if not content.strip():
        raise ValidationError({"content": ERR_CONTENT_REQUIRED})
    _not_future(date, "date")
    return WorkLog.objects.create(secondment=s, date=date, content=content.strip())


@transaction.atomic
def summary_submit(*, actor: User, secondment: Secondment, summary: str) -> Secondment:
    s = _locked(secondment)
    if not is_secondee(actor, s):
        raise PermissionDenied(ERR_NOT_SECONDEE)
    _in_progress(s)
    if not summary.strip():
        raise ValidationError({"summary": ERR_CONTENT_REQUIRED})
    s.summary = summary.strip()
    s.save(update_fields=["summary"])
    return s


@transaction.atomic
def appraisal_record(*, actor: User, secondment: Secondment, rating: str, comment: str) -> Secondment:
    """The receiving unit's final appraisal: excellent / competent / basically competent / incompetent."""
    s = _locked(secondment)
    if not can_act_for_receiving(actor, s):
        raise PermissionDenied(ERR_NOT_RECEIVING)
    _in_progress(s)
    if rating not in FinalRating.values:
        raise ValidationError({"final_rating": ERR_RATING})
    if not comment.strip():
        raise ValidationError({"final_comment": ERR_CONTENT_REQUIRED})
    s.final_rating, s.final_comment = rating, comment.strip()
    s.save(update_fields=["final_rating", "final_comment"])
    audit_record(actor=actor, event=Event.SECONDMENT_APPRAISAL, obj=s, detail={"rating": rating})
    return s


@transaction.atomic
def sending_opinion_record(*, actor: User, secondment: Secondment, opinion: str) -> Secondment:
    s = _locked(secondment)
    if not can_act_for_sending(actor, s):
        raise PermissionDenied(ERR_NOT_SENDING)
    _in_progress(s)
    if not opinion.strip():
        raise ValidationError({"sending_opinion": ERR_CONTENT_REQUIRED})
    s.sending_opinion = opinion.strip()
    s.save(update_fields=["sending_opinion"])
    audit_record(actor=actor, event=Event.SECONDMENT_SENDING_OPINION, obj=s)
    return s


@transaction.atomic
def secondment_return(*, actor: User, secondment: Secondment, returned_at: dt.date | None = None) -> Secondment:
    """The cadre returns to the sending unit once appraised; the result stays on the cadre's record."""
    s = _locked(secondment)
    if not can_act_for_sending(actor, s):
        raise PermissionDenied(ERR_NOT_SENDING)
    _in_progress(s)
    if not s.final_rating:
        raise ValidationError({"final_rating": ERR_APPRAISAL_MISSING})
    if not s.sending_opinion:
        raise ValidationError({"sending_opinion": ERR_SENDING_OPINION_MISSING})
    cadre_set_status(actor=actor, cadre=s.cadre, status=CadreStatus.ACTIVE, reason=f"双向学习锻炼期满：{s.batch.title}")
    s.stage, s.returned_at = Stage.COMPLETED, returned_at or timezone.localdate()
    s.save(update_fields=["stage", "returned_at"])
    audit_record(actor=actor, event=Event.SECONDMENT_RETURN, obj=s, detail={"rating": s.final_rating})
    batch = SecondmentBatch.objects.select_for_update().get(pk=s.batch_id)
    if batch.status == BatchStatus.RUNNING and not batch.secondments.filter(stage=Stage.IN_PROGRESS).exists():
        batch.status = BatchStatus.CLOSED
        batch.save(update_fields=["status"])
    return s
