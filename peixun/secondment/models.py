"""Two-way secondment (双向学习锻炼): batches, candidates through to appraisal, and their records.

One `Secondment` row follows a cadre from candidacy (any of the three channels) through review,
placement, the time in the receiving unit and the final appraisal; `stage` says where it stands.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from peixun.org.models import Cadre, Unit, UnitKind

# Which kinds of unit may send a cadre to which kinds (跨领域安排); a batch keeps its own copy.
DEFAULT_MATRIX: dict[str, list[str]] = {
    UnitKind.CITY: [UnitKind.ENTERPRISE, UnitKind.UNIVERSITY],
    UnitKind.COUNTY: [UnitKind.ENTERPRISE, UnitKind.UNIVERSITY],
    UnitKind.ENTERPRISE: [UnitKind.CITY, UnitKind.COUNTY],
    UnitKind.UNIVERSITY: [UnitKind.CITY, UnitKind.COUNTY],
}


def default_matrix() -> dict[str, list[str]]:
    return {k: list(v) for k, v in DEFAULT_MATRIX.items()}


class BatchStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "报名中"
    PLACING = "placing", "岗位安排中"
    CONFIRMED = "confirmed", "安排已确定"
    RUNNING = "running", "锻炼中"
    CLOSED = "closed", "已结束"


class SecondmentBatch(models.Model):
    """One year's round (选派批次): notice, dates, eligibility rules, posts and sending quotas."""

    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("批次名称", max_length=120)
    notice = models.TextField("选派通知", blank=True)
    apply_deadline = models.DateField("报名截止日期", null=True, blank=True)
    start_date = models.DateField("锻炼开始日期")
    end_date = models.DateField("锻炼结束日期")
    reference_date = models.DateField("年龄计算基准日")
    max_age = models.PositiveSmallIntegerField("年龄上限", default=50)
    min_service_years = models.PositiveSmallIntegerField("最低工作年限", default=2)
    matrix = models.JSONField("跨领域规则", default=default_matrix)
    status = models.CharField("状态", max_length=16, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "选派批次"
        verbose_name_plural = "选派批次"
        ordering = ["-year", "-pk"]

    def __str__(self) -> str:
        return self.title

    def allows(self, sending_kind: str, receiving_kind: str) -> bool:
        return receiving_kind in (self.matrix or {}).get(sending_kind, [])


class BatchAttachment(models.Model):
    batch = models.ForeignKey(SecondmentBatch, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField("附件名称", max_length=200)
    file = models.FileField("附件", upload_to="secondment/notices/%Y/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "通知附件"
        verbose_name_plural = "通知附件"

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A place a receiving unit offers in a batch: `capacity` seats, hard and soft skill requirements."""

    batch = models.ForeignKey(SecondmentBatch, on_delete=models.CASCADE, related_name="posts")
    receiving_unit = models.ForeignKey(Unit, verbose_name="接收单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("岗位名称", max_length=100)
    capacity = models.PositiveSmallIntegerField("名额", default=1)
    required_skills = models.JSONField("必备条件", default=list, blank=True)
    preferred_skills = models.JSONField("优先条件", default=list, blank=True)
    description = models.TextField("岗位说明", blank=True)

    class Meta:
        verbose_name = "锻炼岗位"
        verbose_name_plural = "锻炼岗位"
        ordering = ["batch", "receiving_unit__path", "pk"]

    def __str__(self) -> str:
        return f"{self.receiving_unit.name} · {self.title}"


class SendingQuota(models.Model):
    """How many candidates a unit (with its subunits) may put forward in a batch."""

    batch = models.ForeignKey(SecondmentBatch, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey(Unit, verbose_name="派出单位", on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveSmallIntegerField("选派名额")

    class Meta:
        verbose_name = "选派名额"
        verbose_name_plural = "选派名额"
        constraints = [models.UniqueConstraint(fields=["batch", "unit"], name="secondment_quota_unique")]

    def __str__(self) -> str:
        return f"{self.unit.name}: {self.quota}"


class DisciplinarySanction(models.Model):
    """A sanction (处分) on a cadre; in force from start to end (open end: until lifted)."""

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField("处分种类", max_length=50)
    start_date = models.DateField("处分开始日期")
    end_date = models.DateField("影响期满日期", null=True, blank=True)
    reason = models.TextField("事由", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "处分记录"
        verbose_name_plural = "处分记录"
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.cadre.name} · {self.kind}"

    def in_force_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Channel(models.TextChoices):
    MOBILISED = "mobilised", "组织动员"
    APPLIED = "applied", "个人报名"
    UNIT_DECIDED = "unit_decided", "单位研究"


class Stage(models.TextChoices):
    SUBMITTED = "submitted", "待单位审核"
    UNIT_APPROVED = "unit_approved", "待组织部审核"
    UNIT_REJECTED = "unit_rejected", "单位未同意"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "组织部未通过"
    PLACED = "placed", "已安排岗位"
    IN_PROGRESS = "in_progress", "锻炼中"
    COMPLETED = "completed", "已期满返回"


# Stages from which the receiving unit manages the secondee.
RECEIVING_STAGES = (Stage.PLACED, Stage.IN_PROGRESS, Stage.COMPLETED)


class FinalRating(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASICALLY_COMPETENT = "basically_competent", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class Secondment(models.Model):
    """A cadre's secondment in a batch, from candidacy to return (双向学习锻炼)."""

    batch = models.ForeignKey(SecondmentBatch, on_delete=models.PROTECT, related_name="secondments")
    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="secondments")
    sending_unit = models.ForeignKey(Unit, verbose_name="派出单位", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("推荐方式", max_length=16, choices=Channel.choices)
    stage = models.CharField("状态", max_length=16, choices=Stage.choices, default=Stage.SUBMITTED)
    statement = models.TextField("个人陈述", blank=True)
    meeting_record = models.TextField("单位研究会议记录", blank=True)
    skills = models.JSONField("专业特长", default=list, blank=True)
    put_forward_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Eligibility as last checked, with the reasons a candidate falls short.
    eligible = models.BooleanField("符合条件", default=False)
    eligibility_reasons = models.JSONField("不符合原因", default=list, blank=True)
    # The sending unit's part.
    political_assessment = models.TextField("政治素质考察", blank=True)
    work_assessment = models.TextField("工作表现考察", blank=True)
    unit_opinion = models.TextField("单位意见", blank=True)
    org_opinion = models.TextField("组织部审核意见", blank=True)
    # Placement: proposed by the optimiser or set by hand (pinned), then confirmed.
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="secondments")
    receiving_unit = models.ForeignKey(
        Unit, verbose_name="接收单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pinned = models.BooleanField("人工指定", default=False)
    placement_note = models.CharField("安排说明", max_length=200, blank=True)
    # During and after.
    started_at = models.DateField("到岗日期", null=True, blank=True)
    summary = models.TextField("个人总结", blank=True)
    final_rating = models.CharField("期满考核等次", max_length=24, choices=FinalRating.choices, blank=True)
    final_comment = models.TextField("接收单位鉴定意见", blank=True)
    sending_opinion = models.TextField("派出单位意见", blank=True)
    returned_at = models.DateField("返回日期", null=True, blank=True)

    class Meta:
        verbose_name = "双向学习锻炼"
        verbose_name_plural = "双向学习锻炼"
        ordering = ["batch", "sending_unit__path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "cadre"], name="secondment_one_per_batch"),
            models.CheckConstraint(
                condition=~Q(receiving_unit=models.F("sending_unit")), name="secondment_not_to_own_unit"
            ),
        ]
        indexes = [models.Index(fields=["batch", "stage"])]

    def __str__(self) -> str:
        return f"{self.cadre.name} · {self.batch}"


class Preference(models.Model):
    """One of up to three preferred posts of a candidate; rank 1 is the first choice."""

    secondment = models.ForeignKey(Secondment, on_delete=models.CASCADE, related_name="preferences")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField("志愿顺序")

    class Meta:
        ordering = ["secondment", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["secondment", "rank"], name="secondment_pref_rank_unique"),
            models.UniqueConstraint(fields=["secondment", "post"], name="secondment_pref_post_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.post_id}"


class AssessmentRating(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    FAIR = "fair", "一般"
    POOR = "poor", "较差"


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"


class Assessment(models.Model):
    """The receiving unit's routine assessment (平时考核) of a secondee for a month or a quarter."""

    secondment = models.ForeignKey(Secondment, on_delete=models.CASCADE, related_name="assessments")
    period_kind = models.CharField("考核周期", max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period = models.CharField("考核期间", max_length=7, help_text="如 2026-03 或 2026Q1")
    rating = models.CharField("考核等次", max_length=12, choices=AssessmentRating.choices)
    comment = models.TextField("评语", blank=True)
    days_present = models.PositiveSmallIntegerField("出勤天数", default=0)
    days_absent = models.PositiveSmallIntegerField("缺勤天数", default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "平时考核"
        verbose_name_plural = "平时考核"
        ordering = ["secondment", "period"]
        constraints = [
            models.UniqueConstraint(fields=["secondment", "period"], name="secondment_assessment_period_unique")
        ]

    def __str__(self) -> str:
        return f"{self.secondment.cadre.name} · {self.period}"


class LiaisonForm(models.TextChoices):
    MEETING = "meeting", "座谈会商"
    VISIT = "visit", "实地走访"
    PHONE = "phone", "电话沟通"
    LETTER = "letter", "函件往来"
    ONLINE = "online", "网络视频"


class Liaison(models.Model):
    """A record of the sending and receiving units' periodic exchange (定期沟通) about a secondee."""

    secondment = models.ForeignKey(Secondment, on_delete=models.CASCADE, related_name="liaisons")
    date = models.DateField("沟通日期")
    form = models.CharField("沟通形式", max_length=12, choices=LiaisonForm.choices)
    content = models.TextField("沟通内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_for = models.ForeignKey(
        Unit, verbose_name="记录单位", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "定期沟通"
        verbose_name_plural = "定期沟通"
        ordering = ["secondment", "-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_form_display()}"


class WorkLog(models.Model):
    """The secondee's own work log (工作日志)."""

    secondment = models.ForeignKey(Secondment, on_delete=models.CASCADE, related_name="work_logs")
    date = models.DateField("日期")
    content = models.TextField("工作内容")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作日志"
        verbose_name_plural = "工作日志"
        ordering = ["secondment", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date}"


class UnitLocation(models.Model):
    """Where a unit is, for the distance tiebreak of placement; units without one take an ancestor's."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="secondment_location")
    latitude = models.FloatField("纬度")
    longitude = models.FloatField("经度")

    class Meta:
        verbose_name = "单位位置"
        verbose_name_plural = "单位位置"

    def __str__(self) -> str:
        return f"{self.latitude:.3f}, {self.longitude:.3f}"
