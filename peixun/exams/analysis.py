"""Item analysis and score distribution of an exam (reads only).

Per question: difficulty p = mean score share (share correct for all-or-nothing items), discrimination as
the point-biserial correlation of the item score share with the total score, the upper-lower 27 % index,
and how often each option was chosen. Weak items (p < 0.2, p > 0.95 or r < 0.2) are flagged for the office.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peixun.exams.models import Attempt, AttemptItem, AttemptStatus, Exam, QuestionType

P_LOW, P_HIGH, R_LOW = 0.2, 0.95, 0.2
FLAG_HARD = "过难"
FLAG_EASY = "过易"
FLAG_LOW_DISCRIMINATION = "区分度低"
UNANSWERED = "未作答"


@dataclass
class ItemStats:
    question_id: int
    qtype: str
    stem: str
    n: int
    p: float
    r_pb: float | None
    d_27: float | None
    options: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def item_statistics(
    responses: list[tuple[int, int, float, Any]], totals: dict[int, float], questions: dict[int, Any]
) -> list[ItemStats]:
    """responses: (attempt_id, question_id, score share 0..1, answer); totals: attempt_id → total score;
    questions: question_id → Question (for type, options and stem)."""
    by_question: dict[int, list[tuple[int, float, Any]]] = defaultdict(list)
    for attempt_id, qid, share, answer in responses:
        by_question[qid].append((attempt_id, share, answer))
    out = []
    for qid, rows in by_question.items():
        q = questions[qid]
        shares = [s for _, s, _ in rows]
        n = len(rows)
        p = sum(shares) / n
        r = _pearson(shares, [totals[a] for a, _, _ in rows])
        ranked = sorted(rows, key=lambda row: (-totals[row[0]], row[0]))
        g = max(1, round(0.27 * n))
        d = (sum(s for _, s, _ in ranked[:g]) - sum(s for _, s, _ in ranked[-g:])) / g if n >= 2 else None
        stats = ItemStats(
            qid,
            q.qtype,
            q.stem,
            n,
            round(p, 4),
            None if r is None else round(r, 4),
            None if d is None else round(d, 4),
            _option_counts(q, [a for _, _, a in rows]),
        )
        if p < P_LOW:
            stats.flags.append(FLAG_HARD)
        if p > P_HIGH:
            stats.flags.append(FLAG_EASY)
        if r is not None and r < R_LOW:
            stats.flags.append(FLAG_LOW_DISCRIMINATION)
        out.append(stats)
    return sorted(out, key=lambda s: s.question_id)


def _option_counts(question: Any, answers: list[Any]) -> dict[str, int]:
    if question.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        counts = {o["key"]: 0 for o in question.options}
    elif question.qtype == QuestionType.TRUE_FALSE:
        counts = {"正确": 0, "错误": 0}
    else:
        return {}
    counts[UNANSWERED] = 0
    for a in answers:
        if a in (None, "", []):
            counts[UNANSWERED] += 1
        elif question.qtype == QuestionType.TRUE_FALSE:
            counts["正确" if a else "错误"] += 1
        else:
            for key in a if isinstance(a, list) else [a]:
                counts[key] = counts.get(key, 0) + 1
    return counts


def exam_item_analysis(exam: Exam) -> list[ItemStats]:
    attempts = Attempt.objects.filter(exam=exam, status=AttemptStatus.SUBMITTED)
    totals = {pk: float(score or 0) for pk, score in attempts.values_list("pk", "score")}
    items = AttemptItem.objects.filter(attempt__in=attempts).select_related("question")
    responses, questions = [], {}
    for item in items:
        questions[item.question_id] = item.question
        share = float((item.score or Decimal(0)) / item.points) if item.points else 0.0
        responses.append((item.attempt_id, item.question_id, share, item.answer))
    return item_statistics(responses, totals, questions)


BUCKETS = [(0, 60, "60%以下"), (60, 70, "60%–70%"), (70, 80, "70%–80%"), (80, 90, "80%–90%"), (90, 101, "90%及以上")]


def score_distribution(exam: Exam) -> dict[str, Any]:
    rows = list(
        Attempt.objects.filter(exam=exam, status=AttemptStatus.SUBMITTED)
        .values("cadre_id", "cadre__unit_id", "cadre__unit__name", "score", "max_score", "passed")
        .order_by("cadre_id", "-score")
    )
    best: dict[int, dict[str, Any]] = {}
    for row in rows:
        best.setdefault(row["cadre_id"], dict(row))
    buckets = {label: 0 for _, _, label in BUCKETS}
    units: dict[int, dict[str, Any]] = {}
    for r in best.values():
        pct = float(r["score"] or 0) / float(r["max_score"]) * 100 if r["max_score"] else 0
        for lo, hi, label in BUCKETS:
            if lo <= pct < hi:
                buckets[label] += 1
        u = units.setdefault(r["cadre__unit_id"], {"unit": r["cadre__unit__name"], "n": 0, "total": 0.0, "passed": 0})
        u["n"] += 1
        u["total"] += float(r["score"] or 0)
        u["passed"] += 1 if r["passed"] else 0
    unit_rows = [
        {
            "unit": u["unit"],
            "n": u["n"],
            "mean": round(u["total"] / u["n"], 2),
            "pass_rate": round(u["passed"] / u["n"], 4),
        }
        for u in units.values()
    ]
    scores = [float(r["score"] or 0) for r in best.values()]
    return {
        "n": len(scores),
        "mean": round(sum(scores) / len(scores), 2) if scores else None,
        "max": max(scores) if scores else None,
        "min": min(scores) if scores else None,
        "pass_rate": round(sum(1 for r in best.values() if r["passed"]) / len(scores), 4) if scores else None,
        "buckets": buckets,
        "units": sorted(unit_rows, key=lambda u: -u["mean"]),
    }
