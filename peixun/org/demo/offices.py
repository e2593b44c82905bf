"""The 11 teaching-research offices and who leads them, plus the demo accounts, one per role."""

from __future__ import annotations

from dataclasses import dataclass

from peixun.accounts.roles import Role

# (code, name, field, description, where the director comes from: (unit code, cadre index))
OFFICES: list[tuple[str, str, str, str, tuple[str, int]]] = [
    (
        "ZH",
        "综合工作教研室",
        "综合工作",
        "机关运转、文稿起草、组织人事与宣传工作的教学研究，统筹各教研室的年度培训计划",
        ("37-BM-01", 0),
    ),
    (
        "DF",
        "党风政风监督教研室",
        "党风政风监督",
        "落实中央八项规定精神、纠治“四风”、整治群众身边腐败和作风问题的监督实务教学",
        ("37-BM-06", 0),
    ),
    ("XF", "信访举报教研室", "信访举报", "信访举报受理、分析研判、检举控告办理和处置反馈的业务教学", ("37-BM-07", 0)),
    (
        "AG",
        "案件监督管理教研室",
        "案件监督管理",
        "问题线索集中管理、执纪执法全过程监督、涉案财物管理和数据统计的教学研究",
        ("37-BM-08", 0),
    ),
    (
        "JC",
        "监督检查教研室",
        "监督检查",
        "政治监督、日常监督、专项监督和联系地区部门的监督检查方法教学",
        ("37-BM-09", 0),
    ),
    (
        "SC",
        "审查调查教研室",
        "审查调查",
        "执纪审查与监察调查的程序、证据收集、谈话技巧和安全文明办案教学",
        ("37-BM-19", 0),
    ),
    ("SL", "案件审理教研室", "案件审理", "案件审核把关、定性量纪、处分执行与申诉复查的审理实务教学", ("37-BM-24", 0)),
    ("XS", "巡视巡察教研室", "巡视巡察", "巡视巡察工作方法、上下联动、整改督查和成果运用的教学研究", ("37-BM-29", 0)),
    ("PZ", "派驻监督教研室", "派驻监督", "派驻机构对驻在部门的监督、“组组”协同和“室组地”联动的教学研究", ("37", 5)),
    (
        "FG",
        "党纪法规教研室",
        "党纪法规",
        "党章党规党纪、监察法及其实施条例、政务处分法等法规制度的教学研究",
        ("37-BM-05", 0),
    ),
    (
        "GB",
        "纪检监察干部监督教研室",
        "纪检监察干部监督",
        "纪检监察干部队伍建设、内部监督制约和“自身硬”的教学研究",
        ("37-BM-25", 0),
    ),
]

MEMBERS_PER_OFFICE = (5, 10)  # including the director

DEMO_PASSWORD = "Peixun@2026"


@dataclass(frozen=True)
class DemoAccount:
    """One line of the table the command prints. `cadre` is (unit code, index) or None for the three
    administrators who are not cadres; office accounts are resolved from the office plan."""

    username: str
    display: str  # role, in Chinese
    role: Role | None  # granted role; None when the role comes from the cadre or an office
    cadre: tuple[str, int] | None = None
    unit: str | None = None  # unit code the grant is scoped to
    office: str | None = None  # office code, for the office director and member
    display_name: str = ""


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, display_name="系统管理员"),
    DemoAccount("secadmin", "安全管理员", Role.SECURITY_ADMIN, display_name="安全管理员"),
    DemoAccount("auditor", "安全审计员", Role.AUDIT_ADMIN, display_name="安全审计员"),
    DemoAccount("orgadmin", "组织部管理员", Role.ORG_ADMIN, cadre=("37-BM-02", 3)),
    DemoAccount("jinan_admin", "单位培训管理员（市）", Role.UNIT_ADMIN, cadre=("3701", 5), unit="3701"),
    DemoAccount("lixia_admin", "单位培训管理员（县）", Role.UNIT_ADMIN, cadre=("370101", 5), unit="370101"),
    DemoAccount("shinan_admin", "单位培训管理员（县）", Role.UNIT_ADMIN, cadre=("370201", 5), unit="370201"),
    DemoAccount("office_director", "教研室主任", None, office="ZH"),
    DemoAccount("office_member", "教研室成员", None, office="ZH"),
    DemoAccount("teacher", "教师", Role.TEACHER, cadre=("37-BM-04", 1)),
    DemoAccount("lixia_venue", "分会场管理员", Role.VENUE_OPERATOR, cadre=("370101", 4), unit="370101"),
    DemoAccount("lixia_trainee", "学员", None, cadre=("370101", 6)),
]
