"""Who may be put forward in a batch: age, years of service, sanctions, the unit's assessment."""

from __future__ import annotations

import datetime as dt

from peixun.org.models import Cadre
from peixun.secondment.models import DisciplinarySanction, Secondment, SecondmentBatch

WHY_TOO_OLD = "年龄超过{max_age}周岁（以{date}计）"
WHY_SERVICE_UNKNOWN = "未登记参加工作时间"
WHY_SERVICE_SHORT = "工作年限不足{years}年"
WHY_SANCTIONED = "处分影响期未满（{kind}）"
WHY_NO_POLITICAL = "单位尚未填写政治素质考察意见"
WHY_NO_WORK = "单位尚未填写工作表现考察意见"
WHY_NOT_ACTIVE = "干部当前状态为“{status}”"


def years_between(start: dt.date, day: dt.date) -> int:
    """Whole years from start to day; someone born on 29 February turns a year older on 1 March."""
    years = day.year - start.year
    if (day.month, day.day) < (start.month, start.day):
        years -= 1
    return years


def cadre_reasons(
    cadre: Cadre, batch: SecondmentBatch, sanctions: list[DisciplinarySanction] | None = None
) -> list[str]:
    """What keeps the cadre out of the batch, before any unit assessment ([] when nothing does)."""
    reasons: list[str] = []
    day = batch.reference_date
    if cadre.status != "active":
        reasons.append(WHY_NOT_ACTIVE.format(status=cadre.get_status_display()))
    # "Not older than 50" on the reference date: 50 on the birthday itself is still in, a day later too.
    if years_between(cadre.birth_date, day) > batch.max_age:
        reasons.append(WHY_TOO_OLD.format(max_age=batch.max_age, date=day.isoformat()))
    if batch.min_service_years:
        if cadre.work_start_date is None:
            reasons.append(WHY_SERVICE_UNKNOWN)
        elif years_between(cadre.work_start_date, day) < batch.min_service_years:
            reasons.append(WHY_SERVICE_SHORT.format(years=batch.min_service_years))
    if sanctions is None:
        sanctions = list(DisciplinarySanction.objects.filter(cadre=cadre))
    for s in sanctions:
        if s.in_force_on(day):
            reasons.append(WHY_SANCTIONED.format(kind=s.kind))
    return reasons


def secondment_reasons(secondment: Secondment) -> list[str]:
    reasons = cadre_reasons(secondment.cadre, secondment.batch)
    if not secondment.political_assessment.strip():
        reasons.append(WHY_NO_POLITICAL)
    if not secondment.work_assessment.strip():
        reasons.append(WHY_NO_WORK)
    return reasons


def refresh(secondment: Secondment) -> None:
    """Recompute and store the eligibility of a candidate (the caller saves)."""
    secondment.eligibility_reasons = secondment_reasons(secondment)
    secondment.eligible = not secondment.eligibility_reasons
