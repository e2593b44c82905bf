"""The office's membership page: members, search-and-add, role, removal, history.

htmx posts get the members panel back (with the outcome as a message inside it); plain posts are
redirected to the page with the outcome as a flash message, so the page also works without JavaScript.
A refusal the page never offers (a director naming a director, a cadre out of the director's reach)
is a 403, like any other forged request.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from peixun.accounts.roles import Role
from peixun.core.http import actor_of, flash_errors
from peixun.offices import selectors
from peixun.offices import services as membership
from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
from peixun.org.models import Cadre

ERR_PICK = "请先搜索并选择要加入的干部"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _panel_context(request: HttpRequest, office: ResearchOffice) -> dict[str, Any]:
    actor = actor_of(request)
    return {
        "office": office,
        "members": selectors.office_members(office),
        "history": selectors.membership_history(office),
        "may_manage": selectors.may_manage_members(actor, office.pk),
        "is_org": actor.has_role(Role.ORG_ADMIN),
        "roles": OfficeRole.choices,
    }


def _outcome(
    request: HttpRequest, office: ResearchOffice, *, ok: str = "", error: ValidationError | None = None
) -> HttpResponse:
    if not _is_htmx(request):
        if error is not None:
            flash_errors(request, error)
        else:
            messages.success(request, ok)
        return redirect("offices:member_list", pk=office.pk)
    context = _panel_context(request, office)
    if error is not None:
        groups = error.message_dict.values() if hasattr(error, "error_dict") else [error.messages]
        context["errors"] = [m for group in groups for m in group]
    else:
        context["ok"] = ok
        context["clear_candidates"] = True
    return render(request, "offices/_members_panel.html", context)


@login_required
@require_GET
def member_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    office = selectors.office_get(actor=actor_of(request), pk=pk)
    return render(request, "offices/members.html", _panel_context(request, office))


@login_required
@require_GET
def member_search_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    if not selectors.may_manage_members(actor, office.pk):
        raise PermissionDenied(membership.ERR_NOT_ALLOWED)
    query = request.GET.get("q", "").strip()
    candidates = selectors.member_candidates(actor=actor, office=office, query=query)
    return render(request, "offices/_member_candidates.html", {
        "office": office, "query": query, "candidates": candidates, "is_org": actor.has_role(Role.ORG_ADMIN),
        "roles": OfficeRole.choices, "limit": selectors.CANDIDATES_SHOWN,
    })  # fmt: skip


@login_required
@require_POST
def member_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    if not selectors.may_manage_members(actor, office.pk):
        raise PermissionDenied(membership.ERR_NOT_ALLOWED)
    raw = request.POST.get("cadre", "")
    cadre = Cadre.objects.select_related("unit").filter(pk=int(raw)).first() if raw.isdigit() else None
    try:
        if cadre is None:
            raise ValidationError({"cadre": ERR_PICK})
        role = request.POST.get("role", OfficeRole.MEMBER)
        reason = request.POST.get("reason", "")
        if role == OfficeRole.DIRECTOR:
            membership.office_director_set(actor=actor, office=office, cadre=cadre, reason=reason)
        else:
            membership.office_member_add(actor=actor, office=office, cadre=cadre, role=role, reason=reason)
    except ValidationError as exc:
        return _outcome(request, office, error=exc)
    return _outcome(request, office, ok=f"{cadre.name}已加入本教研室")


def _member(office: ResearchOffice, cadre_id: int) -> OfficeMembership:
    return get_object_or_404(OfficeMembership.objects.select_related("cadre"), office=office, cadre_id=cadre_id)


@login_required
@require_POST
def member_role_view(request: HttpRequest, pk: int, cadre_id: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    if not selectors.may_manage_members(actor, office.pk):
        raise PermissionDenied(membership.ERR_NOT_ALLOWED)
    row = _member(office, cadre_id)
    try:
        membership.office_member_role_set(
            actor=actor, office=office, cadre=row.cadre, role=request.POST.get("role", ""),
            reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except ValidationError as exc:
        return _outcome(request, office, error=exc)
    return _outcome(request, office, ok=f"{row.cadre.name}的职责已调整")


@login_required
@require_POST
def member_remove_view(request: HttpRequest, pk: int, cadre_id: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    if not selectors.may_manage_members(actor, office.pk):
        raise PermissionDenied(membership.ERR_NOT_ALLOWED)
    row = _member(office, cadre_id)
    try:
        reason = request.POST.get("reason", "")
        membership.office_member_remove(actor=actor, office=office, cadre=row.cadre, reason=reason)
    except ValidationError as exc:
        return _outcome(request, office, error=exc)
    return _outcome(request, office, ok=f"{row.cadre.name}已移出本教研室")
