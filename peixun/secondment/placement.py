"""The placement optimiser: plain data in, an optimal assignment with reasons out (no database here).

Candidates × post seats is an assignment problem. Each allowed pair earns PLACED_BONUS (so placing one
more candidate always beats any gain in fit or preference), plus a preference weight (first choice >
second > third > allowed but unranked), plus the skill fit, minus a small distance tiebreak. Forbidden
pairs (cross-domain matrix, own unit line, hard requirements unmet) earn nothing, which is the same as
not placing the candidate; an assignment to such a seat is read back as "not placed". Pinned
candidates keep their post and use up a seat before the solve.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

PLACED_BONUS = 1000.0
PREFERENCE_WEIGHT = {1: 30.0, 2: 20.0, 3: 10.0}
UNRANKED_WEIGHT = 0.0
FIT_WEIGHT = 10.0
# 0.002 per km: across Shandong (< 700 km) at most 1.4 points, under one preference step or fit step.
DISTANCE_WEIGHT = 0.002

RANK_LABEL = {1: "第一志愿", 2: "第二志愿", 3: "第三志愿"}
WHY_MATRIX = "无符合跨领域规则的岗位"
WHY_OWN_UNIT = "可选岗位均为本单位或本系统上下级单位"
WHY_REQUIREMENTS = "不具备岗位必备条件"
WHY_PREFERENCES_FULL = "所有志愿岗位已满"
WHY_ALL_FULL = "符合条件的岗位均已满额"
WHY_NO_POSTS = "本批次没有岗位"


@dataclass(frozen=True)
class PostSpec:
    id: int
    unit_id: int
    unit_kind: str
    unit_path: str
    capacity: int
    required: frozenset[str] = frozenset()
    preferred: frozenset[str] = frozenset()
    location: tuple[float, float] | None = None


@dataclass(frozen=True)
class CandidateSpec:
    id: int
    unit_id: int
    unit_kind: str
    unit_path: str
    skills: frozenset[str] = frozenset()
    preferences: tuple[int, ...] = ()  # post ids, first choice first
    location: tuple[float, float] | None = None
    pinned_post: int | None = None


@dataclass
class Choice:
    candidate_id: int
    post_id: int | None
    score: float
    reason: str
    pinned: bool = False


@dataclass
class PlacementResult:
    choices: dict[int, Choice] = field(default_factory=dict)
    objective: float = 0.0

    @property
    def placed(self) -> dict[int, int]:
        return {c.candidate_id: c.post_id for c in self.choices.values() if c.post_id is not None}

    @property
    def unplaced(self) -> list[Choice]:
        return [c for c in self.choices.values() if c.post_id is None]


def haversine_km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    if a is None or b is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def same_line(c: CandidateSpec, p: PostSpec) -> bool:
    """The own unit, or a unit above or below it in the tree."""
    return c.unit_id == p.unit_id or p.unit_path.startswith(c.unit_path) or c.unit_path.startswith(p.unit_path)


def forbidden_reason(c: CandidateSpec, p: PostSpec, matrix: dict[str, Sequence[str]]) -> str | None:
    if p.unit_kind not in matrix.get(c.unit_kind, ()):
        return WHY_MATRIX
    if same_line(c, p):
        return WHY_OWN_UNIT
    if not p.required <= c.skills:
        return WHY_REQUIREMENTS
    return None


def fit_of(c: CandidateSpec, p: PostSpec) -> tuple[int, int]:
    return len(p.preferred & c.skills), len(p.preferred)


def pair_score(c: CandidateSpec, p: PostSpec) -> float:
    rank = c.preferences.index(p.id) + 1 if p.id in c.preferences else 0
    matched, wanted = fit_of(c, p)
    fit = matched / wanted if wanted else 1.0
    km = haversine_km(c.location, p.location) or 0.0
    return PLACED_BONUS + PREFERENCE_WEIGHT.get(rank, UNRANKED_WEIGHT) + FIT_WEIGHT * fit - DISTANCE_WEIGHT * km


def explain(c: CandidateSpec, p: PostSpec, *, pinned: bool = False) -> str:
    parts = ["人工指定"] if pinned else []
    rank = c.preferences.index(p.id) + 1 if p.id in c.preferences else 0
    parts.append(RANK_LABEL.get(rank, "未填报志愿" if not c.preferences else "服从调剂"))
    matched, wanted = fit_of(c, p)
    parts.append(f"专业匹配 {matched}/{wanted}" if wanted else "岗位无专业要求")
    km = haversine_km(c.location, p.location)
    if km is not None:
        parts.append(f"距离 {km:.0f} km")
    return "；".join(parts)


def score_matrix(
    candidates: Sequence[CandidateSpec], posts: Sequence[PostSpec], matrix: dict[str, Sequence[str]]
) -> np.ndarray:
    """Score of each candidate × post; 0 where the pair is forbidden."""
    scores = np.zeros((len(candidates), len(posts)))
    for i, c in enumerate(candidates):
        for j, p in enumerate(posts):
            if forbidden_reason(c, p, matrix) is None:
                scores[i, j] = pair_score(c, p)
    return scores


def _why_not(c: CandidateSpec, posts: Iterable[PostSpec], matrix: dict[str, Sequence[str]]) -> str:
    reasons = [forbidden_reason(c, p, matrix) for p in posts]
    if not reasons:
        return WHY_NO_POSTS
    if None in reasons:
        allowed = {p.id for p, r in zip(posts, reasons, strict=True) if r is None}
        return WHY_PREFERENCES_FULL if c.preferences and allowed & set(c.preferences) else WHY_ALL_FULL
    for why in (WHY_REQUIREMENTS, WHY_OWN_UNIT):
        if why in reasons:
            return why
    return WHY_MATRIX


def solve(
    candidates: Sequence[CandidateSpec], posts: Sequence[PostSpec], matrix: dict[str, Sequence[str]]
) -> PlacementResult:
    """An optimal placement. Pinned candidates keep their post; the others share the seats left."""
    result = PlacementResult()
    by_id = {p.id: p for p in posts}
    left = {p.id: p.capacity for p in posts}
    free: list[CandidateSpec] = []
    for c in candidates:
        if c.pinned_post is not None and c.pinned_post in by_id:
            post = by_id[c.pinned_post]
            left[post.id] -= 1
            score = pair_score(c, post)
            result.choices[c.id] = Choice(c.id, post.id, score, explain(c, post, pinned=True), pinned=True)
            result.objective += score
        else:
            free.append(c)
    seat_posts = [p for p in posts for _ in range(max(0, left[p.id]))]
    if free and seat_posts:
        # One column per post, then repeat each column once per seat (identical seats).
        post_scores = score_matrix(free, posts, matrix)
        column_of = {p.id: j for j, p in enumerate(posts)}
        seats = post_scores[:, [column_of[p.id] for p in seat_posts]]
        rows, cols = linear_sum_assignment(seats, maximize=True)
        for i, j in zip(rows, cols, strict=True):
            if seats[i, j] > 0:
                c, p = free[i], seat_posts[j]
                result.choices[c.id] = Choice(c.id, p.id, float(seats[i, j]), explain(c, p))
                result.objective += float(seats[i, j])
    for c in free:
        if c.id not in result.choices:
            result.choices[c.id] = Choice(c.id, None, 0.0, _why_not(c, posts, matrix))
    return result


def greedy(
    candidates: Sequence[CandidateSpec], posts: Sequence[PostSpec], matrix: dict[str, Sequence[str]]
) -> PlacementResult:
    """The baseline: in turn, each candidate takes the best post still open (first come, first served)."""
    result = PlacementResult()
    left = {p.id: p.capacity for p in posts}
    scores = score_matrix(candidates, posts, matrix)
    for i, c in enumerate(candidates):
        best_j, best = -1, 0.0
        for j, p in enumerate(posts):
            if left[p.id] > 0 and scores[i, j] > best:
                best_j, best = j, scores[i, j]
        if best_j >= 0:
            p = posts[best_j]
            left[p.id] -= 1
            result.choices[c.id] = Choice(c.id, p.id, best, explain(c, p))
            result.objective += best
        else:
            result.choices[c.id] = Choice(c.id, None, 0.0, _why_not(c, posts, matrix))
    return result
