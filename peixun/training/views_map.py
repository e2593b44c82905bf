"""The allocation map of a class: a sankey from units to venues with each venue's fill rate, and the same
figures as tables (the accessible fallback). Scoped: a city admin sees only the flows of their city."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from peixun.accounts.roles import Role
from peixun.org.selectors import sees_whole_province
from peixun.training import selectors
from peixun.training.allocation_map import BY_CITY, BY_UNIT, allocation_map
from peixun.training.permissions import may_manage_class, may_manage_training
from peixun.training.views import _require


@login_required
def allocation_map_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    cls = selectors.class_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    _require(
        may_manage_class(actor, cls)  # type: ignore[arg-type]
        or actor.has_role(Role.UNIT_ADMIN)  # type: ignore[union-attr]
        or actor.has_role(Role.VENUE_OPERATOR)  # type: ignore[union-attr]
    )
    province = sees_whole_province(actor)  # type: ignore[arg-type]
    by = request.GET.get("by") or (BY_CITY if province else BY_UNIT)
    result = allocation_map(actor=actor, training_class=cls, by=by)  # type: ignore[arg-type]
    return render(
        request,
        "training/allocation_map.html",
        {
            "cls": cls,
            "map": result,
            "chart": result.chart(),
            "by": result.by,
            "choices": [(BY_CITY, "按市级（省直）单位汇总"), (BY_UNIT, "按单位")],
            "org": may_manage_training(actor),  # type: ignore[arg-type]
        },
    )
