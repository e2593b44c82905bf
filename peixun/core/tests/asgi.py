"""Driving the real ASGI application (`config.asgi.application`) in process, for the tests of the hot path
and the fast lane: logged-in sessions made as the login view makes them, CSRF pairs, one event loop per
test step (whose lane pool is closed at its end), and which layer answered a request."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core import signals
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.utils import timezone

from config.asgi import application, django_asgi_app
from peixun.accounts.middleware import LAST_ACTIVITY_KEY
from peixun.accounts.models import Session, User
from peixun.accounts.sessions import SessionStore
from peixun.core.lane import Lane

T = TypeVar("T")
BASE_URL = "http://localhost"
# The lane of the running application, in front of the hot path.
LANE: Lane = application.application_mapping["http"]  # type: ignore[attr-defined]
# For a test of the lane itself, which is there on PostgreSQL only.
on_the_lane = pytest.mark.skipif(not LANE.enabled, reason="the fast lane runs on PostgreSQL only")
# Headers whose value differs from one answer to the next whoever answers.
VOLATILE = {"date"}


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def login_session(user: User, *, last_activity: int | None = None, backend: str | None = None) -> str:
    """A session row as the login view leaves it (plus the idle timeout's mark when given)."""
    data: dict[str, Any] = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: backend or settings.AUTHENTICATION_BACKENDS[0],
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    if last_activity is not None:
        data[LAST_ACTIVITY_KEY] = last_activity
    key = secrets.token_hex(16)
    Session.objects.create(
        session_key=key,
        session_data=SessionStore().encode(data),
        user=user,
        expire_date=timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE),
    )
    return key


def csrf_pair() -> tuple[str, str]:
    """(cookie, header): the secret and the masked token a page's form carries."""
    secret = _get_new_csrf_string()
    return secret, _mask_cipher_secret(secret)


def run(step: Callable[[], Awaitable[T]]) -> T:
    """One step on a loop of its own, as a server's worker would run it; the lane's pool is closed after."""

    async def main() -> T:
        try:
            return await step()
        finally:
            await LANE.aclose()

    return asyncio.run(main())


async def request(
    app: Any,
    method: str,
    path: str,
    *,
    session: str | None = None,
    csrf: tuple[str, str] | None = None,
    json: Any = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One request to `app` as a browser's script sends it: session and CSRF cookies, the CSRF header."""
    all_headers: dict[str, str] = {}
    cookies = []
    if session is not None:
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session}")
    if csrf is not None:
        cookies.append(f"{settings.CSRF_COOKIE_NAME}={csrf[0]}")
        all_headers["X-CSRFToken"] = csrf[1]
    if cookies:
        all_headers["Cookie"] = "; ".join(cookies)
    all_headers.update(headers or {})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        return await client.request(method, path, json=json, content=content, headers=all_headers)


def comparable(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    """Status, body and headers (names and values, cookie values blanked), for comparing two answers."""
    headers = []
    for name, value in response.headers.multi_items():
        if name in VOLATILE:
            continue
        if name == "set-cookie":
            cookie_name, _, rest = value.partition("=")
            value = f"{cookie_name}=…;{rest.partition(';')[2]}"
        headers.append((name, value))
    return response.status_code, response.content, sorted(headers)


@dataclass
class Served:
    """Which handlers started a Django request (by the sender of request_started)."""

    senders: list[type]

    @property
    def by_django(self) -> int:
        return len(self.senders)


@contextmanager
def django_requests() -> Iterator[Served]:
    """Records every request Django itself handles (the lane handles its own without the signal)."""
    served = Served(senders=[])

    def started(sender: type, **kwargs: Any) -> None:
        served.senders.append(sender)

    signals.request_started.connect(started, weak=False)
    try:
        yield served
    finally:
        signals.request_started.disconnect(started)


__all__ = ["LANE", "application", "django_asgi_app"]
