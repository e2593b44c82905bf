"""Reads of secondment data, cut to what the actor may see.

The organisation department sees everything. A unit admin sees the candidacies of its own cadres
(sending side) and, once placed, the secondees its units receive. A cadre sees its own. Nobody else.
"""

from __future__ import annotations

from collections import Counter
from functools import reduce
from operator import or_

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.org.models import Cadre
from peixun.secondment.models import (
    RECEIVING_STAGES,
    Assessment,
    BatchStatus,
    DisciplinarySanction,
    FinalRating,
    Preference,
    Secondment,
    SecondmentBatch,
    Stage,
)


def secondment_scope_q(actor: User) -> Q | None:
    if not actor.is_authenticated or not actor.is_active:
        return None
    if actor.has_role(Role.ORG_ADMIN):
        return Q()
    conditions: list[Q] = []
    if actor.has_role(Role.UNIT_ADMIN):
        for path in actor.grants.admin_paths:
            conditions.append(Q(sending_unit__path__startswith=path))
            conditions.append(Q(receiving_unit__path__startswith=path, stage__in=RECEIVING_STAGES))
    if actor.cadre_id is not None:
        conditions.append(Q(cadre_id=actor.cadre_id))
    return reduce(or_, conditions) if conditions else None


def secondments_visible(*, actor: User) -> QuerySet[Secondment]:
    q = secondment_scope_q(actor)
    if q is None:
        return Secondment.objects.none()
    return Secondment.objects.filter(q).select_related(
        "batch", "cadre", "sending_unit", "receiving_unit", "post", "post__receiving_unit"
    )


def secondment_get(*, actor: User, pk: int) -> Secondment:
    try:
        return (
            secondments_visible(actor=actor)
            .prefetch_related(
                Prefetch("preferences", queryset=Preference.objects.select_related("post__receiving_unit")),
                "assessments",
                "liaisons",
                "work_logs",
            )
            .get(pk=pk)
        )
    except (Secondment.DoesNotExist, ValueError):
        raise Http404 from None


def secondment_list(
    *, actor: User, batch: SecondmentBatch | None = None, stage: str = "", channel: str = "", query: str = ""
) -> QuerySet[Secondment]:
    qs = secondments_visible(actor=actor)
    if batch is not None:
        qs = qs.filter(batch=batch)
    if stage:
        qs = qs.filter(stage=stage)
    if channel:
        qs = qs.filter(channel=channel)
    if query:
        qs = qs.filter(Q(cadre__name__icontains=query) | Q(cadre__employee_number__icontains=query))
    return qs.order_by("sending_unit__path", "pk")


def batches_visible(*, actor: User) -> QuerySet[SecondmentBatch]:
    """Published batches are for every account (cadres read the notice and apply); drafts for the org dept."""
    if not actor.is_authenticated or not actor.is_active:
        return SecondmentBatch.objects.none()
    qs = SecondmentBatch.objects.all()
    if not actor.has_role(Role.ORG_ADMIN):
        qs = qs.exclude(status=BatchStatus.DRAFT)
    return qs


def batch_get(*, actor: User, pk: int) -> SecondmentBatch:
    try:
        return batches_visible(actor=actor).get(pk=pk)
    except (SecondmentBatch.DoesNotExist, ValueError):
        raise Http404 from None


def batch_posts(*, batch: SecondmentBatch):  # type: ignore[no-untyped-def]
    return batch.posts.select_related("receiving_unit").annotate(
        filled=Count("secondments", filter=Q(secondments__stage__in=RECEIVING_STAGES))
    )


def assessments_visible(*, actor: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(secondment__in=secondments_visible(actor=actor).values("pk")).select_related(
        "secondment__cadre", "secondment__receiving_unit"
    )


def sanctions_visible(*, actor: User) -> QuerySet[DisciplinarySanction]:
    """Sanctions of the cadres an org or unit admin manages (not shown to cadres or other roles)."""
    if actor.has_role(Role.ORG_ADMIN):
        return DisciplinarySanction.objects.select_related("cadre__unit")
    paths = actor.grants.admin_paths if actor.has_role(Role.UNIT_ADMIN) else ()
    if not paths:
        return DisciplinarySanction.objects.none()
    q = reduce(or_, [Q(cadre__unit__path__startswith=p) for p in paths])
    return DisciplinarySanction.objects.filter(q).select_related("cadre__unit")


def cadre_record(*, actor: User, cadre: Cadre) -> QuerySet[Secondment]:
    """A cadre's secondments with their appraisal, as the actor may see them (for promotion, commendation)."""
    return secondments_visible(actor=actor).filter(cadre=cadre).order_by("-batch__year", "-pk")


def my_secondments(*, actor: User) -> QuerySet[Secondment]:
    if actor.cadre_id is None:
        return Secondment.objects.none()
    return secondments_visible(actor=actor).filter(cadre_id=actor.cadre_id)


def batch_report(*, actor: User, batch: SecondmentBatch) -> dict[str, object]:
    """Per unit: candidates, placed (out and in), and the final ratings distribution, in the actor's scope."""
    rows: dict[str, dict[str, object]] = {}
    ratings: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    qs = secondment_list(actor=actor, batch=batch)
    for s in qs:
        out = rows.setdefault(s.sending_unit.name, _report_row(s.sending_unit.name))
        out["candidates"] = int(out["candidates"]) + 1  # type: ignore[call-overload]
        channels[s.get_channel_display()] += 1
        if s.stage in RECEIVING_STAGES:
            out["sent"] = int(out["sent"]) + 1  # type: ignore[call-overload]
            if s.receiving_unit is not None:
                into = rows.setdefault(s.receiving_unit.name, _report_row(s.receiving_unit.name))
                into["received"] = int(into["received"]) + 1  # type: ignore[call-overload]
        if s.final_rating:
            ratings[s.final_rating] += 1
            out[s.final_rating] = int(out[s.final_rating]) + 1  # type: ignore[call-overload]
    return {
        "rows": sorted(rows.values(), key=lambda r: str(r["unit"])),
        "ratings": [(value, label, ratings[value]) for value, label in FinalRating.choices],
        "channels": dict(channels),
        "total": qs.count(),
        "placed": qs.filter(stage__in=RECEIVING_STAGES).count(),
        "completed": qs.filter(stage=Stage.COMPLETED).count(),
    }


def _report_row(unit: str) -> dict[str, object]:
    return {"unit": unit, "candidates": 0, "sent": 0, "received": 0, **{v: 0 for v in FinalRating.values}}
