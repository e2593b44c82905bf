"""Training record (干部培训档案) and coverage (全员培训) figures, scoped to the actor.

A cadre is "trained" in a year when at least one lecture of that year credited study hours; the target
is the cadre's own StudyHoursTarget for the year, else the year's TrainingPlan.hours_target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth

from peixun.accounts.models import User
from peixun.org.models import Cadre, CadreStatus, Unit
from peixun.org.selectors import cadre_get, unit_get
from peixun.training.models import Certificate, CheckIn, CheckInStatus, StudyHoursTarget, TrainingPlan, Venue

DEFAULT_TARGET = Decimal("40.0")


def hours_target(cadre_id: int, year: int) -> Decimal:
    own = StudyHoursTarget.objects.filter(cadre_id=cadre_id, year=year).values_list("hours", flat=True).first()
    if own is not None:
        return own
    plan = TrainingPlan.objects.filter(year=year).values_list("hours_target", flat=True).first()
    return plan if plan is not None else DEFAULT_TARGET


def training_record(*, actor: User, cadre_id: int, year: int | None = None) -> dict:
    """Every class the cadre took, with hours per class and in total per year."""
    cadre = cadre_get(actor=actor, pk=cadre_id)
    rows = CheckIn.objects.filter(cadre=cadre).select_related("lecture__training_class__plan", "venue")
    if year:
        rows = rows.filter(lecture__starts_at__year=year)
    classes: dict[int, dict] = {}
    for c in rows.order_by("lecture__starts_at"):
        cls = c.lecture.training_class
        entry = classes.setdefault(cls.pk, {"class": cls, "hours": Decimal("0"), "lectures": [], "certificate": None})
        entry["hours"] += c.study_hours
        entry["lectures"].append(c)
    certificates = Certificate.objects.filter(
        enrolment__cadre=cadre, enrolment__training_class_id__in=list(classes), revoked=False
    ).select_related("enrolment")
    for certificate in certificates:
        classes[certificate.enrolment.training_class_id]["certificate"] = certificate
    total = sum((e["hours"] for e in classes.values()), Decimal("0"))
    target = hours_target(cadre.pk, year) if year else None
    return {"cadre": cadre, "year": year, "classes": list(classes.values()), "total": total, "target": target}


@dataclass
class UnitCoverage:
    unit: Unit
    active: int = 0
    trained: int = 0
    met_target: int = 0

    @property
    def trained_share(self) -> float:
        return round(100 * self.trained / self.active, 1) if self.active else 0.0

    @property
    def target_share(self) -> float:
        return round(100 * self.met_target / self.active, 1) if self.active else 0.0


@dataclass
class Coverage:
    root: UnitCoverage
    children: list[UnitCoverage] = field(default_factory=list)
    untrained: list[Cadre] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)


def coverage(*, actor: User, unit_id: int, year: int, untrained_limit: int = 500) -> Coverage:
    """Shares of active cadres trained and meeting the target, for the unit's subtree and each child."""
    unit = unit_get(actor=actor, pk=unit_id)  # 404 outside the actor's scope
    cadres = list(
        Cadre.objects.filter(unit__path__startswith=unit.path, status=CadreStatus.ACTIVE)
        .select_related("unit")
        .order_by("unit__path", "employee_number")
    )
    ids = [c.pk for c in cadres]
    hours = dict(
        CheckIn.objects.filter(cadre_id__in=ids, lecture__starts_at__year=year, study_hours__gt=0)
        .values("cadre_id")
        .annotate(h=Sum("study_hours"))
        .values_list("cadre_id", "h")
    )
    plan_target = TrainingPlan.objects.filter(year=year).values_list("hours_target", flat=True).first()
    default = plan_target if plan_target is not None else DEFAULT_TARGET
    own = dict(StudyHoursTarget.objects.filter(year=year, cadre_id__in=ids).values_list("cadre_id", "hours"))
    children = list(unit.children.filter(is_active=True).order_by("sort_order", "code"))
    root = UnitCoverage(unit)
    by_child = {c.pk: UnitCoverage(c) for c in children}
    result = Coverage(root=root, children=list(by_child.values()))
    for cadre in cadres:
        got = hours.get(cadre.pk, Decimal("0"))
        trained = got > 0
        met = got >= own.get(cadre.pk, default)
        buckets = [root]
        child = next((by_child[c.pk] for c in children if cadre.unit.path.startswith(c.path)), None)
        if child:
            buckets.append(child)
        for b in buckets:
            b.active += 1
            b.trained += trained
            b.met_target += met
        if not trained and len(result.untrained) < untrained_limit:
            result.untrained.append(cadre)
    monthly = (
        CheckIn.objects.filter(cadre_id__in=ids, lecture__starts_at__year=year, study_hours__gt=0)
        .annotate(month=ExtractMonth("lecture__starts_at"))
        .values("month")
        .annotate(cadres=Count("cadre_id", distinct=True), hours=Sum("study_hours"))
    )
    per_month: dict[int, Any] = {r["month"]: r for r in monthly}
    result.months = [
        {
            "month": m,
            "cadres": per_month.get(m, {}).get("cadres", 0),
            "hours": float(per_month.get(m, {}).get("hours") or 0),
        }
        for m in range(1, 13)
    ]
    return result


def venue_attendance(*, actor: User, year: int, venues: list[Venue]) -> list[dict]:
    """Per venue: check-ins present/late, absent and excused during the year, and the attendance rate."""
    stats: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        CheckIn.objects.filter(venue__in=venues, lecture__starts_at__year=year)
        .values("venue_id", "status")
        .annotate(n=Count("id"))
    )
    for r in rows:
        stats[r["venue_id"]][r["status"]] += r["n"]
    out = []
    for v in venues:
        s = stats.get(v.pk, {})
        came = s.get(CheckInStatus.PRESENT, 0) + s.get(CheckInStatus.LATE, 0)
        total = came + s.get(CheckInStatus.ABSENT, 0)
        out.append(
            {
                "venue": v,
                "present": came,
                "absent": s.get(CheckInStatus.ABSENT, 0),
                "excused": s.get(CheckInStatus.EXCUSED, 0),
                "rate": round(100 * came / total, 1) if total else 0.0,
            }
        )
    return out
