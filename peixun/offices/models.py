from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ResearchOffice(models.Model):
    """One of the teaching-research offices (教研室) that prepare and run teaching in one field."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    field = models.CharField("业务领域", max_length=200)
    description = models.TextField("职责", blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "教研室"
        verbose_name_plural = "教研室"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class OfficeRole(models.TextChoices):
    DIRECTOR = "director", "主任"
    MEMBER = "member", "成员"


class OfficeMembership(models.Model):
    office = models.ForeignKey(ResearchOffice, on_delete=models.CASCADE, related_name="memberships")
    cadre = models.ForeignKey("org.Cadre", on_delete=models.CASCADE, related_name="office_memberships")
    role = models.CharField("职责", max_length=16, choices=OfficeRole.choices, default=OfficeRole.MEMBER)
    joined_at = models.DateField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = "教研室成员"
        verbose_name_plural = "教研室成员"
        constraints = [
            models.UniqueConstraint(fields=["office", "cadre"], name="office_member_once"),
            models.UniqueConstraint(fields=["office"], condition=Q(role="director"), name="office_one_director"),
        ]

    def __str__(self) -> str:
        return f"{self.office} · {self.cadre}"


class MembershipChangeKind(models.TextChoices):
    ADD = "add", "加入"
    ROLE = "role", "调整职责"
    REMOVE = "remove", "移出"


class OfficeMembershipChange(models.Model):
    """One change of an office's membership, kept for the office's own history page.

    The audit trail records the same acts but only the audit admin reads it; this is what the office's
    director and the organisation department see. Name and employee number are copied so that the row
    still reads after the cadre is gone.
    """

    office = models.ForeignKey(ResearchOffice, on_delete=models.CASCADE, related_name="membership_changes")
    cadre = models.ForeignKey("org.Cadre", null=True, on_delete=models.SET_NULL, related_name="+")
    cadre_name = models.CharField("姓名", max_length=50)
    employee_number = models.CharField("工号", max_length=32)
    kind = models.CharField("变动", max_length=16, choices=MembershipChangeKind.choices)
    role = models.CharField("职责", max_length=16, choices=OfficeRole.choices, blank=True)
    previous_role = models.CharField("原职责", max_length=16, choices=OfficeRole.choices, blank=True)
    reason = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField("操作人", max_length=150)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "教研室成员变动"
        verbose_name_plural = "教研室成员变动"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["office", "-at"], name="office_change_recent")]

    def __str__(self) -> str:
        return f"{self.office_id}:{self.kind}:{self.employee_number}"


from peixun.offices.models_prep import LessonPrep, LessonPrepVersion, PrepComment, PrepMeeting  # noqa: E402,F401
from peixun.offices.models_work import ResearchTopic, Textbook, TextbookChapter, TopicMilestone  # noqa: E402,F401
