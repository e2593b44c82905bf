"""Reads of the watching side: the lecture a viewer may watch, its broadcast state, and who watches now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.live.models import ClassLiveSettings, LiveStream, Recording, RecordingStatus, StreamStatus, WatchRecord
from peixun.live.services_watch import HEARTBEAT_SECONDS, live_window
from peixun.org.selectors import any_of, sees_whole_province
from peixun.training.models import EnrolmentStatus, Lecture, TrainingClass, Venue, VenueHeadcount
from peixun.training.permissions import is_org_admin, may_manage_class, operates_venue, operator_unit_ids
from peixun.training.selectors import class_get, lecture_may_attend

# The monitor counts a viewer as watching "now" when a heartbeat came within the last two periods.
VIEWER_FRESH = dt.timedelta(seconds=2 * HEARTBEAT_SECONDS)


def _lectures() -> QuerySet[Lecture]:
    return Lecture.objects.select_related("training_class__live_settings", "teacher", "main_venue")


def lecture_for_watching(*, actor: User, pk: int) -> Lecture:
    """A lecture the actor may watch (training's lecture_may_attend); 404 otherwise, with no hint."""
    lecture = _lectures().filter(pk=pk).first()
    if lecture is None or not lecture_may_attend(actor=actor, lecture=lecture):
        raise Http404
    return lecture


def lecture_for_heartbeat(*, pk: int) -> Lecture:
    """One query: the lecture with its class and live settings. The heartbeat service authorises."""
    lecture = Lecture.objects.select_related("training_class__live_settings").filter(pk=pk).first()
    if lecture is None:
        raise Http404
    return lecture


def venue_for_watching(*, actor: User, lecture: Lecture, venue_pk: int) -> Venue:
    """A venue the actor operates (or any, for the organisation department); 404 otherwise."""
    venue = Venue.objects.select_related("unit").filter(pk=venue_pk).first()
    if venue is None or not (is_org_admin(actor) or operates_venue(actor, venue)):
        raise Http404
    return venue


def venue_for_heartbeat(*, pk: int) -> Venue:
    """One query; the heartbeat service checks that the actor operates it when the record's venue changes."""
    venue = Venue.objects.filter(pk=pk).first()
    if venue is None:
        raise Http404
    return venue


def stream_of(lecture: Lecture) -> LiveStream | None:
    return LiveStream.objects.filter(lecture=lecture).first()


def ready_recordings(*, lecture: Lecture) -> list[Recording]:
    return list(
        Recording.objects.filter(stream__lecture=lecture, status=RecordingStatus.READY)
        .select_related("stream")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class BroadcastState:
    """What the player shows: waiting (before the start), live, interrupted (the studio dropped inside the
    window; the player keeps waiting for it), ended."""

    state: str
    stream: LiveStream | None
    message: str


STATE_MESSAGES = {
    "waiting": "等待直播开始",
    "live": "直播中",
    "interrupted": "直播信号中断，正在等待恢复…",
    "ended": "直播已结束",
}


def broadcast_state(*, lecture: Lecture, now: dt.datetime | None = None) -> BroadcastState:
    now = now or timezone.now()
    stream = stream_of(lecture)
    _, closes = live_window(lecture)
    if now > closes:
        state = "ended"
    elif stream is not None and stream.status == StreamStatus.LIVE:
        state = "live"
    elif stream is not None and stream.status == StreamStatus.ENDED and now >= lecture.starts_at:
        state = "interrupted" if now <= lecture.ends_at else "ended"
    else:
        state = "waiting" if now <= lecture.ends_at else "ended"
    return BroadcastState(state=state, stream=stream, message=STATE_MESSAGES[state])


def venue_headcount(*, lecture: Lecture, venue: Venue) -> int | None:
    row = VenueHeadcount.objects.filter(lecture=lecture, venue=venue).first()
    return row.headcount if row else None


# --- The viewer's list -----------------------------------------------------------------------------------

LIST_DAYS = 7


def _attendable_q(actor: User) -> Q | None:
    """lecture_may_attend as a condition on lectures, for the list only (each page checks it again)."""
    if not (actor.is_authenticated and actor.is_active):
        return None
    if actor.has_role(Role.ORG_ADMIN):
        return Q()
    enrolled = Q(training_class__enrolments__status=EnrolmentStatus.ENROLLED)
    conditions = [Q(teacher=actor)]
    offices = actor.grants.member_office_ids | actor.grants.director_office_ids
    if offices:
        conditions.append(Q(training_class__office_id__in=sorted(offices)))
    if actor.cadre_id is not None:
        conditions.append(enrolled & Q(training_class__enrolments__cadre_id=actor.cadre_id))
    op_units = operator_unit_ids(actor)
    if op_units:
        conditions.append(enrolled & Q(training_class__enrolments__venue__unit_id__in=op_units))
        conditions.append(Q(main_venue__unit_id__in=op_units))
    if actor.has_role(Role.UNIT_ADMIN):
        conditions += [
            enrolled & Q(training_class__enrolments__cadre__unit__path__startswith=p) for p in actor.grants.admin_paths
        ]
    return any_of(conditions)


def lectures_to_watch(*, actor: User, now: dt.datetime | None = None) -> list[Lecture]:
    """Live lectures of the last and next LIST_DAYS days the actor may watch, each with `venues`: the venues
    of the class the actor operates (for venue mode)."""
    now = now or timezone.now()
    q = _attendable_q(actor)
    if q is None:
        return []
    lectures = list(
        Lecture.objects.filter(q, is_live=True)
        .filter(starts_at__lte=now + dt.timedelta(days=LIST_DAYS), ends_at__gte=now - dt.timedelta(days=LIST_DAYS))
        .distinct()
        .select_related("training_class")
        .order_by("starts_at", "id")
    )
    op_units = operator_unit_ids(actor)
    venues_by_class: dict[int, list[Venue]] = {}
    if op_units or is_org_admin(actor):
        for lecture in lectures:
            if lecture.training_class_id not in venues_by_class:
                venues = Venue.objects.filter(
                    enrolments__training_class_id=lecture.training_class_id,
                    enrolments__status=EnrolmentStatus.ENROLLED,
                )
                if not is_org_admin(actor):
                    venues = venues.filter(unit_id__in=op_units)
                venues_by_class[lecture.training_class_id] = list(venues.distinct().order_by("name"))
    for lecture in lectures:
        lecture.venues = venues_by_class.get(lecture.training_class_id, [])  # type: ignore[attr-defined]
    return lectures


# --- Class settings ----------------------------------------------------------------------------------------


def class_for_settings(*, actor: User, pk: int) -> TrainingClass:
    """A class whose live settings the actor may change; 404 for anyone else (as for an unknown class)."""
    training_class = class_get(actor=actor, pk=pk)
    if not may_manage_class(actor, training_class):
        raise Http404
    return training_class


def live_settings_of(*, training_class: TrainingClass) -> ClassLiveSettings:
    return ClassLiveSettings.objects.filter(training_class=training_class).first() or ClassLiveSettings(
        training_class=training_class
    )


# --- The monitor ----------------------------------------------------------------------------------------


def may_monitor(actor: User) -> bool:
    return actor.has_role(Role.ORG_ADMIN, Role.UNIT_ADMIN)


def _viewer_scope_q(actor: User) -> Q | None:
    """Viewers the actor may count: all for the province-wide roles, else those of units (and venues) in
    the admin's subtrees."""
    if sees_whole_province(actor):
        return Q()
    paths = actor.grants.admin_paths if actor.has_role(Role.UNIT_ADMIN) else ()
    if not paths:
        return None
    q = Q()
    first = True
    for path in paths:
        cond = Q(unit__path__startswith=path) | Q(venue__unit__path__startswith=path)
        q = cond if first else q | cond
        first = False
    return q


@dataclass
class ViewerCounts:
    total: int = 0
    by_venue: list[tuple[str, int, int | None]] = field(default_factory=list)  # name, screens, headcount
    by_unit: list[tuple[str, int]] = field(default_factory=list)


def viewers_now(*, actor: User, lectures: list[Lecture], now: dt.datetime | None = None) -> dict[int, ViewerCounts]:
    """Per lecture: viewers with a heartbeat in the last two periods, by venue (venue-mode screens, with the
    operator's headcount) and by unit, cut to the actor's scope. Two grouped queries plus the headcounts."""
    now = now or timezone.now()
    result: dict[int, ViewerCounts] = {lecture.pk: ViewerCounts() for lecture in lectures}
    scope = _viewer_scope_q(actor)
    if scope is None or not lectures:
        return result
    fresh = WatchRecord.objects.filter(
        scope, lecture_id__in=list(result), is_replay=False, last_seen_at__gte=now - VIEWER_FRESH
    )
    headcounts = {
        (h.lecture_id, h.venue_id): h.headcount for h in VenueHeadcount.objects.filter(lecture_id__in=list(result))
    }
    for row in (
        fresh.exclude(venue=None)
        .values("lecture_id", "venue_id", "venue__name")
        .annotate(n=Count("id"))
        .order_by("venue__name")
    ):
        counts = result[row["lecture_id"]]
        counts.by_venue.append((row["venue__name"], row["n"], headcounts.get((row["lecture_id"], row["venue_id"]))))
    for unit_row in (
        fresh.values("lecture_id", "unit__name", "unit__path").annotate(n=Count("id")).order_by("unit__path")
    ):
        counts = result[unit_row["lecture_id"]]
        counts.by_unit.append((unit_row["unit__name"] or "（未知单位）", unit_row["n"]))
        counts.total += unit_row["n"]
    return result
