from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from peixun.accounts.roles import Role
from peixun.org import selectors as org


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """One home page; each role sees the tiles of its own work."""
    actor = request.user
    roles = actor.grants.roles  # type: ignore[union-attr]
    tiles: list[dict[str, object]] = []
    if roles & {Role.ORG_ADMIN, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}:
        tiles.append({"label": "可见单位", "num": org.units_visible(actor=actor).count(), "url": "org:unit_tree"})  # type: ignore[arg-type]
        tiles.append({"label": "可见干部", "num": org.cadres_visible(actor=actor).count(), "url": "org:cadre_list"})  # type: ignore[arg-type]
    context = {
        "tiles": tiles,
        "scope_units": actor.grants.admin_units,  # type: ignore[union-attr]
        "cadre": actor.cadre if actor.cadre_id else None,  # type: ignore[union-attr]
    }
    return render(request, "core/home.html", context)


def health_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
