"""The fast lane: an asynchronous path for the one request that thousands of phones make in the same
ten seconds (a venue's check-in scan), with no thread, no ORM and two or three SQL statements.

The lane serves only the plain success: a logged-in session, a valid CSRF token, a well-formed body and
a handler that is sure of the outcome. Anything else (no session, a stale or expired one, an expired
password, bad JSON, any refusal) is handed over untouched to the normal path (Django, through
`peixun.core.hotpath`), which answers with the usual error. So the lane can only ever accept what the
normal path accepts, never invent an error of its own, and tests compare the two answer for answer.

What the lane checks is what the middleware and DRF would: the same CSRF middleware (Django's, called
directly), the database session with Django's own decoding and the session's auth hash (without a
secret-key fallback, which the normal path handles), an active account whose password has not expired,
the idle timeout's refresh (written as the session middleware would write it), and the response
headers of the same middleware. Only PostgreSQL with database sessions: elsewhere the lane is off.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from rest_framework.utils.encoders import JSONEncoder

from peixun.accounts.middleware import BACKGROUND_HEADER, LAST_ACTIVITY_KEY, client_ip
from peixun.accounts.models import Session, User
from peixun.accounts.services import password_is_expired
from peixun.accounts.sessions import SessionStore, session_user_id
from peixun.audit.context import current_ip

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# The biggest body a lane reads; bigger ones are the normal path's to refuse.
MAX_BODY = 4096


@dataclass
class LaneRequest:
    """What a lane handler gets: the parsed JSON body, the path's captured values, the user, a database
    connection (psycopg, async, autocommit) and the facts read with the session."""

    request: HttpRequest
    body: Any
    params: dict[str, str]
    user: User
    conn: Any
    facts: list[tuple[Any, ...]]  # the rows of the handler's `facts` query (`Facts`), if it has one


# A handler returns the JSON to answer with (status 200), or None to hand the request over.
Handler = Callable[[LaneRequest], Awaitable[dict[str, Any] | None]]


class _Presaved(SessionStore):
    """The session as the lane loaded it. Its refresh is written by the lane's own UPDATE, so that the
    session middleware's response step (cookie, Vary) runs unchanged without saving again."""

    _session_cache: dict[str, Any]  # SessionBase's loaded data, set by the lane from the row it read

    @property
    def key_salt(self) -> str:
        # Signed as the database backend signs, whose class name is part of the salt.
        return "django.contrib.sessions." + SessionStore.__qualname__

    def save(self, must_create: bool = False) -> None:
        return None


class Lane:
    """ASGI app: requests to `routes` ({(method, path regex): handler}) try the lane first; all else goes
    to `app`."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *, routes: dict[tuple[str, str], Handler]
    ) -> None:
        self.app = app
        self.routes = [(method, re.compile(pattern), handler) for (method, pattern), handler in routes.items()]
        self.enabled = lane_supported()
        self._pool: Any = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self._pool_opening: asyncio.Lock | None = None
        self._gate = asyncio.Semaphore(1)  # replaced, with the pool's size, by the loop's first request
        self._middleware: list[Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._route(scope) if self.enabled else None
        if route is None:
            await self.app(scope, receive, send)
            return
        handler, params = route
        body, more = await _read_small_body(receive)
        replay = _replaying(body, more, receive)
        if more or len(body) > MAX_BODY:  # too big for the lane
            await self.app(scope, replay, send)
            return
        try:
            response = await self._serve(scope, body, handler, params)
        except SuspiciousOperation:
            response = None  # a bad Host and the like: the normal path refuses and logs it
        except Exception:
            # Never an error of the lane's own making: the normal path decides.
            log.exception("fast lane failed; handing over")
            response = None
        if response is None:
            await self.app(scope, replay, send)
            return
        await _send(response, send)

    def _route(self, scope: Scope) -> tuple[Handler, dict[str, str]] | None:
        if scope["type"] != "http":
            return None
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(scope["path"]) if scope["method"] == method else None
            if match:
                return handler, match.groupdict()
        return None

    async def _serve(self, scope: Scope, body: bytes, handler: Handler, params: dict[str, str]) -> HttpResponse | None:
        request = ASGIRequest(scope, io.BytesIO(body))
        if not _plain_json_request(request):
            return None
        middleware = self._middleware_instances()
        for mw in middleware:
            if hasattr(mw, "process_request") and mw.process_request(request) is not None:
                return None
        csrf = next(mw for mw in middleware if isinstance(mw, CsrfViewMiddleware))
        if csrf.process_view(request, _never, (), {}) is not None:
            return None
        try:
            # Decoded as DRF's JSONParser decodes (UTF-8, a BOM is an error), not by json's guess.
            data = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            return None
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not session_key or len(session_key) > 40:
            return None
        pool = await self._connection_pool()
        # The gate queues requests beyond the pool's size before the pool does: its own queue (a timed
        # wait per request) cost a twentieth of a request when a burst kept every connection busy.
        async with self._gate, pool.connection() as conn:
            signed_in = await _authenticate(conn, session_key, handler, params)
            if signed_in is None:
                return None
            session, user, facts = signed_in
            # The audit context PasswordExpiryMiddleware sets, for a handler that records an event.
            ip = current_ip.set(client_ip(request))
            try:
                payload = await handler(
                    LaneRequest(request=request, body=data, params=params, user=user, conn=conn, facts=facts)
                )
            finally:
                current_ip.reset(ip)
            if payload is None:
                return None
            request.session = session  # type: ignore[attr-defined]
            request.user = user
            await _refresh_idle_session(conn, request, session)
        # Rendered and labelled as DRF renders and labels the same answer.
        response = HttpResponse(render_json(payload), content_type="application/json")
        response["Allow"] = handler_allow(handler)
        response["Vary"] = "Accept"
        for mw in reversed(middleware):
            if hasattr(mw, "process_response"):
                response = mw.process_response(request, response)
        return response

    def _middleware_instances(self) -> list[Any]:
        """Django's middleware in MIDDLEWARE order (their process_request/process_response hooks); the
        project's own, in EMULATED, are call-style and the lane makes their checks itself; those in
        UNUSED change nothing for a lane handler's answer."""
        if self._middleware is None:
            instances = []
            for path in settings.MIDDLEWARE:
                if path in EMULATED or path in UNUSED:
                    continue
                instances.append(import_string(path)(_never))
            self._middleware = instances
        return self._middleware

    async def _connection_pool(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._pool_loop is not loop:
            # A pool serves the loop that opened it: a server has one loop, tests one per test.
            self._pool, self._pool_loop, self._pool_opening = None, loop, asyncio.Lock()
            self._gate = asyncio.Semaphore(settings.PEIXUN_LANE_POOL)
        if self._pool is None:
            assert self._pool_opening is not None
            async with self._pool_opening:  # the first requests of a burst share one pool
                if self._pool is None:
                    from psycopg_pool import AsyncConnectionPool

                    pool = AsyncConnectionPool(
                        kwargs=_conninfo(), min_size=1, max_size=settings.PEIXUN_LANE_POOL, open=False, timeout=30
                    )
                    await pool.open()
                    self._pool = pool
        return self._pool

    async def aclose(self) -> None:
        """Close the pool's connections (on the loop that opened it): at shutdown, at the end of a test."""
        pool, self._pool = self._pool, None
        if pool is not None and self._pool_loop is asyncio.get_running_loop():
            await pool.close()


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_drf_default = JSONEncoder().default


def render_json(payload: Any) -> bytes:
    """What DRF's JSONRenderer makes of `payload` (compact UTF-8, U+2028 and U+2029 escaped, dates and
    decimals by DRF's encoder), made by orjson: encoding a paper with json cost a tenth of a start."""
    out = orjson.dumps(payload, default=_drf_default, option=_ORJSON_OPTIONS)
    if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
        out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return out


async def _send(response: HttpResponse, send: Send) -> None:
    """Django's ASGIHandler.send_response for a small, non-streaming response."""
    headers = [(k.encode("ascii"), v.encode("latin1")) for k, v in response.items()]
    headers += [(b"Set-Cookie", c.output(header="").encode("ascii").strip()) for c in response.cookies.values()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


# The project's middleware whose checks the lane makes itself (password expiry with the audit context,
# the idle timeout). Any other middleware of ours turns the lane off rather than be skipped unnoticed.
EMULATED = frozenset(
    {"peixun.accounts.middleware.PasswordExpiryMiddleware", "peixun.accounts.middleware.IdleTimeoutMiddleware"}
)


# Django's middleware that has nothing to do on the lane: messages are stored only when a view adds or
# reads one, and no lane handler does (its request hook only prepared the storage, a tenth of a request).
UNUSED = frozenset({"django.contrib.messages.middleware.MessageMiddleware"})


def lane_supported() -> bool:
    """PostgreSQL, our database sessions (the user in a column), and no middleware of ours the lane does
    not know; else it is off."""
    return (
        settings.PEIXUN_LANE_POOL > 0
        and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        and SessionStore.__module__ == settings.SESSION_ENGINE
        and not any(p.startswith("peixun.") and p not in EMULATED for p in settings.MIDDLEWARE)
    )


def _never(request: HttpRequest) -> HttpResponse:
    """The lane calls middleware hooks and the CSRF check only: nothing ever calls on to a view."""
    raise AssertionError("never called")


def _conninfo() -> dict[str, Any]:
    from django.db import connections

    params = dict(connections["default"].get_connection_params())
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    params["autocommit"] = True
    # Timestamps come back in UTC, as Django's connections give them (USE_TZ). Every statement of the lane
    # finds its rows through an index; psycopg prepares them from their sixth use, and PostgreSQL then keeps
    # one plan for the connection's life. Made while the attempts table was nearly empty (a new system, or
    # statistics taken before a sitting), that plan read the whole table at every start once it had grown.
    # Without sequential scans the kept plan is the index's, whatever the statistics said at the time.
    params["options"] = (params.get("options", "") + " -c TimeZone=UTC -c enable_seqscan=off").strip()
    return params


async def _read_small_body(receive: Receive) -> tuple[bytes, bool]:
    """The body if it is at most MAX_BODY bytes (more=False); otherwise what was read so far (more=True)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), False
        if size > MAX_BODY:
            return b"".join(chunks), True


def _replaying(body: bytes, more: bool, receive: Receive) -> Receive:
    """A receive that first gives back what the lane read, then the rest from the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


def _plain_json_request(request: HttpRequest) -> bool:
    """A JSON body (or none) and a JSON answer: other content types, query strings and the browsable API
    are the normal path's."""
    content_type, _, charset = request.META.get("CONTENT_TYPE", "").partition(";")
    if request.method == "POST" and content_type.strip().lower() != "application/json":
        return False
    if charset.strip() and charset.replace(" ", "").replace('"', "").lower() != "charset=utf-8":
        return False
    return _accepts_plain_json(request.META.get("HTTP_ACCEPT", "*/*")) and not request.GET


# Media ranges for which DRF's negotiation picks JSONRenderer (text/plain matches no renderer, so DRF
# tries the next range). Any other range (text/*, html, xml: the browsable API or a 406) or parameter
# but q (indent=: indented JSON) is the normal path's.
JSON_RANGES = frozenset({"application/json", "application/*", "*/*"})


def _accepts_plain_json(accept: str) -> bool:
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip().lower() for part in item.split(";"))
        if any(not p.startswith("q=") for p in params):
            return False
        ranges.append(media)
    return all(r in JSON_RANGES or r == "text/plain" for r in ranges) and any(r in JSON_RANGES for r in ranges)


def handler_allow(handler: Handler) -> str:
    """The Allow header DRF gives the same view (set by `allow` on the handler)."""
    return getattr(handler, "allow", "POST, OPTIONS")


class Facts(NamedTuple):
    """What a handler reads in the same round trip as the session (`handler.facts`): a SELECT run beside
    the session's row, in which the signed-in user's columns are `u.<column>`. Its rows reach the
    handler as `LaneRequest.facts`. Read before the session is judged, they are used only once it is."""

    sql: Callable[[], str]
    params: Callable[[dict[str, str]], tuple[Any, ...]]  # from the path's captured values


@functools.cache
def _auth_sql(facts_sql: str | None) -> str:
    """The session, its user's USER_FIELDS and the handler's facts: one row per fact (one when there are
    none), each fact's row led by a mark that it is one."""
    table = Session._meta.db_table
    user = ", ".join("u." + f for f in USER_FIELDS)
    lateral = f"LEFT JOIN LATERAL (SELECT true AS found, h.* FROM ({facts_sql}) h) f ON true " if facts_sql else ""  # noqa: S608
    return (
        f'SELECT s.session_data, s.user_id, {user}{", f.*" if facts_sql else ""} FROM "{table}" s '  # noqa: S608 - names from the models
        f'LEFT JOIN "{User._meta.db_table}" u ON u.id = s.user_id {lateral}'
        f"WHERE s.session_key = %s AND s.expire_date > %s"
    )


async def _authenticate(
    conn: Any, session_key: str, handler: Handler, params: dict[str, str]
) -> tuple[_Presaved, User, list[tuple[Any, ...]]] | None:
    """The session and its user as the session and authentication middleware would find them, and the
    handler's facts; None when Django should judge the request."""
    facts: Facts | None = getattr(handler, "facts", None)
    sql = _auth_sql(facts.sql() if facts else None)
    args = (*facts.params(params), session_key, timezone.now()) if facts else (session_key, timezone.now())
    cursor = await conn.execute(sql, args)
    rows = await cursor.fetchall()
    if not rows:
        return None
    session_data, user_id = rows[0][0], rows[0][1]
    session = _session(session_key, session_data)
    # The user column is written from the data at every save; should they ever disagree, the data is
    # what Django goes by, and the facts were read for the column's user.
    if session is None or user_id is None or _session_user_id(session) != user_id:
        return None
    width = 2 + len(USER_FIELDS)
    user = _accepted_user(session, rows[0][2:width])
    if user is None:
        return None
    return session, user, [row[width + 1 :] for row in rows if facts and row[width]]


# A session row's data → what it decodes to. Decoding (a signature check, base64, JSON) is a function of
# the text alone, and a session's text stays the same from one request to the next until it changes.
# Bounded: emptied when full.
_decoded: dict[str, dict[str, Any]] = {}
MAX_DECODED = 20_000  # some 13 MB at most


def _session(session_key: str, session_data: str) -> _Presaved | None:
    session = _Presaved(session_key=session_key)
    data = _decoded.get(session_data)
    if data is None:
        data = session.decode(session_data)
        if len(_decoded) >= MAX_DECODED:
            _decoded.clear()
        _decoded[session_data] = data
    if not data:
        return None
    session._session_cache = dict(data)  # the idle refresh changes it
    session.accessed = True  # as reading it through the middleware would: the answer varies by Cookie
    return session


# get_session_auth_hash reads password and session_generation (raised to end every session); str(user)
# display_name or username, as an audit record names its actor. In the model's order, as from_db takes them.
USER_FIELDS = tuple(
    f.attname
    for f in User._meta.concrete_fields
    if f.attname
    in {
        "id",
        "password",
        "session_generation",
        "is_active",
        "password_changed_at",
        "cadre_id",
        "username",
        "display_name",
    }
)


def _session_user_id(session: _Presaved) -> int | None:
    """The user id the session names through one of our backends, as Django's get_user reads it."""
    data = session._session_cache
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    return session_user_id(data)


def _accepted_user(session: _Presaved, row: tuple[Any, ...]) -> User | None:
    """The user of a USER_FIELDS row, if there is one, active, their password not expired and the
    session's hash theirs."""
    if row[0] is None:
        return None
    # The fields not read are deferred: a handler touching one fails (and hands over), never reads a default.
    user = User.from_db("default", USER_FIELDS, row)
    if not user.is_active or password_is_expired(user):
        return None
    if not constant_time_compare(session._session_cache.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return user


async def _refresh_idle_session(conn: Any, request: HttpRequest, session: _Presaved) -> None:
    """IdleTimeoutMiddleware's step: push the expiry on at most once a SESSION_IDLE_REFRESH_SECONDS."""
    if request.META.get(BACKGROUND_HEADER):
        return
    now = int(time.time())
    if now - int(session.get(LAST_ACTIVITY_KEY, 0)) < settings.SESSION_IDLE_REFRESH_SECONDS:
        return
    session[LAST_ACTIVITY_KEY] = now
    table = Session._meta.db_table
    await conn.execute(
        f'UPDATE "{table}" SET session_data = %s, expire_date = %s WHERE session_key = %s',  # noqa: S608
        (session.encode(session._session_cache), session.get_expiry_date(), session.session_key),
    )


# --- Writing model rows on the lane ------------------------------------------------------------------


@functools.cache
def insert_sql(model: type[Any], rows: int, *, returning: str = "", on_conflict: str = "") -> tuple[str, list[Any]]:
    """An INSERT of `rows` rows of `model` (every concrete field but the id) as Django would write them,
    and the fields in column order (for `insert_params`)."""
    from django.db import connection

    q = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([one] * rows)}"
        + (f" {on_conflict}" if on_conflict else "")
        + (f" RETURNING {q(returning)}" if returning else "")
    )
    return sql, fields


def insert_params(instances: list[Any], fields: list[Any]) -> list[Any]:
    """The values of `instances` for `insert_sql`, prepared by each field as a save would prepare them."""
    connection = _database()
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in instances for f in fields]


def _database() -> Any:
    """The default connection's wrapper itself: through the `connection` proxy every use of it (several
    per prepared value) is a context-local lookup. Only its operations are used, never a query."""
    from django.db import connections

    return connections["default"]
