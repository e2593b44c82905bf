from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from peixun.org.permissions import can_import_cadres, require


@login_required
def import_start_view(request: HttpRequest) -> HttpResponse:
    require(can_import_cadres(request.user))  # type: ignore[arg-type]
    return render(request, "org/import_start.html", {})
