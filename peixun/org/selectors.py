"""Reads of the organisation, already cut to what the actor may see."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from peixun.accounts.models import User
from peixun.accounts.roles import PROVINCE_WIDE
from peixun.offices.models import OfficeMembership
from peixun.org.models import Cadre, Unit


def any_of(conditions: list[Q]) -> Q | None:
    """The OR of scope conditions; None when there are none (the actor sees nothing)."""
    return reduce(or_, conditions) if conditions else None


def sees_whole_province(actor: User) -> bool:
    return actor.has_role(*PROVINCE_WIDE)


def unit_scope_q(actor: User, *, prefix: str = "") -> Q | None:
    """Units the actor may see, as a condition on `<prefix>path`; None means none at all."""
    if not actor.is_authenticated or not actor.is_active:
        return None
    if sees_whole_province(actor):
        return Q()
    conditions = [Q(**{f"{prefix}path__startswith": path}) for path in actor.grants.admin_paths]
    own_units = {u.pk for u in actor.grants.operator_units}
    if actor.grants.own_unit_id is not None:
        own_units.add(actor.grants.own_unit_id)
    if own_units:
        conditions.append(Q(**{f"{prefix}pk__in": sorted(own_units)}))
    return any_of(conditions)


def units_visible(*, actor: User) -> QuerySet[Unit]:
    q = unit_scope_q(actor)
    if q is None:
        return Unit.objects.none()
    return Unit.objects.filter(q).select_related("parent", "host_unit")


def unit_get(*, actor: User, pk: int) -> Unit:
    try:
        return units_visible(actor=actor).get(pk=pk)
    except (Unit.DoesNotExist, ValueError):
        raise Http404 from None


def _count(qs: QuerySet, link: str) -> Coalesce:
    """A correlated COUNT subquery: two Count() joins in one query would multiply each other."""
    counted = qs.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _visible_child_count(actor: User) -> Coalesce:
    # Only children the actor may open: no toggle (and no count) for a subtree it cannot see.
    return _count(units_visible(actor=actor), "parent")


def unit_roots(*, actor: User) -> QuerySet[Unit]:
    """The top of the tree the actor sees: units whose parent is outside the visible set."""
    visible = units_visible(actor=actor)
    return visible.exclude(parent__in=visible.values("pk")).annotate(child_count=_visible_child_count(actor))


def unit_children(*, actor: User, parent: Unit) -> QuerySet[Unit]:
    return (
        units_visible(actor=actor)
        .filter(parent=parent)
        .annotate(child_count=_visible_child_count(actor), cadre_count=_count(cadres_visible(actor=actor), "unit"))
        .order_by("sort_order", "code")
    )


def unit_search(*, actor: User, query: str) -> QuerySet[Unit]:
    query = query.strip()
    qs = units_visible(actor=actor)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return qs


def cadre_scope_q(actor: User) -> Q | None:
    if not actor.is_authenticated or not actor.is_active:
        return None
    if sees_whole_province(actor):
        return Q()
    conditions = [Q(unit__path__startswith=path) for path in actor.grants.admin_paths]
    if actor.cadre_id is not None:
        conditions.append(Q(pk=actor.cadre_id))
    if actor.grants.member_office_ids:
        colleagues = OfficeMembership.objects.filter(office_id__in=actor.grants.member_office_ids)
        conditions.append(Q(pk__in=colleagues.values("cadre_id")))
    return any_of(conditions)


def cadres_visible(*, actor: User) -> QuerySet[Cadre]:
    q = cadre_scope_q(actor)
    if q is None:
        return Cadre.objects.none()
    return Cadre.objects.filter(q).select_related("unit")


def cadre_get(*, actor: User, pk: int) -> Cadre:
    try:
        return cadres_visible(actor=actor).get(pk=pk)
    except (Cadre.DoesNotExist, ValueError):
        raise Http404 from None


def cadre_list(
    *,
    actor: User,
    query: str = "",
    unit: Unit | None = None,
    include_subunits: bool = True,
    status: str = "",
    rank: str = "",
) -> QuerySet[Cadre]:
    qs = cadres_visible(actor=actor)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(employee_number__icontains=query))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path) if include_subunits else qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    if rank:
        qs = qs.filter(rank=rank)
    return qs.order_by("unit__path", "employee_number")
