from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.services import user_set_active
from peixun.core.admin_site import SystemAdminReadOnly


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    fields = ("role", "unit", "granted_by", "granted_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return True  # the parent admin already let only the system admin in

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(SystemAdminReadOnly):
    list_display = ("username", "display_name", "unit_name", "is_active", "last_login")
    list_filter = ("is_active",)
    search_fields = ("username", "display_name", "cadre__name")
    list_select_related = ("cadre__unit",)
    # No password field: passwords are issued through the account pages, which validate and audit.
    fields = ("username", "display_name", "cadre", "is_active", "last_login", "date_joined", "password_changed_at")
    inlines = (RoleGrantInline,)
    actions = ("deactivate",)

    @admin.display(description="单位")
    def unit_name(self, obj: User) -> str:
        return obj.cadre.unit.name if obj.cadre is not None else ""

    @admin.action(description="停用账户")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset:
            try:
                user_set_active(actor=request.user, user=user, active=False)  # type: ignore[arg-type]
            except PermissionDenied as exc:
                self.message_user(request, f"{user}：{exc}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"已停用 {done} 个账户", messages.SUCCESS)
