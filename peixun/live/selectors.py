"""Reads of the publishing side, scoped to the actor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.live import rtmp
from peixun.live.models import LiveStream, Recording, RecordingStatus, StreamStatus
from peixun.live.services import may_operate_stream
from peixun.training.models import Lecture
from peixun.training.selectors import lecture_may_attend


def lecture_for_operator(*, actor: User, lecture_id: int) -> Lecture:
    """A lecture whose stream the actor may run; 404 otherwise (no hint that it exists)."""
    lecture = (
        Lecture.objects.select_related("training_class", "main_venue", "main_venue__unit").filter(pk=lecture_id).first()
    )
    if lecture is None or not may_operate_stream(actor, lecture):
        raise Http404
    return lecture


def lectures_for_operator(*, actor: User, now: dt.datetime | None = None) -> list[Lecture]:
    """Live lectures from yesterday on whose stream the actor may run, soonest first."""
    now = now or timezone.now()
    grants = actor.grants
    if not (actor.has_role(Role.ORG_ADMIN) or grants.director_office_ids or actor.has_role(Role.VENUE_OPERATOR)):
        return []
    lectures = (
        Lecture.objects.filter(is_live=True, ends_at__gte=now - dt.timedelta(days=1))
        .select_related("training_class", "main_venue", "live_stream")
        .order_by("starts_at", "pk")
    )
    if not actor.has_role(Role.ORG_ADMIN):
        units = [u.pk for u in grants.operator_units] if actor.has_role(Role.VENUE_OPERATOR) else []
        lectures = lectures.filter(
            Q(training_class__office_id__in=grants.director_office_ids) | Q(main_venue__unit_id__in=units)
        )
    return [lecture for lecture in lectures[:200] if may_operate_stream(actor, lecture)]


def lecture_replays(*, actor: User, lecture: Lecture) -> QuerySet[Recording]:
    """The lecture's ready replays, oldest first (one per publishing session); none if not allowed."""
    if not lecture_may_attend(actor=actor, lecture=lecture):
        return Recording.objects.none()
    return Recording.objects.filter(stream__lecture=lecture, status=RecordingStatus.READY).select_related("stream")


@dataclass(frozen=True)
class LiveOverviewRow:
    """One live lecture on the monitor: stable fields (the monitor page depends on them)."""

    stream: LiveStream
    lecture: Lecture
    publishing_since: dt.datetime | None
    uptime_seconds: float
    bitrate_kbps: float  # incoming from the studio, audio + video; 0 when nginx cannot be asked
    width: int
    height: int
    frame_rate: float


def live_streams_overview(*, actor: User, now: dt.datetime | None = None) -> list[LiveOverviewRow]:
    """Lectures broadcasting now that the actor may attend, with publisher uptime and bitrate.

    Uptime comes from our own bookkeeping (on_publish); bitrate, resolution and frame rate from
    nginx-rtmp's stat, read over the loopback-only unix socket (one read for all streams).
    """
    now = now or timezone.now()
    streams = list(
        LiveStream.objects.filter(status=StreamStatus.LIVE)
        .select_related("lecture", "lecture__training_class", "lecture__main_venue")
        .order_by("lecture__starts_at", "pk")
    )
    visible = [s for s in streams if lecture_may_attend(actor=actor, lecture=s.lecture)]
    if not visible:
        return []
    stats = rtmp.stream_stats()
    rows = []
    for stream in visible:
        stat = stats.get(stream.name)
        since = stream.publishing_since
        rows.append(
            LiveOverviewRow(
                stream=stream,
                lecture=stream.lecture,
                publishing_since=since,
                uptime_seconds=max(0.0, (now - since).total_seconds()) if since else 0.0,
                bitrate_kbps=stat.bitrate_kbps if stat else 0.0,
                width=stat.width if stat else 0,
                height=stat.height if stat else 0,
                frame_rate=stat.frame_rate if stat else 0.0,
            )
        )
    return rows
