from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from peixun.accounts.services import password_is_expired
from peixun.audit.context import current_ip

# Only what a user with an expired password needs: change it, or leave. Everything else, the
# account-management pages and the API included, waits until the password is changed.
EXEMPT_NAMES = ("accounts:login", "accounts:logout", "accounts:password_change")
EXEMPT_PREFIXES = ("/static/", "/internal/")
MSG_PASSWORD_EXPIRED = "密码已过期或为初始密码，请先修改密码"


def client_ip(request: HttpRequest) -> str | None:
    # The ASGI server is started with proxy headers trusted from nginx only, so this is the peer.
    return request.META.get("REMOTE_ADDR") or None


class PasswordExpiryMiddleware:
    """Sets the audit context, and sends a user whose password expired to change it first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt_paths: frozenset[str] | None = None

    def _exempt(self, path: str) -> bool:
        if self._exempt_paths is None:
            self._exempt_paths = frozenset(reverse(name) for name in EXEMPT_NAMES)
        return path in self._exempt_paths or path.startswith(EXEMPT_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            user = request.user
            if (
                user.is_authenticated and not self._exempt(request.path) and password_is_expired(user)  # type: ignore[arg-type]
            ):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"error": {"code": "password_expired", "message": MSG_PASSWORD_EXPIRED}}, status=403
                    )
                return redirect(reverse("accounts:password_change") + "?expired=1")
            return self.get_response(request)
        finally:
            current_ip.reset(token)


# Set by static/js/base.js on htmx polls (hx-trigger="every ..."); such requests are the page talking to
# the server on its own, not the user, so they must not keep an abandoned session alive.
BACKGROUND_HEADER = "HTTP_X_PEIXUN_BACKGROUND"
LAST_ACTIVITY_KEY = "_peixun_last_activity"


class IdleTimeoutMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE): a request made by the user pushes the session's expiry on.

    Instead of saving the session on every request (a database write per heartbeat, poll and check-in),
    the expiry is pushed on at most once per SESSION_IDLE_REFRESH_SECONDS, by touching the session so
    that SessionMiddleware saves it with a fresh expiry; background polls never touch it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated or request.META.get(BACKGROUND_HEADER):
            return response
        now = int(time.time())
        if now - int(session.get(LAST_ACTIVITY_KEY, 0)) >= settings.SESSION_IDLE_REFRESH_SECONDS:
            session[LAST_ACTIVITY_KEY] = now
        return response
