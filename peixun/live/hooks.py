"""nginx-rtmp's callbacks (on_publish, on_update, on_publish_done, on_record_done).

Only nginx may call them: the URL carries a secret derived from the token secret (rendered into
nginx.conf, never shown), the request must come from the loopback address without any proxy header
(nginx-rtmp calls the app port directly; the public front door adds X-Forwarded-For and also answers
404 to /live/hooks/ by itself). Anything else gets 403.

nginx-rtmp reads only the status: 2xx allows, anything else refuses or, for on_update, disconnects the
publisher. The encoder publishes to `<public name>?key=<secret>` (the "stream key" the operator pastes
into OBS); nginx passes the query as the `key` field. We do not rename the stream with a 3xx instead:
nginx-rtmp's HLS writer keeps the original name, which would put the secret in every playlist path.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from peixun.accounts.models import User
from peixun.live import services
from peixun.live.models import LiveStream
from peixun.live.tokens import hook_secret, verify
from peixun.training.selectors import lecture_may_attend

LOOPBACK = {"127.0.0.1", "::1"}
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")
SQLITE_RETRIES = 5


def from_nginx(request: HttpRequest, secret: str) -> bool:
    if not hmac.compare_digest(secret.encode(), hook_secret().encode()):
        return False
    if request.META.get("REMOTE_ADDR") not in LOOPBACK:
        return False
    return not any(h in request.META for h in PROXY_HEADERS)


def nginx_only(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, secret: str, **kwargs: Any) -> HttpResponse:
        if not from_nginx(request, secret):
            raise PermissionDenied
        for attempt in range(SQLITE_RETRIES):
            try:
                return view(request)
            except OperationalError:
                # SQLite with deferred transactions (a sqlite:// DATABASE_URL) answers "database is locked"
                # at once when two callbacks (publish_done and record_done arrive together) upgrade their
                # read to a write; nginx-rtmp never retries, so we do. The callbacks are idempotent.
                if connection.vendor != "sqlite" or attempt == SQLITE_RETRIES - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    return wrapper


def _field(request: HttpRequest, name: str) -> str:
    return str(request.POST.get(name, ""))[:500]


def refused(message: str) -> HttpResponse:
    return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")


@nginx_only
def publish(request: HttpRequest) -> HttpResponse:
    try:
        services.stream_publish_start(
            name=_field(request, "name"),
            key=_field(request, "key"),
            client_id=_field(request, "clientid"),
            addr=_field(request, "addr"),
        )
    except services.PublishRefused as error:
        return refused(str(error))
    return HttpResponse("ok")


@nginx_only
def update(request: HttpRequest) -> HttpResponse:
    ok = services.stream_publish_update(name=_field(request, "name"), client_id=_field(request, "clientid"))
    return HttpResponse("ok") if ok else refused("stop")


@nginx_only
def publish_done(request: HttpRequest) -> HttpResponse:
    services.stream_publish_end(name=_field(request, "name"), client_id=_field(request, "clientid"))
    return HttpResponse("ok")


@nginx_only
def record_done(request: HttpRequest) -> HttpResponse:
    try:
        services.recording_create(name=_field(request, "name"), path=_field(request, "path"))
    except (ValidationError, LiveStream.DoesNotExist) as error:
        return refused(str(error))
    return HttpResponse("ok")


@csrf_exempt
def hls_auth(request: HttpRequest, secret: str) -> HttpResponse:
    """auth_request target when PEIXUN_LIVE_HLS_AUTH=django: Django decides every HLS request.

    Only the baseline of bench/live_delivery.py uses it; production lets nginx check the token itself.
    """
    if not from_nginx(request, secret):
        raise PermissionDenied
    verdict = verify(request.META.get("HTTP_X_ORIGINAL_URI", ""))
    if not verdict.ok:
        return refused("token")
    stream = LiveStream.objects.select_related("lecture", "lecture__training_class").filter(name=verdict.resource)
    user = User.objects.filter(pk=verdict.uid, is_active=True).first()
    found = stream.first()
    if found is None or user is None or not lecture_may_attend(actor=user, lecture=found.lecture):
        return refused("scope")
    return HttpResponse(status=204)
