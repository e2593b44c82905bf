"""Training administration: the year's plan, its classes and lectures, venues, enrolment, check-in,
study hours, evaluation and certificates.

Venue operators: a venue is operated by the accounts holding Role.VENUE_OPERATOR granted on the venue's
unit (RoleGrant.unit == Venue.unit); there is no separate operators relation, so granting or revoking
the role is the only way to change who operates a venue.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Venue(models.Model):
    """分会场 / 接收点; the main venue (主会场) is the one with is_main=True."""

    name = models.CharField("会场名称", max_length=100)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="venues")
    is_main = models.BooleanField("主会场", default=False)
    address = models.CharField("地址", max_length=200, blank=True)
    seats = models.PositiveIntegerField("座位数", default=0)
    allowed_occupancy = models.PositiveSmallIntegerField(
        "允许上座率(%)", default=100, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    latitude = models.FloatField("纬度", default=0.0)
    longitude = models.FloatField("经度", default=0.0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "分会场"
        verbose_name_plural = "分会场"
        ordering = ["unit__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_main"], condition=Q(is_main=True), name="venue_one_main"),
            models.CheckConstraint(condition=Q(allowed_occupancy__lte=100), name="venue_occupancy_le_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def capacity(self) -> int:
        """Seats usable under the allowed occupancy; never rounds up."""
        return self.seats * self.allowed_occupancy // 100


class TrainingPlan(models.Model):
    """年度培训计划."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("计划名称", max_length=200)
    description = models.TextField("说明", blank=True)
    hours_target = models.DecimalField("年度学时目标", max_digits=6, decimal_places=1, default=Decimal("40.0"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "年度培训计划"
        verbose_name_plural = "年度培训计划"
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class StudyHoursTarget(models.Model):
    """A cadre's own yearly hours target, set by the organisation department (else the plan's)."""

    year = models.PositiveSmallIntegerField("年度")
    cadre = models.ForeignKey("org.Cadre", on_delete=models.CASCADE, related_name="hours_targets")
    hours = models.DecimalField("学时目标", max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = "学时目标"
        verbose_name_plural = "学时目标"
        constraints = [models.UniqueConstraint(fields=["year", "cadre"], name="hours_target_once")]

    def __str__(self) -> str:
        return f"{self.cadre_id}:{self.year}:{self.hours}"


class ClassKind(models.TextChoices):
    TOPICAL = "topical", "专题辅导"
    BUSINESS = "business", "业务培训"
    SYSTEM = "system", "系统应用培训"
    OTHER = "other", "其他"


class ClassMode(models.TextChoices):
    LIVE = "live", "直播至分会场"
    ON_SITE = "on_site", "现场教学"
    BOTH = "both", "现场+直播"


class ClassStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    ENROLLING = "enrolling", "报名中"
    IN_PROGRESS = "in_progress", "进行中"
    FINISHED = "finished", "已结束"
    ARCHIVED = "archived", "已归档"


class HoursRule(models.TextChoices):
    ATTENDANCE = "attendance", "按出勤"
    WATCH_PERCENT = "watch_percent", "按观看比例"


class TrainingClass(models.Model):
    """培训班: a course of one or more lectures, run by a research office."""

    plan = models.ForeignKey(TrainingPlan, verbose_name="年度计划", on_delete=models.PROTECT, related_name="classes")
    office = models.ForeignKey(
        "offices.ResearchOffice", verbose_name="教研室", on_delete=models.PROTECT, related_name="training_classes"
    )
    title = models.CharField("班次名称", max_length=200)
    kind = models.CharField("类别", max_length=16, choices=ClassKind.choices, default=ClassKind.TOPICAL)
    mode = models.CharField("方式", max_length=16, choices=ClassMode.choices, default=ClassMode.LIVE)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    description = models.TextField("简介", blank=True)
    audience_unit_kinds = models.JSONField("参训单位类别", default=list, blank=True)
    audience_ranks = models.JSONField("参训职级", default=list, blank=True)
    capacity = models.PositiveIntegerField("计划人数", default=0, help_text="0 表示不限")
    study_hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=Decimal("0"))
    hours_rule = models.CharField("学时认定", max_length=16, choices=HoursRule.choices, default=HoursRule.ATTENDANCE)
    watch_percent_required = models.PositiveSmallIntegerField(
        "最低观看比例(%)", default=80, validators=[MaxValueValidator(100)]
    )
    allow_self_enrolment = models.BooleanField("允许个人报名", default=False)
    allow_desk = models.BooleanField("允许在工位收看", default=False)
    status = models.CharField("状态", max_length=16, choices=ClassStatus.choices, default=ClassStatus.DRAFT)
    allocated_at = models.DateTimeField("分配时间", null=True, blank=True)
    allocation_summary = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="class_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.title


class Quota(models.Model):
    """参训名额: how many trainees a unit (with its subtree) may send."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField("名额")

    class Meta:
        verbose_name = "参训名额"
        verbose_name_plural = "参训名额"
        constraints = [models.UniqueConstraint(fields=["training_class", "unit"], name="quota_once")]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.seats}"


class Lecture(models.Model):
    """课次: one scheduled lecture of a class."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="lectures")
    topic = models.CharField("主题", max_length=200)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    duration_minutes = models.PositiveIntegerField("时长(分钟)", validators=[MinValueValidator(1)])
    ends_at = models.DateTimeField("结束时间", editable=False, db_index=True)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授课教师",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lectures_taught",
    )
    teacher_name = models.CharField("教师姓名", max_length=50, blank=True, help_text="外聘教师填写姓名")
    main_venue = models.ForeignKey(
        Venue, verbose_name="主会场", null=True, blank=True, on_delete=models.PROTECT, related_name="main_lectures"
    )
    is_live = models.BooleanField("直播", default=True)
    study_hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.topic

    def save(self, *args: object, **kwargs: object) -> None:
        self.ends_at = self.starts_at + dt.timedelta(minutes=self.duration_minutes)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def teacher_display(self) -> str:
        if self.teacher_name:
            return self.teacher_name
        return str(self.teacher.display_name or self.teacher.username) if self.teacher else ""


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "已报名"
    WAITING = "waiting", "候补"
    WITHDRAWN = "withdrawn", "已退出"


class EnrolmentChannel(models.TextChoices):
    UNIT_ADMIN = "unit_admin", "单位报名"
    ORG_ADMIN = "org_admin", "组织部指定"
    SELF = "self", "个人报名"
    IMPORT = "import", "批量导入"


class Enrolment(models.Model):
    """A cadre enrolled in a class (a trainee), with the venue the allocation gave them."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrolments")
    cadre = models.ForeignKey("org.Cadre", verbose_name="学员", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField("状态", max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED)
    channel = models.CharField("报名方式", max_length=16, choices=EnrolmentChannel.choices)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Allocation: where the trainee watches; at_desk means at their own intranet desk.
    venue = models.ForeignKey(
        Venue, verbose_name="分会场", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    at_desk = models.BooleanField("在工位收看", default=False)
    pinned = models.BooleanField("人工固定", default=False)
    placement_note = models.CharField("分配说明", max_length=200, blank=True)
    unseated = models.BooleanField("未能安排", default=False)

    class Meta:
        verbose_name = "学员报名"
        verbose_name_plural = "学员报名"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["training_class", "cadre"], name="enrolment_once")]
        indexes = [models.Index(fields=["training_class", "status"]), models.Index(fields=["cadre", "status"])]

    def __str__(self) -> str:
        return f"{self.cadre_id}@{self.training_class_id}"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class LeaveRequest(models.Model):
    """请假: for one lecture, or the whole class when lecture is empty; approved by the unit admin."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="leave_requests")
    lecture = models.ForeignKey(Lecture, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("事由", max_length=500)
    status = models.CharField("状态", max_length=16, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"leave {self.pk}"


class CheckInStatus(models.TextChoices):
    PRESENT = "present", "出勤"
    LATE = "late", "迟到"
    ABSENT = "absent", "缺勤"
    EXCUSED = "excused", "请假"


class CheckInMethod(models.TextChoices):
    QR = "qr", "扫码签到"
    OPERATOR = "operator", "会场登记"
    ONLINE = "online", "在线收看"
    LEAVE = "leave", "请假"


class CheckIn(models.Model):
    """签到: one per trainee and lecture; watch time accumulates on the same row."""

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="checkins")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="checkins")
    cadre = models.ForeignKey("org.Cadre", on_delete=models.PROTECT, related_name="checkins")
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins")
    status = models.CharField("状态", max_length=16, choices=CheckInStatus.choices)
    method = models.CharField("方式", max_length=16, choices=CheckInMethod.choices)
    checked_at = models.DateTimeField("签到时间", null=True, blank=True)
    watched_seconds = models.PositiveIntegerField("观看时长(秒)", default=0)
    study_hours = models.DecimalField("认定学时", max_digits=5, decimal_places=1, default=Decimal("0"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "签到"
        verbose_name_plural = "签到"
        constraints = [models.UniqueConstraint(fields=["lecture", "cadre"], name="checkin_once")]
        indexes = [models.Index(fields=["cadre", "status"])]

    def __str__(self) -> str:
        return f"{self.cadre_id}@{self.lecture_id}:{self.status}"


class VenueHeadcount(models.Model):
    """The headcount a venue operator reports for a lecture."""

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="headcounts")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="headcounts")
    headcount = models.PositiveIntegerField("实到人数")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lecture", "venue"], name="headcount_once")]

    def __str__(self) -> str:
        return f"{self.venue_id}@{self.lecture_id}:{self.headcount}"


class Evaluation(models.Model):
    """评教: a trainee's rating of a lecture (and its teacher), or of the class when lecture is empty.

    The cadre is kept only to allow one evaluation each; every read for teachers is an aggregate.
    """

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="evaluations")
    lecture = models.ForeignKey(Lecture, null=True, blank=True, on_delete=models.CASCADE, related_name="evaluations")
    cadre = models.ForeignKey("org.Cadre", on_delete=models.CASCADE, related_name="+")
    lecture_score = models.PositiveSmallIntegerField(null=True, blank=True)
    teacher_score = models.PositiveSmallIntegerField(null=True, blank=True)
    class_score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField("意见建议", blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评教"
        verbose_name_plural = "评教"
        constraints = [
            models.UniqueConstraint(
                fields=["lecture", "cadre"], condition=Q(lecture__isnull=False), name="evaluation_lecture_once"
            ),
            models.UniqueConstraint(
                fields=["training_class", "cadre"], condition=Q(lecture__isnull=True), name="evaluation_class_once"
            ),
        ]

    def __str__(self) -> str:
        return f"evaluation {self.pk}"


class Certificate(models.Model):
    """结业证书 with a unique number and a secret token for the public verification page."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField("证书编号", max_length=32, unique=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    study_hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked = models.BooleanField("已作废", default=False)

    class Meta:
        verbose_name = "结业证书"
        verbose_name_plural = "结业证书"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class Notification(models.Model):
    """In-app notice to one account (enrolled, venue assigned, lecture soon, certificate ready)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_notices")
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notice_dedupe"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.text
