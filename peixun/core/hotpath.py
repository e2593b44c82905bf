"""The hot path: the few API endpoints that thousands of people call in the same seconds (a venue's
check-in code, an exam's start, answer saves and submits) run through Django's synchronous handler on a
fixed pool of threads, instead of through its ASGI handler.

Why: under the ASGI handler a synchronous request costs ~7 ms of CPU here. Each request gets a thread
of its own (a new one per request), two watcher tasks, and hops between the event loop and threads
around every synchronous middleware. A burst of 4,200 check-ins on 2 cores then queues for half a minute.
The synchronous handler is the one Django runs under WSGI: the same middleware, URL resolver, DRF views,
permission checks and exception handling, in one call on one long-lived thread. Only the way a request
gets to them changes, so nothing about authentication, CSRF, scope or error shapes can differ.

Everything else (pages, websockets, uploads, streaming, async views) still goes to the ASGI handler.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import HttpResponseBase
from django.urls import set_script_prefix

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class HotPath:
    """ASGI app: requests matching one of `routes` ((method, path regex) pairs) take the synchronous
    handler on `threads` threads; all else goes to `app` (Django's ASGI handler). 0 threads: off."""

    def __init__(self, app: ASGIHandler, *, routes: Iterable[tuple[str, str]], threads: int) -> None:
        self.app = app
        self.routes = [(method, re.compile(pattern)) for method, pattern in routes]
        self.threads = threads
        self._handler: BaseHandler | None = None
        self._pool: ThreadPoolExecutor | None = None

    def matches(self, scope: Scope) -> bool:
        if scope["type"] != "http" or self.threads < 1:
            return False
        method, path = scope["method"], scope["path"]
        return any(method == m and p.fullmatch(path) for m, p in self.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.matches(scope):
            await self.app(scope, receive, send)
            return
        try:
            body = await self.app.read_body(receive)
        except RequestAborted:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="hotpath")
        loop = asyncio.get_running_loop()
        try:
            response = await loop.run_in_executor(self._pool, self._respond, scope, body)
        finally:
            body.close()
        try:
            await self.app.send_response(response, send)
        finally:
            if response.streaming and response.is_async:  # type: ignore[attr-defined]
                await loop.run_in_executor(self._pool, response.close)

    def _respond(self, scope: Scope, body: Any) -> HttpResponseBase:
        """One request, start to end, on a pool thread: the database connection it borrows goes back
        (request_finished) on this same thread before the response leaves."""
        if self._handler is None:
            handler = BaseHandler()
            handler.load_middleware(is_async=False)
            self._handler = handler
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        response: HttpResponseBase | None = None
        streaming = None
        try:
            request, response = self.app.create_request(scope, body)
            if request is not None:
                response = self._handler.get_response(request)
                response._resource_closers.append(request.close)
            assert response is not None
            # Rendered here, so that closing (which sends request_finished) cannot cut it short.
            if not response.streaming:
                response.content  # noqa: B018
            elif not response.is_async:  # type: ignore[attr-defined]
                # Read whole, as Django's ASGI handler reads a synchronous iterator (sync_to_async(list)):
                # here, on this thread, before the close that ends the iterator and gives back its connection.
                response.streaming_content = list(response.streaming_content)  # type: ignore[attr-defined]
            else:  # an async iterator is read by the event loop: closed once sent
                streaming, response = response, None
                return streaming
            return response
        finally:
            if response is not None:
                response.close()
            elif streaming is None:
                signals.request_finished.send(sender=self.__class__)
