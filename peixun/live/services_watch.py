"""Writes of the watching side: heartbeats become watch time, the attention check, a class's live settings.

Watch time is a bitmap per viewer, lecture and kind (live or replay): one bit per
`settings.PEIXUN_LIVE_SLOT_SECONDS` slot. A heartbeat marks the slot it falls in, so any number of tabs
and devices of the same account count once; watched seconds are the set bits times the slot length,
capped at the lecture's length, and are handed to training's `watch_time_record` whenever a new slot
is set (training keeps the larger report, so live and replay are not added up: the larger one counts).

The heartbeat is the hot path (4,200 viewers every HEARTBEAT_SECONDS): when the viewer already has a
record it is one indexed SELECT ... FOR UPDATE and one UPDATE, plus training's few queries only when a
new slot is credited. The record is created, after the full authorisation check (`lecture_may_attend`,
and a ready recording for replay), by the viewer's first heartbeat; later heartbeats trust it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.live import conf
from peixun.live.models import ClassLiveSettings, Recording, RecordingStatus, WatchRecord
from peixun.org.models import Cadre
from peixun.org.permissions import require
from peixun.training.models import Lecture, TrainingClass, Venue
from peixun.training.permissions import is_org_admin, may_manage_class, operates_venue
from peixun.training.selectors import lecture_may_attend
from peixun.training.services_checkin import watch_time_record

HEARTBEAT_SECONDS = 20  # the player's heartbeat period; must not exceed the slot length
ATTENTION_EARLY_SECONDS = 30  # an answer this much before the due time is still taken (clock drift)
MAX_POSITION_SECONDS = 24 * 3600
MIN_ATTENTION_MINUTES = 5
MAX_ATTENTION_MINUTES = 120

ERR_NOT_ALLOWED = "您无权观看该课次"
ERR_OUTSIDE_WINDOW = "当前不在本课次的直播时间内，观看时长未记录"
ERR_REPLAY_TOO_EARLY = "课次结束后才能观看回放"
ERR_REPLAY_NOT_READY = "该课次暂无可观看的回放"
ERR_BAD_POSITION = "播放位置无效"
ERR_NOT_OPERATOR = "您不是该分会场的管理员"
ERR_NOT_WATCHING = "尚未开始观看，无需确认"
ERR_ATTENTION_OFF = "本培训班未开启在线确认"
ERR_ATTENTION_NOT_DUE = "尚未到确认时间"
ERR_SETTINGS_NOT_ALLOWED = "只有组织部或本班教研室主任可以修改直播设置"
ERR_BAD_INTERVAL = f"确认间隔应为{MIN_ATTENTION_MINUTES}至{MAX_ATTENTION_MINUTES}分钟"


def slot_seconds() -> int:
    return int(settings.PEIXUN_LIVE_SLOT_SECONDS)


def lecture_seconds(lecture: Lecture) -> int:
    return lecture.duration_minutes * 60


def slot_count(lecture: Lecture) -> int:
    return math.ceil(lecture_seconds(lecture) / slot_seconds())


def live_window(lecture: Lecture) -> tuple[dt.datetime, dt.datetime]:
    """Heartbeats of the live broadcast are taken while the studio may publish (the publishing window)."""
    lead = dt.timedelta(minutes=int(conf.get("PEIXUN_LIVE_PUBLISH_LEAD_MINUTES")))
    grace = dt.timedelta(minutes=int(conf.get("PEIXUN_LIVE_PUBLISH_GRACE_MINUTES")))
    return lecture.starts_at - lead, lecture.ends_at + grace


def watched_seconds(slots: bytes, lecture: Lecture) -> int:
    return min(int.from_bytes(slots, "little").bit_count() * slot_seconds(), lecture_seconds(lecture))


def _with_bit(slots: bytes, index: int) -> tuple[bytes, bool]:
    """The bitmap with bit `index` set, and whether it was new."""
    data = bytearray(slots)
    byte, bit = divmod(index, 8)
    if len(data) <= byte:
        data.extend(b"\0" * (byte + 1 - len(data)))
    if data[byte] >> bit & 1:
        return bytes(data), False
    data[byte] |= 1 << bit
    return bytes(data), True


def class_settings(lecture: Lecture) -> ClassLiveSettings:
    """The class's live settings (defaults when none were saved); free when the lecture was fetched with
    select_related("training_class__live_settings")."""
    try:
        return lecture.training_class.live_settings
    except ClassLiveSettings.DoesNotExist:
        return ClassLiveSettings(training_class=lecture.training_class)


def _attention_next(live_settings: ClassLiveSettings, now: dt.datetime) -> dt.datetime:
    # Random, so that nobody can time an absence around it: between half and one and a half intervals.
    minutes = live_settings.attention_interval_minutes * random.uniform(0.5, 1.5)
    return now + dt.timedelta(minutes=minutes)


@dataclass(frozen=True)
class Heartbeat:
    """The answer to a heartbeat, sent back to the player as JSON."""

    watched_seconds: int
    credited: bool  # this heartbeat set a slot that was not set before
    attention_required: bool  # the prompt is overdue; nothing is credited until it is answered
    attention_due_at: dt.datetime | None
    now: dt.datetime

    def as_json(self) -> dict[str, object]:
        due = self.attention_due_at
        return {
            "watched_seconds": self.watched_seconds,
            "credited": self.credited,
            "attention_required": self.attention_required,
            "attention_due_in": None if due is None else max(0, round((due - self.now).total_seconds())),
            "heartbeat_seconds": HEARTBEAT_SECONDS,
        }


def _check_window(lecture: Lecture, is_replay: bool, position: float | None, now: dt.datetime) -> int | None:
    """The slot this heartbeat marks (None: inside the window but outside the lecture, nothing to credit);
    ValidationError when the heartbeat is outside the window or malformed."""
    if is_replay:
        if now < lecture.ends_at:
            raise ValidationError({"is_replay": ERR_REPLAY_TOO_EARLY})
        if position is None or not (0 <= position <= MAX_POSITION_SECONDS) or math.isnan(position):
            raise ValidationError({"position": ERR_BAD_POSITION})
        index = int(position // slot_seconds())
    else:
        opens, closes = live_window(lecture)
        if not opens <= now <= closes:
            raise ValidationError({"now": ERR_OUTSIDE_WINDOW})
        index = math.floor((now - lecture.starts_at).total_seconds() / slot_seconds())
    return index if 0 <= index < slot_count(lecture) else None


def _record_create(
    *, actor: User, lecture: Lecture, is_replay: bool, venue: Venue | None, now: dt.datetime
) -> WatchRecord:
    """The slow path of a viewer's first heartbeat: full authorisation, then the record."""
    require(lecture_may_attend(actor=actor, lecture=lecture), ERR_NOT_ALLOWED)
    if is_replay:
        ready = Recording.objects.filter(stream__lecture=lecture, status=RecordingStatus.READY).exists()
        if not ready:
            raise ValidationError({"is_replay": ERR_REPLAY_NOT_READY})
    live_settings = class_settings(lecture)
    record, _ = WatchRecord.objects.get_or_create(
        lecture=lecture,
        user=actor,
        is_replay=is_replay,
        defaults={
            "last_seen_at": now,
            "venue": venue,
            "unit_id": venue.unit_id if venue else actor.grants.own_unit_id,
            "attention_due_at": _attention_next(live_settings, now) if live_settings.attention_check else None,
        },
    )
    return WatchRecord.objects.select_for_update().get(pk=record.pk)


def _require_venue(actor: User, venue: Venue) -> None:
    require(is_org_admin(actor) or operates_venue(actor, venue), ERR_NOT_OPERATOR)


@transaction.atomic
def watch_heartbeat(
    *,
    actor: User,
    lecture: Lecture,
    is_replay: bool,
    venue: Venue | None = None,
    position: float | None = None,
    now: dt.datetime | None = None,
) -> Heartbeat:
    """The player is playing: mark the current slot (live: by the clock since the lecture's start;
    replay: by the playback `position` in seconds) and credit the watch time.

    Replay credits at most one new slot per slot length of real time (`replay_credited_at`), so seeking
    ahead or a forged position never earns more than the time actually spent. In venue mode (`venue`) the
    record is the venue's screen and counts towards that venue on the monitor."""
    now = now or timezone.now()
    index = _check_window(lecture, is_replay, position, now)
    record = (
        WatchRecord.objects.select_for_update()
        .filter(lecture_id=lecture.pk, user_id=actor.pk, is_replay=is_replay)
        .first()
    )
    if record is None:
        if venue is not None:
            _require_venue(actor, venue)
        record = _record_create(actor=actor, lecture=lecture, is_replay=is_replay, venue=venue, now=now)
    elif venue is not None and record.venue_id != venue.pk:
        _require_venue(actor, venue)
        record.venue_id, record.unit_id = venue.pk, venue.unit_id
    live_settings = class_settings(lecture)
    slots = bytes(record.slots or b"")
    new = False
    attention_required = False
    due = record.attention_due_at
    if live_settings.attention_check:
        if due is None:
            due = _attention_next(live_settings, now)
        attention_required = now > due
    if index is not None and not attention_required:
        paced = not is_replay or (
            record.replay_credited_at is None
            or (now - record.replay_credited_at).total_seconds() >= slot_seconds() * 0.9
        )
        candidate, is_new = _with_bit(slots, index)
        if is_new and paced:
            slots, new = candidate, True
    seconds = watched_seconds(slots, lecture)
    changes: dict[str, object] = {"last_seen_at": now, "venue_id": record.venue_id, "unit_id": record.unit_id}
    if due != record.attention_due_at:
        changes["attention_due_at"] = due
    if new:
        changes.update(slots=slots, watched_seconds=seconds)
        if is_replay:
            changes["replay_credited_at"] = now
    WatchRecord.objects.filter(pk=record.pk).update(**changes)
    if new and actor.cadre_id is not None and (not is_replay or live_settings.replay_counts_hours):
        # Only the cadre's pk is read; an unsaved instance spares a query on the hot path.
        watch_time_record(lecture=lecture, cadre=Cadre(pk=actor.cadre_id), seconds=seconds, now=now)
    return Heartbeat(
        watched_seconds=seconds,
        credited=new,
        attention_required=attention_required,
        attention_due_at=due if live_settings.attention_check else None,
        now=now,
    )


@transaction.atomic
def watch_attention_confirm(
    *, actor: User, lecture: Lecture, is_replay: bool, now: dt.datetime | None = None
) -> dt.datetime:
    """The viewer clicked "点击继续": the next prompt is set at a random time ahead. An answer given after
    the due time counts as one missed prompt (the heartbeats in between were not credited)."""
    now = now or timezone.now()
    live_settings = class_settings(lecture)
    if not live_settings.attention_check:
        raise ValidationError({"attention": ERR_ATTENTION_OFF})
    record = (
        WatchRecord.objects.select_for_update()
        .filter(lecture_id=lecture.pk, user_id=actor.pk, is_replay=is_replay)
        .first()
    )
    if record is None:
        raise ValidationError({"attention": ERR_NOT_WATCHING})
    due = record.attention_due_at
    if due is not None and now < due - dt.timedelta(seconds=ATTENTION_EARLY_SECONDS):
        raise ValidationError({"attention": ERR_ATTENTION_NOT_DUE})
    missed = record.attention_missed + (
        1 if due is not None and now > due + dt.timedelta(seconds=HEARTBEAT_SECONDS) else 0
    )
    nxt = _attention_next(live_settings, now)
    WatchRecord.objects.filter(pk=record.pk).update(attention_due_at=nxt, attention_missed=missed, last_seen_at=now)
    return nxt


# --- A class's live settings -------------------------------------------------------------------------------


@transaction.atomic
def live_settings_update(
    *,
    actor: User,
    training_class: TrainingClass,
    replay_counts_hours: bool,
    attention_check: bool,
    attention_interval_minutes: int,
) -> ClassLiveSettings:
    """The organisers (organisation department, the class's office director) set replay and attention rules."""
    require(may_manage_class(actor, training_class), ERR_SETTINGS_NOT_ALLOWED)
    if not isinstance(attention_interval_minutes, int) or not (
        MIN_ATTENTION_MINUTES <= attention_interval_minutes <= MAX_ATTENTION_MINUTES
    ):
        raise ValidationError({"attention_interval_minutes": ERR_BAD_INTERVAL})
    row, _ = ClassLiveSettings.objects.select_for_update().get_or_create(training_class=training_class)
    row.replay_counts_hours = bool(replay_counts_hours)
    row.attention_check = bool(attention_check)
    row.attention_interval_minutes = attention_interval_minutes
    row.save()
    audit_record(
        actor=actor,
        event=Event.LIVE_SETTINGS_SAVE,
        obj=training_class,
        detail={
            "replay_counts_hours": row.replay_counts_hours,
            "attention_check": row.attention_check,
            "attention_interval_minutes": row.attention_interval_minutes,
        },
    )
    return row
