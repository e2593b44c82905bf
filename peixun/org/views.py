from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from peixun.org import selectors
from peixun.org.models import CadreStatus, Rank


@login_required
def unit_tree_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    query = request.GET.get("q", "").strip()
    context: dict[str, object] = {"q": query}
    if query:
        context["results"] = selectors.unit_search(actor=actor, query=query)[:100]  # type: ignore[arg-type]
    else:
        context["roots"] = selectors.unit_roots(actor=actor)  # type: ignore[arg-type]
    return render(request, "org/unit_tree.html", context)


@login_required
def unit_children_view(request: HttpRequest, pk: int) -> HttpResponse:
    parent = selectors.unit_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    children = selectors.unit_children(actor=request.user, parent=parent)  # type: ignore[arg-type]
    return render(request, "org/_unit_children.html", {"units": children})


@login_required
def unit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    unit = selectors.unit_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    children = selectors.unit_children(actor=actor, parent=unit)  # type: ignore[arg-type]
    cadre_count = selectors.cadre_list(actor=actor, unit=unit).count()  # type: ignore[arg-type]
    return render(request, "org/unit_detail.html", {"unit": unit, "children": children, "cadre_count": cadre_count})


@login_required
def cadre_list_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = selectors.unit_get(actor=actor, pk=int(unit_id))  # type: ignore[arg-type]
    cadres = selectors.cadre_list(
        actor=actor,  # type: ignore[arg-type]
        query=request.GET.get("q", "").strip(),
        unit=unit,
        status=request.GET.get("status", ""),
        rank=request.GET.get("rank", ""),
    )
    page = Paginator(cadres, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "org/cadre_list.html",
        {
            "page": page,
            "unit": unit,
            "statuses": CadreStatus.choices,
            "ranks": Rank.choices,
            "filters": request.GET,
        },
    )


@login_required
def cadre_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    cadre = selectors.cadre_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "org/cadre_detail.html", {"cadre": cadre})
