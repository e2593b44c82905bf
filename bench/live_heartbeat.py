"""Benchmark: the watch-time heartbeat, in process, against PostgreSQL.

4,200 viewers (BENCH_VIEWERS) of one live lecture each send a heartbeat every 20 s, i.e. 210 heartbeats a
second. The figure is the cost of one heartbeat in the service (`watch_heartbeat`, what the view calls after
loading the lecture), measured over four rounds of every viewer: the first (which creates each viewer's
record after the full authorisation) and three steady rounds 20 s apart on the simulated clock (with 60 s
slots one round in three credits a new slot, which also updates training's check-in). Target: the steady
heartbeat costs at most 2.4 ms, so that 4,200 viewers need at most half a core of the app.

Baseline, in the same run on a second lecture with the same viewers: the straightforward heartbeat that
authorises every time (`lecture_may_attend`), fetches or creates the record, saves the whole row and hands
the total to training on every heartbeat. Uses a throwaway PostgreSQL database (peixun_bench_live_hb) when
PostgreSQL answers on 127.0.0.1:5432, else a temporary SQLite file (with a note, and 1,000 viewers).
Run: .venv/bin/python bench/live_heartbeat.py
"""

from __future__ import annotations

import copy
import os
import re
import time

from _common import pct, prepare

PG_URL = os.environ.get("BENCH_LIVE_HB_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peixun_bench_live_hb")
TMP, ON_PG, ENV = prepare(name="live_heartbeat", pg_url=PG_URL)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from peixun.accounts.models import User  # noqa: E402
from peixun.live import services_watch as sw  # noqa: E402
from peixun.live.models import WatchRecord  # noqa: E402
from peixun.live.selectors_watch import lecture_for_heartbeat  # noqa: E402
from peixun.offices.models import ResearchOffice  # noqa: E402
from peixun.org.models import Cadre, Unit, UnitKind  # noqa: E402
from peixun.training.models import CheckIn, Enrolment, EnrolmentChannel, Lecture, TrainingClass, TrainingPlan  # noqa: E402
from peixun.training.selectors import lecture_may_attend  # noqa: E402
from peixun.training.services_checkin import watch_time_record  # noqa: E402

N = int(os.environ.get("BENCH_VIEWERS", "4200" if ON_PG else "1000"))
UNITS = 150
PERIOD = sw.HEARTBEAT_SECONDS
TARGET_MS = 2.4
SAMPLE = 50  # viewers per round whose queries are counted (and whose times are left out)
# Transaction control is not a query on a table: BEGIN/COMMIT of the request, savepoints of nested atomics.
CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


def unit(code: str, kind: str, parent: Unit | None) -> Unit:
    u = Unit.objects.create(code=code, name=code, kind=kind, parent=parent)
    u.path = (parent.path if parent else "") + Unit.path_segment(u.pk)
    u.save(update_fields=["path"])
    return u


def seed() -> tuple[list[Lecture], list[User], dt.datetime]:
    province = unit("P", UnitKind.PROVINCE, None)
    city = unit("C", UnitKind.CITY, province)
    counties = [unit(f"K{i}", UnitKind.COUNTY, city) for i in range(UNITS)]
    today = timezone.localdate()
    plan = TrainingPlan.objects.create(year=today.year, title="计划")
    office = ResearchOffice.objects.create(code="B", name="教研室", field="x")
    cls = TrainingClass.objects.create(
        plan=plan, office=office, title="基准班", start_date=today, end_date=today, status="in_progress"
    )
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    lectures = [
        Lecture.objects.create(
            training_class=cls, topic=topic, starts_at=start, duration_minutes=120, teacher_name="甲", is_live=True
        )
        for topic in ("专题辅导", "基线")
    ]
    now = timezone.now()
    cadres = Cadre.objects.bulk_create(
        Cadre(
            employee_number=f"W{i:06d}",
            name=f"观众{i}",
            gender="M",
            birth_date=dt.date(1985, 1, 1),
            unit=counties[i % UNITS],
        )
        for i in range(N)
    )
    users = User.objects.bulk_create(
        User(username=c.employee_number, display_name=c.name, cadre=c, password="!", password_changed_at=now)
        for c in cadres
    )
    Enrolment.objects.bulk_create(
        [Enrolment(training_class=cls, cadre=c, channel=EnrolmentChannel.ORG_ADMIN) for c in cadres], batch_size=1000
    )
    # As in a request: the account is loaded fresh (its grants are computed when first needed).
    return lectures, list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk")), start


@transaction.atomic
def naive_heartbeat(*, actor: User, lecture: Lecture, now: dt.datetime) -> int:
    """The straightforward heartbeat: authorise, fetch or create, save the whole row, credit every time."""
    if not lecture_may_attend(actor=actor, lecture=lecture):
        raise PermissionError
    record, _ = WatchRecord.objects.select_for_update().get_or_create(
        lecture=lecture, user=actor, is_replay=False, defaults={"last_seen_at": now}
    )
    index = int((now - lecture.starts_at).total_seconds() // sw.slot_seconds())
    slots, _ = sw._with_bit(bytes(record.slots or b""), index)
    record.slots = slots
    record.watched_seconds = sw.watched_seconds(slots, lecture)
    record.last_seen_at = now
    record.save()
    watch_time_record(lecture=lecture, cadre=actor.cadre, seconds=record.watched_seconds, now=now)
    return record.watched_seconds


def as_in_a_request(user: User) -> User:
    """The account as the auth middleware hands it over: nothing cached on it (grants, cadre)."""
    fresh = copy.copy(user)
    fresh.__dict__.pop("grants", None)
    fresh._state = copy.copy(user._state)
    fresh._state.fields_cache = {}
    return fresh


def rounds(beat, lecture: Lecture, users: list[User], start: dt.datetime) -> list[dict]:
    """Per round: wall times (s), this process's CPU time (s) and the queries (transaction control aside).
    Round 0 is every viewer's first heartbeat; rounds 1 and 2 fall in the same slot, round 3 in a new one."""
    result = []
    for k in range(4):
        now = start + dt.timedelta(minutes=11, seconds=k * PERIOD)
        wall: list[float] = []
        cpu = 0.0
        queries = 0
        for i, user in enumerate(users):
            fresh = as_in_a_request(user)
            if i < SAMPLE:
                # Queries are counted on a sample, untimed: the capturing cursor costs CPU of its own.
                with CaptureQueriesContext(connection) as captured:
                    beat(actor=fresh, lecture=lecture, now=now)
                queries += sum(1 for q in captured.captured_queries if not CONTROL.match(q["sql"]))
                reset_queries()
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            beat(actor=fresh, lecture=lecture, now=now)
            wall.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
        result.append({"wall": wall, "cpu": cpu, "queries": queries / min(SAMPLE, len(users))})
    return result


def ours(*, actor: User, lecture: Lecture, now: dt.datetime) -> None:
    sw.watch_heartbeat(actor=actor, lecture=lecture, is_replay=False, now=now)


def line(name: str, value: float, unit: str, target: str, base: float) -> None:
    print(f"{name}: {value:.2f}{unit} (target {target}; baseline {base:.2f}{unit}, ratio {value / base:.2f})")


def report(r: list[dict], b: list[dict], lecture: Lecture) -> None:
    db = "PostgreSQL" if ON_PG else "SQLite (PostgreSQL not reachable: fallback, not the reference setup)"
    print(
        f"# database: {db}; {N} viewers x 4 rounds, in one process on {os.cpu_count()} cores shared with other "
        f"work; load average {os.getloadavg()[0]:.1f}; slot {sw.slot_seconds()} s, heartbeat every {PERIOD} s; "
        "CPU is this process's (the app's), PostgreSQL's own CPU is not in it"
    )
    steady, base_steady = r[1:], b[1:]
    wall = [t for x in steady for t in x["wall"]]
    base_wall = [t for x in base_steady for t in x["wall"]]
    cpu = sum(x["cpu"] for x in steady) / len(wall) * 1000
    base_cpu = sum(x["cpu"] for x in base_steady) / len(base_wall) * 1000
    line("steady heartbeat app CPU", cpu, " ms", f"<= {TARGET_MS} ms", base_cpu)
    line(
        "heartbeats per app core",
        1000 / cpu,
        " /s",
        f">= {2 * N / PERIOD:.0f} /s, {N} viewers on half a core",
        1000 / base_cpu,
    )
    line(
        "steady heartbeat wall mean",
        sum(wall) / len(wall) * 1000,
        " ms",
        "none, the machine is shared",
        sum(base_wall) / len(base_wall) * 1000,
    )
    line("steady heartbeat wall p99", pct(wall, 0.99) * 1000, " ms", "<= 50 ms", pct(base_wall, 0.99) * 1000)
    same = (r[1]["queries"] + r[2]["queries"]) / 2
    base_same = (b[1]["queries"] + b[2]["queries"]) / 2
    line("queries per heartbeat in an already counted slot", same, "", "2: a locking select and an update", base_same)
    line(
        "queries per heartbeat crediting a new slot",
        r[3]["queries"],
        "",
        "<= 6, with training's credit",
        b[3]["queries"],
    )
    line(
        "first heartbeat wall mean",
        sum(r[0]["wall"]) / len(r[0]["wall"]) * 1000,
        " ms",
        "none: once per viewer, with the full check",
        sum(b[0]["wall"]) / len(b[0]["wall"]) * 1000,
    )
    credited = CheckIn.objects.filter(lecture=lecture, watched_seconds=2 * sw.slot_seconds()).count()
    print(f"viewers credited 2 slots: {credited} (target {N}; baseline n/a, ratio {credited / N:.2f})")


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    (lecture, base_lecture), users, start = seed()
    lecture = lecture_for_heartbeat(pk=lecture.pk)
    base_lecture = lecture_for_heartbeat(pk=base_lecture.pk)
    report(rounds(ours, lecture, users, start), rounds(naive_heartbeat, base_lecture, users, start), lecture)
