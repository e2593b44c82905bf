"""The office's own work: research topics (课题调研) with milestones, textbooks (教材编写) with chapters."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TopicStatus(models.TextChoices):
    PLANNED = "planned", "立项"
    IN_PROGRESS = "in_progress", "调研中"
    CONCLUDED = "concluded", "已结题"


class ResearchTopic(models.Model):
    office = models.ForeignKey(
        "offices.ResearchOffice", verbose_name="教研室", on_delete=models.PROTECT, related_name="topics"
    )
    title = models.CharField("课题名称", max_length=200)
    members = models.ManyToManyField("org.Cadre", verbose_name="课题组成员", related_name="+", blank=True)
    plan = models.TextField("调研计划")
    status = models.CharField("状态", max_length=16, choices=TopicStatus.choices, default=TopicStatus.PLANNED)
    final_report = models.TextField("调研报告", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "课题调研"
        verbose_name_plural = "课题调研"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TopicMilestone(models.Model):
    topic = models.ForeignKey(ResearchTopic, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("节点", max_length=200)
    due_on = models.DateField("计划完成日期")
    done = models.BooleanField("已完成", default=False)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class TextbookStatus(models.TextChoices):
    OUTLINING = "outlining", "拟定大纲"
    DRAFTING = "drafting", "编写中"
    REVIEWING = "reviewing", "审稿中"
    PUBLISHED = "published", "已出版"


class Textbook(models.Model):
    office = models.ForeignKey(
        "offices.ResearchOffice", verbose_name="教研室", on_delete=models.PROTECT, related_name="textbooks"
    )
    title = models.CharField("教材名称", max_length=200)
    outline = models.TextField("编写大纲")
    status = models.CharField("状态", max_length=16, choices=TextbookStatus.choices, default=TextbookStatus.OUTLINING)
    published_on = models.DateField("出版日期", null=True, blank=True)
    publisher = models.CharField("出版单位", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "教材编写"
        verbose_name_plural = "教材编写"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ChapterStatus(models.TextChoices):
    ASSIGNED = "assigned", "待编写"
    DRAFTED = "drafted", "已交稿"
    REVIEWED = "reviewed", "审稿通过"


class TextbookChapter(models.Model):
    textbook = models.ForeignKey(Textbook, on_delete=models.CASCADE, related_name="chapters")
    order = models.PositiveSmallIntegerField("章序")
    title = models.CharField("章名", max_length=200)
    assignee = models.ForeignKey("org.Cadre", verbose_name="执笔人", on_delete=models.PROTECT, related_name="+")
    draft = models.TextField("初稿", blank=True)
    status = models.CharField("状态", max_length=16, choices=ChapterStatus.choices, default=ChapterStatus.ASSIGNED)
    review_comment = models.TextField("审稿意见", blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["textbook", "order"], name="textbook_chapter_order_once")]

    def __str__(self) -> str:
        return self.title
