from __future__ import annotations

from django.contrib import admin

from peixun.core.admin_site import SystemAdminReadOnly
from peixun.offices.models import ResearchOffice


@admin.register(ResearchOffice)
class ResearchOfficeAdmin(SystemAdminReadOnly):
    list_display = ("code", "name", "field", "sort_order")
    search_fields = ("code", "name", "field")
