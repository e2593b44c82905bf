from __future__ import annotations

from django.db import models
from django.db.models import Q

from peixun.org.idnumber import mask_id_number


class UnitKind(models.TextChoices):
    PROVINCE = "province", "省纪委监委"
    DEPARTMENT = "department", "机关内设部门"
    DISPATCHED = "dispatched", "派驻(派出)机构"
    CITY = "city", "市纪委监委"
    COUNTY = "county", "县(市、区)纪委监委"
    ENTERPRISE = "enterprise", "省管企业纪检监察机构"
    UNIVERSITY = "university", "高校纪检监察机构"


class Unit(models.Model):
    """A node of the organisation tree.

    `path` is a materialised path of zero-padded ids ("000001/000014/"), so a subtree is one indexed
    prefix match on every database, which is what every scoped query needs.
    """

    code = models.CharField("单位编码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=100)
    kind = models.CharField("单位类别", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    has_intranet = models.BooleanField("已接入内网", default=True)
    host_unit = models.ForeignKey(
        "self",
        verbose_name="驻地市级纪委监委",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_units",
        help_text="未接入内网的单位在此市级纪委监委的分会场参训",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(host_unit=models.F("id")), name="unit_host_is_not_itself"),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_segment(pk: int) -> str:
        return f"{pk:06d}/"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Rank(models.TextChoices):
    BUREAU_FULL = "bureau_full", "厅局级正职"
    BUREAU_DEPUTY = "bureau_deputy", "厅局级副职"
    DIVISION_FULL = "division_full", "县处级正职"
    DIVISION_DEPUTY = "division_deputy", "县处级副职"
    SECTION_FULL = "section_full", "乡科级正职"
    SECTION_DEPUTY = "section_deputy", "乡科级副职"
    STAFF = "staff", "科员"
    CLERK = "clerk", "办事员"
    OTHER = "other", "其他"


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", "中共党员"
    PROBATIONARY = "probationary", "中共预备党员"
    LEAGUE_MEMBER = "league_member", "共青团员"
    DEMOCRATIC_PARTY = "democratic_party", "民主党派"
    MASSES = "masses", "群众"


class CadreStatus(models.TextChoices):
    ACTIVE = "active", "在职"
    SECONDED = "seconded", "挂职锻炼中"
    RETIRED = "retired", "退休"
    TRANSFERRED = "transferred", "调离"


class Cadre(models.Model):
    employee_number = models.CharField("工号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="cadres")
    position = models.CharField("职务", max_length=100, blank=True)
    rank = models.CharField("职级", max_length=20, choices=Rank.choices, default=Rank.STAFF)
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.PARTY_MEMBER
    )
    phone = models.CharField("手机号码", max_length=20, blank=True)
    work_start_date = models.DateField("参加工作时间", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=CadreStatus.choices, default=CadreStatus.ACTIVE)
    # The ID number is stored encrypted; the digest (keyed HMAC) lets imports match and refuse
    # duplicates without ever decrypting.
    id_number_encrypted = models.TextField(blank=True, default="", editable=False)
    id_number_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "干部"
        verbose_name_plural = "干部"
        ordering = ["unit__path", "employee_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~Q(id_number_digest=""),
                name="cadre_unique_id_number",
            )
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.name}({self.employee_number})"

    def set_id_number_fields(self, *, encrypted: str, digest: str, plain: str) -> None:
        self.id_number_encrypted = encrypted
        self.id_number_digest = digest
        self.id_number_masked = mask_id_number(plain) if plain else ""


from peixun.org.import_models import ImportJob  # noqa: E402,F401
