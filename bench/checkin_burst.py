"""Benchmark: a check-in burst over HTTP against uvicorn and PostgreSQL.

4,200 trainees (BENCH_CHECKINS) allocated over 150 venues scan their venue's rotating QR code within 10 s
(POST /api/training/lectures/<id>/checkin/ with the code's token), against the server as the stack runs
it: PEIXUN_APP_WORKERS=auto workers (one per core, at most 4), each with the fast lane (peixun.core.lane:
async, its own PostgreSQL pool) in front of the hot path and Django. Each session was last active more
than a minute ago, so every trainee's first request also pushes the session's idle expiry on (a write).
Afterwards the database must hold exactly one check-in per trainee.

Baseline, in the same run, on a second lecture: the same code and workers with the lane and the hot path
turned off (PEIXUN_LANE_POOL=0, PEIXUN_HOTPATH_THREADS=0: Django's ASGI handler, as the previous session
measured it), with a quarter of the trainees (BENCH_BASELINE_CHECKINS) offered at the same rate.

The load generator is a bare HTTP/1.1 client on BENCH_CONCURRENCY kept-alive connections (a front proxy's
upstream pool); it runs on the same 2 cores as the server, so the figures understate what the server alone
would do. Uses a throwaway PostgreSQL database (peixun_bench_checkin) when PostgreSQL answers on
127.0.0.1:5432, otherwise a temporary SQLite file (with a note, and 1,000 check-ins by default).
Run: .venv/bin/python bench/checkin_burst.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import subprocess
import time

from _common import KeepAliveClient, free_port, pct, prepare, sessions_for, start_uvicorn

PG_URL = os.environ.get("BENCH_CHECKIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peixun_bench_checkin")
TMP, ON_PG, ENV = prepare(name="checkin", pg_url=PG_URL)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from peixun.accounts.models import User  # noqa: E402
from peixun.core.stack import DB_POOL_PER_WORKER, MAX_AUTO_WORKERS  # noqa: E402
from peixun.offices.models import ResearchOffice  # noqa: E402
from peixun.org.models import Cadre, Unit, UnitKind  # noqa: E402
from peixun.training.models import (  # noqa: E402
    CheckIn,
    Enrolment,
    EnrolmentChannel,
    Lecture,
    TrainingClass,
    TrainingPlan,
    Venue,
)
from peixun.training.services_checkin import checkin_token  # noqa: E402

N = int(os.environ.get("BENCH_CHECKINS", "4200" if ON_PG else "1000"))
VENUES = 150
WINDOW = float(os.environ.get("BENCH_WINDOW", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS)))))
POOL = os.environ.get("BENCH_DB_POOL", str(DB_POOL_PER_WORKER) if ON_PG else "0")
N_BASE = int(os.environ.get("BENCH_BASELINE_CHECKINS", str(N // 4)))
# Kept-alive connections to the server, as a front proxy's upstream pool; latency includes the wait for one.
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "40"))
CSRF = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret for cookie and header alike


def unit(code: str, kind: str, parent: Unit | None) -> Unit:
    u = Unit.objects.create(code=code, name=code, kind=kind, parent=parent)
    u.path = (parent.path if parent else "") + Unit.path_segment(u.pk)
    u.save(update_fields=["path"])
    return u


def seed() -> tuple[list[Lecture], list[tuple[str, int]]]:
    province = unit("P", UnitKind.PROVINCE, None)
    city = unit("C", UnitKind.CITY, province)
    counties = [unit(f"K{i}", UnitKind.COUNTY, city) for i in range(VENUES)]
    venues = [Venue.objects.create(name=f"分会场{i}", unit=u, seats=100) for i, u in enumerate(counties)]
    today = timezone.localdate()
    plan = TrainingPlan.objects.create(year=today.year, title="计划")
    office = ResearchOffice.objects.create(code="B", name="教研室", field="x")
    cls = TrainingClass.objects.create(
        plan=plan, office=office, title="基准班", start_date=today, end_date=today, status="in_progress"
    )
    lectures = [
        Lecture.objects.create(
            training_class=cls, topic=topic, starts_at=timezone.now(), duration_minutes=120, teacher_name="甲"
        )
        for topic in ("专题辅导", "基线")
    ]
    now = timezone.now()
    cadres = Cadre.objects.bulk_create(
        Cadre(
            employee_number=f"T{i:06d}",
            name=f"学员{i}",
            gender="M",
            birth_date=dt.date(1985, 1, 1),
            unit=counties[i % VENUES],
        )
        for i in range(N)
    )
    users = User.objects.bulk_create(
        User(username=c.employee_number, display_name=c.name, cadre=c, password="!", password_changed_at=now)
        for c in cadres
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(training_class=cls, cadre=c, channel=EnrolmentChannel.ORG_ADMIN, venue=venues[i % VENUES])
            for i, c in enumerate(cadres)
        ],
        batch_size=1000,
    )
    keys = sessions_for(users)
    people = [(key, venues[i % VENUES].pk) for i, key in enumerate(keys)]
    return lectures, people


async def burst(lecture: Lecture, people: list[tuple[str, int]], *, fast: bool, window: float) -> dict:
    port = free_port()
    env = {**ENV, "PEIXUN_DB_POOL": POOL}
    if not fast:
        env.update(PEIXUN_LANE_POOL="0", PEIXUN_HOTPATH_THREADS="0")
    server = start_uvicorn(port=port, workers=WORKERS, env=env, log=TMP / f"uvicorn-{lecture.pk}.log")
    rng = random.Random(3)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    venues = {pk: Venue(pk=pk) for _, pk in people}
    url = f"/api/training/lectures/{lecture.pk}/checkin/"
    client = KeepAliveClient(port, CONCURRENCY)
    try:

        async def scan(key: str, venue_id: int, at: float) -> None:
            await asyncio.sleep(at)
            # The phone reads the code projected right now.
            token = checkin_token(lecture=lecture, venue=venues[venue_id])
            headers = {
                "Cookie": f"sessionid={key}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
                "Content-Type": "application/json",
            }
            body = json.dumps({"venue": venue_id, "token": token}).encode()
            t = time.perf_counter()
            try:
                status, _ = await client.request("POST", url, headers, body)
                if status == 200:
                    latencies.append(time.perf_counter() - t)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
            except Exception as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(scan(k, v, rng.uniform(0, window)) for k, v in people))
        span = time.perf_counter() - t0
    finally:
        await client.close()
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"latencies": latencies, "errors": errors, "span": span}


def report(lecture: Lecture, r: dict, base_lecture: Lecture, b: dict) -> None:
    lat, errors, span = r["latencies"], r["errors"], r["span"]
    stored = CheckIn.objects.filter(lecture=lecture).count()
    rate = len(lat) / span
    base_rate = len(b["latencies"]) / b["span"]
    base_errors = sum(b["errors"].values())
    db = "PostgreSQL" if ON_PG else "SQLite (PostgreSQL not reachable: fallback, not the reference setup)"
    print(
        f"# database: {db}; uvicorn workers: {WORKERS}, pool {POOL} connections each (baseline: the same workers "
        f"with the fast lane and the hot path off, {N_BASE} scans at the same offered rate); cores: "
        f"{os.cpu_count()}; the load generator shares these cores with the server, so the figures understate the "
        f"server alone; at most {CONCURRENCY} kept-alive connections (latency includes the wait for one); load "
        f"average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"check-ins accepted: {len(lat)} of {N} in {span:.1f} s (target {N} within {WINDOW:.0f} s; "
        f"baseline {len(b['latencies'])} of {N_BASE} in {b['span']:.1f} s, ratio {len(lat) / N:.2f})"
    )
    print(
        f"check-in throughput: {rate:.0f} /s (target {N / WINDOW:.0f} /s; baseline {base_rate:.0f} /s, "
        f"ratio {rate / max(base_rate, 1e-9):.2f})"
    )
    print(
        f"check-in p50: {pct(lat, 0.5) * 1000:.0f} ms (target < 1000 ms at p99; baseline p50 "
        f"{pct(b['latencies'], 0.5) * 1000:.0f} ms, ratio {pct(lat, 0.5) / max(pct(b['latencies'], 0.5), 1e-9):.2f})"
    )
    print(
        f"check-in p99: {pct(lat, 0.99) * 1000:.0f} ms (target < 1000 ms; baseline p99 "
        f"{pct(b['latencies'], 0.99) * 1000:.0f} ms, ratio {pct(lat, 0.99) / max(pct(b['latencies'], 0.99), 1e-9):.2f})"
    )
    total_errors = sum(errors.values())
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"
    base_detail = ", ".join(f"{k}: {v}" for k, v in sorted(b["errors"].items())) or "none"
    print(
        f"check-in errors: {total_errors} ({detail}) (target 0; baseline {base_errors} ({base_detail}), "
        f"ratio {total_errors / max(base_errors, 1):.2f})"
    )
    print(
        f"check-ins stored: {stored} (target {len(lat)} = one per accepted scan; baseline "
        f"{CheckIn.objects.filter(lecture=base_lecture).count()} for {len(b['latencies'])}, ratio {stored / N:.2f})"
    )


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    (lecture, base_lecture), people = seed()
    connection.close()
    results = asyncio.run(burst(lecture, people, fast=True, window=WINDOW))
    baseline = asyncio.run(burst(base_lecture, people[:N_BASE], fast=False, window=WINDOW * N_BASE / N))
    report(lecture, results, base_lecture, baseline)
