"""What the HTTP load benchmarks share: a throwaway database, logged-in sessions, a uvicorn to hit.

Import it before Django is set up: `prepare()` decides the database and fills the environment.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _fresh_postgres(url: str) -> bool:
    """Drop and create the benchmark's own database; False when PostgreSQL does not answer."""
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as c:
            name = url.rsplit("/", 1)[1]
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception:
        return False


def prepare(*, name: str, pg_url: str) -> tuple[Path, bool, dict[str, str]]:
    """A temporary var dir, PostgreSQL when it answers (else SQLite there), and the server environment."""
    tmp = Path(tempfile.mkdtemp(prefix=f"peixun-bench-{name}-"))
    on_pg = _fresh_postgres(pg_url)
    env = {
        "PEIXUN_VAR_DIR": str(tmp),
        "PEIXUN_HTTPS": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PEIXUN_LOG_LEVEL": "ERROR",
        # Under ASGI each request runs in a thread of its own: a kept connection would leak per request.
        "PEIXUN_DB_CONN_MAX_AGE": "0",
    }
    if on_pg:
        env["DATABASE_URL"] = pg_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    return tmp, on_pg, env


def sessions_for(users: Iterable[Any], *, hours: int = 6, active: bool = False) -> list[str]:
    """Logged-in session keys made directly: hashing thousands of passwords is not what is measured.
    `active`: the users were active a moment ago (they opened the page they act on), so the idle timeout's
    once-a-minute refresh is not due at their next request."""
    import time

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from peixun.accounts.middleware import LAST_ACTIVITY_KEY
    from peixun.accounts.models import Session
    from peixun.accounts.sessions import SessionStore

    store = SessionStore()
    expire = timezone.now() + dt.timedelta(hours=hours)
    rows, keys = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "peixun.accounts.backends.EmployeeNumberBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        if active:
            data[LAST_ACTIVITY_KEY] = int(time.time())
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire, user_id=user.pk))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    return keys


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_uvicorn(*, port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """uvicorn on 127.0.0.1:port, answering /healthz, its output in a file (an unread pipe blocks it)."""
    import httpx

    from peixun.core.stack import APP_KEEPALIVE_SECONDS

    cmd = [
        sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning", "--no-access-log", "--backlog", "8192",
        # As the stack runs it: idle kept-alive connections (the load generator's stand for nginx's) stay.
        "--timeout-keep-alive", str(APP_KEEPALIVE_SECONDS),
    ]  # fmt: skip
    out = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("uvicorn did not start: " + log.read_text()[-2000:])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Answer:
    """One HTTP/1.1 response read off a kept-alive connection by `_Connection`."""

    def __init__(self, future: Any) -> None:
        self.future, self.buffer, self.length, self.head_end = future, bytearray(), -1, -1


class _Connection:
    """An asyncio protocol: a request written, its response parsed as the bytes arrive (Content-Length
    bodies only, which is what the platform answers). Asyncio's streams cost the load generator about
    twice the CPU, and it shares the server's cores."""

    def __init__(self) -> None:
        self.transport: Any = None
        self.answer: _Answer | None = None
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        answer = self.answer
        if answer is None:
            return
        answer.buffer += data
        if answer.head_end < 0:
            end = answer.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            answer.head_end = end + 4
            fields = bytes(answer.buffer[:end]).lower().split(b"\r\n")
            lengths = [f.partition(b":")[2] for f in fields if f.startswith(b"content-length:")]
            answer.length = int(lengths[0]) if lengths else 0
        if len(answer.buffer) - answer.head_end >= answer.length:
            self.answer = None
            head = bytes(answer.buffer[: answer.head_end]).lower()
            body = bytes(answer.buffer[answer.head_end : answer.head_end + answer.length])
            if not answer.future.done():
                answer.future.set_result((int(head[9:12]), body, b"\r\nconnection: close" in head))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.answer is not None and not self.answer.future.done():
            self.answer.future.set_exception(ConnectionError("connection closed before the response"))

    def eof_received(self) -> None:
        return None

    def pause_writing(self) -> None:
        return None

    def resume_writing(self) -> None:
        return None


class KeepAliveClient:
    """A bare HTTP/1.1 client: `connections` kept-alive connections, requests queued for the next free one
    in their order of arrival, as a front proxy's upstream pool does. httpx spent more CPU per request than
    the platform's fast paths (~1 ms), and the load generator shares the server's cores.

    A freed connection goes straight to the oldest waiting request: with a plain queue, a request arriving
    just then took it first, and a few early requests waited for seconds behind later ones."""

    def __init__(self, port: int, connections: int) -> None:
        import collections

        self.port = port
        self.idle: list[_Connection] = []
        self.waiting: collections.deque[Any] = collections.deque()
        self.size = connections
        self.opened = 0

    async def _connection(self) -> _Connection:
        import asyncio

        if self.idle and not self.waiting:
            return self.idle.pop()
        if self.opened < self.size and not self.waiting:
            self.opened += 1
            return await self._open()
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        connection = await turn
        return connection if connection is not None else await self._open()  # None: open one in its place

    async def _open(self) -> _Connection:
        import asyncio

        try:
            _, protocol = await asyncio.get_running_loop().create_connection(_Connection, "127.0.0.1", self.port)
        except Exception:
            self._release(None)
            raise
        return protocol

    def _release(self, connection: _Connection | None) -> None:
        """Hand a connection (None: a closed one's place) to the oldest waiting request, or keep it idle."""
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(connection)
                return
        if connection is None:
            self.opened -= 1
        else:
            self.idle.append(connection)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        import asyncio

        connection = await self._connection()
        if connection.closed:  # closed by the server while it was idle: a new one in its place
            connection = await self._open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        answer = _Answer(asyncio.get_running_loop().create_future())
        connection.answer = answer
        try:
            connection.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            status, payload, close = await answer.future
        except Exception:
            connection.transport.close()
            self._release(None)
            raise
        if close:
            connection.transport.close()
            self._release(None)
        else:
            self._release(connection)
        return status, payload

    async def close(self) -> None:
        while self.idle:
            self.idle.pop().transport.close()
