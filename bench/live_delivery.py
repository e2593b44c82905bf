"""Benchmark: authorised live delivery. 4,200 viewers (BENCH_LIVE_VIEWERS) each fetch the playlist and the
newest segment every second with their own signed URL, for 60 s (BENCH_LIVE_SECONDS), from the real stack
(nginx + uvicorn) while ffmpeg publishes a small test pattern. Ours: nginx checks each token itself
(secure_link). Baseline, same run: nginx asks Django about every request (auth_request, no cache; the
view checks the token, loads the account and the stream and calls lecture_may_attend), with the same
number of uvicorn workers (BENCH_LIVE_APP_WORKERS, 2). Figures: errors, requests/s, latency, and the CPU
seconds nginx and the app used (from /proc, per process group). The viewers are enrolled trainees.
Segments are small (160x120) on purpose: this measures authorisation, not bandwidth. Clients are raw
asyncio HTTP/1.1 keep-alive connections, one per viewer, in BENCH_LIVE_CLIENTS processes sharing the
machine's cores with the server, so the figures understate the server alone.
Run: .venv/bin/python bench/live_delivery.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# --- client process (python bench/live_delivery.py --client <json>) ------------------------------


async def viewer(host: str, port: int, playlist: str, until: float, stats: dict) -> None:
    reader = writer = None
    prefix = playlist.rsplit("/", 1)[0] + "/"

    async def get(path: str) -> tuple[int, bytes]:
        nonlocal reader, writer
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await reader.readexactly(length) if length else b""
        if close:
            writer.close()
            writer = None
        return status, body

    async def timed(path: str) -> bytes | None:
        nonlocal writer
        started = time.monotonic()
        try:
            status, body = await asyncio.wait_for(get(path), timeout=10)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            stats["errors"][type(e).__name__] = stats["errors"].get(type(e).__name__, 0) + 1
            if writer is not None:
                writer.close()
                writer = None
            return None
        stats["latencies"].append(time.monotonic() - started)
        if status != 200:
            stats["errors"][str(status)] = stats["errors"].get(str(status), 0) + 1
            return None
        stats["ok"] += 1
        stats["bytes"] += len(body)
        return body

    await asyncio.sleep(random.random())  # viewers joined at different moments
    tick = time.monotonic()
    while time.monotonic() < until:
        body = await timed(playlist)
        if body is not None:
            names = [n for n in body.decode(errors="replace").splitlines() if n and not n.startswith("#")]
            if names:
                await timed(prefix + names[-1])
        tick += 1.0
        await asyncio.sleep(max(0.0, tick - time.monotonic()))
    if writer is not None:
        writer.close()


async def client_main(spec: dict) -> None:
    until = time.monotonic() + spec["seconds"]
    stats: dict = {"ok": 0, "bytes": 0, "errors": {}, "latencies": []}
    await asyncio.gather(*(viewer(spec["host"], spec["port"], url, until, stats) for url in spec["urls"]))
    lat = sorted(stats.pop("latencies"))
    stats["n_lat"] = len(lat)
    stats["lat_sample"] = lat[:: max(1, len(lat) // 2000)]
    print(json.dumps(stats))


if len(sys.argv) > 2 and sys.argv[1] == "--client":
    asyncio.run(client_main(json.loads(Path(sys.argv[2]).read_text())))
    sys.exit(0)


# --- the benchmark ---------------------------------------------------------------------------------

from _common import free_port, pct, prepare  # noqa: E402

PG_URL = os.environ.get("BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peixun_bench_live")
TMP, ON_PG, ENV = prepare(name="live_delivery", pg_url=PG_URL)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from peixun.accounts.models import User  # noqa: E402
from peixun.core.stack import Stack  # noqa: E402
from peixun.live import testing, tokens  # noqa: E402
from peixun.live.models import LiveStream  # noqa: E402
from peixun.live.services import encoder_stream_key  # noqa: E402
from peixun.org.models import Cadre, Unit, UnitKind  # noqa: E402
from peixun.training.models import Enrolment, EnrolmentChannel, EnrolmentStatus  # noqa: E402
from peixun.training.tests.factories import LectureFactory  # noqa: E402

VIEWERS = int(os.environ.get("BENCH_LIVE_VIEWERS", "4200"))
SECONDS = float(os.environ.get("BENCH_LIVE_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_LIVE_CLIENTS", "3"))
APP_WORKERS = int(os.environ.get("BENCH_LIVE_APP_WORKERS", "2"))
CLK = os.sysconf("SC_CLK_TCK")


def seed() -> tuple[list[LiveStream], list[int]]:
    unit = Unit.objects.create(code="BENCH-LIVE", name="基准单位", kind=UnitKind.PROVINCE)
    lecture = LectureFactory(is_live=True, starts_at=timezone.now() - dt.timedelta(minutes=1), duration_minutes=120)
    cadres = Cadre.objects.bulk_create(
        Cadre(employee_number=f"LV{i:05d}", name=f"学员{i}", gender="M", birth_date=dt.date(1980, 1, 1), unit=unit)
        for i in range(VIEWERS)
    )
    users = User.objects.bulk_create(
        User(username=f"lv{i:05d}", display_name=c.name, cadre=c, password="!") for i, c in enumerate(cadres)
    )
    Enrolment.objects.bulk_create(
        Enrolment(training_class=lecture.training_class, cadre=c, status=EnrolmentStatus.ENROLLED,
                  channel=EnrolmentChannel.ORG_ADMIN)
        for c in cadres
    )  # fmt: skip
    # One stream per run: the first run's publisher may still count as live when the second starts.
    second = LectureFactory(
        training_class=lecture.training_class, is_live=True, starts_at=lecture.starts_at, duration_minutes=120
    )
    streams = [LiveStream.objects.create(lecture=lecture), LiveStream.objects.create(lecture=second)]
    return streams, [u.pk for u in users]


def signed_urls(stream: LiveStream, uids: list[int]) -> list[str]:
    # What playback_url returns for each viewer, without 4,200 lecture_may_attend calls here.
    expires = tokens.playback_expires() + int(SECONDS) + 300
    secret = tokens.hls_secret()
    sign = tokens.signing.sign
    return [
        f"/hls/{uid}/{expires}/{sign(secret, expires=expires, resource=stream.name, uid=uid)}/{stream.name}/index.m3u8"
        for uid in uids
    ]


def cpu_seconds(pgid: int) -> float:
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(12) stime(13)
            total += int(fields[11]) + int(fields[12])
    return total / CLK


def run(mode: str, stream: LiveStream, urls: list[str]) -> dict:
    var = Path(tempfile.mkdtemp(prefix=f"live-delivery-{mode}-", dir=TMP))
    env = {**os.environ, "PEIXUN_LIVE_HLS_AUTH": "django" if mode == "baseline" else "nginx", "PEIXUN_DB_POOL": "8"}
    stack = Stack(
        port=free_port(), app_port=free_port(), rtmp_port=free_port(), host="127.0.0.1", var_dir=var,
        static_root=var / "static", media_root=var / "media", env=env, log_dir=var / "logs", celery=False,
        app_workers=APP_WORKERS,
    )  # fmt: skip
    connection.close()
    stack.start()
    studio = None
    try:
        key = encoder_stream_key(stream)
        studio = testing.publish(
            f"rtmp://127.0.0.1:{stack.rtmp_port}/live/{key}", seconds=SECONDS + 60, size="160x120", fps=10
        )
        probe = stack.url.rstrip("/") + urls[0]
        if not testing.wait_for(lambda: testing.http_status(probe) == 200, timeout=30):
            raise SystemExit(f"{mode}: the playlist never appeared")
        testing.wait_for(lambda: False, timeout=3)  # a few segments in the playlist
        groups = {c.name: c.process.pid for c in stack.children}
        before = {name: cpu_seconds(pid) for name, pid in groups.items()}
        procs = []
        for i in range(CLIENTS):
            spec = var / f"client{i}.json"
            spec.write_text(json.dumps({"host": "127.0.0.1", "port": stack.port, "seconds": SECONDS,
                                        "urls": urls[i::CLIENTS]}))  # fmt: skip
            procs.append(subprocess.Popen([sys.executable, __file__, "--client", str(spec)], stdout=subprocess.PIPE))
        started = time.monotonic()
        outputs = [json.loads(p.communicate(timeout=SECONDS + 120)[0]) for p in procs]
        span = time.monotonic() - started
        after = {name: cpu_seconds(pid) for name, pid in groups.items()}
    finally:
        if studio is not None:
            studio.kill()
            studio.wait()
        stack.stop()
    errors: dict[str, int] = {}
    for out in outputs:
        for kind, n in out["errors"].items():
            errors[kind] = errors.get(kind, 0) + n
    lat = [x for out in outputs for x in out["lat_sample"]]
    ok = sum(out["ok"] for out in outputs)
    return {
        "ok": ok, "errors": errors, "n_errors": sum(errors.values()), "rps": ok / SECONDS, "span": span,
        "p99": pct(lat, 0.99), "bytes": sum(out["bytes"] for out in outputs),
        "nginx_cpu": after["nginx"] - before["nginx"], "app_cpu": after["uvicorn"] - before["uvicorn"],
    }  # fmt: skip


def main() -> None:
    call_command("migrate", verbosity=0)
    (stream, base_stream), uids = seed()
    ours = run("ours", stream, signed_urls(stream, uids))
    base = run("baseline", base_stream, signed_urls(base_stream, uids))
    wanted = VIEWERS * 2
    detail = lambda r: ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "none"  # noqa: E731
    print(
        f"# {VIEWERS} viewers x {SECONDS:.0f} s in {CLIENTS} client processes, {APP_WORKERS} uvicorn workers; "
        f"database {'PostgreSQL' if ON_PG else 'SQLite'}; "
        f"segments ~{ours['bytes'] / max(ours['ok'], 1) / 1024:.1f} KiB "
        f"per request on average; cores {os.cpu_count()} shared with the clients; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"live delivery errors: {ours['n_errors']} ({detail(ours)}) (target 0; baseline {base['n_errors']} "
        f"({detail(base)}), ratio {ours['n_errors'] / max(base['n_errors'], 1):.3f})"
    )
    print(
        f"live delivery requests/s: {ours['rps']:.0f} (target {wanted}; baseline {base['rps']:.0f}, "
        f"ratio {ours['rps'] / max(base['rps'], 1e-9):.2f})"
    )
    print(
        f"live delivery p99 latency: {ours['p99'] * 1000:.0f} ms (target < 1000 ms; "
        f"baseline {base['p99'] * 1000:.0f} ms, "
        f"ratio {ours['p99'] / max(base['p99'], 1e-9):.2f})"
    )
    for who in ("nginx", "app"):
        mine, theirs = ours[f"{who}_cpu"] / ours["span"], base[f"{who}_cpu"] / base["span"]
        print(
            f"live delivery {who} CPU: {mine:.2f} cores ({ours[f'{who}_cpu']:.1f} s in {ours['span']:.0f} s) "
            f"(target nginx + app < 1 core; baseline {theirs:.2f} cores, ratio {mine / max(theirs, 1e-9):.2f})"
        )
    total, base_total = (
        (ours["nginx_cpu"] + ours["app_cpu"]) / ours["span"],
        (base["nginx_cpu"] + base["app_cpu"]) / base["span"],
    )
    projected, base_projected = wanted * total / max(ours["rps"], 1e-9), wanted * base_total / max(base["rps"], 1e-9)
    print(
        f"live delivery CPU projected to the full {wanted} requests/s (nginx + app, from the measured cost per "
        f"request): {projected:.2f} cores (target < 1 core; baseline {base_projected:.1f} cores, "
        f"ratio {projected / max(base_projected, 1e-9):.4f})"
    )
    print(
        f"live delivery CPU per 1,000 requests: {1000 * total / max(ours['rps'], 1e-9):.3f} core-s "
        f"(target lower than the baseline; baseline {1000 * base_total / max(base['rps'], 1e-9):.3f} core-s, "
        f"ratio {(total / max(ours['rps'], 1e-9)) / max(base_total / max(base['rps'], 1e-9), 1e-12):.3f})"
    )


if __name__ == "__main__":
    main()
