"""Writes of the placement stage: run the optimiser, adjust by hand, confirm, and send the cadres off."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.models import CadreStatus
from peixun.org.services import cadre_set_status
from peixun.secondment import placement
from peixun.secondment.locations import locate
from peixun.secondment.models import BatchStatus, Post, Secondment, SecondmentBatch, Stage
from peixun.secondment.permissions import can_manage_batches
from peixun.secondment.services import ERR_FOREIGN_POST, ERR_WRONG_STAGE, _require

ERR_NOT_PLACING = "该批次当前不能安排岗位"
ERR_POST_FULL = "该岗位名额已满（人工指定）"
ERR_NOTHING_TO_CONFIRM = "没有可确定的岗位安排"
ERR_NOT_CONFIRMED = "岗位安排尚未确定"
MOVED_OUT = "因人工调整移出，请重新生成方案"


def placement_specs(
    batch: SecondmentBatch,
) -> tuple[list[Secondment], list[placement.CandidateSpec], list[placement.PostSpec]]:
    """The approved candidates and the batch's posts as the optimiser's plain data."""
    posts = list(batch.posts.select_related("receiving_unit"))
    candidates = list(
        Secondment.objects.filter(batch=batch, stage=Stage.APPROVED)
        .select_related("sending_unit")
        .prefetch_related("preferences")
        .order_by("pk")
    )
    where = locate([p.receiving_unit for p in posts] + [s.sending_unit for s in candidates])
    post_specs = [
        placement.PostSpec(
            id=p.pk,
            unit_id=p.receiving_unit_id,
            unit_kind=p.receiving_unit.kind,
            unit_path=p.receiving_unit.path,
            capacity=p.capacity,
            required=frozenset(p.required_skills),
            preferred=frozenset(p.preferred_skills),
            location=where.get(p.receiving_unit_id),
        )
        for p in posts
    ]
    candidate_specs = [
        placement.CandidateSpec(
            id=s.pk,
            unit_id=s.sending_unit_id,
            unit_kind=s.sending_unit.kind,
            unit_path=s.sending_unit.path,
            skills=frozenset(s.skills),
            preferences=tuple(pref.post_id for pref in s.preferences.all()),
            location=where.get(s.sending_unit_id),
            pinned_post=s.post_id if s.pinned else None,
        )
        for s in candidates
    ]
    return candidates, candidate_specs, post_specs


def _open_for_placement(batch: SecondmentBatch) -> None:
    if batch.status not in (BatchStatus.OPEN, BatchStatus.PLACING):
        raise ValidationError({"batch": ERR_NOT_PLACING})


@transaction.atomic
def placement_run(*, actor: User, batch: SecondmentBatch) -> placement.PlacementResult:
    """Propose an optimal placement of the approved candidates; hand-set (pinned) places are kept."""
    _require(can_manage_batches(actor))
    batch = SecondmentBatch.objects.select_for_update().get(pk=batch.pk)
    _open_for_placement(batch)
    candidates, candidate_specs, post_specs = placement_specs(batch)
    result = placement.solve(candidate_specs, post_specs, batch.matrix)
    unit_of = {p.id: p.unit_id for p in post_specs}
    for s in candidates:
        choice = result.choices[s.pk]
        s.post_id = choice.post_id
        s.receiving_unit_id = unit_of.get(choice.post_id) if choice.post_id else None
        s.placement_note = choice.reason[:200]
    Secondment.objects.bulk_update(candidates, ["post", "receiving_unit", "placement_note"])
    batch.status = BatchStatus.PLACING
    batch.save(update_fields=["status"])
    audit_record(
        actor=actor,
        event=Event.SECONDMENT_PLACEMENT_RUN,
        obj=batch,
        detail={
            "placed": len(result.placed),
            "unplaced": len(result.unplaced),
            "objective": round(result.objective, 3),
        },
    )
    return result


@transaction.atomic
def placement_set(*, actor: User, secondment: Secondment, post: Post | None) -> Secondment:
    """The organisation department places a candidate by hand (kept when the optimiser runs again), or
    clears the place. The rules still hold: matrix, own unit, hard requirements, capacity."""
    _require(can_manage_batches(actor))
    # One placement change per batch at a time: the batch row is the lock.
    SecondmentBatch.objects.select_for_update().get(pk=secondment.batch_id)
    s = Secondment.objects.select_related("batch", "sending_unit").get(pk=secondment.pk)
    _open_for_placement(s.batch)
    if s.stage != Stage.APPROVED:
        raise ValidationError({"stage": ERR_WRONG_STAGE})
    if post is None:
        s.post, s.receiving_unit, s.pinned, s.placement_note = None, None, False, "人工取消安排"
        s.save(update_fields=["post", "receiving_unit", "pinned", "placement_note"])
        audit_record(actor=actor, event=Event.SECONDMENT_PLACEMENT_SET, obj=s, detail={"post": None})
        return s
    if post.batch_id != s.batch_id:
        raise ValidationError({"post": ERR_FOREIGN_POST})
    where = locate([s.sending_unit, post.receiving_unit])
    cand = placement.CandidateSpec(
        id=s.pk,
        unit_id=s.sending_unit_id,
        unit_kind=s.sending_unit.kind,
        unit_path=s.sending_unit.path,
        skills=frozenset(s.skills),
        preferences=tuple(s.preferences.values_list("post_id", flat=True)),
        location=where.get(s.sending_unit_id),
    )
    spec = placement.PostSpec(
        id=post.pk,
        unit_id=post.receiving_unit_id,
        unit_kind=post.receiving_unit.kind,
        unit_path=post.receiving_unit.path,
        capacity=post.capacity,
        required=frozenset(post.required_skills),
        preferred=frozenset(post.preferred_skills),
        location=where.get(post.receiving_unit_id),
    )
    why = placement.forbidden_reason(cand, spec, s.batch.matrix)
    if why is not None:
        raise ValidationError({"post": why})
    others = Secondment.objects.filter(post=post, stage=Stage.APPROVED).exclude(pk=s.pk)
    if others.filter(pinned=True).count() >= post.capacity:
        raise ValidationError({"post": ERR_POST_FULL})
    overflow = others.count() + 1 - post.capacity
    if overflow > 0:
        # Make room by moving out optimiser proposals (never pins); the next run places them again.
        bumped = list(others.filter(pinned=False).order_by("-pk").values_list("pk", flat=True)[:overflow])
        Secondment.objects.filter(pk__in=bumped).update(post=None, receiving_unit=None, placement_note=MOVED_OUT)
    s.post, s.receiving_unit, s.pinned = post, post.receiving_unit, True
    s.placement_note = placement.explain(cand, spec, pinned=True)[:200]
    s.save(update_fields=["post", "receiving_unit", "pinned", "placement_note"])
    audit_record(actor=actor, event=Event.SECONDMENT_PLACEMENT_SET, obj=s, detail={"post": post.pk})
    return s


@transaction.atomic
def placement_confirm(*, actor: User, batch: SecondmentBatch) -> int:
    """Fix the placement: placed candidates become secondees of their receiving unit."""
    _require(can_manage_batches(actor))
    batch = SecondmentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.PLACING:
        raise ValidationError({"batch": ERR_NOT_PLACING})
    placed = Secondment.objects.filter(batch=batch, stage=Stage.APPROVED, post__isnull=False)
    count = placed.update(stage=Stage.PLACED)
    if not count:
        raise ValidationError({"batch": ERR_NOTHING_TO_CONFIRM})
    batch.status = BatchStatus.CONFIRMED
    batch.save(update_fields=["status"])
    audit_record(actor=actor, event=Event.SECONDMENT_PLACEMENT_CONFIRM, obj=batch, detail={"placed": count})
    return count


@transaction.atomic
def batch_start(*, actor: User, batch: SecondmentBatch) -> int:
    """The secondees report to their receiving units: each is detached from the sending unit's work."""
    _require(can_manage_batches(actor))
    batch = SecondmentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.CONFIRMED:
        raise ValidationError({"batch": ERR_NOT_CONFIRMED})
    secondees = list(Secondment.objects.filter(batch=batch, stage=Stage.PLACED).select_related("cadre__unit"))
    for s in secondees:
        cadre_set_status(actor=actor, cadre=s.cadre, status=CadreStatus.SECONDED, reason=f"双向学习锻炼：{batch.title}")
        s.stage, s.started_at = Stage.IN_PROGRESS, batch.start_date
        s.save(update_fields=["stage", "started_at"])
        audit_record(actor=actor, event=Event.SECONDMENT_START, obj=s)
    batch.status = BatchStatus.RUNNING
    batch.save(update_fields=["status"])
    return len(secondees)
