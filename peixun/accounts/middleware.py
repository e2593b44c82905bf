from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from peixun.accounts.services import password_is_expired
from peixun.audit.context import current_ip

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/", "/internal/")


def client_ip(request: HttpRequest) -> str | None:
    # The ASGI server is started with proxy headers trusted from nginx only, so this is the peer.
    return request.META.get("REMOTE_ADDR") or None


class PasswordExpiryMiddleware:
    """Sets the audit context, and sends a user whose password expired to change it first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            user = request.user
            if (
                user.is_authenticated
                and not request.path.startswith(EXEMPT_PREFIXES)
                and password_is_expired(user)  # type: ignore[arg-type]
            ):
                return redirect(reverse("accounts:password_change") + "?expired=1")
            return self.get_response(request)
        finally:
            current_ip.reset(token)
