"""Real websocket clients and servers for the chat tests: uvicorn serving config.asgi, `websockets` clients.

`ChatClient` behaves like the browser component: it keeps the events it has by sequence number,
drops duplicates, and reconnects with the last sequence number it saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
import websockets
from django.test import Client
from websockets.exceptions import InvalidStatus

TIMEOUT = 10.0


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@contextmanager
def uvicorn_thread(*, static: bool = False) -> Iterator[str]:
    """config.asgi served by uvicorn in a thread of this process, on a free port; yields ws://host:port.
    With static=True it also serves /static/ (for browser tests)."""
    from config.asgi import application

    if static:
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        application = ASGIStaticFilesHandler(application)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(application, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Refused(Exception):
    pass


class ChatClient:
    def __init__(self, base: str, lecture_id: int, cookie: str) -> None:
        self.base, self.lecture_id, self.cookie = base, lecture_id, cookie
        self.ws: Any = None
        self.events: dict[int, dict[str, Any]] = {}
        self.received_seqs: list[int] = []  # every event seq received, duplicates included
        self.frames: list[dict[str, Any]] = []  # every non-event frame (welcome, ack, error, ...)
        self.welcome: dict[str, Any] = {}
        self.last_seq: int | None = None

    async def connect(self, *, resume: bool = True) -> ChatClient:
        url = f"{self.base}/ws/chat/{self.lecture_id}/"
        if resume and self.last_seq is not None:
            url += f"?last_seq={self.last_seq}"
        origin = self.base.replace("ws://", "http://")
        try:
            self.ws = await websockets.connect(
                url, additional_headers={"Cookie": self.cookie}, origin=origin, open_timeout=TIMEOUT
            )
        except InvalidStatus as exc:
            raise Refused(exc.response.status_code) from None
        self.welcome = await self.next_frame(lambda f: f["type"] == "welcome")
        return self

    def _take(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "event":
            self._event(frame)
            return
        if frame.get("type") in {"resume", "history", "questions"}:
            for event in frame["events"]:
                self._event(event, count=frame["type"] == "resume")
        if frame.get("type") == "welcome" and frame.get("snapshot") != "resume":
            self.last_seq = frame["last_seq"]
        self.frames.append(frame)

    def _event(self, event: dict[str, Any], count: bool = True) -> None:
        if count:
            self.received_seqs.append(event["seq"])
        self.events.setdefault(event["seq"], event)
        if self.last_seq is None or event["seq"] > self.last_seq:
            self.last_seq = event["seq"]

    async def next_frame(self, pred: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT) -> dict[str, Any]:
        async def loop() -> dict[str, Any]:
            while True:
                frame = json.loads(await self.ws.recv())
                self._take(frame)
                if pred(frame):
                    return frame

        return await asyncio.wait_for(loop(), timeout)

    async def until_seq(self, seq: int, timeout: float = TIMEOUT) -> None:
        if self.last_seq is not None and self.last_seq >= seq:
            return
        await self.next_frame(lambda f: (self.last_seq or 0) >= seq, timeout)

    async def drain(self, seconds: float = 0.3) -> None:
        with contextlib.suppress(TimeoutError):
            await self.next_frame(lambda f: False, timeout=seconds)

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def say(self, text: str, client_id: str, question: bool = False) -> dict[str, Any]:
        await self.send(type="send", client_id=client_id, text=text, question=question)
        return await self.next_frame(lambda f: f["type"] in {"ack", "error"} and f.get("client_id") == client_id)

    def messages(self) -> list[str]:
        return [e["msg"]["text"] for s, e in sorted(self.events.items()) if e["kind"] == "message"]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
