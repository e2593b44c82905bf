"""Allocating a class's trainees to venues (see allocation.py for the model), and moves by hand (pins).

Home venue of a unit: its own active venue; a unit without intranet uses its host city's venue; any other
unit uses the nearest ancestor's venue (the province's is the main venue). Seats already taken at the same
time by another class's trainees are not offered. Pinned placements are kept and re-runs respect them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org.models import Unit, UnitKind
from peixun.training.allocation import GroupSpec, VenueSpec, distance_km, solve
from peixun.training.models import Enrolment, EnrolmentStatus, Lecture, TrainingClass, Venue
from peixun.training.notifications import KIND_VENUE, notify_cadres, notify_each, notify_venue_operators
from peixun.training.permissions import ERR_NOT_ALLOWED, may_manage_training

NOTE_HOME = ""
NOTE_HOST = "本单位未接入内网，在驻地市级纪委监委分会场参训"
NOTE_DESK = "在本人工位（内网）收看"
NOTE_PINNED = "人工安排"
NOTE_OVERFLOW_CITY = "{home}已满（允许上座{cap}人），调剂至同市最近有空位的{venue}（约{km}公里）"
NOTE_OVERFLOW_OTHER = "本市分会场均已满，调剂至最近有空位的{venue}（约{km}公里）"
NOTE_NO_HOME = "本单位及上级单位均无分会场，安排至最近的{venue}（约{km}公里）"
NOTE_UNSEATED = "所有分会场均已满员，未能安排座位（请增加座位、提高上座率或调整名额）"
ERR_VENUE_FULL = "分会场“{venue}”已满（允许上座{cap}人）"
ERR_DESK_NOT_ALLOWED = "该培训班不允许在工位收看，或学员所在单位未接入内网"
ERR_NOT_ENROLLED = "只能为已报名的学员安排分会场"
ERR_VENUE_INACTIVE = "该分会场已停用"


@dataclass
class UnitPlace:
    home: Venue | None
    city: int | None
    lat: float
    lon: float
    note: str


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(seg) for seg in unit.path.strip("/").split("/") if seg]


def _city_of(unit_id: int, units: dict[int, Unit]) -> int | None:
    unit = units[unit_id]
    for pk in reversed(_ancestor_ids(unit)):
        if pk in units and units[pk].kind == UnitKind.CITY:
            return pk
    return None


def unit_places(unit_ids: set[int], venues: list[Venue]) -> tuple[dict[int, UnitPlace], dict[int, Unit]]:
    """Home venue, city and location of each unit (and the unit table, ancestors included)."""
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    wanted = set(unit_ids)
    for u in list(units.values()):
        wanted.update(_ancestor_ids(u))
        if u.host_unit_id:
            wanted.add(u.host_unit_id)
    for v in venues:
        wanted.add(v.unit_id)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=wanted)}
    for u in list(units.values()):
        missing = set(_ancestor_ids(u)) - set(units)
        if missing:
            units.update({a.pk: a for a in Unit.objects.filter(pk__in=missing)})
    by_unit: dict[int, Venue] = {}
    for v in sorted(venues, key=lambda v: (v.is_main, -v.capacity, v.pk)):
        by_unit.setdefault(v.unit_id, v)
    main = next((v for v in venues if v.is_main), None)
    places: dict[int, UnitPlace] = {}
    for pk in unit_ids:
        unit = units[pk]
        note = NOTE_HOME
        if not unit.has_intranet and unit.host_unit_id:
            home = by_unit.get(unit.host_unit_id)
            city: int | None = unit.host_unit_id
            note = NOTE_HOST
        else:
            home = next((by_unit[a] for a in reversed(_ancestor_ids(unit)) if a in by_unit), None)
            city = _city_of(pk, units)
        anchor = home or main
        places[pk] = UnitPlace(
            home, city, anchor.latitude if anchor else 0.0, anchor.longitude if anchor else 0.0, note
        )
    return places, units


def seats_taken_elsewhere(training_class: TrainingClass) -> dict[int, int]:
    """Per venue: trainees of other classes seated there during any of this class's lectures."""
    overlap = Q(pk__in=[])
    for lecture in training_class.lectures.all():
        overlap |= Q(starts_at__lt=lecture.ends_at, ends_at__gt=lecture.starts_at)
    busy = (
        Lecture.objects.filter(overlap)
        .exclude(training_class=training_class)
        .values_list("training_class_id", flat=True)
        .distinct()
    )
    rows = (
        Enrolment.objects.filter(training_class_id__in=busy, status=EnrolmentStatus.ENROLLED)
        .exclude(venue=None)
        .values("venue_id")
        .annotate(n=Count("id"))
    )
    return {r["venue_id"]: r["n"] for r in rows}


def _desk_ok(training_class: TrainingClass, enrolment: Enrolment) -> bool:
    return training_class.allow_desk and enrolment.cadre.unit.has_intranet


@transaction.atomic
def allocation_run(*, actor: User, training_class: TrainingClass) -> dict:
    """Place every enrolled trainee optimally; keep pins; report the unseated. Returns the summary."""
    if not may_manage_training(actor):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    started = time.perf_counter()
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    enrolments = list(
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
        .select_related("cadre__unit", "venue")
        .order_by("created_at", "id")
    )
    venues = list(Venue.objects.filter(is_active=True).order_by("pk"))
    venue_by_id = {v.pk: v for v in venues}
    places, units = unit_places({e.cadre.unit_id for e in enrolments}, venues)
    left = {v.pk: v.capacity for v in venues}
    for pk, n in seats_taken_elsewhere(training_class).items():
        if pk in left:
            left[pk] -= n
    previous = {e.pk: e.venue_id for e in enrolments}
    before = {e.pk: _row(e) for e in enrolments}
    free: list[Enrolment] = []
    for e in enrolments:
        if e.pinned and (e.venue_id in left or e.at_desk):
            if e.venue_id:
                left[e.venue_id] -= 1
            continue
        e.pinned = False
        if e.at_desk and _desk_ok(training_class, e):
            e.venue, e.unseated, e.placement_note = None, False, NOTE_DESK
            continue
        e.at_desk = False
        free.append(e)
    members: dict[tuple, list[Enrolment]] = defaultdict(list)
    for e in free:
        p = places[e.cadre.unit_id]
        members[(p.home.pk if p.home else None, p.city, p.lat, p.lon)].append(e)
    groups = [GroupSpec(key, len(m), key[0], key[1], key[2], key[3]) for key, m in members.items()]
    specs = [VenueSpec(v.pk, max(0, left[v.pk]), _city_of(v.unit_id, units), v.latitude, v.longitude) for v in venues]
    solution = solve(groups, specs)
    for key, flows in solution.flows.items():
        queue = iter(members[key])  # type: ignore[index]
        for venue_id, count in flows:
            for _ in range(count):
                e = next(queue)
                place = places[e.cadre.unit_id]
                e.venue = venue_by_id.get(venue_id) if venue_id else None
                e.unseated = venue_id is None
                e.placement_note = _explain(place, e.venue, units)
    # One UPDATE per distinct placement (about one per venue) is far cheaper than bulk_update's CASE.
    changes: dict[tuple, list[int]] = defaultdict(list)
    for e in enrolments:
        if _row(e) != before[e.pk]:
            changes[_row(e)].append(e.pk)
    for (venue_id, unseated, note, pinned, at_desk), ids in changes.items():
        for i in range(0, len(ids), 900):
            Enrolment.objects.filter(pk__in=ids[i : i + 900]).update(
                venue_id=venue_id, unseated=unseated, placement_note=note, pinned=pinned, at_desk=at_desk
            )
    occupancy: dict[int, int] = defaultdict(int)
    for e in enrolments:
        if e.venue_id:
            occupancy[e.venue_id] += 1
    summary = {
        "cost": round(solution.cost, 1),
        "enrolled": len(enrolments),
        "seated": sum(occupancy.values()),
        "at_desk": sum(1 for e in enrolments if e.at_desk),
        "unseated": sum(1 for e in enrolments if e.unseated),
        "pinned": sum(1 for e in enrolments if e.pinned),
        "moved_from_home": sum(
            1 for e in enrolments if e.venue_id and e.placement_note not in (NOTE_HOME, NOTE_HOST, NOTE_PINNED)
        ),
        "seconds": round(time.perf_counter() - started, 3),
        "occupancy": {str(k): v for k, v in occupancy.items()},
    }
    # What the operators heard at the last run (withdrawals and hand moves since are differences too).
    last_occupancy = {int(k): v for k, v in (training_class.allocation_summary or {}).get("occupancy", {}).items()}
    training_class.allocated_at = timezone.now()
    training_class.allocation_summary = summary
    training_class.save(update_fields=["allocated_at", "allocation_summary", "updated_at"])
    notify_each(
        items=[
            (e.cadre_id, f"“{training_class.title}”为您安排的分会场：{e.venue.name}")
            for e in enrolments
            if e.venue_id and e.venue_id != previous[e.pk] and e.venue is not None
        ],
        kind=KIND_VENUE,
        url=f"/training/classes/{training_class.pk}/",
    )
    notify_venue_operators(training_class=training_class, before=last_occupancy, after=occupancy)
    audit_record(
        actor=actor,
        event=Event.TRAINING_ALLOCATE,
        obj=training_class,
        detail={k: v for k, v in summary.items() if k != "occupancy"},
    )
    return summary


def _row(e: Enrolment) -> tuple:
    return (e.venue_id, e.unseated, e.placement_note, e.pinned, e.at_desk)


def _explain(place: UnitPlace, venue: Venue | None, units: dict[int, Unit]) -> str:
    if venue is None:
        return NOTE_UNSEATED
    if place.home is not None and venue.pk == place.home.pk:
        return place.note
    km = distance_km(place.lat, place.lon, venue.latitude, venue.longitude)
    if place.home is None:
        return NOTE_NO_HOME.format(venue=venue.name, km=km)
    if _city_of(venue.unit_id, units) == place.city:
        return NOTE_OVERFLOW_CITY.format(home=place.home.name, cap=place.home.capacity, venue=venue.name, km=km)
    return NOTE_OVERFLOW_OTHER.format(venue=venue.name, km=km)


@transaction.atomic
def placement_set(
    *, actor: User, enrolment: Enrolment, venue: Venue | None, at_desk: bool = False, pinned: bool = True
) -> Enrolment:
    """Move a trainee by hand (pinned, so a re-run keeps it); pinned=False releases the pin."""
    if not may_manage_training(actor):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    training_class = TrainingClass.objects.select_for_update().get(pk=enrolment.training_class_id)
    enrolment = Enrolment.objects.select_related("cadre__unit").get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError({"enrolment": ERR_NOT_ENROLLED})
    if not pinned:
        enrolment.pinned = False
        enrolment.save(update_fields=["pinned", "updated_at"])
        return enrolment
    if at_desk:
        if not _desk_ok(training_class, enrolment):
            raise ValidationError({"at_desk": ERR_DESK_NOT_ALLOWED})
        venue = None
    elif venue is not None:
        if not venue.is_active:
            raise ValidationError({"venue": ERR_VENUE_INACTIVE})
        here = (
            Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED, venue=venue)
            .exclude(pk=enrolment.pk)
            .count()
        )
        if here + seats_taken_elsewhere(training_class).get(venue.pk, 0) >= venue.capacity:
            raise ValidationError({"venue": ERR_VENUE_FULL.format(venue=venue.name, cap=venue.capacity)})
    enrolment.venue, enrolment.at_desk, enrolment.pinned, enrolment.unseated = venue, at_desk, True, False
    enrolment.placement_note = NOTE_DESK if at_desk else NOTE_PINNED
    enrolment.save(update_fields=["venue", "at_desk", "pinned", "unseated", "placement_note", "updated_at"])
    audit_record(
        actor=actor, event=Event.TRAINING_PLACEMENT, obj=enrolment, detail={"venue": venue.pk if venue else None}
    )
    if venue is not None:
        notify_cadres(
            cadre_ids=[enrolment.cadre_id],
            kind=KIND_VENUE,
            text=f"“{training_class.title}”为您安排的分会场：{venue.name}",
            url=f"/training/classes/{training_class.pk}/",
        )
    return enrolment
