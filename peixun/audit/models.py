from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditResult(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


class AuditEvent(models.Model):
    """An append-only record. Nothing in the app updates or deletes one; on PostgreSQL a trigger
    makes the database refuse it too (migration 0002)."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    # No database constraint and no cascade: the record must outlive whatever it names.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField("操作人", max_length=100, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    event = models.CharField("事件", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    result = models.CharField("结果", max_length=16, choices=AuditResult.choices, default=AuditResult.SUCCESS)
    detail = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "at"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.actor_label}"

    @property
    def event_label(self) -> str:
        from peixun.audit.events import label

        return label(self.event)
