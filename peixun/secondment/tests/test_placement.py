"""The optimiser on its own: rules never broken, optimal against independent solvers, reasons given."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from peixun.secondment import placement as pl
from peixun.secondment.models import default_matrix

KINDS = ["city", "county", "enterprise", "university"]
SKILLS = ["审查调查", "财务", "法律", "监督检查", "信访"]
# A small tree: 1 city with 2 counties below it, plus 2 enterprises and a university.
UNITS = {
    1: ("city", "000001/"),
    2: ("county", "000001/000002/"),
    3: ("county", "000001/000003/"),
    4: ("enterprise", "000004/"),
    5: ("enterprise", "000005/"),
    6: ("university", "000006/"),
    7: ("city", "000007/"),
}
POINT = st.tuples(st.floats(34.5, 38.0), st.floats(115.0, 122.5))


@st.composite
def instances(draw, max_candidates=9, max_posts=6):
    n_posts = draw(st.integers(0, max_posts))
    posts = []
    for j in range(n_posts):
        unit = draw(st.sampled_from(sorted(UNITS)))
        posts.append(
            pl.PostSpec(
                id=100 + j,
                unit_id=unit,
                unit_kind=UNITS[unit][0],
                unit_path=UNITS[unit][1],
                capacity=draw(st.integers(1, 3)),
                required=frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=1))),
                preferred=frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=3))),
                location=draw(st.none() | POINT),
            )
        )
    candidates = []
    for i in range(draw(st.integers(0, max_candidates))):
        unit = draw(st.sampled_from(sorted(UNITS)))
        prefs = draw(st.lists(st.sampled_from([p.id for p in posts]), max_size=3, unique=True)) if posts else []
        candidates.append(
            pl.CandidateSpec(
                id=i + 1,
                unit_id=unit,
                unit_kind=UNITS[unit][0],
                unit_path=UNITS[unit][1],
                skills=frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=4))),
                preferences=tuple(prefs),
                location=draw(st.none() | POINT),
            )
        )
    matrix = draw(st.sampled_from([default_matrix(), {k: KINDS for k in KINDS}, {"county": ["enterprise"]}]))
    return candidates, posts, matrix


def milp_optimum(candidates, posts, matrix) -> float:
    """The same problem as an integer programme over allowed (candidate, post) pairs, solved by HiGHS."""
    scores = pl.score_matrix(candidates, posts, matrix)
    pairs = [(i, j) for i in range(len(candidates)) for j in range(len(posts)) if scores[i, j] > 0]
    if not pairs:
        return 0.0
    c = -np.array([scores[i, j] for i, j in pairs])
    rows = []
    for i in range(len(candidates)):
        rows.append([1.0 if pi == i else 0.0 for pi, _ in pairs])
    caps = []
    for j, p in enumerate(posts):
        rows.append([1.0 if pj == j else 0.0 for _, pj in pairs])
        caps.append(p.capacity)
    upper = [1.0] * len(candidates) + caps
    res = milp(
        c,
        constraints=LinearConstraint(np.array(rows), -np.inf, upper),
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0, 1),
    )
    assert res.success
    return -res.fun


def brute_force(candidates, posts, matrix) -> float:
    scores = pl.score_matrix(candidates, posts, matrix)
    best = 0.0
    for option in itertools.product([None, *range(len(posts))], repeat=len(candidates)):
        used = Counter(j for j in option if j is not None)
        if any(used[j] > posts[j].capacity for j in used):
            continue
        if any(j is not None and scores[i, j] == 0 for i, j in enumerate(option)):
            continue
        best = max(best, sum(scores[i, j] for i, j in enumerate(option) if j is not None))
    return best


def assert_rules_hold(result, candidates, posts, matrix) -> None:
    by_id = {p.id: p for p in posts}
    cands = {c.id: c for c in candidates}
    counts = Counter(result.placed.values())
    for post_id, n in counts.items():
        assert n <= by_id[post_id].capacity
    for cid, post_id in result.placed.items():
        assert pl.forbidden_reason(cands[cid], by_id[post_id], matrix) is None
        assert by_id[post_id].unit_kind in matrix.get(cands[cid].unit_kind, [])
        assert cands[cid].unit_id != by_id[post_id].unit_id
    assert set(result.choices) == set(cands)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_placement_never_breaks_a_rule_and_matches_the_milp_optimum(instance):
    candidates, posts, matrix = instance
    result = pl.solve(candidates, posts, matrix)
    assert_rules_hold(result, candidates, posts, matrix)
    assert abs(result.objective - milp_optimum(candidates, posts, matrix)) < 1e-6
    assert result.objective >= pl.greedy(candidates, posts, matrix).objective - 1e-9


@settings(max_examples=80, deadline=None)
@given(instances(max_candidates=4, max_posts=3))
def test_the_placement_matches_brute_force_on_tiny_instances(instance):
    candidates, posts, matrix = instance
    assert abs(pl.solve(candidates, posts, matrix).objective - brute_force(candidates, posts, matrix)) < 1e-6


def cand(cid, unit, prefs=(), skills=(), pinned=None, loc=None):
    return pl.CandidateSpec(
        id=cid,
        unit_id=unit,
        unit_kind=UNITS[unit][0],
        unit_path=UNITS[unit][1],
        skills=frozenset(skills),
        preferences=tuple(prefs),
        pinned_post=pinned,
        location=loc,
    )


def post(pid, unit, capacity=1, required=(), preferred=(), loc=None):
    return pl.PostSpec(
        id=pid,
        unit_id=unit,
        unit_kind=UNITS[unit][0],
        unit_path=UNITS[unit][1],
        capacity=capacity,
        required=frozenset(required),
        preferred=frozenset(preferred),
        location=loc,
    )


MATRIX = default_matrix()


def test_first_choices_win_and_each_choice_is_explained():
    posts = [post(10, 4, preferred=["财务", "法律"], loc=(36.65, 117.12)), post(11, 6)]
    cands = [cand(1, 2, prefs=[10, 11], skills=["财务"], loc=(36.07, 120.38)), cand(2, 3, prefs=[11, 10])]
    result = pl.solve(cands, posts, MATRIX)
    assert result.placed == {1: 10, 2: 11}
    assert result.choices[1].reason.startswith("第一志愿；专业匹配 1/2；距离 ")
    assert result.choices[1].reason.endswith(" km")
    assert result.choices[2].reason == "第一志愿；岗位无专业要求"


def test_placing_one_more_cadre_beats_giving_another_a_better_choice():
    posts = [post(10, 4), post(11, 5)]
    # Candidate 1 prefers 10 but can go anywhere; candidate 2 can only take 10 (hard requirement of 11).
    posts[1] = post(11, 5, required=["法律"])
    cands = [cand(1, 2, prefs=[10], skills=["法律"]), cand(2, 3, prefs=[10])]
    result = pl.solve(cands, posts, MATRIX)
    assert result.placed == {1: 11, 2: 10}
    assert result.choices[1].reason.startswith("服从调剂")


def test_the_distance_breaks_a_tie():
    near, far = (36.6, 117.0), (37.5, 122.1)
    posts = [post(10, 4, loc=far), post(11, 5, loc=near)]
    result = pl.solve([cand(1, 2, loc=near)], posts, MATRIX)
    assert result.placed == {1: 11}
    assert result.choices[1].reason == "未填报志愿；岗位无专业要求；距离 0 km"


def test_pinned_candidates_keep_their_post_and_use_a_seat():
    posts = [post(10, 4, capacity=1), post(11, 6, capacity=1)]
    cands = [cand(1, 2, prefs=[10]), cand(2, 3, prefs=[10], pinned=10)]
    result = pl.solve(cands, posts, MATRIX)
    assert result.placed == {2: 10, 1: 11}
    assert result.choices[2].pinned and result.choices[2].reason.startswith("人工指定；第一志愿")


def test_it_says_why_a_candidate_could_not_be_placed():
    posts = [post(10, 4, capacity=1), post(11, 1), post(12, 5, required=["法律"])]
    cands = [
        cand(1, 2, prefs=[10]),
        cand(2, 3, prefs=[10]),  # the only allowed post without the law requirement is taken
        cand(3, 7),  # a city cadre: only enterprises allowed, one full, one needs law
        cand(4, 4),  # an enterprise: only cities and counties; post 11 is a city
    ]
    posts.append(post(13, 7))  # a city post, for candidate 4
    result = pl.solve(cands, posts, MATRIX)
    assert result.placed[4] in (11, 13)
    reasons = {c.candidate_id: c.reason for c in result.unplaced}
    # 1 and 2 tie for post 10; whoever loses is told that its choices are full.
    assert [r for cid, r in reasons.items() if cid in (1, 2)] == [pl.WHY_PREFERENCES_FULL]
    assert reasons[3] == pl.WHY_ALL_FULL
    only_matrix = pl.solve([cand(5, 2)], [post(20, 1)], MATRIX)
    assert only_matrix.unplaced[0].reason == pl.WHY_MATRIX
    own_line = pl.solve([cand(6, 2)], [post(21, 1)], {"county": ["city"]})
    assert own_line.unplaced[0].reason == pl.WHY_OWN_UNIT
    unmet = pl.solve([cand(7, 2)], [post(22, 4, required=["法律"])], MATRIX)
    assert unmet.unplaced[0].reason == pl.WHY_REQUIREMENTS
    assert pl.solve([cand(8, 2)], [], MATRIX).unplaced[0].reason == pl.WHY_NO_POSTS


def test_the_greedy_baseline_can_fall_short_of_the_optimum():
    posts = [post(10, 4), post(11, 5, required=["法律"])]
    cands = [cand(1, 2, prefs=[10], skills=["法律"]), cand(2, 3, prefs=[10])]
    assert len(pl.greedy(cands, posts, MATRIX).placed) == 1
    assert len(pl.solve(cands, posts, MATRIX).placed) == 2
