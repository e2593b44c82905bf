"""Writes of the publishing side: a lecture's stream and its key, and what nginx-rtmp reports.

The operator's acts (`stream_ensure`, `stream_rotate_key`, `stream_key_reveal`) check permission first.
The publishing acts are nginx's callbacks (`peixun.live.hooks`): their actor is the studio encoder,
known only by the key it presents, so they take no `actor` and audit with a label instead.
"""

from __future__ import annotations

import datetime as dt
import hmac
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.models import AuditResult
from peixun.audit.services import audit_record
from peixun.core.tasks import enqueue
from peixun.live import conf, rtmp
from peixun.live.models import LiveStream, Recording, RecordingStatus, StreamStatus, new_publish_key
from peixun.org.permissions import require
from peixun.training.models import Lecture
from peixun.training.permissions import may_manage_class, operates_venue

ERR_NOT_ALLOWED = "您无权管理该课次的直播推流。"
ERR_NOT_LIVE = "该课次不是直播课次，不能创建直播流。"
ERR_BAD_KEY = "推流码无效。"
ERR_TOO_EARLY = "尚未到推流时间（课次开始前{minutes}分钟起可推流）。"
ERR_TOO_LATE = "课次已结束，不能再推流。"
ERR_BUSY = "该直播流已有推流端在推流，同一时间只允许一个推流端。"
ERR_BAD_RECORDING = "录像文件不在录像目录内。"

STUDIO = "主会场编码器"
ROTATED = "rotated:"  # prefix of publisher_client once the key that session used has been replaced


class PublishRefused(Exception):
    """nginx must refuse this publisher (the hook answers 403); the message says why, in Chinese."""


def may_operate_stream(actor: User, lecture: Lecture) -> bool:
    """The organisation department, the director of the class's office, and the main venue's operator."""
    if may_manage_class(actor, lecture.training_class):
        return True
    return lecture.main_venue is not None and operates_venue(actor, lecture.main_venue)


@transaction.atomic
def stream_ensure(*, actor: User, lecture: Lecture) -> LiveStream:
    """The lecture's stream, created with a fresh key the first time."""
    require(may_operate_stream(actor, lecture), ERR_NOT_ALLOWED)
    if not lecture.is_live:
        raise ValidationError({"lecture": ERR_NOT_LIVE})
    stream, created = LiveStream.objects.get_or_create(lecture=lecture)
    if created:
        audit_record(actor=actor, event=Event.LIVE_STREAM_CREATE, obj=stream, detail={"lecture": lecture.pk})
    return stream


@transaction.atomic
def stream_key_reveal(*, actor: User, stream: LiveStream) -> str:
    """The stream key the encoder uses, for the operator's page; each reveal is audited (it is a credential)."""
    require(may_operate_stream(actor, stream.lecture), ERR_NOT_ALLOWED)
    audit_record(actor=actor, event=Event.LIVE_KEY_REVEAL, obj=stream)
    return encoder_stream_key(stream)


def encoder_stream_key(stream: LiveStream) -> str:
    """What goes after `rtmp://host:port/live/`: the public name, with the secret as a query nginx forwards."""
    return f"{stream.name}?key={stream.publish_key}"


@transaction.atomic
def stream_rotate_key(*, actor: User, stream: LiveStream) -> LiveStream:
    """A new key; the old one stops working at once, and a publisher using it is disconnected."""
    require(may_operate_stream(actor, stream.lecture), ERR_NOT_ALLOWED)
    locked = LiveStream.objects.select_for_update().get(pk=stream.pk)
    locked.publish_key = new_publish_key()
    locked.key_rotated_at = timezone.now()
    was_live = locked.status == StreamStatus.LIVE and bool(locked.publisher_client)
    if was_live and not locked.publisher_client.startswith(ROTATED):
        # The old session no longer holds the stream: its next on_update is refused (nginx then cuts it
        # off within 10 s), and a publisher with the new key is not kept waiting for it.
        locked.publisher_client = ROTATED + locked.publisher_client
    locked.save(update_fields=["publish_key", "key_rotated_at", "publisher_client"])
    audit_record(actor=actor, event=Event.LIVE_KEY_ROTATE, obj=locked, detail={"was_live": was_live})
    if was_live:
        # A leaked key must not keep its session: drop it at once through the socket-only control endpoint.
        name = locked.name
        transaction.on_commit(lambda: rtmp.drop_publisher(name))
    stream.publish_key, stream.key_rotated_at = locked.publish_key, locked.key_rotated_at
    return locked


# --- nginx-rtmp callbacks ------------------------------------------------------------------------


def publish_window(lecture: Lecture) -> tuple[dt.datetime, dt.datetime]:
    lead = dt.timedelta(minutes=int(conf.get("PEIXUN_LIVE_PUBLISH_LEAD_MINUTES")))
    grace = dt.timedelta(minutes=int(conf.get("PEIXUN_LIVE_PUBLISH_GRACE_MINUTES")))
    return lecture.starts_at - lead, lecture.ends_at + grace


def _refuse(stream: LiveStream | None, reason: str, addr: str) -> PublishRefused:
    # Called after the locking transaction closed: a refusal changes nothing but the audit trail.
    audit_record(
        actor=None,
        actor_label=STUDIO,
        event=Event.LIVE_PUBLISH_REFUSED,
        obj=stream,
        object_type="live.livestream",
        result=AuditResult.DENIED,
        detail={"reason": reason},
        ip=addr or None,
    )
    return PublishRefused(reason)


def _publisher_alive(stream: LiveStream, now: dt.datetime) -> bool:
    if stream.status != StreamStatus.LIVE or not stream.publisher_client:
        return False
    if stream.publisher_client.startswith(ROTATED):
        return False
    stale = dt.timedelta(seconds=int(conf.get("PEIXUN_LIVE_PUBLISHER_STALE_SECONDS")))
    return stream.last_published_at is not None and now - stream.last_published_at < stale


def stream_publish_start(
    *, name: str, key: str, client_id: str, addr: str, now: dt.datetime | None = None
) -> LiveStream:
    """on_publish: the stream's name with its key, inside the window, nobody else publishing; else PublishRefused."""
    now = now or timezone.now()
    reason = ""
    stream = None
    with transaction.atomic():
        stream = LiveStream.objects.select_for_update().select_related("lecture").filter(name=name).first()
        if stream is None or not key or not hmac.compare_digest(stream.publish_key.encode(), key.encode()):
            reason = ERR_BAD_KEY
        else:
            opens, closes = publish_window(stream.lecture)
            if now < opens:
                reason = ERR_TOO_EARLY.format(minutes=conf.get("PEIXUN_LIVE_PUBLISH_LEAD_MINUTES"))
            elif now > closes:
                reason = ERR_TOO_LATE
            elif _publisher_alive(stream, now) and stream.publisher_client != client_id:
                reason = ERR_BUSY
        if not reason and stream is not None:
            stream.status = StreamStatus.LIVE
            stream.publisher_client = client_id[:64]
            stream.publisher_addr = addr[:64]
            stream.publishing_since = now
            stream.last_published_at = now
            stream.save(
                update_fields=["status", "publisher_client", "publisher_addr", "publishing_since", "last_published_at"]
            )
            audit_record(actor=None, actor_label=STUDIO, event=Event.LIVE_PUBLISH_START, obj=stream, ip=addr or None)
            return stream
    raise _refuse(stream, reason, addr)


@transaction.atomic
def stream_publish_update(*, name: str, client_id: str, now: dt.datetime | None = None) -> bool:
    """on_update (every few seconds while publishing): False when the publisher must be cut off."""
    now = now or timezone.now()
    stream = LiveStream.objects.select_for_update().select_related("lecture").filter(name=name).first()
    if stream is None or stream.publisher_client != client_id:
        return False  # the key was rotated (the session was replaced), or the stream is gone
    if now > publish_window(stream.lecture)[1]:
        return False
    stream.last_published_at = now
    stream.save(update_fields=["last_published_at"])
    return True


@transaction.atomic
def stream_publish_end(*, name: str, client_id: str, now: dt.datetime | None = None) -> LiveStream | None:
    """on_publish_done: the broadcast ends (a publisher that reconnects starts it again)."""
    now = now or timezone.now()
    stream = LiveStream.objects.select_for_update().filter(name=name).first()
    if stream is None or stream.publisher_client not in {client_id, ROTATED + client_id}:
        return stream
    started = stream.publishing_since
    stream.status = StreamStatus.ENDED
    stream.publisher_client = ""
    stream.publishing_since = None
    stream.last_published_at = now
    stream.save(update_fields=["status", "publisher_client", "publishing_since", "last_published_at"])
    seconds = round((now - started).total_seconds()) if started else 0
    audit_record(actor=None, actor_label=STUDIO, event=Event.LIVE_PUBLISH_END, obj=stream, detail={"seconds": seconds})
    return stream


@transaction.atomic
def recording_create(*, name: str, path: str) -> Recording:
    """on_record_done: the FLV nginx wrote becomes a Recording, remuxed to MP4 in the background."""
    source = Path(path).resolve()
    if not source.is_relative_to(conf.recordings_dir().resolve()) or source.suffix != ".flv":
        raise ValidationError({"path": ERR_BAD_RECORDING})
    stream = LiveStream.objects.get(name=name)
    recording, _ = Recording.objects.get_or_create(stream=stream, source_path=str(source))
    if recording.status == RecordingStatus.PROCESSING:
        from peixun.live.jobs import recording_remux

        enqueue(recording_remux, recording_id=recording.pk)
    return recording
