"""The client side of bench/chat_fanout.py: many raw websocket connections per process, kept light so
that the benchmark measures the server (no JSON decoding; one connection in SAMPLE records latencies)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import sys
import time
from pathlib import Path

HIST_MAX_MS = 60_000
SAMPLE = 25  # one connection in SAMPLE records latencies
# Every server event frame starts so (the fan-out sends the stored frames as they are): the sequence number
# is read from a fixed offset, and no frame is JSON-decoded on the clients' hot path.
EVENT_PREFIX = b'{"type":"event","seq":'
SEQ_AT = len(EVENT_PREFIX)


def raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


# --- client worker: many raw websocket connections in one process --------------------------------


class Conn(asyncio.Protocol):
    """A minimal websocket client: handshake, unmasked server frames in, masked pongs out."""

    def __init__(self, worker: ClientWorker, request: bytes) -> None:
        self.w = worker
        self.request = request
        self.buf = bytearray()
        self.upgraded = False
        self.ready: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.last = 0
        self.open = False
        self.transport: asyncio.Transport | None = None
        # Every connection counts the events it receives (a sequence number read at a fixed offset); one in
        # SAMPLE also reads the send time out of the text (keeps the clients' CPU, which shares the cores
        # with the server, low).
        worker.made += 1
        self.timed = worker.made % SAMPLE == 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if not self.ready.done():
            self.ready.set_result(False)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            ok = buf[:16].find(b" 101") >= 0
            del buf[: end + 4]
            self.upgraded = True
            self.open = ok
            if not self.ready.done():
                self.ready.set_result(ok)
            if not ok:
                self.transport.close()  # type: ignore[union-attr]
                return
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, n = buf[pos], buf[pos + 1] & 0x7F
            hdr = 2
            if n == 126:
                if size - pos < 4:
                    break
                n, hdr = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif n == 127:
                if size - pos < 10:
                    break
                n, hdr = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < hdr + n:
                break
            start = pos + hdr
            pos = start + n
            op = b0 & 0x0F
            if op == 1:
                if buf.startswith(EVENT_PREFIX, start):
                    j = start + SEQ_AT
                    seq = int(buf[j : buf.find(b",", j)])
                    if seq > self.last:
                        self.last = seq
                        w = self.w
                        if seq >= w.lo:
                            w.count += 1
                            if self.timed:
                                self.on_timed(bytes(buf[j:pos]))
                        else:
                            w.late += 1
            elif op == 9:
                self.send_control(0xA, bytes(buf[start:pos]))
            elif op == 8:
                self.open = False
                self.transport.close()  # type: ignore[union-attr]
        del buf[:pos]

    def send_control(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload))) + mask + masked)  # type: ignore[union-attr]

    def on_timed(self, payload: bytes) -> None:
        i = payload.find(b'"text":"b|')
        if i < 0:
            return
        sent = payload[i + 10 : payload.find(b'"', i + 10)].rsplit(b"|", 1)[1]
        ms = max(0, min(int((time.time() - float(sent)) * 1000), HIST_MAX_MS))
        hist = self.w.hist
        hist[ms] = hist.get(ms, 0) + 1


class ClientWorker:
    def __init__(self, port: int, path: str, cookies: list[str]) -> None:
        self.port, self.path, self.cookies = port, path, cookies
        self.conns: list[Conn] = []
        self.made = 0
        # The phase being measured: events numbered from `lo` on count for it (they arrive in order on
        # every connection); an event of an earlier phase arriving during it counts as late.
        self.lo = 1 << 62
        self.count = self.late = 0
        self.hist: dict[int, int] = {}

    def mark(self, lo: int) -> None:
        self.lo, self.count, self.late, self.hist = lo, 0, 0, {}

    def request(self, cookie: str) -> bytes:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: http://127.0.0.1:{self.port}",
        ]
        if cookie and cookie != "-":
            lines.append(f"Cookie: sessionid={cookie}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def connect_all(self) -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(48)

        async def one(cookie: str) -> None:
            for _attempt in range(5):
                async with gate:
                    try:
                        _, conn = await loop.create_connection(
                            lambda: Conn(self, self.request(cookie)), "127.0.0.1", self.port
                        )
                        if await asyncio.wait_for(conn.ready, 120):
                            self.conns.append(conn)
                            return
                    except (OSError, TimeoutError):
                        pass
                await asyncio.sleep(0.5)

        await asyncio.gather(*(one(c) for c in self.cookies))
        return len(self.conns), len(self.cookies) - len(self.conns)

    def report(self) -> dict:
        return {
            "event": "report",
            "hist": self.hist,
            "received": self.count,
            "late": self.late,
            "open": sum(1 for c in self.conns if c.open),
        }


async def client_worker_main(port: int, path: str, cookie_file: str) -> None:
    cookies = Path(cookie_file).read_text().split()
    worker = ClientWorker(port, path, cookies)
    ok, failed = await worker.connect_all()
    print(json.dumps({"event": "connected", "ok": ok, "failed": failed}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().split()
        if not line or line[0] == "quit":
            break
        if line[0] == "mark":
            worker.mark(int(line[1]))
            print(json.dumps({"event": "marked"}), flush=True)
        if line[0] == "report":
            print(json.dumps(worker.report()), flush=True)
    for c in worker.conns:
        if c.transport is not None:
            c.transport.close()
