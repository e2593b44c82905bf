"""Venue allocation as a transportation problem, solved optimally with HiGHS (scipy).

Pure Python + numpy/scipy, no Django: the service in services_allocation.py builds the inputs.

Trainees with identical cost rows (same home venue and city) are aggregated into one supply group; every
group ships to venues (capacity = allowed occupancy, pins already subtracted) or to a dummy "unseated" sink
with a cost higher than any real placement. The constraint matrix of a transportation problem is totally
unimodular, so a vertex optimum (dual simplex) is integral: the LP optimum is the integer optimum.

Cost of placing one trainee of group g at venue v:
    0                                   if v is g's home venue
    STEP + distance_km(g, v)            otherwise, plus CITY_PENALTY when v lies in another city
    UNSEATED                            for the dummy sink
so home first, then the nearest venue in the same city, then the nearest elsewhere, and nobody is left
unseated while any seat anywhere is free.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

STEP = 1.0
CITY_PENALTY = 1000.0
UNSEATED = 1_000_000.0


@dataclass(frozen=True)
class VenueSpec:
    id: int
    capacity: int
    city: int | None
    lat: float
    lon: float


@dataclass(frozen=True)
class GroupSpec:
    key: object
    size: int
    home: int | None
    city: int | None
    lat: float
    lon: float


@dataclass
class Solution:
    # flows[group key] = [(venue id or None for unseated, count), ...] sorted by cost
    flows: dict[object, list[tuple[int | None, int]]] = field(default_factory=dict)
    cost: float = 0.0
    unseated: int = 0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), rounded to 0.1 km so costs are exact in any formulation."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * 6371.0 * math.asin(min(1.0, math.sqrt(a))), 1)


def cost_matrix(groups: Sequence[GroupSpec], venues: Sequence[VenueSpec]) -> np.ndarray:
    """Cost per trainee: rows are groups, columns venues, the last column the unseated sink."""
    cost = np.empty((len(groups), len(venues) + 1))
    if venues:
        vlat = np.radians(np.array([v.lat for v in venues]))
        vlon = np.radians(np.array([v.lon for v in venues]))
        vcity = np.array([-1 if v.city is None else v.city for v in venues])
        vid = np.array([v.id for v in venues])
    for i, g in enumerate(groups):
        if venues:
            glat, glon = math.radians(g.lat), math.radians(g.lon)
            a = np.sin((vlat - glat) / 2) ** 2 + math.cos(glat) * np.cos(vlat) * np.sin((vlon - glon) / 2) ** 2
            dist = np.round(2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(a))), 1)
            row = STEP + dist + np.where(vcity == (-1 if g.city is None else g.city), 0.0, CITY_PENALTY)
            row[vid == g.home] = 0.0
            cost[i, :-1] = row
        cost[i, -1] = UNSEATED
    return cost


def solve(groups: Sequence[GroupSpec], venues: Sequence[VenueSpec]) -> Solution:
    """The optimal placement of every group's trainees (min total cost, capacities never exceeded).

    Exact pruning keeps the LP small: a group only needs its cheapest venues up to a combined capacity of
    all trainees. If an optimum put a trainee further away, one of those cheaper seats would be free
    (they outnumber the other trainees), and moving the trainee there would not cost more.
    """
    groups = [g for g in groups if g.size > 0]
    if not groups:
        return Solution()
    venues = [v for v in venues if v.capacity > 0]
    n_g, n_v = len(groups), len(venues)
    cost = cost_matrix(groups, venues)
    total = sum(g.size for g in groups)
    caps = np.array([v.capacity for v in venues], dtype=float)
    var_group, var_venue = [], []
    if n_v:
        order = np.argsort(cost[:, :n_v], axis=1, kind="stable")
        cum = np.cumsum(caps[order], axis=1)
        enough = cum >= total
        keep = np.where(enough[:, -1], np.argmax(enough, axis=1) + 1, n_v)
        for i in range(n_g):
            var_group.append(np.full(keep[i], i))
            var_venue.append(order[i, : keep[i]])
    var_group.append(np.arange(n_g))
    var_venue.append(np.full(n_g, n_v))  # the unseated sink
    vg, vv = np.concatenate(var_group), np.concatenate(var_venue)
    n_x = vg.size
    c = cost[vg, vv]
    # Supply rows: each group's flows (venues + sink) add up to its size.
    a_eq = sparse.csr_matrix((np.ones(n_x), (vg, np.arange(n_x))), shape=(n_g, n_x))
    b_eq = np.array([g.size for g in groups], dtype=float)
    real = vv < n_v
    if real.any():
        # Capacity rows: flows into each venue stay within its capacity.
        a_ub = sparse.csr_matrix((np.ones(int(real.sum())), (vv[real], np.flatnonzero(real))), shape=(n_v, n_x))
        result = linprog(c, A_ub=a_ub, b_ub=caps, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs-ds")
    else:
        result = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs-ds")
    if result.status != 0:  # pragma: no cover - a feasible problem by construction (the sink takes all)
        raise RuntimeError(f"allocation LP failed: {result.message}")
    x = np.rint(result.x).astype(int)
    if not np.allclose(result.x, x, atol=1e-6):  # pragma: no cover - total unimodularity guarantees it
        raise RuntimeError("allocation LP returned a fractional vertex")
    solution = Solution(cost=float((c * x).sum()), unseated=int(x[~real].sum()))
    used = np.flatnonzero(x > 0)
    flows: dict[int, list[tuple[float, int | None, int]]] = {}
    for k in used:
        i, j = int(vg[k]), int(vv[k])
        flows.setdefault(i, []).append((cost[i, j], None if j == n_v else venues[j].id, int(x[k])))
    for i, g in enumerate(groups):
        solution.flows[g.key] = [(vid, n) for _, vid, n in sorted(flows.get(i, []), key=lambda f: (f[0], f[1] or 0))]
    return solution


def greedy(groups: Sequence[GroupSpec], venues: Sequence[VenueSpec]) -> Solution:
    """Baseline: groups in order, home first, then the cheapest venue with room (for the benchmark)."""
    groups = [g for g in groups if g.size > 0]
    cost = cost_matrix(groups, venues)
    left = np.array([max(0, v.capacity) for v in venues] + [10**12])
    solution = Solution()
    for i, g in enumerate(groups):
        need, flows = g.size, []
        for j in np.argsort(cost[i], kind="stable"):
            if need == 0:
                break
            take = int(min(need, left[j]))
            if take:
                left[j] -= take
                need -= take
                solution.cost += take * cost[i, j]
                flows.append((None if j == len(venues) else venues[j].id, take))
                if j == len(venues):
                    solution.unseated += take
        solution.flows[g.key] = flows
    return solution
