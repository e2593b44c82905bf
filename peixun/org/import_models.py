"""One Excel import: the stored file, its validation result and its outcome (see peixun.org.imports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    UNITS = "units", "单位"
    CADRES = "cadres", "干部"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "等待校验"
    VALIDATING = "validating", "正在校验"
    VALIDATED = "validated", "校验完成"
    IMPORTING = "importing", "正在导入"
    DONE = "done", "导入完成"
    FAILED = "failed", "失败"


class ImportJob(models.Model):
    kind = models.CharField("导入类型", max_length=16, choices=ImportKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="import_jobs"
    )
    # Stored under MEDIA_ROOT/imports/ with a random name; the user's file name is kept for display only.
    file = models.FileField("文件", upload_to="imports/", max_length=200)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total = models.PositiveIntegerField("总行数", default=0)
    processed = models.PositiveIntegerField("已处理行数", default=0)
    valid_rows = models.PositiveIntegerField("无误行数", default=0)
    # [{"row": 3, "column": "身份证号", "message": "..."}], row numbers as Excel shows them.
    errors = models.JSONField("错误", default=list, blank=True)
    only_valid = models.BooleanField("仅导入无误的行", default=False)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["actor", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 #{self.pk}"

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 0 if self.is_running else 100
        return min(100, round(self.processed * 100 / self.total))
