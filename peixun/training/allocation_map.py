"""The allocation map: which units' trainees watch at which venues, with each venue's fill rate.

Read-only and cut to the actor: flows come from the enrolments the actor may see (a city admin: the cadres
of that city's units), and a venue's fill rate is shown only for venues the actor may see. A flow from the
actor's unit to a venue elsewhere is shown with its count but without that venue's totals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from peixun.accounts.models import User
from peixun.org.models import Unit
from peixun.training import selectors
from peixun.training.models import EnrolmentStatus, TrainingClass, Venue

BY_UNIT = "unit"
BY_CITY = "city"
DESK = "工位收看"
UNSEATED = "未能安排"


@dataclass
class Flow:
    source: str
    target: str
    n: int
    moved: int  # placed away from home (the allocation wrote a placement note)


@dataclass
class VenueFill:
    label: str
    venue: Venue
    n: int | None  # None: outside the actor's scope, totals not shown
    cap: int
    pct: int | None
    mine: int  # trainees of the actor's flows at this venue


@dataclass
class AllocationMap:
    by: str
    flows: list[Flow] = field(default_factory=list)
    venues: list[VenueFill] = field(default_factory=list)
    desk: int = 0
    unseated: int = 0

    @property
    def total(self) -> int:
        return sum(f.n for f in self.flows)

    def chart(self) -> dict:
        """The ECharts sankey input: node names are unique (a venue that shares a unit's name is marked)."""
        sources = sorted({f.source for f in self.flows})
        targets = sorted({f.target for f in self.flows})
        rename = {t: (f"{t}（会场）" if t in sources else t) for t in targets}
        nodes = [{"name": s, "kind": "unit"} for s in sources] + [{"name": rename[t], "kind": "venue"} for t in targets]
        links = [{"source": f.source, "target": rename[f.target], "value": f.n, "moved": f.moved} for f in self.flows]
        fills = [{"name": rename.get(v.label, v.label), "n": v.n, "cap": v.cap, "pct": v.pct} for v in self.venues]
        return {"nodes": nodes, "links": links, "fills": fills}


def _top_ancestor_path(path: str) -> str:
    """The unit directly under the province ('000001/000004/000009/' -> '000001/000004/')."""
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:2]) + "/" if len(parts) >= 2 else path


def _unique_labels(names: dict) -> dict:
    """key -> label; a name that two keys share gets its parent's name in front (市中区 of two cities)."""
    counts: dict[str, int] = defaultdict(int)
    for name, _ in names.values():
        counts[name] += 1
    return {k: (f"{parent}·{name}" if counts[name] > 1 and parent else name) for k, (name, parent) in names.items()}


def allocation_map(*, actor: User, training_class: TrainingClass, by: str = BY_UNIT) -> AllocationMap:
    result = AllocationMap(by=by if by in (BY_UNIT, BY_CITY) else BY_UNIT)
    enrolments = selectors.enrolments_visible(actor=actor).filter(
        training_class=training_class, status=EnrolmentStatus.ENROLLED
    )
    rows = list(
        enrolments.order_by()
        .values("cadre__unit__path", "venue_id", "at_desk", "unseated")
        .annotate(n=Count("id"), moved=Count("id", filter=~Q(placement_note="")))
    )
    paths = {r["cadre__unit__path"] for r in rows}
    if result.by == BY_CITY:
        paths = {_top_ancestor_path(p) for p in paths}
    units = Unit.objects.filter(path__in=paths).select_related("parent")
    source_label = _unique_labels({u.path: (u.name, u.parent.name if u.parent else "") for u in units})
    grouped: dict[tuple[str, str | int], list[int]] = defaultdict(lambda: [0, 0])
    mine: dict[int, int] = defaultdict(int)
    for r in rows:
        path = r["cadre__unit__path"]
        key = _top_ancestor_path(path) if result.by == BY_CITY else path
        target: str | int
        if r["venue_id"]:
            target = r["venue_id"]
            mine[r["venue_id"]] += r["n"]
        elif r["at_desk"]:
            target, result.desk = DESK, result.desk + r["n"]
        elif r["unseated"]:
            target, result.unseated = UNSEATED, result.unseated + r["n"]
        else:
            continue  # not allocated yet
        grouped[(key, target)][0] += r["n"]
        grouped[(key, target)][1] += r["moved"]
    venues = list(Venue.objects.filter(pk__in=list(mine)).select_related("unit").order_by("unit__path", "id"))
    venue_label = _unique_labels({v.pk: (v.name, v.unit.name) for v in venues})
    # In the tree's order (units by path; each unit's venues in path order, then desk, then unseated).
    venue_order = {v.pk: i for i, v in enumerate(venues)}

    def rank(target: str | int) -> int:
        return venue_order[target] if isinstance(target, int) else len(venue_order) + (target == UNSEATED)

    ordered = sorted(grouped.items(), key=lambda kv: (kv[0][0], rank(kv[0][1])))
    result.flows = [
        Flow(source_label.get(k, k), venue_label[t] if isinstance(t, int) else t, n, moved)
        for (k, t), (n, moved) in ordered
    ]
    in_scope = set(selectors.venues_visible(actor=actor).filter(pk__in=list(mine)).values_list("pk", flat=True))
    totals = dict(
        training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED, venue_id__in=in_scope)
        .order_by()
        .values_list("venue_id")
        .annotate(n=Count("id"))
    )
    for venue in venues:
        cap = venue.capacity
        n = totals.get(venue.pk, 0) if venue.pk in in_scope else None
        pct = (round(100 * n / cap) if cap else 0) if n is not None else None
        result.venues.append(VenueFill(venue_label[venue.pk], venue, n, cap, pct, mine[venue.pk]))
    return result
