"""Lecture notes (Handout, with every uploaded version kept) and the resource library (Resource).

Files live under MEDIA_ROOT/library/ with random names; the original name is kept only as a neutralised
display name. Search uses a portable inverted index (TermBlock: character bigrams and ASCII words, with
compressed lists of resources), built by the extraction job, so that SQLite and PostgreSQL answer the same way.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word 文档"
    PPTX = "pptx", "PowerPoint 演示文稿"
    XLSX = "xlsx", "Excel 表格"
    PNG = "png", "PNG 图片"
    JPEG = "jpg", "JPEG 图片"
    GIF = "gif", "GIF 图片"


class ExtractStatus(models.TextChoices):
    PENDING = "pending", "等待处理"
    DONE = "done", "已完成"
    FAILED = "failed", "处理失败"


class Handout(models.Model):
    """讲义: lecture notes of a lecture; every upload is a new HandoutFile version."""

    lecture = models.ForeignKey(
        "training.Lecture", verbose_name="课次", on_delete=models.CASCADE, related_name="handouts"
    )
    title = models.CharField("讲义名称", max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "讲义"
        verbose_name_plural = "讲义"
        ordering = ["lecture_id", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def current(self) -> HandoutFile | None:
        return self.versions.order_by("-version").first()


class HandoutFile(models.Model):
    """One uploaded version of a handout, stored under a random name."""

    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    kind = models.CharField("类型", max_length=8, choices=FileKind.choices)
    stored_path = models.CharField(max_length=200, unique=True, editable=False)  # relative to MEDIA_ROOT
    original_name = models.CharField("文件名", max_length=120)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    text = models.TextField("提取文本", blank=True, editable=False)
    extract_status = models.CharField(max_length=8, choices=ExtractStatus.choices, default=ExtractStatus.PENDING)
    pdf_path = models.CharField(max_length=200, blank=True, editable=False)  # LibreOffice rendition
    convert_status = models.CharField(max_length=8, choices=ExtractStatus.choices, default=ExtractStatus.PENDING)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "讲义版本"
        verbose_name_plural = "讲义版本"
        ordering = ["handout_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["handout", "version"], name="handout_version_once")]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.version})"

    @property
    def rendition_path(self) -> str:
        """The PDF that previews and stamped downloads use: the file itself, or its conversion."""
        return self.stored_path if self.kind == FileKind.PDF else self.pdf_path


class Scope(models.TextChoices):
    ALL = "all", "全体干部"
    PROVINCIAL = "provincial", "仅省直机关"
    UNITS = "units", "指定单位"
    CLASS = "class", "仅本班学员"


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", "待发布"
    PUBLISHED = "published", "已发布"
    UNPUBLISHED = "unpublished", "已撤回"


class Tag(models.Model):
    name = models.CharField("标签", max_length=30, unique=True)

    class Meta:
        verbose_name = "标签"
        verbose_name_plural = "标签"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """资源库 entry: an organised handout version, published to a visibility scope."""

    handout = models.ForeignKey(Handout, null=True, blank=True, on_delete=models.SET_NULL, related_name="resources")
    file = models.ForeignKey(HandoutFile, verbose_name="文件版本", on_delete=models.PROTECT, related_name="resources")
    title = models.CharField("标题", max_length=200)
    summary = models.TextField("摘要", blank=True)
    category = models.CharField("业务领域", max_length=50, blank=True, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources", verbose_name="标签")
    office = models.ForeignKey(
        "offices.ResearchOffice",
        verbose_name="教研室",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name="培训班",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lecture = models.ForeignKey(
        "training.Lecture", verbose_name="课次", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.CharField("可见范围", max_length=12, choices=Scope.choices, default=Scope.ALL)
    units = models.ManyToManyField("org.Unit", blank=True, related_name="+", verbose_name="指定单位")
    allow_download = models.BooleanField("允许下载", default=True, help_text="否则仅可在线预览")
    status = models.CharField("状态", max_length=12, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT)
    text = models.TextField("全文", blank=True, editable=False)  # copy of the file's extracted text
    # What the index holds for this resource (zlib of "term\tscore" lines), so a re-index touches only the
    # terms that changed and can take the resource out of the blocks of terms it no longer has.
    index_terms = models.BinaryField(default=b"", editable=False)
    read_count = models.PositiveIntegerField("阅读次数", default=0)
    download_count = models.PositiveIntegerField("下载次数", default=0)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "资源"
        verbose_name_plural = "资源"
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "scope"])]

    def __str__(self) -> str:
        return self.title


class Favourite(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="favourites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "user"], name="favourite_once")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.resource_id}"


class AccessKind(models.TextChoices):
    READ = "read", "阅读"
    DOWNLOAD = "download", "下载"


class Access(models.Model):
    """One read or download, with the reader's unit at that moment (for statistics per unit)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=AccessKind.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "kind", "-created_at"]), models.Index(fields=["resource", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.user_id}:{self.resource_id}"


class TermBlock(models.Model):
    """Inverted index, compressed: for one term (CJK bigram or lower-case ASCII word) and one chunk of
    resource ids (id // CHUNK), the resources holding the term and their scores, as one zlib blob of
    little-endian uint16 (id offsets delta-coded, then scores). `df` is the block's document frequency, so a
    query picks its rarest term and the chunks worth decoding from the small columns alone.

    score = TITLE_SCORE if the term is in the title, plus its count in the rest (capped), so that ordering
    by the summed score puts title matches first, then frequency.
    """

    CHUNK = 4096
    TITLE_SCORE = 1000

    term = models.CharField(max_length=32)
    chunk = models.PositiveIntegerField()
    df = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "chunk"], name="library_termblock_once")]

    def __str__(self) -> str:
        return f"{self.term}:{self.chunk}"
