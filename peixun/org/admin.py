from __future__ import annotations

from django.contrib import admin

from peixun.core.admin_site import SystemAdminReadOnly
from peixun.org.models import Cadre, Unit


@admin.register(Unit)
class UnitAdmin(SystemAdminReadOnly):
    list_display = ("code", "name", "kind", "parent", "has_intranet", "is_active")
    list_filter = ("kind", "has_intranet", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("path",)


@admin.register(Cadre)
class CadreAdmin(SystemAdminReadOnly):
    list_display = ("employee_number", "name", "unit", "rank", "status")
    list_filter = ("status", "rank")
    search_fields = ("employee_number", "name")
    list_select_related = ("unit",)
    # Only the masked ID number is shown; the ciphertext and its digest stay out of the console.
    fields = (
        "employee_number",
        "name",
        "gender",
        "birth_date",
        "id_number_masked",
        "unit",
        "position",
        "rank",
        "political_status",
        "phone",
        "work_start_date",
        "status",
    )
