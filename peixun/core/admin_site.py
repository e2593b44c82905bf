from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest

from peixun.accounts.roles import Role


def restrict_admin_to_system_admins(site: AdminSite) -> None:
    """Django admin is the system admin's console only, whatever is_staff says."""

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_authenticated and user.has_role(Role.SYSTEM_ADMIN))  # type: ignore[union-attr]

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "纪检监察干部教育培训平台 · 系统管理"
    site.site_title = "系统管理"
    site.login_url = "/accounts/login/"
