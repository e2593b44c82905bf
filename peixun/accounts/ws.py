"""Websocket counterpart of PasswordExpiryMiddleware: a user whose password expired (or is still the
initial one) is anonymous to every consumer until it is changed, so no consumer can forget the check."""

from __future__ import annotations

from typing import Any

from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from peixun.accounts.services import password_is_expired


class PasswordExpiryWsMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        # AuthMiddleware has already loaded the user, so this reads attributes and queries nothing.
        if user is not None and user.is_authenticated and password_is_expired(user):
            scope = dict(scope, user=AnonymousUser())
        return await super().__call__(scope, receive, send)
