"""Benchmark: venue allocation of 5,000 trainees over 154 venues (16 city + 137 county venues + the main
venue), capacities as in the demo (30-200 seats at 50/75/100 % allowed occupancy), some counties
oversubscribed so that overflow and host-city placement happen.

Figures: the optimal solver's time with the model build (cost matrix + sparse LP) included, median of 5
runs, beside a greedy home-first baseline in the same run; the total cost of both (lower is better); and
the whole allocation service (database read + solve + write) on a throwaway SQLite database.
Run: .venv/bin/python bench/allocation.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.TemporaryDirectory(prefix="peixun-bench-alloc-")
os.environ["PEIXUN_VAR_DIR"] = _tmp.name
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from peixun.training.allocation import GroupSpec, VenueSpec, greedy, solve  # noqa: E402
from peixun.training.demo import CITY_CENTRES, PROVINCE_CENTRE  # noqa: E402

TRAINEES = int(os.environ.get("BENCH_TRAINEES", "5000"))
TARGET, STRETCH = 1.0, 0.2


def instance(seed: int = 5) -> tuple[list[GroupSpec], list[VenueSpec]]:
    """154 venues; one supply group per unit (county, city, department, enterprise without intranet)."""
    rng = random.Random(seed)
    venues = [VenueSpec(1, 60, None, *PROVINCE_CENTRE)]
    units: list[tuple[int | None, int | None, float, float, float]] = []  # home, city, lat, lon, weight
    counties_per_city = [9] * 9 + [8] * 7  # 137 county-level commissions
    for c, (lat, lon) in enumerate(CITY_CENTRES.values()):
        vid = len(venues) + 1
        venues.append(VenueSpec(vid, int((120 + rng.randrange(80)) * 0.75), c, lat, lon))
        units.append((vid, c, lat, lon, 2.0))
        for _ in range(counties_per_city[c]):
            vid = len(venues) + 1
            clat, clon = lat + rng.uniform(-0.45, 0.45), lon + rng.uniform(-0.45, 0.45)
            seats = 30 + rng.randrange(60)
            venues.append(VenueSpec(vid, seats * rng.choice((50, 75, 100)) // 100, c, clat, clon))
            units.append((vid, c, clat, clon, rng.choice((0.6, 1.0, 1.0, 1.6))))
        # An enterprise without intranet hosted by this city: its home is the city's venue.
        units.append((venues[-counties_per_city[c] - 1].id, c, lat, lon, 0.5))
    units.append((1, None, *PROVINCE_CENTRE, 3.0))  # provincial departments at the main venue
    total = sum(u[4] for u in units)
    sizes = [int(TRAINEES * u[4] / total) for u in units]
    sizes[0] += TRAINEES - sum(sizes)
    groups = [GroupSpec(i, n, u[0], u[1], u[2], u[3]) for i, (u, n) in enumerate(zip(units, sizes, strict=True))]
    return groups, venues


def timed(fn, *args, runs: int = 5):
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def service_run() -> tuple[float, dict]:
    """The whole allocation service on a database: read enrolments and venues, solve, write placements."""
    import datetime as dt

    from django.utils import timezone

    from peixun.accounts.models import RoleGrant, User
    from peixun.accounts.roles import Role
    from peixun.offices.models import ResearchOffice
    from peixun.org.models import Cadre, Unit, UnitKind
    from peixun.training.models import Enrolment, EnrolmentChannel, Lecture, TrainingClass, TrainingPlan, Venue
    from peixun.training.services_allocation import allocation_run

    call_command("migrate", verbosity=0)
    groups, venues = instance()

    def unit(code: str, kind: str, parent: Unit | None, **kw) -> Unit:
        u = Unit.objects.create(code=code, name=code, kind=kind, parent=parent, **kw)
        u.path = (parent.path if parent else "") + Unit.path_segment(u.pk)
        u.save(update_fields=["path"])
        return u

    province = unit("P", UnitKind.PROVINCE, None)
    by_venue: dict[int, Unit] = {1: province}
    cities: dict[int, Unit] = {}
    Venue.objects.create(
        name="主会场", unit=province, is_main=True, seats=60, latitude=PROVINCE_CENTRE[0], longitude=PROVINCE_CENTRE[1]
    )
    for v in venues[1:]:
        if v.city not in cities:
            cities[v.city] = u = unit(f"C{v.city}", UnitKind.CITY, province)
        else:
            u = unit(f"V{v.id}", UnitKind.COUNTY, cities[v.city])
        by_venue[v.id] = u
        Venue.objects.create(
            name=f"分会场{v.id}", unit=u, seats=v.capacity, allowed_occupancy=100, latitude=v.lat, longitude=v.lon
        )
    today = timezone.localdate()
    plan = TrainingPlan.objects.create(year=today.year, title="计划")
    office = ResearchOffice.objects.create(code="B", name="教研室", field="x")
    cls = TrainingClass.objects.create(plan=plan, office=office, title="基准班", start_date=today, end_date=today)
    Lecture.objects.create(
        training_class=cls,
        topic="课",
        starts_at=timezone.now() + dt.timedelta(days=1),
        duration_minutes=60,
        teacher_name="甲",
    )
    cadres = []
    for g in groups:
        home_unit = by_venue[g.home] if g.home else province
        cadres += [
            Cadre(
                employee_number=f"E{len(cadres) + i:06d}",
                name="学员",
                gender="M",
                birth_date=dt.date(1985, 1, 1),
                unit=home_unit,
            )
            for i in range(g.size)
        ]
    cadres = Cadre.objects.bulk_create(cadres, batch_size=2000)
    Enrolment.objects.bulk_create(
        [Enrolment(training_class=cls, cadre=c, channel=EnrolmentChannel.ORG_ADMIN) for c in cadres], batch_size=2000
    )
    admin = User.objects.create(username="org", password="!")
    RoleGrant.objects.create(user=admin, role=Role.ORG_ADMIN)
    t = time.perf_counter()
    summary = allocation_run(actor=admin, training_class=cls)
    return time.perf_counter() - t, summary


def main() -> None:
    groups, venues = instance()
    trainees = sum(g.size for g in groups)
    capacity = sum(v.capacity for v in venues)
    print(
        f"# {trainees} trainees in {len(groups)} units over {len(venues)} venues, {capacity} seats allowed; "
        f"cores: {os.cpu_count()}"
    )
    solve(groups, venues)  # warm-up: imports and first-call costs are not the figure
    t_opt, opt = timed(solve, groups, venues)
    t_greedy, base = timed(greedy, groups, venues)
    print(
        f"allocation solve time (model build + HiGHS, median of 5): {t_opt * 1000:.0f} ms "
        f"(target < {TARGET * 1000:.0f} ms, stretch {STRETCH * 1000:.0f} ms; baseline greedy home-first "
        f"{t_greedy * 1000:.0f} ms, ratio {t_opt / t_greedy:.1f})"
    )
    print(
        f"allocation cost (lower is better): {opt.cost:.1f} (target optimal; baseline greedy home-first "
        f"{base.cost:.1f}, ratio {opt.cost / base.cost:.3f})"
    )
    print(
        f"allocation unseated: {opt.unseated} (target 0 when seats suffice; baseline greedy {base.unseated}, "
        f"ratio {opt.unseated - base.unseated:+d})"
    )
    t_service, summary = service_run()
    print(
        f"allocation service end to end on SQLite ({summary['enrolled']} enrolments, read + solve + write): "
        f"{t_service:.2f} s (target < 5 s; baseline solve alone {t_opt:.2f} s, ratio {t_service / t_opt:.1f})"
    )


if __name__ == "__main__":
    main()
