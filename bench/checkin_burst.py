"""Benchmark: a check-in burst over HTTP against uvicorn and PostgreSQL.

4,200 trainees (BENCH_CHECKINS) allocated over 150 venues scan their venue's rotating QR code within 10 s
(POST /api/training/lectures/<id>/checkin/ with the code's token). Afterwards the database must hold
exactly one check-in per trainee. The load generator runs on the same 2 cores as the server, so the
figures understate what the server alone would do. Uses a throwaway PostgreSQL database
(peixun_bench_checkin) when PostgreSQL answers on 127.0.0.1:5432, otherwise a temporary SQLite file
(with a note, and 1,000 check-ins by default). Run: .venv/bin/python bench/checkin_burst.py
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import subprocess
import time

from _common import free_port, pct, prepare, sessions_for, start_uvicorn

PG_URL = os.environ.get("BENCH_CHECKIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peixun_bench_checkin")
TMP, ON_PG, ENV = prepare(name="checkin", pg_url=PG_URL)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from peixun.accounts.models import User  # noqa: E402
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
WINDOW = 10.0
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
# Open connections from the phones at once. Each request in flight holds a database connection (Django's
# ASGI handler runs every request's sync code in a thread of its own), and PostgreSQL allows 100.
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "40"))
CSRF = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret for cookie and header alike


def unit(code: str, kind: str, parent: Unit | None) -> Unit:
    u = Unit.objects.create(code=code, name=code, kind=kind, parent=parent)
    u.path = (parent.path if parent else "") + Unit.path_segment(u.pk)
    u.save(update_fields=["path"])
    return u


def seed() -> tuple[Lecture, list[tuple[str, int]]]:
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
    lecture = Lecture.objects.create(
        training_class=cls, topic="专题辅导", starts_at=timezone.now(), duration_minutes=120, teacher_name="甲"
    )
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
    return lecture, people


async def burst(lecture: Lecture, people: list[tuple[str, int]]) -> dict:
    port = free_port()
    server = start_uvicorn(port=port, workers=WORKERS, env=ENV, log=TMP / "uvicorn.log")
    rng = random.Random(3)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    venues = {pk: Venue(pk=pk) for _, pk in people}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    url = f"/api/training/lectures/{lecture.pk}/checkin/"
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits) as client:

            async def scan(key: str, venue_id: int, at: float) -> None:
                await asyncio.sleep(at)
                # The phone reads the code projected right now.
                token = checkin_token(lecture=lecture, venue=venues[venue_id])
                headers = {"Cookie": f"sessionid={key}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
                t = time.perf_counter()
                try:
                    r = await client.post(url, json={"venue": venue_id, "token": token}, headers=headers)
                    if r.status_code == 200:
                        latencies.append(time.perf_counter() - t)
                    else:
                        errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                except Exception as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

            t0 = time.perf_counter()
            await asyncio.gather(*(scan(k, v, rng.uniform(0, WINDOW)) for k, v in people))
            span = time.perf_counter() - t0
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"latencies": latencies, "errors": errors, "span": span}


def report(lecture: Lecture, r: dict) -> None:
    lat, errors, span = r["latencies"], r["errors"], r["span"]
    stored = CheckIn.objects.filter(lecture=lecture).count()
    db = "PostgreSQL" if ON_PG else "SQLite (PostgreSQL not reachable: fallback, not the reference setup)"
    print(
        f"# database: {db}; uvicorn workers: {WORKERS}; cores: {os.cpu_count()}; the load generator shares "
        f"these cores with the server, so the figures understate the server alone; at most {CONCURRENCY} "
        f"requests in flight (latency includes the wait for one); load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"check-ins accepted: {len(lat)} of {N} in {span:.1f} s (target {N} within {WINDOW:.0f} s; "
        f"baseline {N}, ratio {len(lat) / N:.2f})"
    )
    print(
        f"check-in throughput: {len(lat) / span:.0f} /s (target {N / WINDOW:.0f} /s; baseline offered "
        f"{N / WINDOW:.0f} /s, ratio {len(lat) / span / (N / WINDOW):.2f})"
    )
    print(
        f"check-in p50: {pct(lat, 0.5) * 1000:.0f} ms (target < 1000 ms at p99; baseline p99 "
        f"{pct(lat, 0.99) * 1000:.0f} ms, ratio {pct(lat, 0.5) / max(pct(lat, 0.99), 1e-9):.2f})"
    )
    print(
        f"check-in p99: {pct(lat, 0.99) * 1000:.0f} ms (target < 1000 ms; baseline p50 {pct(lat, 0.5) * 1000:.0f} ms, "
        f"ratio {pct(lat, 0.99):.2f})"
    )
    total_errors = sum(errors.values())
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"
    print(f"check-in errors: {total_errors} ({detail}) (target 0; baseline 0, ratio {total_errors})")
    print(
        f"check-ins stored: {stored} (target {len(lat)} = one per accepted scan; baseline {N}, ratio {stored / N:.2f})"
    )


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    lecture, people = seed()
    connection.close()
    results = asyncio.run(burst(lecture, people))
    report(lecture, results)
