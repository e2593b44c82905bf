"""Question bank, papers, exams and attempts, practice and contests.

The answer key lives on Question (answer, reference_answer, scoring_points); an Attempt keeps its own
snapshot of the questions drawn for it (AttemptItem), so later edits to the bank never change a sitting.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class QuestionType(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "true_false", "判断题"
    FILL_BLANK = "fill_blank", "填空题"
    SHORT_ANSWER = "short_answer", "简答题"


CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE}
OBJECTIVE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE, QuestionType.FILL_BLANK}


class QuestionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEWED = "reviewed", "已审核"
    ACTIVE = "active", "启用"
    RETIRED = "retired", "停用"


class Question(models.Model):
    """One question of an office's bank.

    answer: single "A"; multiple ["A", "C"]; true_false true/false; fill_blank [["variant", ...], ...]
    (one list of accepted variants per blank); short_answer: none (reference_answer + scoring_points).
    """

    office = models.ForeignKey(
        "offices.ResearchOffice", verbose_name="教研室", on_delete=models.PROTECT, related_name="questions"
    )
    qtype = models.CharField("题型", max_length=16, choices=QuestionType.choices)
    stem = models.TextField("题干")
    stem_image = models.FileField("题干图片", upload_to="exams/stems/", blank=True)
    options = models.JSONField("选项", default=list, blank=True)  # [{"key": "A", "text": "..."}]
    answer = models.JSONField("答案", default=None, null=True, blank=True)
    reference_answer = models.TextField("参考答案", blank=True)
    scoring_points = models.JSONField("评分要点", default=list, blank=True)  # [{"text": "...", "score": 2}]
    explanation = models.TextField("解析", blank=True)
    knowledge_point = models.CharField("知识点", max_length=100, blank=True, db_index=True)
    difficulty = models.PositiveSmallIntegerField(
        "难度", default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    source = models.CharField("出处", max_length=200, blank=True)
    status = models.CharField("状态", max_length=16, choices=QuestionStatus.choices, default=QuestionStatus.DRAFT)
    for_practice = models.BooleanField("可用于练习", default=True)
    # Normalised stem (no punctuation or spaces) for the near-duplicate check.
    stem_key = models.TextField(editable=False, default="")
    similar_to = models.ForeignKey(
        "self", verbose_name="疑似重复", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    similarity = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "试题"
        ordering = ["-id"]
        indexes = [models.Index(fields=["office", "status", "qtype", "difficulty"])]

    def __str__(self) -> str:
        return f"{self.get_qtype_display()} #{self.pk} {self.stem[:30]}"

    @property
    def blank_count(self) -> int:
        return len(self.answer or []) if self.qtype == QuestionType.FILL_BLANK else 0


class PaperMode(models.TextChoices):
    FIXED = "fixed", "固定试卷"
    RANDOM = "random", "随机组卷"


class Paper(models.Model):
    title = models.CharField("试卷名称", max_length=200)
    mode = models.CharField("组卷方式", max_length=16, choices=PaperMode.choices, default=PaperMode.FIXED)
    shuffle_questions = models.BooleanField("题目乱序", default=True)
    shuffle_options = models.BooleanField("选项乱序", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "试卷"
        verbose_name_plural = "试卷"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class PaperQuestion(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="entries")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["paper", "question"], name="paper_question_once")]

    def __str__(self) -> str:
        return f"{self.paper} · #{self.question_id}"


class PaperRule(models.Model):
    """Draw `count` active questions of `qtype` whose tags match, `points` each."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="rules")
    qtype = models.CharField("题型", max_length=16, choices=QuestionType.choices)
    count = models.PositiveIntegerField("题数")
    points = models.DecimalField("每题分值", max_digits=6, decimal_places=2)
    office = models.ForeignKey(
        "offices.ResearchOffice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    knowledge_points = models.JSONField("知识点", default=list, blank=True)
    difficulties = models.JSONField("难度", default=list, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.get_qtype_display()} × {self.count}"


class ResultsPolicy(models.TextChoices):
    ON_RELEASE = "on_release", "组织者发布后公布"
    AFTER_GRADING = "after_grading", "阅卷完成后立即公布"


class Exam(models.Model):
    title = models.CharField("考试名称", max_length=200)
    paper = models.ForeignKey(Paper, verbose_name="试卷", on_delete=models.PROTECT, related_name="exams")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    duration_minutes = models.PositiveIntegerField("考试时长(分钟)")
    attempts_allowed = models.PositiveSmallIntegerField("允许次数", default=1)
    pass_mark = models.DecimalField("及格分", max_digits=6, decimal_places=2, default=60)
    results_policy = models.CharField(
        "成绩公布", max_length=16, choices=ResultsPolicy.choices, default=ResultsPolicy.ON_RELEASE
    )
    results_released_at = models.DateTimeField("成绩发布时间", null=True, blank=True)
    audience_units = models.ManyToManyField("org.Unit", verbose_name="参考单位", blank=True, related_name="+")
    audience_cadres = models.ManyToManyField("org.Cadre", verbose_name="参考人员", blank=True, related_name="+")
    # The enrolled trainees of these classes (at the time they start) are in the audience too.
    audience_classes = models.ManyToManyField(
        "training.TrainingClass", verbose_name="参考培训班", blank=True, related_name="exams"
    )
    graders = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="阅卷人", blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "考试"
        verbose_name_plural = "考试"
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "作答中"
    SUBMITTED = "submitted", "已交卷"


class SubmitReason(models.TextChoices):
    EXAMINEE = "examinee", "考生交卷"
    DEADLINE = "deadline", "到时自动交卷"


class Attempt(models.Model):
    # No index of its own: the unique (exam, cadre, number) below starts with it.
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts", db_index=False)
    cadre = models.ForeignKey("org.Cadre", on_delete=models.PROTECT, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_reason = models.CharField(max_length=16, choices=SubmitReason.choices, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    graded = models.BooleanField(default=False)
    passed = models.BooleanField(null=True)

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["exam", "cadre", "number"], name="attempt_number_once")]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["exam", "status"])]

    def __str__(self) -> str:
        return f"{self.exam} · {self.cadre} · 第{self.number}次"


class AttemptItem(models.Model):
    """One question as drawn for one attempt, with the examinee's answer and its grade."""

    # No index of its own: the unique (attempt, question) below starts with it. A sitting inserts 84,000
    # items in seconds, and every index costs each of them.
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items", db_index=False)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField()
    points = models.DecimalField(max_digits=6, decimal_places=2)
    option_order = models.JSONField(default=list)  # option keys in the order this examinee sees them
    answer = models.JSONField(null=True, blank=True)
    seq = models.PositiveIntegerField(default=0)  # the last accepted save's sequence number
    saved_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    correct = models.BooleanField(null=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    grader_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="attempt_item_once")]
        # Only short answers are ever graded by someone: the index holds those rows, not every item's NULL.
        indexes = [
            models.Index(fields=["graded_by"], condition=models.Q(graded_by__isnull=False), name="item_graded_by")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · 第{self.order}题"


class AttemptEventKind(models.TextChoices):
    LEAVE = "leave", "离开页面"
    RETURN = "return", "返回页面"


class AttemptEvent(models.Model):
    """The exam page reports leaving and coming back (visibilitychange/blur)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=AttemptEventKind.choices)
    at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.get_kind_display()}"


class MistakeEntry(models.Model):
    """The mistake book: a question the cadre got wrong, until answered right in practice."""

    cadre = models.ForeignKey("org.Cadre", on_delete=models.CASCADE, related_name="mistakes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    wrong_count = models.PositiveIntegerField(default=1)
    last_wrong_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cadre", "question"], name="mistake_once")]
        indexes = [models.Index(fields=["cadre", "cleared_at"])]

    def __str__(self) -> str:
        return f"{self.cadre_id} · #{self.question_id}"


class PracticeAnswer(models.Model):
    cadre = models.ForeignKey("org.Cadre", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    answer = models.JSONField(null=True)
    correct = models.BooleanField()
    answered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.cadre_id} · #{self.question_id} · {'对' if self.correct else '错'}"


class Contest(models.Model):
    """练兵比武: an exam run as a competition, with a live ranking per cadre and per unit."""

    exam = models.OneToOneField(Exam, on_delete=models.CASCADE, related_name="contest")
    title = models.CharField("比武名称", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "练兵比武"
        verbose_name_plural = "练兵比武"
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="contest_has_title")]

    def __str__(self) -> str:
        return self.title
