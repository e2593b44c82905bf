from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role


def can_manage_accounts(actor: User) -> bool:
    return actor.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


def user_list(*, actor: User, query: str = "") -> QuerySet[User]:
    if not can_manage_accounts(actor):
        raise PermissionDenied
    qs = User.objects.select_related("cadre__unit").prefetch_related("role_grants__unit").order_by("username")
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return qs


def user_get(*, actor: User, pk: int) -> User:
    return user_list(actor=actor).get(pk=pk)


def grant_get(*, actor: User, pk: int) -> RoleGrant:
    if not actor.has_role(Role.SECURITY_ADMIN):
        raise PermissionDenied
    return RoleGrant.objects.select_related("user", "unit").get(pk=pk)
