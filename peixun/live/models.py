"""Live teaching: a lecture's stream, its recordings and replay, and what each viewer watched.

The studio encoder publishes RTMP to nginx with the stream's secret key; nginx asks the app
(`on_publish`) and cuts HLS under the stream's public `name`, which never reveals the key. Viewers
fetch HLS with short-lived signed paths that nginx verifies by itself (see `peixun.live.tokens`).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_publish_key() -> str:
    return secrets.token_urlsafe(24)


def new_stream_name() -> str:
    # Public (it appears in playlist paths), random so it says nothing about the lecture.
    return secrets.token_hex(8)


class StreamStatus(models.TextChoices):
    IDLE = "idle", "未开始"
    LIVE = "live", "直播中"
    ENDED = "ended", "已结束"


class LiveStream(models.Model):
    """直播流: one per live lecture."""

    lecture = models.OneToOneField("training.Lecture", on_delete=models.CASCADE, related_name="live_stream")
    name = models.CharField("流名称", max_length=32, unique=True, default=new_stream_name)
    publish_key = models.CharField("推流密钥", max_length=64, unique=True, default=new_publish_key)
    key_rotated_at = models.DateTimeField("密钥更新时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=StreamStatus.choices, default=StreamStatus.IDLE)
    # nginx-rtmp's client id of the one publisher allowed at a time, and when it started.
    publisher_client = models.CharField(max_length=64, blank=True)
    publisher_addr = models.CharField(max_length=64, blank=True)
    publishing_since = models.DateTimeField(null=True, blank=True)
    last_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "直播流"
        verbose_name_plural = "直播流"

    def __str__(self) -> str:
        return f"{self.name} ({self.lecture_id})"


class RecordingStatus(models.TextChoices):
    PROCESSING = "processing", "转码中"
    READY = "ready", "可回放"
    FAILED = "failed", "转码失败"


class Recording(models.Model):
    """录像: one per publishing session; remuxed to MP4 in the background and offered as the replay."""

    stream = models.ForeignKey(LiveStream, on_delete=models.CASCADE, related_name="recordings")
    source_path = models.CharField("原始录像", max_length=500)
    mp4_path = models.CharField("回放文件", max_length=500, blank=True)
    duration_seconds = models.FloatField("时长(秒)", default=0)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=RecordingStatus.choices, default=RecordingStatus.PROCESSING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "录像"
        verbose_name_plural = "录像"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.stream_id}:{self.source_path}"


class ClassLiveSettings(models.Model):
    """A class's live-teaching settings (kept here so training's models stay free of video concerns)."""

    training_class = models.OneToOneField(
        "training.TrainingClass", on_delete=models.CASCADE, related_name="live_settings"
    )
    replay_counts_hours = models.BooleanField("回放计入学时", default=False)
    attention_check = models.BooleanField("随机点击确认在线", default=False)
    attention_interval_minutes = models.PositiveSmallIntegerField("确认间隔(分钟)", default=20)

    class Meta:
        verbose_name = "直播设置"
        verbose_name_plural = "直播设置"

    def __str__(self) -> str:
        return f"live settings of class {self.training_class_id}"


class WatchRecord(models.Model):
    """What one viewer watched of one lecture, live or as replay: the set of time slots seen.

    Heartbeats from any number of tabs and devices mark slots in `slots` (a bitmap, one bit per slot of
    `settings.PEIXUN_LIVE_SLOT_SECONDS`), so watched seconds are counted once however many are open.
    """

    lecture = models.ForeignKey("training.Lecture", on_delete=models.CASCADE, related_name="watch_records")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_records")
    is_replay = models.BooleanField(default=False)
    slots = models.BinaryField(default=b"")
    watched_seconds = models.PositiveIntegerField("观看时长(秒)", default=0)
    # Where the viewer is, for the monitor: the venue (venue mode) or else the viewer's unit.
    venue = models.ForeignKey("training.Venue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(db_index=True)
    attention_due_at = models.DateTimeField(null=True, blank=True)
    attention_missed = models.PositiveSmallIntegerField(default=0)
    # Replay: when a new slot was last credited; replay earns at most one slot per slot length of real
    # time, so seeking ahead or a forged position never earns more than the time actually spent.
    replay_credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "观看记录"
        verbose_name_plural = "观看记录"
        constraints = [
            models.UniqueConstraint(fields=["lecture", "user", "is_replay"], name="watch_record_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.lecture_id}:{self.watched_seconds}s"
