"""How a checked file leaves the app: X-Accel-Redirect behind nginx, streamed by Django otherwise.

Behind nginx is decided per request: nginx sets X-Real-IP on every proxied request (see
config/nginx/nginx.conf.template), so a request carrying it gets an empty response with X-Accel-Redirect
to the internal /protected/ location. A client that reaches the app directly and forges the header gets
only that empty response, never the file. `settings.LIBRARY_X_ACCEL` (True/False) overrides the guess.
Stamped PDFs are made per request and sent as bytes: they are never written where nginx could serve them.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse

from peixun.library import files
from peixun.library.models import FileKind


def behind_nginx(request: HttpRequest) -> bool:
    forced = getattr(settings, "LIBRARY_X_ACCEL", None)
    if forced is not None:
        return bool(forced)
    return "HTTP_X_REAL_IP" in request.META


def serve_stored(request: HttpRequest, relative: str, *, name: str, kind: str, inline: bool = False) -> HttpResponse:
    path = files.absolute(relative)  # refuses anything outside MEDIA_ROOT
    if behind_nginx(request):
        response = HttpResponse()
        response["X-Accel-Redirect"] = quote(f"{settings.MEDIA_URL.rstrip('/')}/{relative}")
    else:
        response = FileResponse(path.open("rb"))
    return files.protect(response, name=name, kind=FileKind(kind), inline=inline)


def serve_bytes(data: bytes, *, name: str, kind: FileKind = FileKind.PDF, inline: bool = False) -> HttpResponse:
    return files.protect(HttpResponse(data), name=name, kind=kind, inline=inline)
