"""Django admin: the system admin's read-mostly console, behind the platform's own login.

The admin's own login, logout and password pages would bypass the lockout, the audit trail and the
session-ending logout, so they are replaced by redirects to (or calls of) the accounts views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from peixun.accounts.roles import Role


def is_system_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.has_role(Role.SYSTEM_ADMIN))  # type: ignore[union-attr]


def restrict_admin_to_system_admins(site: AdminSite) -> None:
    """Django admin is the system admin's console only, whatever is_staff or is_superuser say."""

    def has_permission(request: HttpRequest) -> bool:
        return is_system_admin(request)

    def login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.user.is_authenticated:
            if is_system_admin(request):
                return redirect("admin:index")
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(target, reverse("accounts:login"))

    def logout(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        from peixun.accounts.views import logout_view

        return logout_view(request)

    def password_change(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return redirect("accounts:password_change")

    plain_admin_view = site.admin_view

    def admin_view(view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
        checked = plain_admin_view(view, cacheable)

        @wraps(checked)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
            # Logged in but not the system admin: a plain refusal, not an invitation to log in again.
            if not is_system_admin(request):
                raise PermissionDenied
            return checked(request, *args, **kwargs)

        return inner

    site.admin_view = admin_view  # type: ignore[method-assign,assignment]
    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign,assignment]
    site.logout = logout  # type: ignore[method-assign,assignment]
    site.password_change = password_change  # type: ignore[method-assign,assignment]
    site.site_header = "纪检监察干部教育培训平台 · 系统管理"
    site.site_title = "系统管理"
    site.index_title = "系统管理"
    # Roles live in RoleGrant; Django's groups are not used, and editing them would be a side door.
    if site.is_registered(Group):
        site.unregister(Group)


class SystemAdminReadOnly(admin.ModelAdmin):
    """View-only for the system admin: changes go through the services, which check and audit them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> Any:
        return self.fields or [f.name for f in self.model._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_system_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
