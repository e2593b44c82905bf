"""Writes of the batch and candidacy stage: batches, posts, quotas, sanctions, the three channels, reviews.

Placement lives in services_placement.py, the time in the receiving unit and the return in
services_during.py; all follow the same rules (permission first, atomic, audited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.models import Cadre, Unit, UnitKind
from peixun.org.permissions import require as _require
from peixun.secondment import eligibility
from peixun.secondment.models import (
    BatchAttachment,
    BatchStatus,
    Channel,
    DisciplinarySanction,
    Post,
    Preference,
    Secondment,
    SecondmentBatch,
    SendingQuota,
    Stage,
)
from peixun.secondment.permissions import (
    ERR_NOT_SENDING,
    admins_unit,
    can_act_for_sending,
    can_manage_batches,
    is_org_admin,
)

ERR_DATES = "锻炼结束日期必须晚于开始日期"
ERR_MATRIX = "跨领域规则中有未知的单位类别"
ERR_NOT_OPEN = "该批次当前不接受报名或推荐"
ERR_DEADLINE_PASSED = "报名已截止"
ERR_NOT_DRAFT_OR_OPEN = "岗位安排开始后不能再修改批次"
ERR_CAPACITY = "名额必须至少为1"
ERR_ALREADY_CANDIDATE = "该干部已是本批次人选"
ERR_TOO_MANY_PREFERENCES = "最多填报三个志愿岗位"
ERR_DUPLICATE_PREFERENCE = "志愿岗位不能重复"
ERR_FOREIGN_POST = "所选岗位不属于本批次"
ERR_STATEMENT_REQUIRED = "请填写个人陈述"
ERR_MEETING_REQUIRED = "单位研究推荐须附会议记录"
ERR_CHANNEL = "推荐方式不正确"
ERR_NOT_A_CADRE = "只有干部本人可以报名"
ERR_WRONG_STAGE = "当前状态下不能办理此事项"
ERR_QUOTA_FULL = "已达到本单位选派名额"
ERR_NOT_ELIGIBLE = "该人选不符合选派条件"
ERR_OPINION_REQUIRED = "请填写意见"
ERR_SANCTION_DATES = "影响期满日期不能早于处分开始日期"
ERR_CADRE_OUT_OF_SCOPE = "只能推荐本单位及下级单位的干部"

KNOWN_KINDS = set(UnitKind.values)


def _clean_tags(tags: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        tag = str(tag).strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _check_batch_fields(start_date: dt.date, end_date: dt.date, matrix: dict[str, list[str]]) -> None:
    if end_date <= start_date:
        raise ValidationError({"end_date": ERR_DATES})
    for sending, receiving in matrix.items():
        if sending not in KNOWN_KINDS or not set(receiving) <= KNOWN_KINDS:
            raise ValidationError({"matrix": ERR_MATRIX})


@transaction.atomic
def batch_create(
    *,
    actor: User,
    year: int,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    reference_date: dt.date,
    notice: str = "",
    apply_deadline: dt.date | None = None,
    max_age: int = 50,
    min_service_years: int = 2,
    matrix: dict[str, list[str]] | None = None,
) -> SecondmentBatch:
    _require(can_manage_batches(actor))
    batch = SecondmentBatch(
        year=year,
        title=title,
        notice=notice,
        start_date=start_date,
        end_date=end_date,
        reference_date=reference_date,
        apply_deadline=apply_deadline,
        max_age=max_age,
        min_service_years=min_service_years,
        created_by=actor,
    )
    if matrix is not None:
        batch.matrix = matrix
    _check_batch_fields(batch.start_date, batch.end_date, batch.matrix)
    batch.save()
    audit_record(actor=actor, event=Event.SECONDMENT_BATCH_CREATE, obj=batch)
    return batch


BATCH_EDITABLE = {
    "title",
    "notice",
    "start_date",
    "end_date",
    "reference_date",
    "apply_deadline",
    "max_age",
    "min_service_years",
    "matrix",
}


@transaction.atomic
def batch_update(*, actor: User, batch: SecondmentBatch, **changes: object) -> SecondmentBatch:
    _require(can_manage_batches(actor))
    unknown = set(changes) - BATCH_EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if batch.status not in (BatchStatus.DRAFT, BatchStatus.OPEN):
        raise ValidationError({"status": ERR_NOT_DRAFT_OR_OPEN})
    for name, value in changes.items():
        setattr(batch, name, value)
    _check_batch_fields(batch.start_date, batch.end_date, batch.matrix)
    batch.save()
    audit_record(actor=actor, event=Event.SECONDMENT_BATCH_UPDATE, obj=batch, detail={"changed": sorted(changes)})
    return batch


@transaction.atomic
def batch_publish(*, actor: User, batch: SecondmentBatch) -> SecondmentBatch:
    _require(can_manage_batches(actor))
    if batch.status != BatchStatus.DRAFT:
        raise ValidationError({"status": ERR_WRONG_STAGE})
    batch.status = BatchStatus.OPEN
    batch.save(update_fields=["status"])
    audit_record(actor=actor, event=Event.SECONDMENT_BATCH_PUBLISH, obj=batch)
    return batch


@transaction.atomic
def batch_attach(*, actor: User, batch: SecondmentBatch, upload: UploadedFile, name: str = "") -> BatchAttachment:
    _require(can_manage_batches(actor))
    attachment = BatchAttachment.objects.create(batch=batch, name=name or upload.name or "附件", file=upload)
    audit_record(actor=actor, event=Event.SECONDMENT_BATCH_UPDATE, obj=batch, detail={"attachment": attachment.name})
    return attachment


@transaction.atomic
def post_save(
    *,
    actor: User,
    batch: SecondmentBatch,
    receiving_unit: Unit,
    title: str,
    capacity: int = 1,
    required_skills: Sequence[str] = (),
    preferred_skills: Sequence[str] = (),
    description: str = "",
    post: Post | None = None,
) -> Post:
    """Add a post to a batch, or change one (`post`)."""
    _require(can_manage_batches(actor))
    if batch.status not in (BatchStatus.DRAFT, BatchStatus.OPEN):
        raise ValidationError({"batch": ERR_NOT_DRAFT_OR_OPEN})
    if capacity < 1:
        raise ValidationError({"capacity": ERR_CAPACITY})
    post = post or Post(batch=batch)
    post.receiving_unit = receiving_unit
    post.title = title
    post.capacity = capacity
    post.required_skills = _clean_tags(required_skills)
    post.preferred_skills = _clean_tags(preferred_skills)
    post.description = description
    post.save()
    audit_record(actor=actor, event=Event.SECONDMENT_POST_SAVE, obj=post)
    return post


@transaction.atomic
def quota_set(*, actor: User, batch: SecondmentBatch, unit: Unit, quota: int) -> SendingQuota:
    _require(can_manage_batches(actor))
    row, _ = SendingQuota.objects.update_or_create(batch=batch, unit=unit, defaults={"quota": quota})
    audit_record(actor=actor, event=Event.SECONDMENT_QUOTA_SET, obj=row, detail={"quota": quota})
    return row


@transaction.atomic
def sanction_record(
    *, actor: User, cadre: Cadre, kind: str, start_date: dt.date, end_date: dt.date | None = None, reason: str = ""
) -> DisciplinarySanction:
    _require(is_org_admin(actor) or admins_unit(actor, cadre.unit))
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": ERR_SANCTION_DATES})
    sanction = DisciplinarySanction.objects.create(
        cadre=cadre, kind=kind, start_date=start_date, end_date=end_date, reason=reason, recorded_by=actor
    )
    audit_record(actor=actor, event=Event.SECONDMENT_SANCTION_RECORD, obj=sanction)
    return sanction


def _set_preferences(s: Secondment, posts: Sequence[Post]) -> None:
    if len(posts) > 3:
        raise ValidationError({"preferences": ERR_TOO_MANY_PREFERENCES})
    if len({p.pk for p in posts}) != len(posts):
        raise ValidationError({"preferences": ERR_DUPLICATE_PREFERENCE})
    if any(p.batch_id != s.batch_id for p in posts):
        raise ValidationError({"preferences": ERR_FOREIGN_POST})
    s.preferences.all().delete()
    Preference.objects.bulk_create([Preference(secondment=s, post=p, rank=i) for i, p in enumerate(posts, 1)])


def _new_candidate(
    *,
    actor: User,
    batch: SecondmentBatch,
    cadre: Cadre,
    channel: str,
    skills: Sequence[str],
    preferences: Sequence[Post],
    statement: str = "",
    meeting_record: str = "",
) -> Secondment:
    if batch.status != BatchStatus.OPEN:
        raise ValidationError({"batch": ERR_NOT_OPEN})
    if Secondment.objects.filter(batch=batch, cadre=cadre).exists():
        raise ValidationError({"cadre": ERR_ALREADY_CANDIDATE})
    s = Secondment(
        batch=batch,
        cadre=cadre,
        sending_unit=cadre.unit,
        channel=channel,
        skills=_clean_tags(skills),
        statement=statement,
        meeting_record=meeting_record,
        put_forward_by=actor,
    )
    eligibility.refresh(s)
    s.save()
    _set_preferences(s, preferences)
    audit_record(
        actor=actor,
        event=Event.SECONDMENT_PUT_FORWARD,
        obj=s,
        detail={"channel": channel, "eligible": s.eligible, "reasons": s.eligibility_reasons},
    )
    return s


@transaction.atomic
def secondment_apply(
    *,
    actor: User,
    batch: SecondmentBatch,
    statement: str,
    preferences: Sequence[Post] = (),
    skills: Sequence[str] = (),
) -> Secondment:
    """Personal application (个人报名): the cadre applies with a statement and up to three preferred posts."""
    if actor.cadre_id is None:
        raise PermissionDenied(ERR_NOT_A_CADRE)
    if not statement.strip():
        raise ValidationError({"statement": ERR_STATEMENT_REQUIRED})
    if batch.apply_deadline is not None and timezone.localdate() > batch.apply_deadline:
        raise ValidationError({"batch": ERR_DEADLINE_PASSED})
    cadre = Cadre.objects.select_related("unit").get(pk=actor.cadre_id)
    return _new_candidate(
        actor=actor,
        batch=batch,
        cadre=cadre,
        channel=Channel.APPLIED,
        skills=skills,
        preferences=preferences,
        statement=statement,
    )


@transaction.atomic
def secondment_nominate(
    *,
    actor: User,
    batch: SecondmentBatch,
    cadre: Cadre,
    channel: str,
    skills: Sequence[str] = (),
    preferences: Sequence[Post] = (),
    meeting_record: str = "",
    statement: str = "",
) -> Secondment:
    """Organisational mobilisation (组织动员: the org department or a unit names the cadre) or a unit's
    decision (单位研究: the unit leadership decides, with the meeting record)."""
    _require(is_org_admin(actor) or admins_unit(actor, cadre.unit), ERR_CADRE_OUT_OF_SCOPE)
    if channel not in (Channel.MOBILISED, Channel.UNIT_DECIDED):
        raise ValidationError({"channel": ERR_CHANNEL})
    if channel == Channel.UNIT_DECIDED and not meeting_record.strip():
        raise ValidationError({"meeting_record": ERR_MEETING_REQUIRED})
    return _new_candidate(
        actor=actor,
        batch=batch,
        cadre=cadre,
        channel=channel,
        skills=skills,
        preferences=preferences,
        statement=statement,
        meeting_record=meeting_record,
    )


def _quota_room(s: Secondment) -> bool:
    """Every quota covering the candidate's unit still has room for one more approved candidate."""
    quotas = SendingQuota.objects.filter(batch=s.batch).select_related("unit")
    for q in quotas:
        if not s.sending_unit.path.startswith(q.unit.path):
            continue
        taken = (
            Secondment.objects.filter(batch=s.batch, sending_unit__path__startswith=q.unit.path)
            .exclude(stage__in=(Stage.SUBMITTED, Stage.UNIT_REJECTED, Stage.REJECTED))
            .exclude(pk=s.pk)
            .count()
        )
        if taken >= q.quota:
            return False
    return True


@transaction.atomic
def secondment_unit_review(
    *,
    actor: User,
    secondment: Secondment,
    approve: bool,
    opinion: str,
    political_assessment: str = "",
    work_assessment: str = "",
) -> Secondment:
    """The sending unit records its political and work assessment and its opinion."""
    s = Secondment.objects.select_for_update().select_related("batch", "cadre", "sending_unit").get(pk=secondment.pk)
    _require(can_act_for_sending(actor, s), ERR_NOT_SENDING)
    if s.stage not in (Stage.SUBMITTED, Stage.UNIT_APPROVED, Stage.UNIT_REJECTED):
        raise ValidationError({"stage": ERR_WRONG_STAGE})
    if not opinion.strip():
        raise ValidationError({"unit_opinion": ERR_OPINION_REQUIRED})
    s.political_assessment = political_assessment.strip()
    s.work_assessment = work_assessment.strip()
    s.unit_opinion = opinion.strip()
    eligibility.refresh(s)
    if approve and not _quota_room(s):
        raise ValidationError({"stage": ERR_QUOTA_FULL})
    s.stage = Stage.UNIT_APPROVED if approve else Stage.UNIT_REJECTED
    s.save()
    audit_record(
        actor=actor,
        event=Event.SECONDMENT_UNIT_REVIEW,
        obj=s,
        detail={"approve": approve, "eligible": s.eligible, "reasons": s.eligibility_reasons},
    )
    return s


@transaction.atomic
def secondment_org_review(*, actor: User, secondment: Secondment, approve: bool, opinion: str = "") -> Secondment:
    """The organisation department's review; an ineligible candidate cannot pass it."""
    _require(is_org_admin(actor))
    s = Secondment.objects.select_for_update().select_related("batch", "cadre").get(pk=secondment.pk)
    if s.stage not in (Stage.UNIT_APPROVED, Stage.APPROVED, Stage.REJECTED):
        raise ValidationError({"stage": ERR_WRONG_STAGE})
    eligibility.refresh(s)
    if approve and not s.eligible:
        raise ValidationError({"stage": ERR_NOT_ELIGIBLE})
    s.org_opinion = opinion.strip()
    s.stage = Stage.APPROVED if approve else Stage.REJECTED
    s.save()
    audit_record(actor=actor, event=Event.SECONDMENT_ORG_REVIEW, obj=s, detail={"approve": approve})
    return s
