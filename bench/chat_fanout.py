"""Benchmark: chat fan-out to one 5,000-person room, against the per-socket channels_redis baseline.

5,000 websocket clients (--clients, or BENCH_CHAT_CLIENTS) join one lecture's room on one uvicorn worker
serving config.asgi; the client processes (--procs, default 4) run on the same 2 cores as the server, so
the figures understate what the server alone would do. One sender (the teacher) sends 1 message/s, then
20 messages/s, for --seconds (default 60) each, through the real path: websocket frame -> service ->
database -> Redis pub/sub -> the process's hub -> one pre-encoded frame written to every local socket.
Each message carries its send time. The clients stay light so that the figures measure the server: they
decode no JSON, read each event's sequence number at a fixed offset to count it for the phase (events
arrive in order on every connection), and only one connection in SAMPLE reads the send time to record
the delivery latency. A message not received within the drain time after its phase counts as lost.
Sends go through the real group commit (peixun.chat.batching), one teacher socket sending on a schedule.
BENCH_CHAT_KEEP_LOGS=<dir> keeps the servers' logs.

Baseline, in the same run: the same number of clients in a room made of per-socket channels_redis groups
(group_add per socket, group_send per message: the usual Channels pattern, django/channels_redis #62 #83),
served by a small consumer in this file on its own uvicorn worker.

Needs Redis (REDIS_URL, else redis://127.0.0.1:6379/3). Uses a throwaway SQLite database in a temporary
directory. Run: .venv/bin/python bench/chat_fanout.py [--clients 5000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _chat_clients import client_worker_main, raise_fd_limit  # noqa: E402

# --- baseline server: per-socket channels_redis groups ---------------------------------------------


def baseline_app():  # type: ignore[no-untyped-def]
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    class BaselineConsumer(AsyncWebsocketConsumer):
        """The usual Channels room: every socket joins the group; a message is one group_send."""

        async def connect(self) -> None:
            await self.channel_layer.group_add("bench-room", self.channel_name)
            await self.accept()

        async def disconnect(self, code: int) -> None:
            await self.channel_layer.group_discard("bench-room", self.channel_name)

        async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
            await self.channel_layer.group_send("bench-room", {"type": "room.message", "text": text_data})

        async def room_message(self, event: dict) -> None:
            await self.send(text_data=event["text"])

    return ProtocolTypeRouter({"websocket": URLRouter([path("ws/base/", BaselineConsumer.as_asgi())])})


def serve_baseline(fd: int) -> None:
    import django
    import uvicorn

    django.setup()
    sock = socket.socket(fileno=fd)
    server = uvicorn.Server(uvicorn.Config(baseline_app(), lifespan="off", log_level="warning", access_log=False))
    server.run(sockets=[sock])


# --- the run ---------------------------------------------------------------------------------------


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8192)
    sock.set_inheritable(True)
    return sock


def wait_port(port: int, proc: subprocess.Popen | Servers, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(12):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start")


def percentile(hist: dict[int, int], q: float) -> float:
    total = sum(hist.values())
    if not total:
        return float("nan")
    rank, seen = q * total, 0
    for ms in sorted(hist):
        seen += hist[ms]
        if seen >= rank:
            return float(ms)
    return float(max(hist))


class Servers:
    """Worker processes accepting on one shared listening socket, as uvicorn's own workers do; looks like
    one Popen to the code that starts, watches and stops the server."""

    def __init__(self, procs: list[subprocess.Popen]) -> None:
        self.procs = procs

    @classmethod
    def start(cls, argv: list[str], n: int, sock: socket.socket, log: Path, env: dict[str, str]) -> Servers:
        out = log.open("ab")
        return cls(
            [
                subprocess.Popen(
                    argv,
                    cwd=ROOT,
                    pass_fds=[sock.fileno()],
                    env={**os.environ, **env},
                    stdout=subprocess.DEVNULL,
                    stderr=out,
                )
                for _ in range(n)
            ]
        )

    @property
    def returncode(self) -> int | None:
        return next((p.returncode for p in self.procs if p.returncode is not None), None)

    def poll(self) -> int | None:
        return next((rc for rc in (p.poll() for p in self.procs) if rc is not None), None)

    def terminate(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()

    def wait(self, timeout: float) -> None:
        for p in self.procs:
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Run:
    """One server, its client processes and one sender; measures phases."""

    def __init__(self, name: str, port: int, path: str, cookies: list[str], procs: int, tmp: Path) -> None:
        self.name, self.port, self.path, self.cookies, self.procs, self.tmp = name, port, path, cookies, procs, tmp
        self.workers: list[asyncio.subprocess.Process] = []

    async def start_clients(self) -> tuple[int, int, float]:
        t0 = time.monotonic()
        slices = [self.cookies[i :: self.procs] for i in range(self.procs)]
        for i, part in enumerate(slices):
            f = self.tmp / f"{self.name}-cookies-{i}.txt"
            f.write_text("\n".join(c or "-" for c in part))
            proc = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--client-worker", "--port", str(self.port), "--path", self.path,
                "--cookie-file", str(f), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**26,
            )  # fmt: skip
            self.workers.append(proc)
        ok = failed = 0
        for proc in self.workers:
            msg = json.loads(await proc.stdout.readline())  # type: ignore[union-attr]
            ok, failed = ok + msg["ok"], failed + msg["failed"]
        return ok, failed, time.monotonic() - t0

    async def ask(self, line: str) -> list[dict]:
        for proc in self.workers:
            proc.stdin.write(f"{line}\n".encode())  # type: ignore[union-attr]
            await proc.stdin.drain()  # type: ignore[union-attr]
        return [json.loads(await proc.stdout.readline()) for proc in self.workers]  # type: ignore[union-attr]

    async def mark(self, lo: int) -> None:
        """Starts a phase whose first event will carry sequence number `lo`."""
        await self.ask(f"mark {lo}")

    async def report(self) -> dict:
        hist: dict[int, int] = {}
        received = opened = late = 0
        for msg in await self.ask("report"):
            for ms, n in msg["hist"].items():
                hist[int(ms)] = hist.get(int(ms), 0) + n
            received += msg["received"]
            late += msg["late"]
            opened += msg["open"]
        return {"hist": hist, "received": received, "open": opened, "late": late}

    async def stop_clients(self) -> None:
        for proc in self.workers:
            try:
                proc.stdin.write(b"quit\n")  # type: ignore[union-attr]
                await proc.stdin.drain()  # type: ignore[union-attr]
            except (BrokenPipeError, ConnectionResetError):
                pass
        for proc in self.workers:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()


class Sender:
    """The teacher's client: like the browser component, it re-sends what was not acknowledged after a
    reconnect (the server stores each client id once). uvicorn stops reading a socket whose frames queue
    up unprocessed, so a sender far ahead of the store path can lose its connection to a ping timeout."""

    def __init__(self, url: str, session_key: str, origin: str) -> None:
        self.url, self.session_key, self.origin = url, session_key, origin
        self.unacked: dict[str, str] = {}
        self.acked: set[str] = set()
        self.top_seq = 0  # the highest sequence number acknowledged so far
        self.reconnects = 0
        self.ws = None
        self.reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        import websockets

        self.ws = await websockets.connect(
            self.url, additional_headers={"Cookie": f"sessionid={self.session_key}"}, origin=self.origin,
            max_queue=None, compression=None, ping_interval=None, open_timeout=60,
        )  # fmt: skip
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws) -> None:  # type: ignore[no-untyped-def]
        with contextlib.suppress(Exception):
            async for raw in ws:
                if '"type":"ack"' in raw:
                    ack = json.loads(raw)
                    self.acked.add(ack["client_id"])
                    self.unacked.pop(ack["client_id"], None)
                    self.top_seq = max(self.top_seq, ack["seq"])

    async def send(self, frame: str) -> None:
        cid = json.loads(frame)["client_id"]
        self.unacked[cid] = frame
        try:
            await self.ws.send(frame)  # type: ignore[union-attr]
        except Exception:
            await self.reconnect()

    async def reconnect(self) -> None:
        self.reconnects += 1
        if self.reader is not None:
            self.reader.cancel()
        await self.connect()
        for frame in list(self.unacked.values()):
            await self.ws.send(frame)  # type: ignore[union-attr]

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close()  # type: ignore[union-attr]


def store_latencies(phase: str) -> dict[int, int]:
    """Send -> committed in the database, per message of the phase (the part of the latency before fan-out)."""
    from django.db import connection

    from peixun.chat.models import ChatMessage

    hist: dict[int, int] = {}
    try:
        for text, created in ChatMessage.objects.filter(text__startswith=f"b|{phase}|").values_list(
            "text", "created_at"
        ):
            ms = max(0, int((created.timestamp() - float(text.rsplit("|", 1)[1])) * 1000))
            hist[ms] = hist.get(ms, 0) + 1
    finally:
        connection.close()
    return hist


async def send_phase(ws, phase: str, rate: float, seconds: float, frame_for) -> int:  # type: ignore[no-untyped-def]
    """Sends rate*seconds messages on an absolute schedule; returns how many were sent."""
    count = int(rate * seconds)
    t0 = time.monotonic()
    for i in range(count):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await ws.send(frame_for(phase, i, time.time()))
    return count


async def drain_acks(ws, acks: list) -> None:  # type: ignore[no-untyped-def]
    try:
        async for raw in ws:
            if '"type":"ack"' in raw or '"type":"error"' in raw:
                acks.append(json.loads(raw))
    except Exception:
        pass


def fmt(v: float) -> str:
    return "n/a" if v != v else f"{v:.0f}"


def seed(args: argparse.Namespace) -> dict:
    """A class with `clients` enrolled trainees and a teacher, each with a logged-in session."""
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.utils import timezone

    from peixun.accounts.models import RoleGrant, Session, User
    from peixun.accounts.roles import Role
    from peixun.accounts.sessions import SessionStore
    from peixun.offices.models import ResearchOffice
    from peixun.org.models import Cadre, Unit, UnitKind
    from peixun.training.models import Enrolment, EnrolmentChannel, Lecture, TrainingClass, TrainingPlan

    call_command("migrate", verbosity=0)
    province = Unit.objects.create(code="P", name="省纪委监委", kind=UnitKind.PROVINCE)
    province.path = Unit.path_segment(province.pk)
    province.save(update_fields=["path"])
    office = ResearchOffice.objects.create(code="B", name="教研室", field="x")
    today = timezone.localdate()
    plan = TrainingPlan.objects.create(year=today.year, title="计划")
    cls = TrainingClass.objects.create(plan=plan, office=office, title="基准班", start_date=today, end_date=today)
    now = timezone.now()
    cadres = Cadre.objects.bulk_create(
        Cadre(employee_number=f"T{i:06d}", name=f"学员{i}", gender="M", birth_date=dt.date(1985, 1, 1), unit=province)
        for i in range(args.clients + 1)
    )
    users = User.objects.bulk_create(
        User(username=c.employee_number, display_name=c.name, cadre=c, password="!", password_changed_at=now)
        for c in cadres
    )
    teacher = users[-1]
    RoleGrant.objects.create(user=teacher, role=Role.TEACHER)
    lecture = Lecture.objects.create(training_class=cls, topic="专题辅导", starts_at=now, duration_minutes=120,
                                     teacher=teacher)  # fmt: skip
    Enrolment.objects.bulk_create(
        [Enrolment(training_class=cls, cadre=c, channel=EnrolmentChannel.ORG_ADMIN) for c in cadres[:-1]],
        batch_size=1000,
    )
    store, sessions, keys = SessionStore(), [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "peixun.accounts.backends.EmployeeNumberBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}  # fmt: skip
        sessions.append(
            Session(
                session_key=key,
                session_data=store.encode(data),
                expire_date=now + dt.timedelta(hours=6),
                user_id=user.pk,
            )
        )
        keys.append(key)
    Session.objects.bulk_create(sessions, batch_size=1000)
    return {"lecture": lecture.pk, "teacher_key": keys[-1], "student_keys": keys[:-1]}


async def measure(args: argparse.Namespace, seeded: dict) -> None:
    import websockets

    fds = raise_fd_limit()
    tmp = Path(os.environ["PEIXUN_VAR_DIR"])
    teacher_key, student_keys, lecture_pk = seeded["teacher_key"], seeded["student_keys"], seeded["lecture"]
    rates = [float(r) for r in args.rates.split(",")]
    results: dict[str, dict] = {}

    # --- ours ---
    sock = listening_socket()
    server = Servers.start(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--fd", str(sock.fileno()), "--lifespan", "off",
         "--no-access-log", "--log-level", "warning"],
        args.server_workers, sock, tmp / "ours.log", {"PEIXUN_CHAT_RATE": "1000", "PEIXUN_CHAT_BURST": "1000"},
    )  # fmt: skip
    port = sock.getsockname()[1]
    try:
        wait_port(port, server)
        run = Run("ours", port, f"/ws/chat/{lecture_pk}/", student_keys, args.procs, tmp)
        ok, failed, took = await run.start_clients()
        results["ours_connect"] = {"ok": ok, "failed": failed, "seconds": took}
        origin = f"http://127.0.0.1:{port}"
        sender = Sender(f"ws://127.0.0.1:{port}/ws/chat/{lecture_pk}/", teacher_key, origin)
        await sender.connect()
        for rate in rates:
            phase = f"o{rate:g}"
            await run.mark(sender.top_seq + 1)
            sent = await send_phase(
                sender, phase, rate, args.seconds,
                lambda p, i, t: json.dumps({"type": "send", "client_id": f"{p}-{i}", "text": f"b|{p}|{i}|{t:.6f}"}),
            )  # fmt: skip
            await asyncio.sleep(args.drain)
            rep = await run.report()
            stored = sum(1 for cid in sender.acked if cid.startswith(phase + "-"))
            results[phase] = {**rep, "sent": sent, "stored": stored, "expected": ok * stored}
            results[phase]["store_ms"] = await asyncio.to_thread(store_latencies, phase)
        results["sender_reconnects"] = sender.reconnects
        await sender.close()
        results["ours_open_end"] = results[f"o{rates[-1]:g}"]["open"]
        await run.stop_clients()
    finally:
        server.terminate()
        server.wait(30)
        sock.close()

    # --- baseline ---
    if not args.no_baseline:
        sock = listening_socket()
        # The baseline's workers share one channels_redis prefix, so its group spans them all.
        capacity_env = {
            "PEIXUN_BENCH_BASELINE_CAPACITY": str(args.baseline_capacity),
            "PEIXUN_BENCH_BASELINE_PREFIX": f"bench-base-{secrets.token_hex(4)}",
        }
        server = Servers.start(
            [sys.executable, __file__, "--serve-baseline", "--fd", str(sock.fileno())],
            args.server_workers, sock, tmp / "baseline.log", capacity_env,
        )  # fmt: skip
        port = sock.getsockname()[1]
        try:
            time.sleep(1)
            for _ in range(100):
                if server.poll() is not None:
                    raise SystemExit("baseline server died")
                try:
                    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/base/", open_timeout=2):
                        break
                except Exception:
                    await asyncio.sleep(0.3)
            run = Run("base", port, "/ws/base/", [""] * args.clients, args.procs, tmp)
            ok, failed, took = await run.start_clients()
            results["base_connect"] = {"ok": ok, "failed": failed, "seconds": took}
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws/base/", max_queue=None, compression=None, ping_interval=None
            ) as ws:
                counter = itertools.count(1)
                issued = [0]

                def base_frame(p: str, i: int, t: float) -> str:
                    issued[0] = next(counter)
                    return f'{{"type":"event","seq":{issued[0]},"kind":"message","msg":{{"text":"b|{p}|{i}|{t:.6f}"}}}}'

                reader = asyncio.create_task(drain_acks(ws, []))
                for rate in rates:
                    phase = f"b{rate:g}"
                    await run.mark(issued[0] + 1)
                    try:
                        sent = await send_phase(
                            ws, phase, rate, args.baseline_seconds, base_frame,
                        )  # fmt: skip
                    except websockets.ConnectionClosed:
                        # The baseline server stopped reading its sender (a ping timeout): what was meant
                        # to be sent in the phase still counts as expected.
                        sent = int(rate * args.baseline_seconds)
                        results["base_sender_dropped"] = results.get("base_sender_dropped", 0) + 1
                    await asyncio.sleep(args.drain)
                    rep = await run.report()
                    # The sender's own socket is in the group too; it is not one of the measured clients.
                    results[phase] = {**rep, "sent": sent, "stored": sent, "expected": ok * sent}
                reader.cancel()
            results["base_open_end"] = results[f"b{rates[-1]:g}"]["open"]
            await run.stop_clients()
        finally:
            server.terminate()
            server.wait(30)
            sock.close()

    # --- figures ---
    def errors(name: str) -> int:
        log = tmp / name
        return log.read_text(errors="replace").count("Traceback") if log.exists() else 0

    n = args.clients
    cores = os.cpu_count()
    print(
        f"chat sender reconnects (uvicorn stopped reading it while sends queued): {results['sender_reconnects']} "
        "(target 0; baseline n/a, ratio n/a)"
    )
    print(
        f"chat fan-out setup: {n} clients in {args.procs} client processes on the same {cores} cores as the server "
        f"({args.server_workers} uvicorn worker(s) on one listening socket for ours and for the baseline, Redis "
        f"pub/sub, SQLite); {args.seconds:g} s per rate; baseline {args.baseline_seconds:g} s "
        f"per rate, channels_redis capacity {args.baseline_capacity} (baseline sender dropped by its server "
        f"{results.get('base_sender_dropped', 0)} times); drain {args.drain:g} s; fd limit {fds}; "
        f"GIL switch interval {os.environ['PEIXUN_GIL_SWITCH_INTERVAL']} s; "
        f"server tracebacks: ours {errors('ours.log')}, baseline {errors('baseline.log')}"
    )
    oc = results["ours_connect"]
    bc = results.get("base_connect")
    base_held = f"{results['base_open_end']}/{n}" if bc else "n/a"
    held_ratio = (
        results["ours_open_end"] / results["base_open_end"] if bc and results["base_open_end"] else float("nan")
    )
    print(
        f"chat clients held: {results['ours_open_end']}/{n} (target {n}/{n}; baseline {base_held}, ratio "
        f"{held_ratio:.2f})"
    )
    print(
        f"chat connect time for {n} clients: {oc['seconds']:.1f} s (target none; baseline "
        f"{bc['seconds']:.1f} s, ratio {bc['seconds'] / oc['seconds']:.2f})"
        if bc
        else f"chat connect time for {n} clients: {oc['seconds']:.1f} s (target none; baseline n/a, ratio n/a)"
    )
    targets = {1.0: 250, 20.0: 500}
    for rate in rates:
        ours = results[f"o{rate:g}"]
        base = results.get(f"b{rate:g}")
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            mine = percentile(ours["hist"], q)
            theirs = percentile(base["hist"], q) if base else float("nan")
            ratio = theirs / mine if base and mine > 0 else float("nan")
            target = f"≤ {targets.get(rate, 500)} ms" if label == "p99" else "none"
            print(
                f"chat {label} delivery latency at {rate:g} msg/s: {fmt(mine)} ms (target {target}; "
                f"baseline {fmt(theirs)} ms, ratio {ratio:.1f})"
            )
        store = ours["store_ms"]
        print(
            f"chat send-to-stored latency at {rate:g} msg/s: p50 {fmt(percentile(store, 0.5))} ms, p99 "
            f"{fmt(percentile(store, 0.99))} ms; stored {ours['stored']} of {ours['sent']} sent within the phase "
            f"(target none; baseline n/a, ratio n/a)"
        )
        # Counted after the phase and the drain: a message stored or delivered later than that counts here.
        expected = ours["open"] * ours["sent"]
        lost = max(0, expected - ours["received"])
        if base:
            base_lost = max(0, base["open"] * base["sent"] - base["received"])
            base_txt = f"{base_lost} of {base['open'] * base['sent']}"
            ratio_txt = "inf" if lost == 0 and base_lost else f"{(base_lost / lost) if lost else 1.0:.1f}"
        else:
            base_txt, ratio_txt = "n/a", "n/a"
        print(
            f"chat deliveries missing {args.drain:g} s after the {rate:g} msg/s phase: {lost} of {expected}, "
            f"and {ours['late']} of an earlier phase arrived during it "
            f"(target 0; baseline {base_txt}, "
            f"ratio {ratio_txt})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_CHAT_CLIENTS", "5000")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_CHAT_SECONDS", "60")))
    parser.add_argument("--baseline-seconds", type=float, default=None)
    parser.add_argument("--baseline-capacity", type=int, default=100, help="channels_redis capacity (its default)")
    parser.add_argument("--rates", default="1,20")
    parser.add_argument("--procs", type=int, default=4)
    # As deployed: PEIXUN_APP_WORKERS=auto runs one uvicorn worker per core with REDIS_URL (2 here).
    parser.add_argument("--server-workers", type=int, default=int(os.environ.get("BENCH_CHAT_WORKERS", "2")))
    parser.add_argument("--drain", type=float, default=5.0)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--client-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--cookie-file", help=argparse.SUPPRESS)
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_seconds is None:
        args.baseline_seconds = args.seconds

    if args.client_worker:
        raise_fd_limit()
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(client_worker_main(args.port, args.path, args.cookie_file))
        return
    if args.serve_baseline:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django
        from django.conf import settings

        django.setup()
        config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
        config["capacity"] = int(os.environ["PEIXUN_BENCH_BASELINE_CAPACITY"])
        config["prefix"] = os.environ["PEIXUN_BENCH_BASELINE_PREFIX"]  # no stale group members of earlier runs
        serve_baseline(args.fd)
        return

    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:
        raise SystemExit("chat_fanout: needs Redis (REDIS_URL or 127.0.0.1:6379)") from None
    tmp = tempfile.TemporaryDirectory(prefix="peixun-bench-chat-")
    os.environ.update(
        {
            "PEIXUN_VAR_DIR": tmp.name,
            "PEIXUN_HTTPS": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PEIXUN_LOG_LEVEL": "ERROR",
            "REDIS_URL": url,
            "PEIXUN_CACHE_PREFIX": f"bench-chat-{secrets.token_hex(4)}",
            "PEIXUN_CHAT_CHANNEL_PREFIX": f"bench-chat-{secrets.token_hex(4)}",
        }
    )
    # Both servers (ours and the baseline) run with the chat workers' GIL switch interval knob.
    os.environ.setdefault("PEIXUN_GIL_SWITCH_INTERVAL", "0.001")
    os.environ.pop("DATABASE_URL", None)
    try:
        asyncio.run(measure(args, seed(args)))
    finally:
        keep = os.environ.get("BENCH_CHAT_KEEP_LOGS")  # a directory to copy the servers' logs to
        if keep:
            import shutil

            for log in Path(tmp.name).glob("*.log"):
                shutil.copy(log, Path(keep) / log.name)
        tmp.cleanup()


if __name__ == "__main__":
    main()
