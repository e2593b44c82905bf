"""The sheet layout of each import kind. Templates, exports, the reader and the error report share it,
so an export can be imported again unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from peixun.org.import_models import ImportKind
from peixun.org.models import CadreStatus, Gender, PoliticalStatus, Rank, UnitKind

YES, NO = "是", "否"
INSTRUCTIONS_SHEET = "填写说明"
# The error report adds this column; the reader ignores it, so a corrected report can be uploaded again.
ERROR_COLUMN = "错误说明"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    max_length: int = 0
    choices: tuple[str, ...] = ()
    text: bool = False  # formatted as text in the template, so Excel keeps leading zeros
    date: bool = False
    width: int = 14
    help: str = ""


UNIT_COLUMNS: tuple[Column, ...] = (
    Column(
        "单位编码",
        "code",
        required=True,
        max_length=32,
        text=True,
        help="唯一，字母、数字、“-”、“_”；已存在则更新该单位",
    ),
    Column("单位名称", "name", required=True, max_length=100, width=28),
    Column("单位类别", "kind", required=True, choices=tuple(UnitKind.labels), width=20),
    Column(
        "上级单位编码",
        "parent",
        max_length=32,
        text=True,
        help="省纪委监委不填；上级单位须已存在或在本文件中更靠前的行",
    ),
    Column("是否接入内网", "has_intranet", choices=(YES, NO), help="是 或 否，不填视为是"),
    Column(
        "驻地市级纪委监委编码",
        "host_unit",
        max_length=32,
        text=True,
        width=22,
        help="未接入内网的单位必填，须为市纪委监委",
    ),
    Column("地址", "address", max_length=200, width=30),
    Column("联系人", "contact_name", max_length=50),
    Column("联系电话", "contact_phone", max_length=30, text=True),
)

CADRE_COLUMNS: tuple[Column, ...] = (
    Column(
        "工号",
        "employee_number",
        required=True,
        max_length=32,
        text=True,
        help="唯一，也是登录用户名；已存在则更新该干部",
    ),
    Column("姓名", "name", required=True, max_length=50),
    Column("性别", "gender", required=True, choices=tuple(Gender.labels), width=8),
    Column("出生日期", "birth_date", required=True, date=True, help="Excel日期，或文本 YYYY-MM-DD、YYYY/M/D"),
    Column("单位编码", "unit", required=True, max_length=32, text=True, help="须为您管理范围内的单位"),
    Column("职务", "position", max_length=100, width=20),
    Column("职级", "rank", required=True, choices=tuple(Rank.labels)),
    Column("政治面貌", "political_status", required=True, choices=tuple(PoliticalStatus.labels)),
    Column("手机号码", "phone", text=True, help="以1开头的11位数字"),
    Column("参加工作时间", "work_start_date", date=True, help="同出生日期格式"),
    Column("状态", "status", required=True, choices=tuple(CadreStatus.labels)),
    Column("身份证号", "id_number", text=True, width=22, help="可不填；填写则校验校验位，并须与出生日期、性别一致"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {ImportKind.UNITS: UNIT_COLUMNS, ImportKind.CADRES: CADRE_COLUMNS}
SHEET_TITLES: dict[str, str] = {ImportKind.UNITS: "单位", ImportKind.CADRES: "干部"}

EXAMPLES: dict[str, tuple[object, ...]] = {
    ImportKind.UNITS: (
        "A01",
        "某某县纪委监委",
        UnitKind.COUNTY.label,
        "A",
        YES,
        "",
        "某某县人民路1号",
        "张三",
        "0311-1234567",
    ),
    ImportKind.CADRES: (
        "100001",
        "李四",
        Gender.MALE.label,
        "1985-06-01",
        "A01",
        "科员",
        Rank.STAFF.label,
        PoliticalStatus.PARTY_MEMBER.label,
        "13800138000",
        "2008-07-01",
        CadreStatus.ACTIVE.label,
        "11010119850601001X",
    ),
}


def header_of(kind: str, key: str) -> str:
    return next(c.header for c in COLUMNS[kind] if c.key == key)
