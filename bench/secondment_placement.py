"""Benchmark: placement of 150 candidates over 150 posts, three preferences each, full rule set.

Prints the optimiser's time (pure solve and the whole service with the database), its objective against
an independent MILP optimum (HiGHS) and a greedy baseline measured in the same run.
Run: .venv/bin/python bench/secondment_placement.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.TemporaryDirectory(prefix="peixun-bench-secondment-")
os.environ["PEIXUN_VAR_DIR"] = _tmp.name
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: E402

from peixun.accounts.models import RoleGrant, User  # noqa: E402
from peixun.org.models import Cadre, Unit, UnitKind  # noqa: E402
from peixun.secondment import placement as pl  # noqa: E402
from peixun.secondment.locations import CITY_SEATS  # noqa: E402
from peixun.secondment.models import BatchStatus, Post, Preference, Secondment, SecondmentBatch, Stage  # noqa: E402
from peixun.secondment.services_placement import placement_run, placement_specs  # noqa: E402

N = 150
TARGET_S = 1.0
SKILLS = ["审查调查", "财务", "法律", "监督检查", "信访", "巡视巡察", "党风政风", "案件审理"]


def unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    u = Unit.objects.create(code=code, name=name, kind=kind, parent=parent)
    u.path = (parent.path if parent else "") + Unit.path_segment(u.pk)
    u.depth = parent.depth + 1 if parent else 0
    u.save(update_fields=["path", "depth"])
    return u


def build(rng: random.Random) -> SecondmentBatch:
    province = unit("P", "省纪委监委", UnitKind.PROVINCE, None)
    cities, counties = [], []
    for i, name in enumerate(CITY_SEATS):
        city = unit(f"C{i:02d}", f"{name}市纪委监委", UnitKind.CITY, province)
        cities.append(city)
        counties += [unit(f"C{i:02d}-{j}", f"{name}第{j}县纪委监委", UnitKind.COUNTY, city) for j in range(4)]
    enterprises = [unit(f"E{i:02d}", f"省管企业{i}纪委", UnitKind.ENTERPRISE, province) for i in range(25)]
    for e in enterprises:
        e.host_unit = rng.choice(cities)
        e.save(update_fields=["host_unit"])
    universities = [
        unit(f"U{i:02d}", f"{rng.choice(list(CITY_SEATS))}高校{i}纪委", UnitKind.UNIVERSITY, province)
        for i in range(15)
    ]
    batch = SecondmentBatch.objects.create(
        year=2026,
        title="基准批次",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 8, 31),
        reference_date=dt.date(2026, 3, 1),
        status=BatchStatus.OPEN,
    )
    # Posts: half in enterprises and universities (for city and county cadres), half in cities and counties.
    hosts = enterprises + universities
    posts = []
    for i in range(N):
        where = rng.choice(hosts) if i % 2 == 0 else rng.choice(cities + counties)
        posts.append(
            Post(
                batch=batch,
                receiving_unit=where,
                title=f"岗位{i}",
                capacity=1,
                required_skills=[rng.choice(SKILLS)] if rng.random() < 0.2 else [],
                preferred_skills=rng.sample(SKILLS, rng.randint(1, 3)),
            )
        )
    Post.objects.bulk_create(posts)
    posts = list(batch.posts.select_related("receiving_unit"))
    matrix = batch.matrix
    cadres, rows = [], []
    for i in range(N):
        home = rng.choice(cities + counties) if i % 2 == 0 else rng.choice(hosts)
        cadres.append(
            Cadre(
                employee_number=f"B{i:05d}",
                name=f"干部{i}",
                gender="M",
                birth_date=dt.date(1985, 1, 1),
                unit=home,
                work_start_date=dt.date(2010, 7, 1),
            )
        )
    Cadre.objects.bulk_create(cadres)
    for c in Cadre.objects.select_related("unit"):
        rows.append(
            Secondment(
                batch=batch,
                cadre=c,
                sending_unit=c.unit,
                channel="applied",
                stage=Stage.APPROVED,
                eligible=True,
                skills=rng.sample(SKILLS, rng.randint(1, 4)),
            )
        )
    Secondment.objects.bulk_create(rows)
    prefs = []
    for s in Secondment.objects.select_related("sending_unit"):
        allowed = [p for p in posts if p.receiving_unit.kind in matrix.get(s.sending_unit.kind, [])]
        for rank, p in enumerate(rng.sample(allowed, 3), 1):
            prefs.append(Preference(secondment=s, post=p, rank=rank))
    Preference.objects.bulk_create(prefs)
    return batch


def milp_objective(cands, posts, matrix) -> float:
    scores = pl.score_matrix(cands, posts, matrix)
    pairs = np.argwhere(scores > 0)
    n, m = len(cands), len(posts)
    a = np.zeros((n + m, len(pairs)))
    for k, (i, j) in enumerate(pairs):
        a[i, k] = 1
        a[n + j, k] = 1
    upper = [1.0] * n + [p.capacity for p in posts]
    res = milp(
        -scores[pairs[:, 0], pairs[:, 1]],
        constraints=LinearConstraint(a, -np.inf, upper),
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0, 1),
    )
    return -res.fun


def best_of(runs: int, func):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    batch = build(rng)
    admin = User.objects.create(username="bench-org", display_name="组织部")
    RoleGrant.objects.create(user=admin, role="org_admin")
    _, cands, posts = placement_specs(batch)
    matrix = batch.matrix
    solve_s, result = best_of(5, lambda: pl.solve(cands, posts, matrix))
    greedy_s, baseline = best_of(5, lambda: pl.greedy(cands, posts, matrix))
    service_s, _ = best_of(3, lambda: placement_run(actor=admin, batch=batch))
    optimum = milp_objective(cands, posts, matrix)
    gap = optimum - result.objective

    def first_choices(r: pl.PlacementResult) -> int:
        return sum(1 for c in r.choices.values() if c.reason.startswith("第一志愿"))

    print(
        f"secondment placement solve (150x150, 3 prefs): {solve_s * 1000:.1f} ms "
        f"(target < {TARGET_S * 1000:.0f} ms; baseline greedy {greedy_s * 1000:.1f} ms, ratio {solve_s / greedy_s:.2f})"
    )
    print(
        f"secondment placement_run with database: {service_s * 1000:.1f} ms "
        f"(target < {TARGET_S * 1000:.0f} ms; baseline greedy solve {greedy_s * 1000:.1f} ms, "
        f"ratio {service_s / greedy_s:.2f})"
    )
    print(
        f"secondment placement objective: {result.objective:.2f} (target optimal = MILP {optimum:.2f}, "
        f"gap {gap:.2e}; baseline greedy {baseline.objective:.2f}, ratio {result.objective / baseline.objective:.4f})"
    )
    print(
        f"secondment candidates placed: {len(result.placed)} (target max; baseline greedy {len(baseline.placed)}, "
        f"ratio {len(result.placed) / max(1, len(baseline.placed)):.3f})"
    )
    print(
        f"secondment first choices met: {first_choices(result)} (target max within placed; baseline greedy "
        f"{first_choices(baseline)}, ratio {first_choices(result) / max(1, first_choices(baseline)):.3f})"
    )
    if abs(gap) > 1e-6 or solve_s >= TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
