"""Collective lesson preparation (集体备课): a draft in sections, numbered versions, threaded comments and
proposed edits per section, preparation meetings, and the director's sign-off.

Section HTML is stored sanitised (nh3) at write time, so every read can render it as it is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PrepStatus(models.TextChoices):
    DRAFTING = "drafting", "备课中"
    SIGNED_OFF = "signed_off", "已定稿"


class LessonPrep(models.Model):
    office = models.ForeignKey(
        "offices.ResearchOffice", verbose_name="教研室", on_delete=models.PROTECT, related_name="lesson_preps"
    )
    title = models.CharField("讲稿题目", max_length=200)
    lecture = models.ForeignKey(
        "training.Lecture", verbose_name="课次", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主备人", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=PrepStatus.choices, default=PrepStatus.DRAFTING)
    signed_version = models.ForeignKey(
        "offices.LessonPrepVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "集体备课"
        verbose_name_plural = "集体备课"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class LessonPrepVersion(models.Model):
    """One numbered version of the whole draft: sections = [{"title": str, "html": sanitised str}, ...]."""

    prep = models.ForeignKey(LessonPrep, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    sections = models.JSONField(default=list)
    note = models.CharField("修改说明", max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["prep", "number"], name="lessonprep_version_once")]

    def __str__(self) -> str:
        return f"v{self.number}"


class CommentKind(models.TextChoices):
    COMMENT = "comment", "意见"
    PROPOSAL = "proposal", "修改建议"


class ProposalState(models.TextChoices):
    OPEN = "open", "待处理"
    ACCEPTED = "accepted", "已采纳"
    DECLINED = "declined", "未采纳"


class PrepComment(models.Model):
    """A comment on one section, or a reply in its thread; a proposal carries replacement HTML."""

    prep = models.ForeignKey(LessonPrep, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(LessonPrepVersion, on_delete=models.CASCADE, related_name="+")
    section = models.PositiveSmallIntegerField("段落")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(max_length=16, choices=CommentKind.choices, default=CommentKind.COMMENT)
    body = models.TextField("内容", max_length=5000)
    proposed_html = models.TextField("建议修改为", blank=True)
    state = models.CharField(max_length=16, choices=ProposalState.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class PrepMeeting(models.Model):
    """集体备课会: date, attendees, conclusions."""

    prep = models.ForeignKey(LessonPrep, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField("日期")
    attendees = models.ManyToManyField("org.Cadre", verbose_name="参会人员", related_name="+")
    conclusions = models.TextField("会议结论")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"meeting {self.held_on}"
