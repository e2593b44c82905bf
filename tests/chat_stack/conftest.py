"""Chat workers as separate uvicorn processes sharing the pytest database and one Redis.

Each worker gets its own listening socket (bound here on a free port, passed by fd), so tests can kill
and restart one worker while the other runs. Redis: REDIS_URL, else redis://127.0.0.1:6379/3; the
tests are skipped only when no Redis answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        # Writers of several processes queue on the lock instead of failing at once.
        return f"sqlite:///{db['NAME']}?timeout=20&transaction_mode=IMMEDIATE"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@dataclass
class Worker:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    sock: socket.socket | None = field(default=None, repr=False)

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Worker:
        # The listening socket stays open here across a kill, so a restarted worker takes the same port.
        assert self.sock is not None
        fd = self.sock.fileno()
        argv = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--fd", str(fd),
                "--lifespan", "off", "--no-access-log", "--log-level", "warning"]  # fmt: skip
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                argv, cwd=BASE_DIR, env=self.env, pass_fds=[fd], stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} died: {self.log.read_text()[-3000:]}")
            if self._answers():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-3000:]}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                return s.recv(12).startswith(b"HTTP/1.1")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as when a worker crashes."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.sock is not None:
            self.sock.close()
            self.sock = None


@contextmanager
def worker_pair(tmp_path: Path, **extra_env: str) -> Iterator[tuple[Worker, Worker]]:
    """Two uvicorn workers on the test database and one Redis; extra_env overrides their environment."""
    url = redis_url()
    if not redis_answers(url):
        pytest.skip("no Redis at REDIS_URL / 127.0.0.1:6379")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": url,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PEIXUN_HTTPS": "0",
        "PEIXUN_CHAT_RATE_NS": uuid.uuid4().hex,
        "PEIXUN_CACHE_PREFIX": f"chat-test-{uuid.uuid4().hex[:8]}",
        **extra_env,
    }
    env.pop("DJANGO_ALLOWED_HOSTS", None)
    pair = []
    for name in ("worker-a", "worker-b"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        pair.append(Worker(name, sock.getsockname()[1], env, tmp_path / f"{name}.log", sock=sock))
    try:
        for w in pair:
            w.start()
        yield pair[0], pair[1]
    finally:
        for w in pair:
            w.stop()


@pytest.fixture
def workers(transactional_db, tmp_path) -> Iterator[tuple[Worker, Worker]]:
    with worker_pair(tmp_path) as pair:
        yield pair
