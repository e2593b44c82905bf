"""The teacher pool (师资库): intake rounds, applications and their steps, and the approved teachers.

A cadre enters the pool by unit nomination or personal application → organisational review → approval
(the committee's decision, recorded by the organisation department). External (non-cadre) teachers are
added directly by the organisation department.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class IntakeRound(models.Model):
    """One call for teachers: criteria, the fields wanted (offices) and a deadline."""

    title = models.CharField("批次名称", max_length=200)
    criteria = models.TextField("遴选条件")
    fields = models.ManyToManyField("offices.ResearchOffice", verbose_name="需求领域", related_name="+")
    deadline = models.DateField("报名截止日期")
    is_open = models.BooleanField("接受报名", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "师资遴选批次"
        verbose_name_plural = "师资遴选批次"
        ordering = ["-deadline", "-id"]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    NOMINATED = "nominated", "单位推荐"
    APPLIED = "applied", "个人报名"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "待组织审核"
    RETURNED = "returned", "退回修改"
    REVIEWED = "reviewed", "待研究审定"
    APPROVED = "approved", "已入库"
    REJECTED = "rejected", "未通过"


class TeacherApplication(models.Model):
    round = models.ForeignKey(
        IntakeRound, verbose_name="遴选批次", on_delete=models.PROTECT, related_name="applications"
    )
    cadre = models.ForeignKey("org.Cadre", verbose_name="候选人", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("报名方式", max_length=16, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    fields = models.ManyToManyField("offices.ResearchOffice", verbose_name="专长领域", related_name="+")
    experience = models.TextField("授课经历")
    unit_opinion = models.TextField("单位意见", blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "师资申请"
        verbose_name_plural = "师资申请"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["round", "cadre"], name="teacher_application_once")]

    def __str__(self) -> str:
        return f"{self.cadre.name} · {self.round}"


class SampleLecture(models.Model):
    """A sample lecture (示范课件/讲稿) attached to an application."""

    application = models.ForeignKey(TeacherApplication, on_delete=models.CASCADE, related_name="samples")
    title = models.CharField("课题", max_length=200)
    file = models.FileField("文件", upload_to="teachers/samples/%Y/")
    original_name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.title


class StepAction(models.TextChoices):
    SUBMIT = "submit", "提交"
    RESUBMIT = "resubmit", "修改后重新提交"
    PASS = "pass", "组织审核通过"
    RETURN = "return", "退回修改"
    REJECT = "reject", "不予通过"
    APPROVE = "approve", "研究审定入库"
    UNIT_OPINION = "unit_opinion", "单位意见"


class ApplicationStep(models.Model):
    """Every step of the workflow: who, when, what, why."""

    application = models.ForeignKey(TeacherApplication, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=16, choices=StepAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField("意见", blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.action}"


class TeacherStatus(models.TextChoices):
    ACTIVE = "active", "在库"
    SUSPENDED = "suspended", "暂停"
    REMOVED = "removed", "已出库"


class Teacher(models.Model):
    """A member of the pool: a cadre, or an external person (name and organisation)."""

    number = models.CharField("师资编号", max_length=20, unique=True)
    cadre = models.OneToOneField(
        "org.Cadre", verbose_name="干部", null=True, blank=True, on_delete=models.PROTECT, related_name="teacher"
    )
    external_name = models.CharField("外聘教师姓名", max_length=50, blank=True)
    external_org = models.CharField("工作单位", max_length=200, blank=True)
    title = models.CharField("职务职称", max_length=100, blank=True)
    fields = models.ManyToManyField("offices.ResearchOffice", verbose_name="专长领域", related_name="teachers")
    application = models.OneToOneField(
        TeacherApplication, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher"
    )
    status = models.CharField("状态", max_length=16, choices=TeacherStatus.choices, default=TeacherStatus.ACTIVE)
    status_reason = models.CharField("原因", max_length=500, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "师资"
        verbose_name_plural = "师资"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cadre__isnull=False) | ~Q(external_name=""), name="teacher_is_cadre_or_named"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.cadre.name if self.cadre is not None else self.external_name

    @property
    def organisation(self) -> str:
        return self.cadre.unit.name if self.cadre is not None else self.external_org

    @property
    def is_external(self) -> bool:
        return self.cadre_id is None


class ReviewGrade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class TeacherReview(models.Model):
    """年度考核 of a pool teacher."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField("年度")
    grade = models.CharField("考核结果", max_length=16, choices=ReviewGrade.choices)
    comment = models.TextField("评语", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["teacher", "year"], name="teacher_review_once")]

    def __str__(self) -> str:
        return f"{self.teacher_id}:{self.year}"
